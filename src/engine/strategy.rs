//! Strategies: the numeric knobs that make a team quarter-driven or customer-aligned.
//!
//! A strategy is only knobs, never code paths: the two presets (their values live with the
//! scenario, in [`crate::scenario::presets`]) are two points in the same knob space, and sweeps
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
    /// After quota is met: coast (effort × 0.6) and push deals ready in the last weeks into the
    /// next quarter. Effort drops after the quota ceiling (Misra & Nair 2011,
    /// docs/FIELD-FACTS.md [V]). Aggressive true, aligned false.
    pub sandbagging: bool,
    /// Listening: the chance that the rep knows where a sampled account is in its buying cycle
    /// (its receptivity), learned by listening; target choice then ranks by that rather than by
    /// account value (0 = stage-blind). Aggressive 0, aligned 0.6.
    pub listening: f64,
    /// A listening rep skips a contact when the best account it knows of is less likely than this
    /// to welcome it (0–1): aligned reps wait for the customer's moment rather than buzz.
    /// Aggressive 0, aligned 0.1.
    pub min_receptivity: f64,
    /// Share of capacity that listening costs at `listening = 1` (0–1). Default 0.2.
    pub listening_cost: f64,
    /// Minimum business days between two contacts of one rep to one account. Aggressive 0,
    /// aligned 10.
    pub min_contact_gap_days: u32,
    /// Chance per contact of working an account outside the own territory when the rep's own
    /// pipeline is thin (0–1). Aggressive 0.3, aligned 0.
    pub poaching: f64,
    /// Share of poaching aimed at a neighbouring team's region rather than a teammate's
    /// territory (0–1). Default 0.4.
    pub poach_neighbour_share: f64,
    /// Largest quarter-end discount offered to pull a late-stage deal into this quarter, as a
    /// fraction of list (0-0.9); the rep offers this times the gap to quota (at least a fifth of
    /// it). Aggressive 0.25 (up to about 25% in the last two weeks, docs/MODEL.md), which makes
    /// timing discounts cost about 7% of list value in the enterprise validation market (Larkin
    /// 2014: 6-8% of revenue; the calibration target); aligned 0.
    pub discount_max: f64,
    /// The pull-in window at the end of the quarter, in business days. Default 10 (two weeks).
    pub discount_window_days: u32,
    /// Chance of an extra "defending" contact when a rival or teammate was seen on the account
    /// (0–1). Aggressive 0.5, aligned 0.
    pub defending: f64,
}
