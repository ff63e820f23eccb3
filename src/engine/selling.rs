//! The reps' side: effort against quota, choosing whom to contact, and what a contact does.
//!
//! Every team runs the same code; only its [`Strategy`] knobs differ. A contact is welcome with
//! the account's receptivity (by stage, cut by fatigue, zero when blocked or when the account's
//! monthly attention is used up). Welcome contacts build trust, shortlist the vendor and speed the
//! journey; unwelcome ones add annoyance, and enough annoyance gets the vendor blocked.

use super::journey::Outcome;
use super::rounding::{floor_non_negative, round_non_negative};
use super::state::{Stage, NONE};
use super::{Engine, NeedSource, Strategy};
use crate::calendar::{
    day_in_quarter, days_left_in_quarter, month_of, quarter_of, Day, DAYS_PER_QUARTER,
};
use crate::rng::random_index;
use crate::world::{CustomerId, RepId};
use rand::Rng as _;

/// Days within which another vendor's or a teammate's contact counts as "seen on the account".
const SEEN_WINDOW_DAYS: Day = 10;
/// Share of a day's contact slots going to the pipeline, per open opportunity.
const PIPELINE_SLOT_SHARE: f64 = 0.1;
/// Fewest business days between two pipeline contacts to one account, whatever the strategy.
const PIPELINE_MIN_GAP_DAYS: Day = 5;
/// Cap on how much repetition multiplies the annoyance of an unwelcome contact.
const MAX_ANNOYANCE_REPEAT: f64 = 5.0;
/// What a listening rep assumes about an account whose situation it has not learned.
const UNKNOWN_RECEPTIVITY: f64 = 0.2;
/// Most accounts a rep queues up to defend.
const MAX_DEFEND_QUEUE: usize = 20;

impl Engine<'_> {
    /// The strategy of a rep's team.
    pub(crate) fn rep_strategy(&self, v: usize, rep: RepId) -> &Strategy {
        let team = self.world.vendors[v].reps[rep as usize].team as usize;
        &self.strategies[v][team]
    }

    /// The rep credited with a deal: the opportunity's owner, else the account's home rep.
    pub(crate) fn credited_rep(&self, c: CustomerId, v: usize) -> RepId {
        match self.rel(c, v).owner {
            NONE => self.world.vendors[v].home_rep[c as usize],
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

    /// Effort today as a share of capacity: the quarter-end ramp grows with quarter progress and
    /// the gap to quota; far from quota late in the quarter the rep gives up; past quota a
    /// sandbagging rep coasts.
    pub fn effort(strategy: &Strategy, day: Day, attainment: f64) -> f64 {
        let progress = day_in_quarter(day) as f64 / (DAYS_PER_QUARTER - 1) as f64;
        if strategy.sandbagging && attainment >= 1.0 {
            return strategy.effort_base * 0.6;
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

    /// One rep's day.
    fn rep_works(&mut self, v: usize, r: RepId) {
        let strategy = self.rep_strategy(v, r).clone();
        self.clean_pipeline(v, r);
        let rep = &self.reps[v][r as usize];
        let effort = Self::effort(&strategy, self.day, rep.attainment());
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
            if let Some((c, pull_in)) = self.pick_target_from(v, r, &strategy, &mut pull_in_from) {
                self.contact(v, r, c, &strategy, pull_in);
            }
        }
    }

    /// Whether rep `r` of vendor `v` holds an open opportunity on account `c`: it owns it, the
    /// vendor is shortlisted and the journey is under way.
    pub(crate) fn is_open_opportunity(&self, c: CustomerId, v: usize, r: RepId) -> bool {
        let rel = self.rel(c, v);
        rel.owner == r && rel.shortlisted && self.accounts[c as usize].stage.is_active()
    }

    /// Notes, before the owner, shortlist or stage of account `c` changes, that the pipeline
    /// entry of its current owner at vendor `v` may go stale; that rep re-checks it at its next
    /// clean-up.
    pub(crate) fn suspect(&mut self, c: CustomerId, v: usize) {
        let owner = self.rel(c, v).owner;
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
    }

    /// Whom to contact next: a defended account, a quarter-end pull-in, a poached account, or the
    /// best of a few accounts of the own territory (by value when stage-blind, by what listening
    /// has revealed about receptivity otherwise). `None` when a listening rep finds no one ready.
    ///
    /// The quarter-end pull-in search starts at pipeline entry `*pull_in_from` (0 at the start of
    /// a rep's day) and advances it past the entries found not to qualify.
    ///
    /// Within one rep's day (one [`Self::rep_works`]) an entry that does not qualify for a
    /// pull-in never comes to qualify: the day does not change (a block cannot lapse), an
    /// `offered_quarter` is only ever set to the current quarter, and no account reaches a late
    /// stage while reps act (stages advance on scheduled events; a contact only starts a journey,
    /// concludes or blocks). The pipeline is compacted only at the day's clean-up and otherwise
    /// only grows at its end. So the first qualifying entry from `*pull_in_from` on is the first
    /// of the whole pipeline, as a full scan would find.
    fn pick_target_from(
        &mut self,
        v: usize,
        r: RepId,
        s: &Strategy,
        pull_in_from: &mut usize,
    ) -> Option<(CustomerId, bool)> {
        let day = self.day;
        if let Some(c) = self.reps[v][r as usize].defend.pop() {
            if self.not_too_soon(c, v, s) {
                return Some((c, false));
            }
        }
        let attainment = self.reps[v][r as usize].attainment();
        if s.discount_max > 0.0
            && days_left_in_quarter(day) < s.discount_window_days
            && attainment < 1.0
        {
            let quarter = quarter_of(day);
            let pipeline = &self.reps[v][r as usize].pipeline;
            let from = (*pull_in_from).min(pipeline.len());
            let late = pipeline[from..].iter().position(|&c| {
                let rel = self.rel(c, v);
                self.accounts[c as usize].stage.is_late()
                    && rel.offered_quarter != quarter
                    && !self.is_blocked(c, v)
            });
            *pull_in_from = late.map_or(pipeline.len(), |i| from + i + 1);
            if let Some(i) = late {
                let c = pipeline[from + i];
                // One pull-in call per account and quarter, whether or not it gets through.
                self.rel_mut(c, v).offered_quarter = quarter;
                return Some((c, true));
            }
        }
        if let Some(c) = self.pipeline_target(v, r, s) {
            return Some((c, false));
        }
        if s.poaching > 0.0
            && self.reps[v][r as usize].pipeline_is_thin()
            && self.rng.random::<f64>() < s.poaching
        {
            if let Some(c) = self.poach_target(v, r, s) {
                return Some((c, false));
            }
        }
        self.territory_target(v, r, s)
    }

    /// Every rep works its open opportunities: a slot goes to one of them with a chance that
    /// grows with the pipeline (10% per opportunity, at most half the slots), respecting the
    /// strategy's minimum gap between contacts (and at least [`PIPELINE_MIN_GAP_DAYS`]).
    fn pipeline_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let pipeline = &self.reps[v][r as usize].pipeline;
        let share = (pipeline.len() as f64 * PIPELINE_SLOT_SHARE).min(0.5);
        if pipeline.is_empty() || self.rng.random::<f64>() >= share {
            return None;
        }
        let c = pipeline[random_index(&mut self.rng, pipeline.len())];
        self.prefetch_account(c, v);
        self.not_too_soon(c, v, s).then_some(c)
    }

    /// Whether a follow-up contact (pipeline, defending) respects the strategy's minimum gap, and
    /// at least [`PIPELINE_MIN_GAP_DAYS`].
    fn not_too_soon(&self, c: CustomerId, v: usize, s: &Strategy) -> bool {
        let gap = s.min_contact_gap_days.max(PIPELINE_MIN_GAP_DAYS);
        self.days_since_contact(c, v).is_none_or(|d| d >= gap)
    }

    /// An account in a teammate's territory or a neighbouring team's region.
    fn poach_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<CustomerId> {
        let sf = &self.world.vendors[v];
        let team = &sf.teams[sf.reps[r as usize].team as usize];
        let neighbour =
            !team.neighbours.is_empty() && self.rng.random::<f64>() < s.poach_neighbour_share;
        let victim = if neighbour {
            let t = team.neighbours[random_index(&mut self.rng, team.neighbours.len())];
            let reps = &sf.teams[t as usize].reps;
            self.rng.random_range(reps.clone())
        } else {
            if team.reps.len() < 2 {
                return None;
            }
            let other = self.rng.random_range(team.reps.start..team.reps.end - 1);
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
        Some(territory[random_index(&mut self.rng, territory.len())])
    }

    /// The best of a few sampled accounts of the rep's own territory. A stage-blind rep takes the
    /// more valuable of two; a listening rep samples more and ranks by the receptivity it has
    /// learned (known for each account with chance `listening`, else guessed at
    /// [`UNKNOWN_RECEPTIVITY`]) times √value, passing over accounts it believes less receptive
    /// than `min_receptivity`; the slot goes unused when no sampled account qualifies.
    fn territory_target(&mut self, v: usize, r: RepId, s: &Strategy) -> Option<(CustomerId, bool)> {
        let territory = &self.world.vendors[v].reps[r as usize].territory;
        if territory.is_empty() {
            return None;
        }
        let samples = 2 + round_non_negative(6.0 * s.listening) as usize;
        self.prefetch_samples(v, r, s, samples);
        let mut best: Option<(f64, CustomerId)> = None;
        for k in 0..samples {
            let c = territory[random_index(&mut self.rng, territory.len())];
            // (With no minimum gap nothing is too soon: skip the relation look-up.)
            let too_soon = s.min_contact_gap_days > 0
                && self
                    .days_since_contact(c, v)
                    .is_some_and(|d| d < s.min_contact_gap_days);
            if too_soon {
                // The look-ahead assumed a draw for this sample that is not made: redo it.
                self.prefetch_samples(v, r, s, samples - k - 1);
                continue;
            }
            let value = self.world.annual_values[c as usize] as f64;
            let score = if s.listening > 0.0 {
                let known = self.rng.random::<f64>() < s.listening;
                let p = if known {
                    self.receptivity(c, v)
                } else {
                    UNKNOWN_RECEPTIVITY
                };
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
        best.map(|(_, c)| (c, false))
    }

    /// Starts fetching the accounts the next `n` territory samples will look at, by drawing
    /// ahead on a copy of the behaviour stream (which the engine's own stream never sees) and
    /// assuming no sample is too soon; the loop redoes this when one is. Speed only: a wrong
    /// guess costs a wasted fetch, never a different result.
    ///
    /// Inlined down to the test of the flag: a market below
    /// [`super::PREFETCH_MIN_RELATIONS`] pays no call (the look-ahead itself stays out of line).
    #[inline]
    fn prefetch_samples(&self, v: usize, r: RepId, s: &Strategy, n: usize) {
        if self.prefetching && n > 0 {
            self.prefetch_samples_ahead(v, r, s, n);
        }
    }

    /// The look-ahead of [`Self::prefetch_samples`].
    #[inline(never)]
    fn prefetch_samples_ahead(&self, v: usize, r: RepId, s: &Strategy, n: usize) {
        let territory = &self.world.vendors[v].reps[r as usize].territory;
        let mut ahead = self.rng.clone();
        for _ in 0..n {
            let c = territory[random_index(&mut ahead, territory.len())];
            self.prefetch_account(c, v);
            if s.listening > 0.0 {
                let _: f64 = ahead.random();
            }
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
            && (a.attention_month != month_of(self.day)
                || a.attention_used < self.cfg.customers.attention_per_month)
    }

    /// Recent contacts from vendor `v` (fatigue), decayed to today.
    fn fatigue_now(&self, c: CustomerId, v: usize) -> f32 {
        let reach = self.reach(c, v);
        reach.fatigue
            * self
                .decay
                .fatigue(self.day - reach.fatigue_day.min(self.day))
    }

    /// Receptivity of the account's current buying stage, before fatigue and attention.
    pub fn stage_receptivity(&self, c: CustomerId) -> f64 {
        self.receptivity_by_stage[self.accounts[c as usize].stage as usize]
    }

    /// One contact from rep `r` of vendor `v` to account `c`.
    pub(crate) fn contact(
        &mut self,
        v: usize,
        r: RepId,
        c: CustomerId,
        s: &Strategy,
        pull_in: bool,
    ) {
        let day = self.day;
        self.prefetch_account(c, v);
        self.all_contacts += 1;
        if v == 0 {
            self.recorder.contact(day);
        }
        if s.defending > 0.0 && self.rival_seen(c, v, r) && self.rng.random::<f64>() < s.defending {
            let queue = &mut self.reps[v][r as usize].defend;
            if queue.len() < MAX_DEFEND_QUEUE {
                queue.push(c);
            }
        }
        let conflict_window = self.cfg.customers.conflict_window_days;
        let since = self.days_since_contact(c, v);
        let rel = self.rel(c, v);
        let conflict = rel.last_rep != r
            && rel.last_rep != NONE
            && since.is_some_and(|d| d <= conflict_window);
        let blocked = self.is_blocked(c, v);
        // Receptivity (as [`Self::receptivity`]) is zero once the month's attention is used up; a
        // welcome contact (a conversation) uses one unit of it, an ignored one does not.
        let recent = self.fatigue_now(c, v);
        let base = self.stage_receptivity(c);
        let p = self.receptivity_with(c, v, base, recent);
        let welcome = !blocked && self.rng.random::<f64>() < p;
        if welcome {
            self.use_attention(c);
        }
        if v == 0 && !blocked {
            self.recorder.response(recent as f64, welcome, base);
        }
        let reach = self.reach_mut(c, v);
        reach.last_contact = day;
        reach.fatigue = recent + 1.0;
        reach.fatigue_day = day;
        self.rel_mut(c, v).last_rep = r;
        if conflict {
            if v == 0 {
                self.recorder.conflict(day);
            }
            self.annoy(c, v, self.cfg.customers.annoyance_per_conflict);
        }
        if blocked {
            if v == 0 {
                self.recorder.unwelcome(day);
            }
        } else if welcome {
            self.welcome(v, r, c, s, pull_in);
        } else {
            if v == 0 {
                self.recorder.unwelcome(day);
            }
            let loss = self.cfg.customers.trust_loss as f32;
            self.set_trust(c, v, self.trust(c, v) - loss);
            let repeat = (recent as f64 + 1.0).min(MAX_ANNOYANCE_REPEAT);
            self.annoy(c, v, self.cfg.customers.annoyance_per_unwelcome * repeat);
        }
    }

    /// Whether another vendor or a teammate contacted the account recently.
    fn rival_seen(&self, c: CustomerId, v: usize, r: RepId) -> bool {
        (0..self.world.vendors.len()).any(|u| {
            let recent = self
                .days_since_contact(c, u)
                .is_some_and(|d| d <= SEEN_WINDOW_DAYS);
            recent && (u != v || self.rel(c, u).last_rep != r)
        })
    }

    /// A conversation uses one unit of the account's monthly attention.
    fn use_attention(&mut self, c: CustomerId) {
        let month = month_of(self.day);
        let a = &mut self.accounts[c as usize];
        if a.attention_month != month {
            a.attention_month = month;
            a.attention_used = 0;
        }
        a.attention_used += 1;
    }

    /// A welcome contact: trust, shortlist and ownership, a faster stage, a pull-in offer, or
    /// (rarely) a need sparked in a dormant account.
    fn welcome(&mut self, v: usize, r: RepId, c: CustomerId, s: &Strategy, pull_in: bool) {
        let b = &self.cfg.customers;
        let (gain, shortlist_p, shortening, spark) = (
            b.trust_gain as f32,
            b.shortlist_on_welcome,
            b.stage_shortening,
            b.insight_spark,
        );
        let trust = self.trust(c, v);
        self.set_trust(c, v, trust + gain * (1.0 - trust));
        let stage = self.accounts[c as usize].stage;
        if pull_in && stage.is_late() && self.rel(c, v).shortlisted {
            self.offer_pull_in(v, r, c, s);
            return;
        }
        let shortlisted = self.rel(c, v).shortlisted;
        if shortlisted || (stage.can_shortlist() && self.rng.random::<f64>() < shortlist_p) {
            if self.rel(c, v).owner != r {
                self.suspect(c, v);
            }
            let rel = self.rel_mut(c, v);
            rel.shortlisted = true;
            rel.owner = r;
            if !self.reps[v][r as usize].pipeline.contains(&c) {
                self.pipeline_push(v, r, c);
            }
        }
        if stage.is_active() {
            self.shorten_stage(c, shortening);
        } else if stage == Stage::Dormant && self.rng.random::<f64>() < spark {
            self.need_arises(c, NeedSource::Insight);
        }
    }

    /// A quarter-end discount to pull a late-stage deal in: accepted with a chance that grows
    /// with the discount (the rep offers `discount_max` × the gap to quota, at least a fifth of it),
    /// and only with budget; either way the account (and its peers) learn to expect it.
    fn offer_pull_in(&mut self, v: usize, r: RepId, c: CustomerId, s: &Strategy) {
        let acceptance = self.cfg.customers.pull_in_acceptance;
        let gap = (1.0 - self.reps[v][r as usize].attainment()).clamp(0.0, 1.0);
        let discount = s.discount_max * gap.max(0.2);
        let rel = self.rel_mut(c, v);
        rel.offered_discount = rel.offered_discount.max(discount as f32);
        self.learn_discount(c, v, discount);
        let accept = self.rng.random::<f64>() < (acceptance * discount / 0.1).min(1.0);
        if accept && self.budget_ok(c) {
            self.conclude(c, Outcome::Bought(v), discount, true);
        }
    }

    /// Adds annoyance; past the threshold the account blocks the vendor and warns its peers.
    pub(crate) fn annoy(&mut self, c: CustomerId, v: usize, amount: f64) {
        let day = self.day;
        let current = self.annoyance(c, v) + amount as f32;
        let rel = self.rel_mut(c, v);
        rel.annoyance = current;
        rel.annoyance_day = day;
        if (current as f64) >= self.cfg.customers.block_threshold && !self.is_blocked(c, v) {
            self.block(c, v);
        }
    }

    /// "Pest control": the account blocks the vendor for `block_days`, drops it from the
    /// shortlist and warns its peers, whose trust in the vendor falls.
    pub(crate) fn block(&mut self, c: CustomerId, v: usize) {
        let day = self.day;
        let b = &self.cfg.customers;
        let (block_days, warning) = (b.block_days, b.peer_warning_trust_loss as f32);
        self.suspect(c, v);
        self.reach_mut(c, v).blocked_until = day + block_days;
        let rel = self.rel_mut(c, v);
        rel.shortlisted = false;
        rel.owner = NONE;
        if v == 0 {
            self.recorder.block(day);
        }
        for p in self.world.peer_list(c) {
            self.set_trust(p, v, self.trust(p, v) - warning);
        }
    }
}
