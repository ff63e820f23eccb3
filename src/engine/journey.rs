//! The customer's side: needs, the staged buying journey, budget, the choice and its aftermath.
//!
//! A need (renewal, spontaneous `p`, imitation `q`, or sparked by a welcome contact) starts a
//! journey: problem identification → exploration → supplier selection → validation → decision.
//! Stage lengths are log-normal around the segment's cycle length. At the decision the account
//! needs budget, whose approval depends on where it is in its own fiscal year ("use it or lose
//! it"), then picks a shortlisted, unblocked vendor or no decision with a logit.

use super::rounding::round_non_negative;
use super::state::{Stage, NONE};
use super::{purpose, Engine, EventKind, NeedSource, ALWAYS};
use crate::calendar::{
    days_left_in_fiscal_year, days_left_in_quarter, next_quarter_start, Day, DAYS_PER_YEAR,
};
use crate::world::{segment_spec, CustomerId};

/// How a journey ended, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Bought from a vendor.
    Bought(usize),
    /// No decision.
    NoDecision,
}

/// The parameters of a log-normal stage length for one segment and stage, worked out once per
/// run instead of at every stage entry (the same expressions on the same inputs, so the same
/// values).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StageLength {
    /// Mean length, days (the segment's cycle × the stage's share of it).
    mean: f64,
    /// `ln(mean) − σ²/2`.
    mu: f64,
    /// `σ`, with `σ² = ln(1 + cv²)`.
    sigma: f64,
}

/// [`StageLength`] per segment (by its index) and stage (by its index).
pub(crate) type StageLengths = [[StageLength; 7]; 3];

/// The stage-length parameters of every segment and stage.
pub(crate) fn stage_lengths(cfg: &crate::scenario::Config) -> StageLengths {
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

impl Engine<'_> {
    /// Initial state at day 0: the running contract's renewal, a spontaneous-need clock, and, for
    /// some accounts, a journey already under way (as in a market that was running before).
    pub(crate) fn start_account(&mut self, c: CustomerId) {
        let m = &self.cfg.market;
        let customer = &self.world.customers[c as usize];
        if m.repeat_purchases {
            let renewal = customer.first_renewal_day;
            self.schedule(renewal, c, ALWAYS, EventKind::Need(NeedSource::Renewal));
            let cycle = segment_spec(self.cfg, customer.segment).cycle_days;
            let rate = 2.0 / (m.renewal_years_min + m.renewal_years_max) + m.spontaneous_need_rate;
            let busy = (cycle * rate / DAYS_PER_YEAR as f64).min(0.9);
            if self.draw(c, purpose::INITIAL) < busy {
                let into = self.draw(c, purpose::INITIAL);
                self.begin_journey_part_way(c, into);
            }
        }
        self.schedule_spontaneous(c);
    }

    /// Starts a journey that is already `into` (0–1) of the way through its stages: the stage
    /// holding that point, with the matching share of it left.
    fn begin_journey_part_way(&mut self, c: CustomerId, into: f64) {
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
        }
        let left = 1.0 - ((into - start) / stage.share_of_cycle()).clamp(0.0, 1.0);
        let a = &mut self.accounts[c as usize];
        a.stage_end = (a.stage_end as f64 * left) as Day;
        let (end, generation) = (a.stage_end, a.generation);
        self.schedule(end, c, generation, EventKind::StageEnd);
    }

    /// Dispatches one scheduled event.
    pub(crate) fn handle(&mut self, e: super::Event) {
        match e.kind {
            EventKind::Need(source) => self.need_arises(e.customer, source),
            EventKind::StageEnd => self.stage_ends(e.customer),
            EventKind::DecisionAttempt => self.attempt_decision(e.customer),
            EventKind::CoolOffEnd => self.become_dormant(e.customer),
        }
    }

    /// A need arises; only a dormant account starts a journey.
    pub(crate) fn need_arises(&mut self, c: CustomerId, _source: NeedSource) {
        let a = &self.accounts[c as usize];
        if a.stage != Stage::Dormant || (a.adopted && !self.cfg.market.repeat_purchases) {
            return;
        }
        self.begin_journey(c);
    }

    /// Starts a journey at problem identification.
    fn begin_journey(&mut self, c: CustomerId) {
        let n_vendors = self.world.vendors.len();
        for v in 0..n_vendors {
            self.suspect(c, v);
            let r = self.rel_mut(c, v);
            r.shortlisted = false;
            r.owner = NONE;
            r.offered_discount = 0.0;
        }
        let a = &mut self.accounts[c as usize];
        a.waited = false;
        a.delayed = false;
        a.budget_approved = false;
        self.enter_stage(c, Stage::ProblemIdentification);
    }

    /// Enters a stage and schedules its end (or the first decision attempt).
    fn enter_stage(&mut self, c: CustomerId, stage: Stage) {
        let day = self.day;
        let length = self.stage_length(c, stage);
        let a = &mut self.accounts[c as usize];
        a.stage = stage;
        a.generation = a.generation.wrapping_add(1);
        let generation = a.generation;
        if stage == Stage::Decision {
            a.decision_since = day;
            a.stage_end = day;
            self.schedule(day, c, generation, EventKind::DecisionAttempt);
        } else {
            a.stage_end = day + length;
            self.schedule(day + length, c, generation, EventKind::StageEnd);
        }
        if stage == Stage::Exploration {
            self.discover_vendors(c);
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
    /// each such inbound lead goes to the vendor's home rep for the account.
    fn discover_vendors(&mut self, c: CustomerId) {
        let b = &self.cfg.customers;
        let (inbound, incumbent_p) = (b.inbound_discovery, b.incumbent_shortlist);
        let incumbent = self.accounts[c as usize].incumbent as usize;
        for v in 0..self.world.vendors.len() {
            let p = if v == incumbent && self.accounts[c as usize].adopted {
                incumbent_p
            } else {
                inbound
            };
            if self.draw(c, purpose::DISCOVERY) < p && !self.is_blocked(c, v) {
                // An inbound lead lands with the account's home rep, in its pipeline.
                let home = self.world.vendors[v].home_rep[c as usize];
                if self.rel(c, v).owner != home {
                    self.suspect(c, v);
                }
                let r = self.rel_mut(c, v);
                r.shortlisted = true;
                r.owner = home;
                self.pipeline_push(v, home, c);
            }
        }
    }

    /// The current stage ends: move on.
    fn stage_ends(&mut self, c: CustomerId) {
        let stage = self.accounts[c as usize].stage;
        if stage.is_active() && stage != Stage::Decision {
            self.enter_stage(c, stage.next());
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
        let left = days_left_in_fiscal_year(day, self.world.customers[c as usize].fiscal_offset);
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
    /// quarter-end discount or be asked to wait by a sandbagging rep, then choose.
    fn attempt_decision(&mut self, c: CustomerId) {
        if self.accounts[c as usize].stage != Stage::Decision {
            return;
        }
        let day = self.day;
        if !self.accounts[c as usize].budget_approved {
            if !self.budget_ok(c) {
                let b = &self.cfg.customers;
                let (patience, retry) = (b.decision_patience_days, b.budget_retry_days);
                if day - self.accounts[c as usize].decision_since >= patience {
                    self.conclude(c, Outcome::NoDecision, 0.0, false);
                } else {
                    let generation = self.accounts[c as usize].generation;
                    self.schedule(day + retry, c, generation, EventKind::DecisionAttempt);
                }
                return;
            }
            self.accounts[c as usize].budget_approved = true;
        }
        if self.wait_for_quarter_end(c) || self.sandbagged(c) {
            return;
        }
        let outcome = self.choose(c);
        let discount = match outcome {
            Outcome::Bought(v) => self.price_offer(c, v),
            Outcome::NoDecision => 0.0,
        };
        self.conclude(c, outcome, discount, false);
    }

    /// An account that expects a quarter-end discount from a shortlisted vendor waits for that
    /// quarter end's last two weeks (once per journey, budget in hand): customers learn to wait,
    /// which feeds the hockey stick.
    fn wait_for_quarter_end(&mut self, c: CustomerId) -> bool {
        let b = &self.cfg.customers;
        let (threshold, window) = (b.wait_threshold as f32, b.wait_window_days);
        let day = self.day;
        let left = days_left_in_quarter(day);
        if self.accounts[c as usize].waited
            || left < crate::calendar::DAYS_PER_WEEK
            || left > window
        {
            return false;
        }
        let expects = (0..self.world.vendors.len()).any(|v| {
            let r = self.rel(c, v);
            r.shortlisted && !self.is_blocked(c, v) && r.expected_discount >= threshold
        });
        if !expects {
            return false;
        }
        let into_last_week =
            (self.draw(c, purpose::WAIT) * crate::calendar::DAYS_PER_WEEK as f64) as Day;
        let when = next_quarter_start(day) - 1 - into_last_week;
        let a = &mut self.accounts[c as usize];
        a.waited = true;
        let generation = a.generation;
        self.schedule(when, c, generation, EventKind::DecisionAttempt);
        true
    }

    /// In the quarter's last week, a sandbagging rep who has made quota asks a ready account to
    /// sign next quarter instead,
    /// holding out a discount to make it wait.
    fn sandbagged(&mut self, c: CustomerId) -> bool {
        let day = self.day;
        if self.accounts[c as usize].delayed {
            return false;
        }
        for v in 0..self.world.vendors.len() {
            let r = self.rel(c, v);
            if !r.shortlisted || self.is_blocked(c, v) {
                continue;
            }
            let rep = self.credited_rep(c, v);
            let strategy = self.rep_strategy(v, rep);
            if !strategy.sandbagging
                || days_left_in_quarter(day) >= crate::calendar::DAYS_PER_WEEK
                || self.reps[v][rep as usize].attainment() < 1.0
            {
                continue;
            }
            let promise = (strategy.discount_max / 2.0) as f32;
            let r = self.rel_mut(c, v);
            r.offered_discount = r.offered_discount.max(promise);
            let start = next_quarter_start(day);
            let a = &mut self.accounts[c as usize];
            a.delayed = true;
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

    /// The logit choice among shortlisted, unblocked vendors and no decision; pressure (total
    /// annoyance) raises the utility of no decision (JOLT: pressure tactics backfire).
    pub(crate) fn choose(&mut self, c: CustomerId) -> Outcome {
        let b = &self.cfg.customers;
        let (tw, pw, iw, nd, ndp, threshold) = (
            b.trust_weight,
            b.price_weight,
            b.incumbent_weight,
            b.no_decision_utility,
            b.no_decision_pressure,
            b.block_threshold,
        );
        let n_vendors = self.world.vendors.len();
        let pressure: f64 = (0..n_vendors)
            .map(|v| self.annoyance(c, v) as f64)
            .sum::<f64>()
            / threshold;
        let gumbel = |u: f64| -(-(u.max(1e-300)).ln()).ln();
        let u = self.draw(c, purpose::CHOICE);
        let mut best = (nd + ndp * pressure + gumbel(u), Outcome::NoDecision);
        let incumbent = self.accounts[c as usize].incumbent as usize;
        let adopted = self.accounts[c as usize].adopted;
        for v in 0..n_vendors {
            let r = self.rel(c, v);
            if !r.shortlisted || self.is_blocked(c, v) {
                continue;
            }
            let utility = tw * self.trust(c, v) as f64
                + pw * self.price_offer(c, v)
                + if adopted && v == incumbent { iw } else { 0.0 };
            let u = self.draw(c, purpose::CHOICE);
            let total = utility + gumbel(u);
            if total > best.0 {
                best = (total, Outcome::Bought(v));
            }
        }
        best.1
    }

    /// Ends the journey: records the outcome for every shortlisted vendor, books a purchase.
    pub(crate) fn conclude(
        &mut self,
        c: CustomerId,
        outcome: Outcome,
        discount: f64,
        pulled_in: bool,
    ) {
        let day = self.day;
        let our_opportunity =
            self.rel(c, 0).shortlisted && !self.is_blocked(c, 0) || outcome == Outcome::Bought(0);
        if our_opportunity {
            self.recorder.opportunity(day, outcome);
        }
        match outcome {
            Outcome::Bought(v) => self.purchase(c, v, discount, pulled_in),
            Outcome::NoDecision => self.become_dormant(c),
        }
    }

    /// Books a purchase: bookings to the credited rep, discount learning, incumbency, cool-off,
    /// the next renewal, and word of mouth to peers (imitation).
    fn purchase(&mut self, c: CustomerId, v: usize, discount: f64, pulled_in: bool) {
        let day = self.day;
        let customer = &self.world.customers[c as usize];
        let list = customer.annual_value as f64;
        let net = list * (1.0 - discount);
        let rep = self.credited_rep(c, v);
        self.reps[v][rep as usize].booked += net;
        if v == 0 {
            let poached = self.world.vendors[0].home_rep[c as usize] != rep;
            let fiscal_left = days_left_in_fiscal_year(day, customer.fiscal_offset);
            self.recorder.deal(day, list, net, poached, pulled_in);
            self.recorder.fiscal_timing(fiscal_left);
        }
        self.learn_discount(c, v, discount);
        let a = &mut self.accounts[c as usize];
        if !a.adopted {
            self.recorder.adoption(day);
        }
        for u in 0..self.world.vendors.len() {
            self.suspect(c, u);
        }
        let a = &mut self.accounts[c as usize];
        a.incumbent = v as u8;
        a.adopted = true;
        a.stage = Stage::CoolOff;
        a.generation = a.generation.wrapping_add(1);
        let generation = a.generation;
        let (cool_off, renewal_days) = (self.cfg.customers.cool_off_days, customer.renewal_days);
        self.schedule(day + cool_off, c, generation, EventKind::CoolOffEnd);
        if self.cfg.market.repeat_purchases {
            self.schedule(
                day + renewal_days,
                c,
                ALWAYS,
                EventKind::Need(NeedSource::Renewal),
            );
        }
        self.tell_peers(c);
    }

    /// The account learns to expect a vendor's discount; if it got one, its peers hear of it.
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
        if when < self.horizon as f64 {
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
