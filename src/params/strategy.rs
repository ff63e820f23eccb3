//! Strategies: the numeric knobs that make a team quarter-driven or customer-aligned.
//!
//! A strategy is only knobs, never code paths: the two presets (their values live with the
//! scenario, in [`crate::params::presets`]) are two points in the same knob space, and sweeps
//! move between them. The engine reads these knobs in the same way for every team of every vendor.

use serde::Serialize;

/// The knobs of a selling strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    /// Share of daily capacity used on an ordinary day (0–1). Both presets 0.7.
    pub effort_base: f64,
    /// Quarter-end effort ramp: extra effort, as a share of capacity, at the last day of the
    /// quarter when the whole quota is still open; grows with the square of quarter progress and
    /// in proportion to the gap to quota (0 = flat). Aggressive 0.8 (overtime near the end),
    /// aligned 0.
    pub effort_ramp: f64,
    /// Attainment below which, in the last third of the quarter, the rep gives up on the quarter
    /// (0 = never). Reps far from quota give up (Chung, Steenburgh & Sudhir 2014,
    /// docs/FIELD-FACTS.md [V/S]). Aggressive 0.3, aligned 0.
    pub give_up_below: f64,
    /// Effort multiplier while given up (0–1). Default 0.5.
    pub give_up_effort: f64,
    /// After quota is met, ask buyers ready in the period's last week to sign in the next one
    /// (the buyer agrees or not: it may decide now, or for another vendor). Timing only: the
    /// effort past quota follows the plan (a rep coasts past a commission cap, not past quota;
    /// Misra & Nair 2011, docs/FIELD-FACTS.md [V]). Aggressive true, aligned false.
    pub sandbagging: bool,
    /// Listening: how much the rep times its contacts by what its vendor observed. The chance
    /// that a welcome conversation tells it where the account is in its buying cycle; that a cold
    /// slot goes to its lead list of observed signals (`customers.signals`: trigger events, its
    /// own renewals, intent data if it buys them) while the list holds one; and target choice
    /// then ranks sampled accounts by the welcome rate learned for what it knows of them rather
    /// than by account value (0 = stage-blind). Aggressive 0, aligned 0.6.
    pub listening: f64,
    /// A listening rep skips a contact when the best account it knows of is less likely than this
    /// to welcome it (0–1): aligned reps wait for the customer's moment rather than buzz.
    /// Aggressive 0, aligned 0.1.
    pub min_receptivity: f64,
    /// Share of capacity that listening costs at `listening = 1` (0–1). Default 0.2.
    pub listening_cost: f64,
    /// Business days a rep waits before contacting an account again after a contact that was
    /// not welcome (the buyer's "not now"). After a welcome conversation the rep follows up at
    /// the buyer's pace (twice a stage it knows, at most a week apart; [`crate::engine::selling`]),
    /// so a buyer in a fast stage is not left waiting. Aggressive 0, aligned 10: a judgement (no field figure; plausible
    /// 0–15 in scenario/ranges.rs); HubSpot's 7+ calls → 45% less response is the fatigue
    /// mechanism's, not this gap's.
    pub min_contact_gap_days: u32,
    /// Whether the vendor buys intent data for this team (research surges; see
    /// `customers.signals.intent_recall`). Its subscription is a fixed cost outside bookings and
    /// contribution (not modelled); it costs no capacity. Aggressive false, aligned true.
    pub intent_data: bool,
    /// Share of the rep's territory on its vendor's nurture programme (newsletters, webinars,
    /// useful content; 0–1). Content is welcome in any stage and is not a contact: it uses none of
    /// the buyer's attention, adds no annoyance and costs the rep no capacity (marketing's
    /// budget, outside bookings and contribution, not modelled). An enrolled account that
    /// engages with it as its need starts (`customers.signals.nurture_response`) comes to the
    /// vendor as a lead. Aggressive 0 (stage-blind), aligned 0.5: a judgement (no field figure
    /// for the share of a book on nurture; plausible 0.2–0.8 around the aligned preset).
    pub nurture: f64,
    /// Chance per contact that a rep hunting for quota (short of it, or with a thin pipeline; a
    /// pay-driven rep always) looks over the fence into a teammate's territory or a neighbouring
    /// team's region, and works the account it sees there when it looks a better chance than the
    /// best of its own (0–1). Aggressive 0.3, aligned 0.
    pub poaching: f64,
    /// Share of poaching aimed at a neighbouring team's region rather than a teammate's
    /// territory (0–1). Default 0.4.
    pub poach_neighbour_share: f64,
    /// Largest quarter-end discount offered to pull a late-stage deal into this quarter, as a
    /// fraction of list (0-0.9); the rep offers this times the gap to quota (at least a fifth of
    /// it). Aggressive 0.25 (up to about 25% in the last two weeks, docs/MODEL.md): a
    /// practitioner figure, not tuned (Larkin's 6-8% net revenue loss of timing games tunes
    /// `customers.price_weight`, the `timing-cost` check); aligned 0.
    pub discount_max: f64,
    /// The pull-in window at the end of the quarter, in business days. Default 10 (two weeks).
    pub discount_window_days: u32,
    /// Chance of an extra "defending" contact when a rival or teammate was seen on the account
    /// (0–1). Aggressive 0.5, aligned 0.
    pub defending: f64,
    /// Pay-driven: the quarter-end behaviours come from the rep's compensation plan instead of
    /// the hand-set knobs above (docs/MODEL.md, "Pay"). Effort follows the expected marginal pay
    /// of more bookings (`effort_base` × marginal pay ^ `pay_effort_elasticity`, between
    /// `effort_base` × `give_up_effort` and `effort_base` + `effort_ramp`); a ready deal is asked
    /// to wait when it pays more next period (instead of `sandbagging`); a pull-in discount, up
    /// to `discount_max`, is offered when it pays the rep more than waiting. Both presets false.
    pub pay_driven: bool,
    /// How strongly a pay-driven rep's effort follows its expected marginal pay: effort ∝
    /// (marginal pay ÷ the plan's base commission rate) ^ this. Default 1 (effort in proportion
    /// to pay at the margin). A model assumption, not tuned to any figure: the held-out pay
    /// checks of check-model (`pay-spike`, `bonus-pacer`) test only the direction it gives.
    pub pay_effort_elasticity: f64,
}

impl Strategy {
    /// The knobs a learning rep copies from a better-paid peer, or mutates: its selling style.
    /// Each with its allowed range (low, high) and a typical span, the scale of a mutation and
    /// of [`Self::position`] (the range itself, but for the contact gap, whose presets are 0
    /// and 10 days of up to 260, and the discount, up to 0.9 but 0.25 in the aggressive
    /// preset). `sandbagging` counts as 0 or 1.
    pub const LEARNED: [(&'static str, f64, f64, f64); 9] = [
        ("effort_ramp", 0.0, 2.0, 2.0),
        ("give_up_below", 0.0, 1.0, 1.0),
        ("sandbagging", 0.0, 1.0, 1.0),
        ("listening", 0.0, 1.0, 1.0),
        ("min_receptivity", 0.0, 1.0, 1.0),
        ("min_contact_gap_days", 0.0, 260.0, 20.0),
        ("poaching", 0.0, 1.0, 1.0),
        ("discount_max", 0.0, 0.9, 0.5),
        ("defending", 0.0, 1.0, 1.0),
    ];

    /// The learned knobs' values, in [`Self::LEARNED`] order.
    pub fn learned(&self) -> [f64; 9] {
        [
            self.effort_ramp,
            self.give_up_below,
            f64::from(u8::from(self.sandbagging)),
            self.listening,
            self.min_receptivity,
            f64::from(self.min_contact_gap_days),
            self.poaching,
            self.discount_max,
            self.defending,
        ]
    }

    /// Sets learned knob `i` (in [`Self::LEARNED`] order), clamped to its range (a count is
    /// rounded, `sandbagging` is on from 0.5).
    pub fn set_learned(&mut self, i: usize, value: f64) {
        let (_, low, high, _) = Self::LEARNED[i];
        let x = value.clamp(low, high);
        match i {
            0 => self.effort_ramp = x,
            1 => self.give_up_below = x,
            2 => self.sandbagging = x >= 0.5,
            3 => self.listening = x,
            4 => self.min_receptivity = x,
            5 => self.min_contact_gap_days = crate::rounding::round_non_negative(x) as u32,
            6 => self.poaching = x,
            7 => self.discount_max = x,
            _ => self.defending = x,
        }
    }

    /// Copies a peer's selling style (its learned knobs), keeping the own others.
    pub fn copy_learned(&mut self, peer: &Strategy) {
        for (i, x) in peer.learned().into_iter().enumerate() {
            self.set_learned(i, x);
        }
    }

    /// Where this strategy's selling style lies between two others, 0 at `from` and 1 at `to`:
    /// the projection of its learned knobs (each scaled by its range) on the line between
    /// theirs. The report's "drift toward aggressive": from the aligned preset to the
    /// aggressive one.
    pub fn position(&self, from: &Strategy, to: &Strategy) -> f64 {
        let (x, a, b) = (self.learned(), from.learned(), to.learned());
        let mut along = 0.0;
        let mut length = 0.0;
        for (i, &(_, _, _, span)) in Self::LEARNED.iter().enumerate() {
            let d = (b[i] - a[i]) / span;
            along += (x[i] - a[i]) / span * d;
            length += d * d;
        }
        if length > 0.0 {
            along / length
        } else {
            0.0
        }
    }
}
