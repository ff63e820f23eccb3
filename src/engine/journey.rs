//! The customer's side: needs, the staged buying journey, budget, the choice and its aftermath.
//!
//! A need (renewal, spontaneous `p`, imitation `q`, or sparked by a welcome contact) starts a
//! journey: problem identification → exploration → supplier selection → validation → decision.
//! Stage lengths are log-normal around the segment's cycle length. At the decision the account
//! needs budget, whose approval depends on where it is in its own fiscal year ("use it or lose
//! it"), then picks a shortlisted, unblocked vendor or no decision with a logit.

use super::state::{Knowledge, Sale, ShortDay, Stage, NONE, NO_PREFERENCE};
use super::{purpose, Engine, EventKind, NeedSource, ALWAYS};
use crate::calendar::{days_left_in_fiscal_year, next_quarter_start, Day, DAYS_PER_YEAR};
pub use crate::metrics::{DealKind, Outcome};
use crate::rounding::round_non_negative;
use crate::world::{segment_spec, CustomerId};

/// The chance a pay-driven rep puts on losing a ready deal by asking it to sign next period
/// instead (a few days' wait, at a promised discount): 10%. A model assumption, no field figure.
pub const SANDBAG_WAIT_RISK: f64 = 0.1;

/// The parameters of a log-normal stage length for one segment and stage, worked out once per
/// run instead of at every stage entry (the same expressions on the same inputs, so the same
/// values).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StageLength {
    /// Mean length, days (the segment's cycle × the stage's share of it).
    pub(crate) mean: f64,
    /// `ln(mean) − σ²/2`.
    mu: f64,
    /// `σ`, with `σ² = ln(1 + cv²)`.
    sigma: f64,
}

/// [`StageLength`] per segment (by its index) and stage (by its index).
pub(crate) type StageLengths = [[StageLength; 7]; 3];

/// The stage-length parameters of every segment and stage.
pub(crate) fn stage_lengths(cfg: &crate::params::Config) -> StageLengths {
    use crate::world::Segment;
    let mut table = StageLengths::default();
    for segment in [Segment::Smb, Segment::MidMarket, Segment::Enterprise] {
        let seg = segment_spec(cfg, segment);
        for stage in Stage::ALL {
            let mean = seg.cycle_days * stage.share_of_cycle();
            let sigma2 = (1.0 + seg.stage_cv * seg.stage_cv).ln();
            table[segment as usize][stage as usize] = StageLength {
                mean,
                mu: mean.ln() - sigma2 / 2.0,
                sigma: sigma2.sqrt(),
            };
        }
    }
    table
}

/// `p` with `shift` added to its log-odds (0 and 1 stay put).
fn with_log_odds(p: f64, shift: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 || shift == 0.0 {
        return p;
    }
    let odds = p / (1.0 - p) * shift.exp();
    odds / (1.0 + odds)
}

impl Engine<'_> {
    /// Initial state at day 0, as in a market that has been running: each account's contract is
    /// `contract_phase` of the way through its cycle (its term, then the renewal journey), so
    /// some renewals are under way and the others come due spread over the term; of the
    /// accounts not renewing, some are on a journey for a spontaneous need (the share of time
    /// that need rate keeps an account busy). And a spontaneous-need clock.
    pub(crate) fn start_account(&mut self, c: CustomerId) {
        let m = &self.cfg.market;
        let customer = &self.world.customers[c as usize];
        if m.repeat_purchases {
            let journey = self.typical_journey_days(c);
            let term = f64::from(customer.renewal_days);
            let phase = customer.contract_phase as f64 * (term + journey);
            if phase < journey {
                self.accounts[c as usize].set_renewal_due(true);
                self.begin_journey_part_way(c, phase);
            } else {
                let contract = self.accounts[c as usize].contract;
                let due = (phase - journey) as Day;
                self.schedule(due, c, contract, EventKind::Need(NeedSource::Renewal));
                let busy = (journey * m.spontaneous_need_rate / DAYS_PER_YEAR as f64).min(0.9);
                if self.draw(c, purpose::INITIAL) < busy {
                    let into = self.draw(c, purpose::INITIAL) * journey;
                    self.begin_journey_part_way(c, into);
                }
            }
        }
        self.schedule_spontaneous(c);
    }

    /// The mean length of an account's buying journey, business days: its segment's cycle, plus
    /// the mean wait for budget (see [`Self::typical_budget_wait_days`]).
    fn typical_journey_days(&self, c: CustomerId) -> f64 {
        let cycle = segment_spec(self.cfg, self.world.customers[c as usize].segment).cycle_days;
        cycle + self.typical_budget_wait_days()
    }

    /// The mean wait for budget in the decision stage, business days: attempts every
    /// `budget_retry_days`, each approved with `budget_approval` (away from the fiscal year end),
    /// at most the patience.
    fn typical_budget_wait_days(&self) -> f64 {
        let b = &self.cfg.customers;
        let p = b.budget_approval.max(1e-9);
        let wait = b.budget_retry_days as f64 * (1.0 - p) / p;
        wait.min(b.decision_patience_days as f64)
    }

    /// Starts a journey that began `into_days` business days before day 0 (at most the typical
    /// journey): in the stage holding that point, with the matching share of it left, or, past
    /// the stages, in the decision stage waiting for budget.
    fn begin_journey_part_way(&mut self, c: CustomerId, into_days: f64) {
        let cycle = segment_spec(self.cfg, self.world.customers[c as usize].segment).cycle_days;
        if into_days >= cycle {
            self.begin_journey(c);
            self.enter_stage(c, Stage::Decision);
            self.discover_vendors(c);
            self.form_preference(c);
            return;
        }
        let into = into_days / cycle;
        self.begin_journey(c);
        let mut stage = Stage::ProblemIdentification;
        let mut start = 0.0;
        while stage != Stage::Validation && into >= start + stage.share_of_cycle() {
            start += stage.share_of_cycle();
            stage = stage.next();
        }
        if stage != Stage::ProblemIdentification {
            self.enter_stage(c, stage);
            if stage.can_shortlist() && stage != Stage::Exploration {
                self.discover_vendors(c);
            }
            if stage == Stage::Validation {
                self.form_preference(c);
            }
        }
        let left = 1.0 - ((into - start) / stage.share_of_cycle()).clamp(0.0, 1.0);
        let a = &mut self.accounts[c as usize];
        a.stage_end = (a.stage_end as f64 * left) as Day;
        let (end, generation) = (a.stage_end, a.generation);
        self.schedule(end, c, generation, EventKind::StageEnd);
    }

    /// Dispatches one scheduled event.
    pub(crate) fn handle(&mut self, e: super::Event) {
        let c = e.customer();
        match e.kind() {
            EventKind::Need(source) => self.need_arises(c, source),
            EventKind::StageEnd => self.stage_ends(c),
            EventKind::DecisionAttempt => self.attempt_decision(c),
            EventKind::CoolOffEnd => self.become_dormant(c),
        }
    }

    /// A need arises; only a dormant account starts a journey. A contract that comes up for
    /// renewal stays due until a purchase settles it: a journey under way settles it, and if that
    /// journey (or the renewal's own) ends in no decision, the renewal is taken up again (see
    /// [`Self::conclude`]). So no renewal is lost and none is counted twice: demand is
    /// stationary.
    pub(crate) fn need_arises(&mut self, c: CustomerId, source: NeedSource) {
        let repeat = self.cfg.market.repeat_purchases;
        let a = &mut self.accounts[c as usize];
        if source == NeedSource::Renewal {
            a.set_renewal_due(true);
        }
        if a.stage != Stage::Dormant || (a.adopted() && !repeat) {
            return;
        }
        self.begin_journey(c);
        self.journey_signals(c, source);
    }

    /// Starts a journey at problem identification.
    fn begin_journey(&mut self, c: CustomerId) {
        let n_vendors = self.world.vendors.len();
        for v in 0..n_vendors {
            self.suspect(c, v);
            let r = self.rel_mut(c, v);
            r.shortlisted = false;
            r.set_owner(NONE);
            r.offered_discount = 0.0;
        }
        let a = &mut self.accounts[c as usize];
        a.set_waited(false);
        a.set_delayed(false);
        a.set_budget_approved(false);
        a.preferred = NO_PREFERENCE;
        self.enter_stage(c, Stage::ProblemIdentification);
    }

    /// Enters a stage and schedules its end (or the first decision attempt).
    fn enter_stage(&mut self, c: CustomerId, stage: Stage) {
        let day = self.day;
        let length = self.stage_length(c, stage);
        self.trace_stage(c, self.accounts[c as usize].stage, stage);
        let a = &mut self.accounts[c as usize];
        a.stage = stage;
        a.stage_since = ShortDay::new(day);
        a.generation = a.generation.wrapping_add(1);
        let generation = a.generation;
        if stage == Stage::Decision {
            a.decision_since = ShortDay::new(day);
            a.stage_end = day;
            self.schedule(day, c, generation, EventKind::DecisionAttempt);
        } else {
            a.stage_end = day + length;
            self.schedule(day + length, c, generation, EventKind::StageEnd);
        }
        // The vendors in the deal take part in each step of the buying process (proposals,
        // trials, references, sign-off): the buyer brings them in, an inbound message (a request
        // for a proposal, a demo, a reference call), so they see the journey move on. This is the
        // one channel by which a stage change reaches a vendor without a contact of its own;
        // a vendor outside the deal learns the stage only in a conversation, or guesses it from
        // the signals it observes (engine/signals.rs).
        for v in 0..self.world.vendors.len() {
            if self.rel(c, v).shortlisted {
                self.observe(c, v, Knowledge::Stage(stage));
            }
        }
        if stage == Stage::Exploration {
            self.discover_vendors(c);
            self.exploration_signals(c);
        }
    }

    /// A log-normal stage length around the segment's cycle share (0 for zero-length cycles).
    fn stage_length(&mut self, c: CustomerId, stage: Stage) -> Day {
        let segment = self.world.customers[c as usize].segment;
        let p = self.stage_lengths[segment as usize][stage as usize];
        if p.mean <= 0.0 {
            return 0;
        }
        let (u1, u2) = (self.draw(c, purpose::STAGE), self.draw(c, purpose::STAGE));
        let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        // ln(mean) − σ²/2 + σ·z, as (ln(mean) − σ²/2) + σ·z (Rust's left-to-right order).
        let len = (p.mu + p.sigma * z).exp();
        round_non_negative(len).clamp(0.0, 4.0 * DAYS_PER_YEAR as f64) as Day
    }

    /// At the start of exploration the account finds vendors itself (and usually its incumbent);
    /// each such inbound lead goes to the vendor's home rep for the account. The account looks
    /// first at vendors it knows and trusts: the odds of finding a vendor are the base chance's
    /// odds times e^(trust_weight × (trust − initial_trust)), the same weight on trust as in its
    /// choice (Forrester 2024: 41% of buyers start with a single vendor in mind; 6sense: the
    /// vendor preferred before sellers are met wins 8 journeys in 10).
    fn discover_vendors(&mut self, c: CustomerId) {
        let b = &self.cfg.customers;
        let (inbound, incumbent_p) = (b.inbound_discovery, b.incumbent_shortlist);
        let (tw, initial) = (b.trust_weight, b.initial_trust as f32);
        let incumbent = self.accounts[c as usize].incumbent as usize;
        for v in 0..self.world.vendors.len() {
            let base = if v == incumbent && self.accounts[c as usize].adopted() {
                incumbent_p
            } else {
                inbound
            };
            let p = with_log_odds(base, tw * (self.trust(c, v) - initial) as f64);
            if self.draw(c, purpose::DISCOVERY) < p && !self.is_blocked(c, v) {
                // An inbound lead lands with the account's home rep, in its pipeline.
                let home = self.world.vendors[v].home_rep(c);
                if self.rel(c, v).owner() != home {
                    self.suspect(c, v);
                }
                let r = self.rel_mut(c, v);
                r.shortlisted = true;
                r.set_owner(home);
                self.note_shortlisted(c, v);
                self.observe(c, v, Knowledge::Stage(Stage::Exploration));
                self.pipeline_push(v, home, c);
            }
        }
    }

    /// The current stage ends: the account drops vendors that did not engage in it, and moves on.
    pub(crate) fn stage_ends(&mut self, c: CustomerId) {
        let stage = self.accounts[c as usize].stage;
        if stage.is_active() && stage != Stage::Decision {
            if stage.can_shortlist() {
                self.drop_unengaged_vendors(c);
            }
            if stage == Stage::SupplierSelection {
                self.form_preference(c);
            }
            self.enter_stage(c, stage.next());
        }
    }

    /// Supplier selection ends with a preferred vendor: a logit on trust and incumbency among
    /// the shortlisted, unblocked vendors. Price is not part of it: B2B buyers select a supplier
    /// on fit and confidence, then negotiate the price with it (the discount enters only the
    /// final choice, [`Self::choose`]). Validation then tests that choice, and at the decision
    /// the preferred vendor has `preference_weight` more utility than the others: buyers mostly
    /// confirm the supplier they selected (6sense 2023, 3,500+ buyers: the vendor preferred
    /// before sellers were engaged wins 8 journeys in 10).
    fn form_preference(&mut self, c: CustomerId) {
        let b = &self.cfg.customers;
        let (tw, iw) = (b.trust_weight, b.incumbent_weight);
        let a = &self.accounts[c as usize];
        let (incumbent, adopted) = (a.incumbent as usize, a.adopted());
        let gumbel = |u: f64| -(-(u.max(1e-300)).ln()).ln();
        let mut best = (f64::NEG_INFINITY, NO_PREFERENCE);
        for v in 0..self.world.vendors.len() {
            if !self.rel(c, v).shortlisted || self.is_blocked(c, v) {
                continue;
            }
            let utility =
                tw * self.trust(c, v) as f64 + if adopted && v == incumbent { iw } else { 0.0 };
            let total = utility + gumbel(self.draw(c, purpose::PREFERENCE));
            if total > best.0 {
                best = (total, v as u8);
            }
        }
        self.accounts[c as usize].preferred = best.1;
    }

    /// A buyer moves on without the vendors it could not talk to: each shortlisted vendor that
    /// had no welcome conversation with the account during the stage now ending is dropped from
    /// the shortlist with chance `unengaged_drop` (and told so). Buyers reward the vendors that
    /// engage (Oldroyd, McElheran & Elkington 2011, HBR: leads answered within an hour were 7
    /// times likelier to be qualified; Velocify buyer survey: 72% say the first seller to respond
    /// has the advantage).
    fn drop_unengaged_vendors(&mut self, c: CustomerId) {
        let drop = self.cfg.customers.unengaged_drop;
        if drop <= 0.0 {
            return;
        }
        let since = self.accounts[c as usize].stage_since.day();
        for v in 0..self.world.vendors.len() {
            let rel = self.rel(c, v);
            if !rel.shortlisted
                || (rel.conversed != ShortDay::NEVER && rel.conversed.day() >= since)
            {
                continue;
            }
            if self.draw(c, purpose::ENGAGEMENT) < drop {
                self.suspect(c, v);
                self.observe(c, v, Knowledge::Rebuffed);
                self.rel_mut(c, v).shortlisted = false;
            }
        }
    }

    /// Moves the current stage's end earlier (a welcome contact helped the buyer along).
    pub(crate) fn shorten_stage(&mut self, c: CustomerId, share: f64) {
        let day = self.day;
        let a = &mut self.accounts[c as usize];
        if !a.stage.is_active() || a.stage == Stage::Decision || a.stage_end <= day {
            return;
        }
        let remaining = (a.stage_end - day) as f64;
        let new_end = day + round_non_negative(remaining * (1.0 - share)) as Day;
        if new_end < a.stage_end {
            a.stage_end = new_end;
            a.generation = a.generation.wrapping_add(1);
            let generation = a.generation;
            self.schedule(new_end, c, generation, EventKind::StageEnd);
        }
    }

    /// Chance that budget is approved today, from the account's own fiscal calendar: higher in
    /// the last month and again in the last week of its fiscal year (Liebman & Mahoney 2017).
    pub fn budget_approval(&self, c: CustomerId, day: Day) -> f64 {
        let b = &self.cfg.customers;
        let offset = self.world.customers[c as usize].fiscal_offset;
        let left = days_left_in_fiscal_year(day, u32::from(offset));
        let mut p = b.budget_approval;
        if left < crate::calendar::DAYS_PER_MONTH {
            p *= b.budget_year_end_boost;
        }
        if left < crate::calendar::DAYS_PER_WEEK {
            p *= b.budget_last_week_boost;
        }
        p.min(1.0)
    }

    /// Whether budget is there today (one keyed draw).
    pub(crate) fn budget_ok(&mut self, c: CustomerId) -> bool {
        let p = self.budget_approval(c, self.day);
        self.draw(c, purpose::BUDGET) < p
    }

    /// A decision attempt: find budget (retrying until patience runs out), then perhaps wait for a
    /// period-end discount or be asked to wait by a sandbagging rep, then choose.
    fn attempt_decision(&mut self, c: CustomerId) {
        if self.accounts[c as usize].stage != Stage::Decision {
            return;
        }
        let day = self.day;
        if !self.accounts[c as usize].budget_approved() {
            if !self.budget_ok(c) {
                let b = &self.cfg.customers;
                let (patience, retry) = (b.decision_patience_days, b.budget_retry_days);
                if day - self.accounts[c as usize].decision_since.day() >= patience {
                    self.conclude(c, Outcome::NoDecision, 0.0, DealKind::Chosen);
                } else {
                    let generation = self.accounts[c as usize].generation;
                    self.schedule(day + retry, c, generation, EventKind::DecisionAttempt);
                }
                return;
            }
            self.accounts[c as usize].set_budget_approved(true);
        }
        if self.wait_for_period_end(c) || self.sandbagged(c) {
            return;
        }
        self.decide_now(c, None);
    }

    /// An account that expects a period-end discount from the vendor it prefers (or, before it
    /// prefers one, from any shortlisted vendor) waits for the last week of that vendor's sales
    /// period (once per journey, budget in hand): the quarter, or the fiscal year where the
    /// vendor's reps carry yearly quotas. Buyers learn when a vendor's reps need to close
    /// (Larkin 2014: customers exploit the quarter-end deals; Oyer 1998: under yearly quotas the
    /// deals come at the fiscal year's end), which feeds the hockey stick.
    fn wait_for_period_end(&mut self, c: CustomerId) -> bool {
        let b = &self.cfg.customers;
        let (threshold, window) = (b.wait_threshold as f32, b.wait_window_days);
        let day = self.day;
        if self.accounts[c as usize].waited() {
            return false;
        }
        // It waits for the supplier it selected; without a preference, for any on its shortlist.
        let preferred = self.accounts[c as usize].preferred as usize;
        let expected = (0..self.world.vendors.len()).find(|&v| {
            let r = self.rel(c, v);
            (preferred == NO_PREFERENCE as usize || v == preferred)
                && r.shortlisted
                && !self.is_blocked(c, v)
                && r.expected_discount >= threshold
        });
        let Some(v) = expected else {
            return false;
        };
        let left = self.days_left_in_period(v, self.credited_rep(c, v));
        if left < crate::calendar::DAYS_PER_WEEK || left > window {
            return false;
        }
        let into_last_week =
            (self.draw(c, purpose::WAIT) * crate::calendar::DAYS_PER_WEEK as f64) as Day;
        let when = day + left - into_last_week;
        let a = &mut self.accounts[c as usize];
        a.set_waited(true);
        let generation = a.generation;
        self.schedule(when, c, generation, EventKind::DecisionAttempt);
        true
    }

    /// In its plan period's last week, a rep asks a ready account to sign in the next period
    /// instead, holding out a discount to make it wait: with hand-set knobs, a sandbagging rep
    /// who has made quota; a pay-driven rep, when the deal pays it more next period even after
    /// the chance of losing it by waiting ([`SANDBAG_WAIT_RISK`]). The buyer may refuse (see
    /// the comment below); true when it agreed to wait.
    pub(crate) fn sandbagged(&mut self, c: CustomerId) -> bool {
        let day = self.day;
        if self.accounts[c as usize].delayed() {
            return false;
        }
        for v in 0..self.world.vendors.len() {
            let r = self.rel(c, v);
            if !r.shortlisted || self.is_blocked(c, v) {
                continue;
            }
            let rep = self.credited_rep(c, v);
            let strategy = self.rep_strategy(v, rep);
            if self.days_left_in_period(v, rep) >= crate::calendar::DAYS_PER_WEEK {
                continue;
            }
            let asks = if strategy.pay_driven {
                let deal = f64::from(self.world.customers[c as usize].annual_value)
                    / self.reps[v][rep as usize].period_quota;
                self.rep_plan(v, rep).prefers_next_period(
                    self.pay_forecast(v, rep),
                    deal,
                    SANDBAG_WAIT_RISK,
                )
            } else {
                strategy.sandbagging && self.reps[v][rep as usize].attainment() >= 1.0
            };
            if !asks {
                continue;
            }
            // The rep calls to ask (a conversation: one of its contacts, one unit of the buyer's
            // attention), and the buyer decides whether to wait: for the vendor it prefers (or
            // before it prefers one) it agrees with the chance a discount of the promised size
            // buys, the same response as to a pull-in (`pull_in_acceptance`); otherwise it goes
            // on to decide now, perhaps for another vendor.
            let promise = strategy.discount_max / 2.0;
            self.reps[v][rep as usize].carry -= 1.0;
            self.use_attention(c);
            if v == 0 {
                self.recorder.contact(day, rep, true);
            }
            self.trace_sandbag_call(v, rep, c);
            let preferred = self.accounts[c as usize].preferred;
            let agrees = (preferred == NO_PREFERENCE || usize::from(preferred) == v)
                && self.draw(c, purpose::WAIT) < self.pull_in_acceptance(promise);
            if !agrees {
                return false;
            }
            let promise = promise as f32;
            if v == 0 {
                let attainment = self.reps[v][rep as usize].attainment();
                self.recorder.sandbagged(day, attainment);
            }
            let r = self.rel_mut(c, v);
            r.offered_discount = r.offered_discount.max(promise);
            let start = next_quarter_start(day);
            let a = &mut self.accounts[c as usize];
            a.set_delayed(true);
            let generation = a.generation;
            self.schedule(start + (c % 3), c, generation, EventKind::DecisionAttempt);
            return true;
        }
        false
    }

    /// The discount a vendor gives this account at its decision: a standing offer, or what the
    /// account has learned to expect, up to what the vendor's team concedes.
    pub(crate) fn price_offer(&self, c: CustomerId, v: usize) -> f64 {
        let r = self.rel(c, v);
        let cap = self.rep_strategy(v, self.credited_rep(c, v)).discount_max as f32;
        r.offered_discount.max(r.expected_discount.min(cap)) as f64
    }

    /// The account's decision, in two steps (a nested logit with no decision in a nest of its
    /// own). First, whether it decides at all: the logit of the shortlist's inclusive value (the
    /// log-sum of trust, incumbency and pressure over the shortlisted, unblocked vendors) against
    /// no decision. Each vendor's pressure (its annoyance ÷ the block threshold, times
    /// `no_decision_pressure`) counts against that vendor only: a pest lowers its own standing,
    /// and the shortlist's value with it (more no decision when the pest was the main option).
    /// Then, having decided, which vendor: a logit on trust, pressure, price and incumbency. Price enters only the second step: no
    /// decision is mostly indecision, the fear of choosing wrong, which a discount does not
    /// remove (JOLT, Dixon & McKenna 2022: 56% of no-decision losses come from indecision, 44%
    /// from the status quo; pressure tactics backfire). With `price_weight` 0 this is the plain
    /// logit over vendors and no decision.
    pub(crate) fn choose(&mut self, c: CustomerId) -> Outcome {
        let b = &self.cfg.customers;
        let (tw, pw, iw, nd, ndp) = (
            b.trust_weight,
            b.price_weight,
            b.incumbent_weight,
            b.no_decision_utility,
            b.no_decision_pressure,
        );
        let threshold = self.block_threshold(c);
        let n_vendors = self.world.vendors.len();
        let incumbent = self.accounts[c as usize].incumbent as usize;
        let adopted = self.accounts[c as usize].adopted();
        let mut confidence = [f64::NEG_INFINITY; crate::params::MAX_VENDORS];
        let mut inclusive = 0.0;
        for (v, confidence) in confidence.iter_mut().enumerate().take(n_vendors) {
            let r = self.rel(c, v);
            if r.shortlisted && !self.is_blocked(c, v) {
                let incumbency = if adopted && v == incumbent { iw } else { 0.0 };
                let pressure = self.annoyance(c, v) as f64 / threshold;
                *confidence = tw * self.trust(c, v) as f64 + incumbency - ndp * pressure;
                inclusive += confidence.exp();
            }
        }
        let decides = if inclusive > 0.0 {
            let odds = (inclusive.ln() - nd).exp();
            odds / (1.0 + odds)
        } else {
            0.0
        };
        if self.draw(c, purpose::CHOICE) >= decides {
            return Outcome::NoDecision;
        }
        let gumbel = |u: f64| -(-(u.max(1e-300)).ln()).ln();
        let preferred = self.accounts[c as usize].preferred as usize;
        let preference = self.cfg.customers.preference_weight;
        let mut best = (f64::NEG_INFINITY, Outcome::NoDecision);
        for (v, &confidence) in confidence.iter().enumerate().take(n_vendors) {
            if confidence == f64::NEG_INFINITY {
                continue;
            }
            let u = self.draw(c, purpose::CHOICE);
            let preferred_bonus = if v == preferred { preference } else { 0.0 };
            let total = confidence + preferred_bonus + pw * self.price_offer(c, v) + gumbel(u);
            if total > best.0 {
                best = (total, Outcome::Bought(v));
            }
        }
        best.1
    }

    /// The account decides now (a pulled-in decision): a shortlisted, unblocked vendor at its
    /// offered price, or no decision. `pulled_in_by` is the vendor whose pull-in moved the
    /// decision; the deal counts as pulled in if that vendor wins it.
    pub(crate) fn decide_now(&mut self, c: CustomerId, pulled_in_by: Option<usize>) {
        let outcome = self.choose(c);
        let discount = match outcome {
            Outcome::Bought(v) => self.price_offer(c, v),
            Outcome::NoDecision => 0.0,
        };
        let kind = match outcome {
            Outcome::Bought(v) if Some(v) == pulled_in_by => DealKind::PulledIn,
            _ => DealKind::Chosen,
        };
        self.note_moved_decision(pulled_in_by);
        self.conclude(c, outcome, discount, kind);
    }

    /// Ends the journey: records the outcome for us, tells every shortlisted vendor how it ended
    /// (closing their opportunities), books a purchase. No decision on a contract that came due
    /// is the status quo: the account keeps what it has for another term (no booking; the
    /// contract's next review comes a contract length later).
    pub(crate) fn conclude(
        &mut self,
        c: CustomerId,
        outcome: Outcome,
        discount: f64,
        kind: DealKind,
    ) {
        // Our opportunity, as a CRM counts it: every journey whose shortlist we joined, closed
        // with the journey's outcome, whether or not we were still on the shortlist at the end
        // (a vendor dropped for not engaging, or blocked, loses the deal or sees no decision).
        let our_opportunity = self.had_opportunity(c) || outcome == Outcome::Bought(0);
        self.note_journey_end(c, outcome, discount, kind);
        let day = self.day;
        if our_opportunity {
            self.recorder.opportunity(day, outcome);
        }
        let after = match outcome {
            Outcome::Bought(_) => Stage::CoolOff,
            Outcome::NoDecision => Stage::Dormant,
        };
        for v in 0..self.world.vendors.len() {
            if self.rel(c, v).shortlisted {
                self.suspect(c, v);
                self.observe(c, v, Knowledge::Stage(after));
                self.rel_mut(c, v).shortlisted = false;
            }
        }
        match outcome {
            Outcome::Bought(v) => self.purchase(c, v, discount, kind),
            Outcome::NoDecision => {
                self.become_dormant(c);
                if self.accounts[c as usize].renewal_due() {
                    self.extend_contract(c);
                }
            }
        }
    }

    /// The account keeps its current arrangement for another term: the running contract's next
    /// review comes a contract length from today.
    fn extend_contract(&mut self, c: CustomerId) {
        let day = self.day;
        let term = u32::from(self.world.customers[c as usize].renewal_days);
        let a = &mut self.accounts[c as usize];
        a.set_renewal_due(false);
        a.contract = a.contract.wrapping_add(1);
        let contract = a.contract;
        self.schedule(
            day + term,
            c,
            contract,
            EventKind::Need(NeedSource::Renewal),
        );
    }

    /// Books a purchase: bookings (and commission credit) to the credited rep, a churn
    /// clawback from the rep who sold the replaced contract, discount learning, incumbency,
    /// cool-off, the next renewal, and word of mouth to peers (imitation).
    fn purchase(&mut self, c: CustomerId, v: usize, discount: f64, kind: DealKind) {
        let day = self.day;
        let customer = &self.world.customers[c as usize];
        let list = customer.annual_value as f64;
        let net = list * (1.0 - discount);
        let rep = self.credited_rep(c, v);
        let plan = self.rep_plan(v, rep);
        let credit = if kind == DealKind::PulledIn && discount > 0.0 {
            net * (1.0 - plan.clawback_discounted)
        } else {
            net
        };
        self.reps[v][rep as usize].book(net, credit);
        self.claw_back_churn(c, v);
        if let Some(sale) = self.sales[v].get_mut(c as usize) {
            *sale = Sale {
                rep,
                day,
                credit: credit as f32,
            };
        }
        if v == 0 {
            let home = self.world.vendors[0].home_rep(c);
            let fiscal_left = days_left_in_fiscal_year(day, u32::from(customer.fiscal_offset));
            self.recorder.deal(day, list, net, rep, home, kind);
            self.recorder.fiscal_timing(fiscal_left);
        }
        let a = &self.accounts[c as usize];
        let incumbent = a.adopted().then_some(a.incumbent as usize);
        let preferred = (a.preferred != NO_PREFERENCE).then_some(a.preferred as usize);
        self.recorder.market_deal(day, incumbent, preferred, v, net);
        self.learn_discount(c, v, discount);
        let a = &mut self.accounts[c as usize];
        if !a.adopted() {
            self.recorder.adoption(day);
        }
        for u in 0..self.world.vendors.len() {
            self.suspect(c, u);
        }
        // The purchase is a new contract: it replaces the running one (whose renewal, if still
        // pending, goes stale) and comes up for renewal after the account's contract length.
        self.trace_stage(c, self.accounts[c as usize].stage, Stage::CoolOff);
        let a = &mut self.accounts[c as usize];
        a.incumbent = v as u8;
        a.set_adopted(true);
        a.set_renewal_due(false);
        a.contract = a.contract.wrapping_add(1);
        a.stage = Stage::CoolOff;
        a.generation = a.generation.wrapping_add(1);
        let (generation, contract) = (a.generation, a.contract);
        let (cool_off, renewal_days) = (
            self.cfg.customers.cool_off_days,
            u32::from(customer.renewal_days),
        );
        self.schedule(day + cool_off, c, generation, EventKind::CoolOffEnd);
        if self.cfg.market.repeat_purchases {
            let kind = EventKind::Need(NeedSource::Renewal);
            self.schedule(day + renewal_days, c, contract, kind);
        }
        self.tell_peers(c);
    }

    /// Account `c` buys from vendor `v`, replacing a contract with another vendor: if that
    /// vendor's rep sold the contract within its plan's clawback window, the plan claws back
    /// its share of the sale's commission credit (from the rep's current period).
    fn claw_back_churn(&mut self, c: CustomerId, v: usize) {
        let a = &self.accounts[c as usize];
        let old = a.incumbent as usize;
        if !a.adopted() || old == v {
            return;
        }
        let Some(&sale) = self.sales[old].get(c as usize) else {
            return;
        };
        if sale.rep == NONE {
            return;
        }
        let plan = self.rep_plan(old, sale.rep);
        if self.day.saturating_sub(sale.day) <= plan.clawback_window_days {
            let back = plan.clawback_churn * f64::from(sale.credit);
            self.reps[old][sale.rep as usize].period_credit -= back;
        }
        self.sales[old][c as usize] = Sale::NONE;
    }

    /// The account learns to expect a vendor's discount; if it got one, its peers hear of it.
    /// (What is learned fades at each quarter's close: [`Self::forget_discounts`].)
    pub(crate) fn learn_discount(&mut self, c: CustomerId, v: usize, discount: f64) {
        let b = &self.cfg.customers;
        let (learning, word) = (b.discount_learning as f32, b.discount_word_of_mouth as f32);
        let target = discount as f32;
        let r = self.rel_mut(c, v);
        r.expected_discount += learning * (target - r.expected_discount);
        if discount > 0.0 && word > 0.0 {
            for p in self.world.peer_list(c) {
                let r = self.rel_mut(p, v);
                r.expected_discount += word * learning * (target - r.expected_discount).max(0.0);
            }
        }
    }

    /// Every account's expectation of every vendor's discount fades by a quarter's worth of
    /// `discount_memory_half_life_days` (buyers forget; terms are renegotiated with each
    /// year's budget). Without it word of mouth only ever raised expectations, and the market
    /// never settled (issue 28).
    pub(crate) fn forget_discounts(&mut self) {
        let half_life = self.cfg.customers.discount_memory_half_life_days;
        let keep = 0.5f64.powf(f64::from(crate::calendar::DAYS_PER_QUARTER) / half_life) as f32;
        for r in &mut self.relations {
            r.expected_discount *= keep;
        }
    }

    /// A peer's purchase raises each dormant peer's need hazard by `q / peers` per year for
    /// `imitation_window_days`: an exponential clock per peer, kept if it rings inside the window.
    fn tell_peers(&mut self, c: CustomerId) {
        let m = &self.cfg.market;
        if m.imitation_rate <= 0.0 {
            return;
        }
        let peers = self.world.peer_list(c);
        if peers.is_empty() {
            return;
        }
        let k = peers.len();
        let rate_per_day = m.imitation_rate / k as f64 / DAYS_PER_YEAR as f64;
        let window = m.imitation_window_days as f64;
        let day = self.day;
        for p in peers {
            let wait = -(1.0 - self.draw(p, purpose::IMITATION)).ln() / rate_per_day;
            if wait < window {
                self.schedule(
                    day + wait as Day,
                    p,
                    ALWAYS,
                    EventKind::Need(NeedSource::Imitation),
                );
            }
        }
    }

    /// The account goes dormant (after no decision or cool-off) and its spontaneous-need clock restarts.
    fn become_dormant(&mut self, c: CustomerId) {
        for v in 0..self.world.vendors.len() {
            self.suspect(c, v);
        }
        self.trace_stage(c, self.accounts[c as usize].stage, Stage::Dormant);
        let a = &mut self.accounts[c as usize];
        a.stage = Stage::Dormant;
        a.generation = a.generation.wrapping_add(1);
        for v in 0..self.world.vendors.len() {
            self.rel_mut(c, v).shortlisted = false;
        }
        self.schedule_spontaneous(c);
    }

    /// Schedules the next spontaneous need (Bass `p`, memoryless).
    fn schedule_spontaneous(&mut self, c: CustomerId) {
        let p = self.cfg.market.spontaneous_need_rate;
        if p <= 0.0 {
            return;
        }
        let wait = -(1.0 - self.draw(c, purpose::NEED)).ln() / (p / DAYS_PER_YEAR as f64);
        let when = self.day as f64 + wait;
        if when < self.end as f64 {
            let generation = self.accounts[c as usize].generation;
            self.schedule(
                when as Day,
                c,
                generation,
                EventKind::Need(NeedSource::Spontaneous),
            );
        }
    }
}
