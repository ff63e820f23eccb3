//! The reps' side: effort against quota, choosing whom to contact, and what a contact does.
//!
//! Every team runs the same code; only its [`Strategy`] knobs differ. A contact is welcome with
//! the account's receptivity (by stage, cut by fatigue, zero when blocked or when the account's
//! monthly attention is used up). Welcome contacts build trust, shortlist the vendor and speed the
//! journey; unwelcome ones add annoyance, and enough annoyance gets the vendor blocked.
//!
//! Reps act on what they could observe, never on the account's own state: what their vendor's
//! conversations revealed ([`Knowledge`], recorded in the vendor's CRM), how often contacts to
//! accounts known that way were welcome (their own [`super::ResponseLog`]), their own contacts,
//! and their colleagues' activity on the accounts they own.

use super::state::{Knowledge, ShortDay, Stage, NONE};
use super::{purpose, Engine, NeedSource, Strategy};
use crate::calendar::{
    day_in_quarter, month_of, next_quarter_start, quarter_of, Day, DAYS_PER_QUARTER,
};
use crate::params::pay::{Forecast, Plan};
use crate::rng::random_index;
use crate::rounding::{floor_non_negative, round_non_negative};
use crate::world::{CustomerId, RepId};
use rand::Rng as _;

/// Days within which a rival vendor's contact, mentioned by the buyer in a welcome conversation,
/// counts as a rival "seen on the account".
const SEEN_WINDOW_DAYS: Day = 10;
/// Share of a day's contact slots going to the pipeline, per open opportunity.
const PIPELINE_SLOT_SHARE: f64 = 0.1;
/// Business days between two follow-ups of an open opportunity by a rep that does not know the
/// buyer's pace (its stage): a week.
const PIPELINE_MIN_GAP_DAYS: Day = 5;
/// Fewest and most business days between two follow-ups paced by the buyer's stage
/// ([`Engine::follow_up_gap`]): a day to a week.
const FOLLOW_UP_GAP_DAYS: (Day, Day) = (1, 5);
/// Most accounts a rep queues up to defend.
const MAX_DEFEND_QUEUE: usize = 20;

/// Effort of a hand-set rep past its plan's commission cap, as a share of its base effort: 0.6.
/// Misra & Nair 2011 report that effort drops after the ceiling (docs/FIELD-FACTS.md [V]) without
/// a figure for how far; 0.6 is a judgement (the earlier sandbagging rule's level).
pub const COAST_EFFORT: f64 = 0.6;
/// How long a vendor trusts what it observed of an account that was dormant, cooling off,
/// deciding, or that turned a contact away ("not now"), business days: a quarter, the span of a
/// rep's pipeline review. (A stage of an active journey stays current for that stage's mean
/// length in the account's segment, at least [`MIN_KNOWLEDGE_DAYS`].) Model assumptions; no
/// field figure.
const SLOW_KNOWLEDGE_DAYS: Day = DAYS_PER_QUARTER;
/// Shortest time an observed journey stage is taken as current, business days (two weeks).
const MIN_KNOWLEDGE_DAYS: Day = 10;

/// Why a rep picked the account it contacts: for the record ([`Engine::contact_picked`]), never
/// for what the contact does (but a pull-in call, which carries an offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    /// A rival or teammate was seen on an account the rep owns.
    Defence,
    /// A quarter-end pull-in call on a late-stage deal of its pipeline.
    PullIn,
    /// A follow-up of an open opportunity in its pipeline.
    FollowUp,
    /// Prospecting: a lead of its signals, a sample of its territory, or a poached account.
    Prospect,
}

impl Engine<'_> {
    /// The strategy of a rep.
    pub(crate) fn rep_strategy(&self, v: usize, rep: RepId) -> &Strategy {
        &self.strategies[v][rep as usize]
    }

    /// The rep credited with a deal: the opportunity's owner, else the account's home rep.
    pub(crate) fn credited_rep(&self, c: CustomerId, v: usize) -> RepId {
        match self.rel(c, v).owner() {
            NONE => self.world.vendors[v].home_rep(c),
            owner => owner,
        }
    }

    /// Every rep of every vendor works; the vendor going first rotates by day.
    pub(crate) fn reps_act(&mut self) {
        let n_vendors = self.world.vendors.len();
        let first = self.day as usize % n_vendors;
        for i in 0..n_vendors {
            let v = (first + i) % n_vendors;
            for r in 0..self.reps[v].len() as RepId {
                self.rep_works(v, r);
            }
        }
    }

    /// Effort today as a share of capacity, for a rep whose plan period is `period` quarters,
    /// `day` days into it (0-based), at `attainment` of its quota so far (its commission
    /// credit, for a pay-driven rep).
    ///
    /// Hand-set knobs: the period-end ramp grows with the square of period progress and in
    /// proportion to the gap to quota; far from quota late in the period the rep gives up; past
    /// the commission cap (a plan's `cap`, when it has one) the rep coasts at [`COAST_EFFORT`]
    /// of its base: more bookings pay it nothing (Misra & Nair 2011: effort drops once the
    /// ceiling is reached, docs/FIELD-FACTS.md [V]). Under an uncapped plan (the default, with its
    /// accelerator) a rep past quota keeps selling. Pay-driven: effort follows the expected marginal pay of
    /// more bookings under the plan ([`Plan::marginal`]), raised to `pay_effort_elasticity`,
    /// between the given-up level and the ramp's ceiling; on a plan without variable pay, the
    /// steady `effort_base` ([`Plan::has_variable_pay`] says why).
    pub fn effort(strategy: &Strategy, plan: &Plan, day: Day, period: u32, attainment: f64) -> f64 {
        let days = period * DAYS_PER_QUARTER;
        if strategy.pay_driven && !plan.has_variable_pay() {
            return strategy.effort_base;
        }
        if strategy.pay_driven {
            let elapsed = f64::from(day) / f64::from(days);
            let marginal = plan.marginal(Forecast::new(attainment, elapsed, period));
            let stretch = marginal.powf(strategy.pay_effort_elasticity);
            let ceiling = 1.0 + strategy.effort_ramp / strategy.effort_base.max(1e-9);
            return strategy.effort_base * stretch.clamp(strategy.give_up_effort, ceiling);
        }
        let progress = f64::from(day) / f64::from(days - 1);
        if plan.cap > 0.0 && attainment >= plan.cap.max(1.0) {
            return strategy.effort_base * COAST_EFFORT;
        }
        if strategy.give_up_below > 0.0
            && progress >= 2.0 / 3.0
            && attainment < strategy.give_up_below
        {
            return strategy.effort_base * strategy.give_up_effort;
        }
        let gap = (1.0 - attainment).clamp(0.0, 1.0);
        strategy.effort_base + strategy.effort_ramp * progress * progress * gap
    }

    /// Business days into rep `r`'s current plan period (0-based).
    pub(crate) fn day_in_period(&self, v: usize, r: RepId) -> Day {
        self.reps[v][r as usize].period_quarters_done * DAYS_PER_QUARTER + day_in_quarter(self.day)
    }

    /// Business days left in rep `r`'s plan period after today.
    pub(crate) fn days_left_in_period(&self, v: usize, r: RepId) -> Day {
        let rep = &self.reps[v][r as usize];
        rep.period_quarters * DAYS_PER_QUARTER - 1 - self.day_in_period(v, r)
    }

    /// What rep `r` of vendor `v` forecasts of its period's end (credited attainment).
    pub(crate) fn pay_forecast(&self, v: usize, r: RepId) -> Forecast {
        let rep = &self.reps[v][r as usize];
        let days = rep.period_quarters * DAYS_PER_QUARTER;
        let elapsed = f64::from(self.day_in_period(v, r)) / f64::from(days);
        Forecast::new(rep.credited_attainment(), elapsed, rep.period_quarters)
    }

    /// One rep's day.
    fn rep_works(&mut self, v: usize, r: RepId) {
        let strategy = self.rep_strategy(v, r).clone();
        self.clean_pipeline(v, r);
        let rep = &self.reps[v][r as usize];
        let attainment = if strategy.pay_driven {
            rep.credited_attainment()
        } else {
            rep.attainment()
        };
        let (day, period) = (self.day_in_period(v, r), rep.period_quarters);
        let effort = Self::effort(&strategy, self.rep_plan(v, r), day, period, attainment);
        let contacts = self.cfg.reps.capacity_per_day
            * effort
            * (1.0 - strategy.listening * strategy.listening_cost);
        let rep = &mut self.reps[v][r as usize];
        let total = contacts + rep.carry;
        let n = floor_non_negative(total);
        rep.carry = total - n;
        if v == 0 {
            self.recorder
                .effort(self.day, self.reps[0][r as usize].attainment(), effort);
        }
        // Where the pull-in search resumes: see [`Self::pick_target_from`].
        let mut pull_in_from = 0;
        for _ in 0..n as u32 {
            if let Some((c, pick)) = self.pick_target_from(v, r, &strategy, &mut pull_in_from) {
                self.contact_picked(v, r, c, &strategy, pick);
            }
        }
    }

    /// Whether rep `r` of vendor `v` holds an open opportunity on account `c`: it owns it and the
    /// vendor is on the shortlist of the journey under way (a shortlist lasts until the journey
    /// ends, and the shortlisted vendors hear how it ended, so the vendor's CRM knows this).
    pub(crate) fn is_open_opportunity(&self, c: CustomerId, v: usize, r: RepId) -> bool {
        let rel = self.rel(c, v);
        rel.owner() == r && rel.shortlisted
    }

    /// A uniform draw from rep `r`'s own behaviour stream.
    fn roll(&mut self, v: usize, r: RepId) -> f64 {
        self.rep_rngs[v][r as usize].random()
    }

    /// Notes, before the owner, shortlist or stage of account `c` changes, that the pipeline
    /// entry of its current owner at vendor `v` may go stale; that rep re-checks it at its next
    /// clean-up.
    pub(crate) fn suspect(&mut self, c: CustomerId, v: usize) {
        let owner = self.rel(c, v).owner();
        if owner != NONE {
            self.reps[v][owner as usize].suspects.push(c);
        }
    }

    /// Adds account `c` to rep `r`'s pipeline (suspected at once if it is not an open
    /// opportunity of the rep's).
    pub(crate) fn pipeline_push(&mut self, v: usize, r: RepId, c: CustomerId) {
        let open = self.is_open_opportunity(c, v, r);
        let rep = &mut self.reps[v][r as usize];
        rep.pipeline.push(c);
        if !open {
            rep.suspects.push(c);
        }
    }

    /// Drops pipeline entries the rep no longer owns or that have ended, and values the open
    /// pipeline (in pipeline order).
    ///
    /// Equivalent to re-checking every entry with [`Self::is_open_opportunity`]: an entry that
    /// was open at the last clean-up (or when pushed) can only have closed through a change the
    /// engine noted in `suspects`, so only suspected entries are re-checked, and the values come
    /// from the contiguous `pipeline_values` instead of one account look-up per entry.
    fn clean_pipeline(&mut self, v: usize, r: RepId) {
        let rep = &mut self.reps[v][r as usize];
        let mut pipeline = std::mem::take(&mut rep.pipeline);
        let mut values = std::mem::take(&mut rep.pipeline_values);
        let mut suspects = std::mem::take(&mut rep.suspects);
        let mut changed = values.len() != pipeline.len();
        values.truncate(pipeline.len());
        for &c in &pipeline[values.len()..] {
            values.push(self.world.annual_values[c as usize]);
        }
        if !suspects.is_empty() {
            // The suspects whose opportunity has closed; their entries go.
            suspects.sort_unstable();
            suspects.dedup();
            suspects.retain(|&c| !self.is_open_opportunity(c, v, r));
            if !suspects.is_empty() {
                // A 64-bit filter of the closed accounts' ids turns most entries away with one
                // test; only the others are looked up among the (sorted) closed ones.
                let filter = suspects.iter().fold(0u64, |f, &c| f | 1 << (c % 64));
                let closed = |c: CustomerId| {
                    filter & (1 << (c % 64)) != 0 && suspects.binary_search(&c).is_ok()
                };
                // Entries before the first closed one stay where they are; compaction starts
                // there (same kept entries, same order as filtering the whole pipeline).
                if let Some(first) = pipeline.iter().position(|&c| closed(c)) {
                    let mut kept = first;
                    for i in first + 1..pipeline.len() {
                        let c = pipeline[i];
                        if !closed(c) {
                            pipeline[kept] = c;
                            values[kept] = values[i];
                            kept += 1;
                        }
                    }
                    changed = true;
                    pipeline.truncate(kept);
                    values.truncate(kept);
                }
                suspects.clear();
            }
        }
        let rep = &mut self.reps[v][r as usize];
        if changed {
            // Same values, same order: the same sum as adding up every entry's account value.
            rep.pipeline_value = values.iter().map(|&x| x as f64).sum();
        }
        rep.pipeline = pipeline;
        rep.pipeline_values = values;
        rep.suspects = suspects;
    }

    /// Whom to contact next (see [`Self::pick_target_from`]), searching the whole pipeline for
    /// a pull-in.
    #[cfg(test)]
    pub(crate) fn pick_target(
        &mut self,
        v: usize,
        r: RepId,
        s: &Strategy,
    ) -> Option<(CustomerId, bool)> {
        self.pick_target_from(v, r, s, &mut 0)
            .map(|(c, pick)| (c, pick == Pick::PullIn))
    }

    /// Target picking on its own, for the criterion bench (`benches/engine.rs`,
    /// `target_picking`): every rep of every vendor picks whom to contact next once, from the
    /// market as it stands; the number of reps who found someone. It changes what a pick
    /// changes (a pull-in call is marked as offered), so a bench runs it on a copy.
    #[doc(hidden)]
    pub fn pick_targets_for_every_rep(&mut self) -> usize {
        let mut found = 0;
        for v in 0..self.world.vendors.len() {
            for r in 0..self.reps[v].len() as RepId {
                let s = self.rep_strategy(v, r).clone();
                found += usize::from(self.pick_target_from(v, r, &s, &mut 0).is_some());
            }
        }
        found
    }

    /// Whom to contact next: a defended account, a quarter-end pull-in, a pipeline follow-up, a
    /// poached account, or the best of a few accounts of the own territory (by value when
    /// stage-blind, by the welcome rate the vendor has learned for what it knows of each
    /// account otherwise). `None` when a listening rep finds no one it believes ready.
    ///
    /// The quarter-end pull-in calls go through the rep's pipeline once a day, in order: the
    /// search starts at pipeline entry `*pull_in_from` (0 at the start of a rep's day) and
    /// advances it past the entries found not to qualify. (A deal whose late stage one of the
    /// day's own conversations reveals is called on the next day.)
    fn pick_target_from(
        &mut self,
        v: usize,
        r: RepId,
        s: &Strategy,
        pull_in_from: &mut usize,
    ) -> Option<(CustomerId, Pick)> {
        let day = self.day;
        if let Some(c) = self.defend_target(v, r, s) {
            return Some((c, Pick::Defence));
        }
        let attainment = self.reps[v][r as usize].attainment();
        if s.discount_max > 0.0
            && self.days_left_in_period(v, r) < s.discount_window_days
            && (s.pay_driven || attainment < 1.0)
        {
            let quarter = quarter_of(day) as u16;
            let pipeline = &self.reps[v][r as usize].pipeline;
            let from = (*pull_in_from).min(pipeline.len());
            let late = pipeline[from..].iter().position(|&c| {
                let reach = self.reach(c, v);
                matches!(reach.known, Knowledge::Stage(stage) if stage.is_late())
                    && reach.offered_quarter != quarter
                    && self.is_open_opportunity(c, v, r)
                    && (!s.pay_driven || self.pay_driven_pull_in(v, r, c, s).is_some())
            });
            *pull_in_from = late.map_or(pipeline.len(), |i| from + i + 1);
            if let Some(i) = late {
                let c = pipeline[from + i];
                // One pull-in call per account and quarter, whether or not it gets through.
                self.reach_mut(c, v).offered_quarter = quarter;
                return Some((c, Pick::PullIn));
            }
        }
        if let Some(c) = self.pipeline_target(v, r, s) {
            return Some((c, Pick::FollowUp));
        }
        // A rep still hunting for quota (short of it, or with a thin pipeline; a pay-driven rep
        // always) looks over the fence with the chance `poaching` gives, and works the account it
        // sees there when it looks a better chance than the best of its own (by value: what a
        // stage-blind rep goes by; for a listening rep, by value times the welcome rate its
        // vendor believes).
        let hunting =
            s.pay_driven || attainment < 1.0 || self.reps[v][r as usize].pipeline_is_thin();
        if s.poaching > 0.0 && hunting && self.roll(v, r) < s.poaching {
            if let Some(c) = self.poach_target(v, r, s) {
                let own = self.territory_target(v, r, s);
                let chance = |e: &Self, x: CustomerId| {
                    let value = f64::from(e.world.annual_values[x as usize]);
                    if s.listening > 0.0 {
                        value * e.believed_receptivity(x, v)
                    } else {
                        value
                    }
                };
                return match own {
                    Some(o) if chance(self, o) >= chance(self, c) => Some((o, Pick::Prospect)),
                    _ => Some((c, Pick::Prospect)),
                };
            }
        }
        self.territory_target(v, r, s).map(|c| (c, Pick::Prospect))
    }

    /// The oldest account on the rep's defend list that it still defends (see
    /// [`Self::still_defends`]), unless the rep itself contacted it too recently for its strategy
    /// (and at least a day ago). Entries it no longer defends are dropped.
    fn defend_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let mut i = 0;
        while i < self.reps[v][r as usize].defend.len() {
            let c = self.reps[v][r as usize].defend[i];
            if !self.still_defends(c, v, r) {
                self.reps[v][r as usize].defend.remove(i);
                continue;
            }
            let own_last = self.rel(c, v).last_rep() == r;
            if !own_last || !self.too_soon_for(c, v, s, 1) {
                self.reps[v][r as usize].defend.remove(i);
                self.trace_defend_pick(c);
                return Some(c);
            }
            i += 1;
        }
        None
    }

    /// Whether rep `r` still defends account `c`: the vendor is still in the deal, and the rep
    /// owns the opportunity or the account is in its own territory (a colleague who won the
    /// opportunity over is fought for it).
    fn still_defends(&self, c: CustomerId, v: usize, r: RepId) -> bool {
        let rel = self.rel(c, v);
        rel.shortlisted && (rel.owner() == r || self.world.vendors[v].home_rep(c) == r)
    }

    /// The owner of an open opportunity saw another rep at work on it (a colleague in the CRM, or
    /// a rival the buyer mentioned): with the chance its strategy's `defending` gives, it puts
    /// the account on its defend list, to be contacted before anything else.
    fn consider_defending(&mut self, v: usize, owner: RepId, c: CustomerId) {
        let defending = self.rep_strategy(v, owner).defending;
        if defending <= 0.0 || self.roll(v, owner) >= defending {
            return;
        }
        let queue = &mut self.reps[v][owner as usize].defend;
        if queue.len() < MAX_DEFEND_QUEUE && !queue.contains(&c) {
            queue.push(c);
        }
    }

    /// Every rep works its open opportunities: a slot goes to one of them with a chance that
    /// grows with the pipeline (10% per opportunity, at most half the slots), respecting the
    /// strategy's minimum gap between contacts and the buyer's pace ([`Self::follow_up_gap`]).
    fn pipeline_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let len = self.reps[v][r as usize].pipeline.len();
        let share = (len as f64 * PIPELINE_SLOT_SHARE).min(0.5);
        if len == 0 || self.roll(v, r) >= share {
            return None;
        }
        let i = random_index(&mut self.rep_rngs[v][r as usize], len);
        let c = self.reps[v][r as usize].pipeline[i];
        self.prefetch_account(c, v);
        self.not_too_soon(c, v, s).then_some(c)
    }

    /// Whether a follow-up contact (pipeline) respects the rep's cadence
    /// ([`Self::too_soon_for`]), and the buyer's pace ([`Self::follow_up_gap`]).
    fn not_too_soon(&self, c: CustomerId, v: usize, s: &Strategy) -> bool {
        !self.too_soon_for(c, v, s, self.follow_up_gap(c, v, s))
    }

    /// Fewest business days between two follow-ups of an open opportunity: the buyer's pace. A
    /// listening rep that knows the account's stage follows up twice a stage, at half the
    /// stage's mean length in the account's segment (every day or two in a small business's
    /// weeks-long journey), but never less than weekly ([`FOLLOW_UP_GAP_DAYS`]); a stage-blind
    /// rep, or one that does not know the stage, weekly ([`PIPELINE_MIN_GAP_DAYS`]). A
    /// judgement: no field figure gives a follow-up pace by stage (the fatigue mechanism carries
    /// HubSpot's 7+ calls → 45% less response). Following up slower than weekly in long stages
    /// (up to four weeks) was tried and lost the aligned team 3% of its bookings on the lesson
    /// market (8 quarters, 20 replications), so a week stays the slowest pace.
    fn follow_up_gap(&self, c: CustomerId, v: usize, s: &Strategy) -> Day {
        match self.knowledge(c, v) {
            Knowledge::Stage(stage) if s.listening > 0.0 && stage.is_active() => {
                let segment = self.world.customers[c as usize].segment as usize;
                let half = self.stage_lengths[segment][stage as usize].mean / 2.0;
                (round_non_negative(half) as Day).clamp(FOLLOW_UP_GAP_DAYS.0, FOLLOW_UP_GAP_DAYS.1)
            }
            _ => PIPELINE_MIN_GAP_DAYS,
        }
    }

    /// Whether contacting account `c` now would break the rep's cadence: at least `floor`
    /// business days since the vendor's last contact, and after a contact that was not welcome
    /// (the buyer's "not now"; the vendor knows how its own last contact went) at least the
    /// strategy's `min_contact_gap_days`. After a welcome conversation the buyer sets the pace,
    /// and only `floor` applies.
    pub(crate) fn too_soon_for(&self, c: CustomerId, v: usize, s: &Strategy, floor: Day) -> bool {
        let Some(since) = self.days_since_contact(c, v) else {
            return false;
        };
        let welcome = self.rel(c, v).conversed == self.reach(c, v).last_contact;
        let gap = if welcome {
            floor
        } else {
            s.min_contact_gap_days.max(floor)
        };
        since < gap
    }

    /// An account in a teammate's territory or a neighbouring team's region.
    fn poach_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let world = self.world;
        let sf = &world.vendors[v];
        let team = &sf.teams[sf.reps[r as usize].team as usize];
        let neighbour = !team.neighbours.is_empty() && self.roll(v, r) < s.poach_neighbour_share;
        let rng = &mut self.rep_rngs[v][r as usize];
        let victim = if neighbour {
            let t = team.neighbours[random_index(rng, team.neighbours.len())];
            let reps = &sf.teams[t as usize].reps;
            rng.random_range(reps.clone())
        } else {
            if team.reps.len() < 2 {
                return None;
            }
            let other = rng.random_range(team.reps.start..team.reps.end - 1);
            if other >= r {
                other + 1
            } else {
                other
            }
        };
        let territory = &sf.reps[victim as usize].territory;
        if territory.is_empty() {
            return None;
        }
        // The more valuable of two of the victim's accounts.
        let (a, b) = (
            territory[random_index(rng, territory.len())],
            territory[random_index(rng, territory.len())],
        );
        let value = |x: CustomerId| world.annual_values[x as usize];
        Some(if value(b) > value(a) { b } else { a })
    }

    /// The best of a few sampled accounts of the rep's own territory. A stage-blind rep takes the
    /// more valuable of two; a listening rep samples more and ranks them by the welcome rate its
    /// vendor has learned for what it knows of each ([`Self::believed_receptivity`]) times
    /// √value, passing over accounts it believes less receptive than `min_receptivity`; the slot
    /// goes unused when no sampled account qualifies.
    fn territory_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let world = self.world;
        // With the chance `listening`, the rep looks at its lead list too: its freshest usable
        // lead competes with the territory samples, scored alike by the welcome rate its vendor
        // has learned for leads (so a channel full of false alarms loses to the rep's own picks).
        let lead = if s.listening > 0.0
            && !self.reps[v][r as usize].leads.is_empty()
            && self.roll(v, r) < s.listening
        {
            self.lead_target(v, r, s)
        } else {
            None
        };
        let territory = &world.vendors[v].reps[r as usize].territory;
        // (A rep without a territory samples nothing; its leads are judged alike.)
        let samples = if territory.is_empty() {
            0
        } else {
            2 + round_non_negative(6.0 * s.listening) as usize
        };
        self.prefetch_samples(v, r, samples);
        let mut best: Option<(f64, CustomerId)> = None;
        for k in 0..samples {
            let c = territory[random_index(&mut self.rep_rngs[v][r as usize], territory.len())];
            // (With no minimum gap nothing is too soon: skip the relation look-up.)
            let too_soon = s.min_contact_gap_days > 0 && self.too_soon_for(c, v, s, 0);
            if too_soon {
                // The look-ahead assumed a draw for this sample that is not made: redo it.
                self.prefetch_samples(v, r, samples - k - 1);
                continue;
            }
            let value = self.world.annual_values[c as usize] as f64;
            let score = if s.listening > 0.0 {
                let p = self.believed_receptivity(c, v);
                if p < s.min_receptivity {
                    continue;
                }
                p * value.sqrt()
            } else {
                value
            };
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, c));
            }
        }
        if let Some((c, i)) = lead {
            let p = self.believed_receptivity(c, v);
            let score = p * f64::from(self.world.annual_values[c as usize]).sqrt();
            if p >= s.min_receptivity && best.is_none_or(|b| score >= b.0) {
                return Some(self.take_lead(v, r, i));
            }
        }
        best.map(|(_, c)| c)
    }

    /// What vendor `v` currently knows of account `c`: the last observation, while it is still
    /// current (see [`SLOW_KNOWLEDGE_DAYS`]), else [`Knowledge::Unknown`].
    pub(crate) fn knowledge(&self, c: CustomerId, v: usize) -> Knowledge {
        let reach = self.reach(c, v);
        if self.day <= reach.known_until.day() {
            reach.known
        } else {
            Knowledge::Unknown
        }
    }

    /// How many business days after it was observed vendor `v` takes `known` of account `c` as
    /// current: a stage of an active journey for that stage's mean length in the account's
    /// segment (at least [`MIN_KNOWLEDGE_DAYS`]), anything else [`SLOW_KNOWLEDGE_DAYS`].
    fn knowledge_current_for(&self, c: CustomerId, known: Knowledge) -> Day {
        match known {
            Knowledge::Stage(stage) if stage.is_active() && stage != Stage::Decision => {
                let segment = self.world.customers[c as usize].segment as usize;
                let mean = self.stage_lengths[segment][stage as usize].mean;
                (round_non_negative(mean) as Day).max(MIN_KNOWLEDGE_DAYS)
            }
            Knowledge::Signalled => self.cfg.customers.signals.lead_days,
            _ => SLOW_KNOWLEDGE_DAYS,
        }
    }

    /// The chance, as vendor `v` believes it, that account `c` welcomes a contact now: the rate
    /// at which its contacts to accounts it knew that way were welcome. For an account it knows
    /// nothing of, this is its learned cold-contact welcome rate: the explicit prior for unknown
    /// accounts (a half before the first contact, see [`super::ResponseLog`]).
    pub(crate) fn believed_receptivity(&self, c: CustomerId, v: usize) -> f64 {
        self.responses[v].rate(self.knowledge(c, v))
    }

    /// Vendor `v` records what it observed of account `c` today.
    pub(crate) fn observe(&mut self, c: CustomerId, v: usize, known: Knowledge) {
        let until = self.day + self.knowledge_current_for(c, known);
        let reach = self.reach_mut(c, v);
        reach.known = known;
        reach.known_until = ShortDay::new(until);
    }

    /// Starts fetching the accounts the next `n` territory samples will look at, by drawing
    /// ahead on a copy of the rep's behaviour stream (which the rep's own stream never sees) and
    /// assuming no sample is too soon; the loop redoes this when one is. Speed only: a wrong
    /// guess costs a wasted fetch, never a different result.
    ///
    /// Inlined down to the test of the flag: a market below
    /// [`super::PREFETCH_MIN_RELATIONS`] pays no call (the look-ahead itself stays out of line).
    #[inline]
    fn prefetch_samples(&self, v: usize, r: RepId, n: usize) {
        if self.prefetching && n > 0 {
            self.prefetch_samples_ahead(v, r, n);
        }
    }

    /// The look-ahead of [`Self::prefetch_samples`].
    #[inline(never)]
    fn prefetch_samples_ahead(&self, v: usize, r: RepId, n: usize) {
        let territory = &self.world.vendors[v].reps[r as usize].territory;
        let mut ahead = self.rep_rngs[v][r as usize].clone();
        for _ in 0..n {
            let c = territory[random_index(&mut ahead, territory.len())];
            self.prefetch_account(c, v);
        }
    }

    /// Chance that a contact from vendor `v` is welcome now: stage receptivity, cut by fatigue
    /// (1 / (1 + k × recent contacts); HubSpot: 7+ calls → 45% less response), zero when the
    /// vendor is blocked or the account's monthly attention is used up (Gartner: 17% of buying
    /// time with all suppliers together).
    pub fn receptivity(&self, c: CustomerId, v: usize) -> f64 {
        self.receptivity_with(c, v, self.stage_receptivity(c), self.fatigue_now(c, v))
    }

    /// [`Self::receptivity`] from the stage's receptivity and the recent contacts, when the caller
    /// needs those too.
    fn receptivity_with(
        &self,
        c: CustomerId,
        v: usize,
        stage_receptivity: f64,
        recent: f32,
    ) -> f64 {
        if self.reachable(c, v) {
            stage_receptivity / (1.0 + self.cfg.customers.fatigue_per_contact * recent as f64)
        } else {
            0.0
        }
    }

    /// Whether a contact from vendor `v` can be welcome at all today: the vendor is not blocked
    /// and the account has attention left this month.
    fn reachable(&self, c: CustomerId, v: usize) -> bool {
        let a = &self.accounts[c as usize];
        !self.is_blocked(c, v)
            && (u32::from(a.attention_month) != month_of(self.day)
                || u32::from(a.attention_used) < self.cfg.customers.attention_per_month)
    }

    /// Recent contacts from vendor `v` (fatigue), decayed to today.
    fn fatigue_now(&self, c: CustomerId, v: usize) -> f32 {
        let reach = self.reach(c, v);
        reach.fatigue
            * self
                .decay
                .fatigue(self.day - reach.fatigue_day.day().min(self.day))
    }

    /// Receptivity of the account's current buying stage, before fatigue and attention.
    pub fn stage_receptivity(&self, c: CustomerId) -> f64 {
        self.receptivity_by_stage[self.accounts[c as usize].stage as usize]
    }

    /// One contact from rep `r` of vendor `v` to account `c`.
    #[cfg(test)]
    pub(crate) fn contact(
        &mut self,
        v: usize,
        r: RepId,
        c: CustomerId,
        s: &Strategy,
        pull_in: bool,
    ) {
        let pick = if pull_in {
            Pick::PullIn
        } else {
            Pick::FollowUp
        };
        self.contact_picked(v, r, c, s, pick);
    }

    /// What a random pick of account `c`'s home territory (for vendor `v`) would have found: is
    /// a random account of it in an active buying journey? The observer's draw (keyed by the
    /// contact's number in the run, purpose [`purpose::BASELINE`]), which no rep sees and which
    /// changes nothing else.
    fn territory_baseline(&self, c: CustomerId, v: usize) -> bool {
        let vendor = &self.world.vendors[v];
        let territory = &vendor.reps[vendor.home_rep(c) as usize].territory;
        let u = crate::rng::keyed_uniform(
            self.customer_seed,
            v as u32,
            purpose::BASELINE,
            self.all_contacts as u32,
        );
        let i = ((u * territory.len() as f64) as usize).min(territory.len() - 1);
        self.accounts[territory[i] as usize].stage.is_active()
    }

    /// A contact picked as `pick` says (see [`Self::contact`]).
    fn contact_picked(&mut self, v: usize, r: RepId, c: CustomerId, s: &Strategy, pick: Pick) {
        let pull_in = pick == Pick::PullIn;
        let day = self.day;
        self.prefetch_account(c, v);
        self.all_contacts += 1;
        if v == 0 {
            let on_journey = self.accounts[c as usize].stage.is_active();
            self.recorder.contact(day, r, on_journey);
            if pick == Pick::Prospect {
                let baseline = self.territory_baseline(c, v);
                self.recorder.prospecting(day, on_journey, baseline);
            }
        }
        let known = self.knowledge(c, v);
        let previous = self.reach(c, v).last_contact.day();
        let conflict_window = self.cfg.customers.conflict_window_days;
        let since = self.days_since_contact(c, v);
        let rel = self.rel(c, v);
        let conflict = rel.last_rep() != r
            && rel.last_rep() != NONE
            && since.is_some_and(|d| d <= conflict_window);
        // A colleague's opportunity: its owner sees this contact in the vendor's CRM.
        let colleague =
            (rel.owner() != r && rel.owner() != NONE && rel.shortlisted).then_some(rel.owner());
        let blocked = self.is_blocked(c, v);
        // Receptivity (as [`Self::receptivity`]) is zero once the month's attention is used up; a
        // welcome contact (a conversation) uses one unit of it, an ignored one does not.
        let recent = self.fatigue_now(c, v);
        let base = self.stage_receptivity(c);
        let p = self.receptivity_with(c, v, base, recent);
        let welcome = !blocked && self.roll(v, r) < p;
        self.trace_contact(v, r, c, welcome, pull_in);
        self.responses[v].record(known, welcome);
        if welcome {
            self.use_attention(c);
        }
        if v == 0 && !blocked {
            self.recorder.response(recent as f64, welcome, base);
        }
        let reach = self.reach_mut(c, v);
        reach.last_contact = ShortDay::new(day);
        reach.fatigue = recent + 1.0;
        reach.fatigue_day = ShortDay::new(day);
        self.rel_mut(c, v).set_last_rep(r);
        if let Some(owner) = colleague {
            self.consider_defending(v, owner, c);
        }
        if conflict {
            if v == 0 {
                self.recorder.conflict(day, r);
            }
            self.annoy(c, v, r, self.cfg.customers.annoyance_per_conflict);
        }
        if welcome {
            self.welcome(v, r, c, s, pull_in, previous);
            return;
        }
        // Turned away: unwelcome, or refused by an account that blocks the vendor.
        if v == 0 {
            self.recorder.unwelcome(day);
        }
        self.observe(c, v, Knowledge::Rebuffed);
        if !blocked {
            // Bad is stronger than good: the loss is `trust_loss` of the trust there is, against
            // a welcome contact's `trust_gain` of the room left.
            let trust = self.trust(c, v);
            let loss = self.cfg.customers.trust_loss as f32 * trust;
            self.set_trust(c, v, trust - loss);
            self.annoy(c, v, r, self.cfg.customers.annoyance_per_unwelcome);
        }
    }

    /// Whether another vendor contacted the account since `since` (vendor `v`'s previous contact,
    /// `NONE` for never) and within [`SEEN_WINDOW_DAYS`]: what the buyer tells a rep in a
    /// conversation about the rivals it is talking to.
    fn rival_mentioned(&self, c: CustomerId, v: usize, since: Day) -> bool {
        (0..self.world.vendors.len()).any(|u| {
            let last = self.reach(c, u).last_contact.day();
            u != v
                && last != NONE
                && (since == NONE || last > since)
                && self.day - last.min(self.day) <= SEEN_WINDOW_DAYS
        })
    }

    /// A conversation uses one unit of the account's monthly attention.
    pub(crate) fn use_attention(&mut self, c: CustomerId) {
        let month = month_of(self.day) as u16;
        let a = &mut self.accounts[c as usize];
        if a.attention_month != month {
            a.attention_month = month;
            a.attention_used = 0;
        }
        a.attention_used += 1;
    }

    /// A welcome contact: trust, what the conversation reveals, shortlist and ownership, a faster
    /// stage, a pull-in offer, or (rarely) a need sparked in a dormant account. `previous` is the
    /// vendor's contact before this one (`NONE` for none).
    fn welcome(
        &mut self,
        v: usize,
        r: RepId,
        c: CustomerId,
        s: &Strategy,
        pull_in: bool,
        previous: Day,
    ) {
        let b = &self.cfg.customers;
        let (gain, shortlist_p, shortening, spark) = (
            b.trust_gain as f32,
            b.shortlist_on_welcome,
            b.stage_shortening,
            b.insight_spark,
        );
        let trust = self.trust(c, v);
        self.set_trust(c, v, trust + gain * (1.0 - trust));
        let day = self.day;
        self.rel_mut(c, v).conversed = ShortDay::new(day);
        let stage = self.accounts[c as usize].stage;
        let in_the_deal = self.rel(c, v).shortlisted;
        // A buyer tells a vendor in its deal where the deal stands; anyone else learns it by
        // asking (listening).
        if in_the_deal || (s.listening > 0.0 && self.roll(v, r) < s.listening) {
            self.observe(c, v, Knowledge::Stage(stage));
        }
        if in_the_deal && self.rel(c, v).owner() == r && self.rival_mentioned(c, v, previous) {
            self.consider_defending(v, r, c);
        }
        if pull_in && stage.is_late() && in_the_deal {
            self.offer_pull_in(v, r, c, s);
            return;
        }
        if in_the_deal || (stage.can_shortlist() && self.roll(v, r) < shortlist_p) {
            if self.rel(c, v).owner() != r {
                self.suspect(c, v);
            }
            let rel = self.rel_mut(c, v);
            rel.shortlisted = true;
            rel.set_owner(r);
            self.note_shortlisted(c, v);
            if !self.reps[v][r as usize].pipeline.contains(&c) {
                self.pipeline_push(v, r, c);
            }
        }
        if stage.is_active() {
            self.shorten_stage(c, shortening);
        } else if stage == Stage::Dormant && self.roll(v, r) < spark {
            self.need_arises(c, NeedSource::Insight);
            if self.accounts[c as usize].stage.is_active() {
                // The vendor that sparked the need helps frame it, and is in the deal from the
                // start (Dixon & Adamson 2011, The Challenger Sale: insight-led selling).
                self.rel_mut(c, v).shortlisted = true;
                self.rel_mut(c, v).set_owner(r);
                self.note_shortlisted(c, v);
                self.observe(c, v, Knowledge::Stage(Stage::ProblemIdentification));
                self.pipeline_push(v, r, c);
            }
        }
    }

    /// A quarter-end discount to pull a late-stage deal in. The rep offers `discount_max` × the
    /// gap to quota (at least a fifth of it); the account accepts to decide now with a chance
    /// that grows with the discount (`pull_in_acceptance` at 10 points off), if it could sign
    /// this quarter. Deciding now, it still chooses among its shortlist (the offer lowers this
    /// vendor's price) or makes no decision. Either way it (and its peers) learn to expect the
    /// discount.
    ///
    /// A late-stage deal at a discount is signed within the buyer's authority, without a fresh
    /// budget approval of its own calendar. Issue 27 tried the other reading (the pull-in passes
    /// the approval, one attempt per retry day left in the period): the yearly-quota spike at the
    /// fiscal year's end that Oyer (1998) found then vanishes (held-out check `pay-year-end`,
    /// yearly − quarterly share of bookings in the 4th quarter: −0.001 [−0.009, 0.008] against
    /// +0.023 [0.012, 0.033] without), so the field's buyers do sign period-end deals without
    /// waiting for a budget cycle.
    fn offer_pull_in(&mut self, v: usize, r: RepId, c: CustomerId, s: &Strategy) {
        let discount = if s.pay_driven {
            self.pay_driven_pull_in(v, r, c, s)
                .unwrap_or(s.discount_max)
        } else {
            let gap = (1.0 - self.reps[v][r as usize].attainment()).clamp(0.0, 1.0);
            s.discount_max * gap.max(0.2)
        };
        self.trace_pull_in_offer(c, v, r, discount);
        let rel = self.rel_mut(c, v);
        rel.offered_discount = rel.offered_discount.max(discount as f32);
        self.learn_discount(c, v, discount);
        let accept = self.roll(v, r) < self.pull_in_acceptance(discount);
        if accept && self.could_sign_this_quarter(c) {
            self.decide_now(c, Some(v));
        }
    }

    /// The chance that a late-stage buyer signs now for a pull-in discount `d`: it grows with
    /// the discount, `pull_in_acceptance` at 10 points off.
    pub(crate) fn pull_in_acceptance(&self, d: f64) -> f64 {
        1.0 - (1.0 - self.cfg.customers.pull_in_acceptance).powf(d / 0.1)
    }

    /// The discount, up to `discount_max`, that a pay-driven rep offers to pull account `c`'s
    /// deal into this plan period: the one that pays it most in expectation, against booking
    /// the deal at list next period (`None` when no discount pays more than waiting). The rep
    /// knows the deal's size from its CRM and how often buyers take such offers in this market
    /// (a market-wide rate, learned from experience, not the account's own state).
    pub(crate) fn pay_driven_pull_in(
        &self,
        v: usize,
        r: RepId,
        c: CustomerId,
        s: &Strategy,
    ) -> Option<f64> {
        let rep = &self.reps[v][r as usize];
        let deal = f64::from(self.world.customers[c as usize].annual_value) / rep.period_quota;
        let plan = self.rep_plan(v, r);
        plan.best_pull_in(self.pay_forecast(v, r), deal, s.discount_max, 10, |d| {
            self.pull_in_acceptance(d)
        })
        .map(|(d, _)| d)
    }

    /// Whether account `c` could sign now, moving its decision into this quarter: it is deciding
    /// (validation done, waiting for budget or sign-off), or its validation would end by the end
    /// of the next quarter anyway. A discount pulls a deal forward by a quarter at most; it does
    /// not cut a validation that has months to run (Larkin 2014: deals shifted between
    /// adjacent quarters).
    fn could_sign_this_quarter(&self, c: CustomerId) -> bool {
        let a = &self.accounts[c as usize];
        match a.stage {
            Stage::Decision => true,
            Stage::Validation => a.stage_end < next_quarter_start(self.day) + DAYS_PER_QUARTER,
            _ => false,
        }
    }

    /// Adds annoyance (caused by rep `r`'s contact); past the account's threshold it blocks the
    /// vendor and warns its peers.
    pub(crate) fn annoy(&mut self, c: CustomerId, v: usize, r: RepId, amount: f64) {
        let day = self.day;
        let current = self.annoyance(c, v) + amount as f32;
        let rel = self.rel_mut(c, v);
        rel.annoyance = current;
        rel.annoyance_day = ShortDay::new(day);
        if (current as f64) >= self.block_threshold(c) && !self.is_blocked(c, v) {
            self.block(c, v, r);
        }
    }

    /// The annoyance at which account `c` blocks a vendor: the median threshold times its own
    /// tolerance.
    pub(crate) fn block_threshold(&self, c: CustomerId) -> f64 {
        self.cfg.customers.block_threshold * self.world.customers[c as usize].tolerance as f64
    }

    /// "Pest control": the account blocks the vendor for `block_days` (after a contact of rep
    /// `r`), drops it from the shortlist and warns its peers, whose trust in the vendor falls.
    pub(crate) fn block(&mut self, c: CustomerId, v: usize, r: RepId) {
        let day = self.day;
        let b = &self.cfg.customers;
        let (block_days, warning) = (b.block_days, b.peer_warning_trust_loss as f32);
        self.suspect(c, v);
        self.reach_mut(c, v).blocked_until = ShortDay::new(day + block_days);
        self.observe(c, v, Knowledge::Rebuffed);
        let rel = self.rel_mut(c, v);
        rel.shortlisted = false;
        rel.set_owner(NONE);
        if v == 0 {
            self.recorder.block(day, c, r);
        }
        self.trace_block(c, v, r, day + block_days);
        for p in self.world.peer_list(c) {
            self.set_trust(p, v, self.trust(p, v) - warning);
        }
    }
}
