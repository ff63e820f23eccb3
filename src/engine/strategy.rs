//! Strategies: the numeric knobs that make a team quarter-driven or customer-aligned.
//!
//! A strategy is only knobs, never code paths: the two presets are two points in the same knob
//! space, and sweeps move between them. The engine reads these knobs in the same way for every
//! team of every vendor.

use crate::scenario::model::StrategyOverrides;
use serde::Serialize;

/// The knobs of a selling strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    /// Share of daily capacity used on an ordinary day (0–1). Both presets 0.7.
    pub effort_base: f64,
    /// Quarter-end effort ramp: extra effort, as a share of capacity, at the last day of the
    /// quarter when the whole quota is still open; grows with the cube of quarter progress and in
    /// proportion to the gap to quota (0 = flat). Aggressive 0.8 (overtime near the end), aligned 0.
    pub effort_ramp: f64,
    /// Attainment below which, in the last third of the quarter, the rep gives up on the quarter
    /// (0 = never). Reps far from quota give up (Chung, Steenburgh & Sudhir 2014, FIELD-FACTS
    /// [V/S]). Aggressive 0.3, aligned 0.
    pub give_up_below: f64,
    /// Effort multiplier while given up (0–1). Default 0.5.
    pub give_up_effort: f64,
    /// After quota is met: coast (effort × 0.6) and push deals ready in the last weeks into the
    /// next quarter. Effort drops after the quota ceiling (Misra & Nair 2011, FIELD-FACTS [V]).
    /// Aggressive true, aligned false.
    pub sandbagging: bool,
    /// Listening: the chance that the rep knows where a sampled account is in its buying cycle
    /// (its receptivity), learned by listening; target choice then ranks by that rather than by
    /// account value (0 = stage-blind). Aggressive 0, aligned 0.6.
    pub listening: f64,
    /// A listening rep skips a contact when the best account it knows of is less likely than this
    /// to welcome it (0–1): aligned reps wait for the customer's moment rather than buzz.
    /// Aggressive 0, aligned 0.2.
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
    /// it). Aggressive 0.25 (DESIGN: up to about 25% in the last two weeks), which makes timing
    /// discounts cost about 7% of list value in the enterprise validation market (Larkin 2014:
    /// 6-8% of revenue; the calibration target); aligned 0.
    pub discount_max: f64,
    /// The pull-in window at the end of the quarter, in business days. Default 10 (two weeks).
    pub discount_window_days: u32,
    /// Chance of an extra "defending" contact when a rival or teammate was seen on the account
    /// (0–1). Aggressive 0.5, aligned 0.
    pub defending: f64,
}

/// Names of the built-in presets.
pub const PRESETS: [&str; 2] = ["aggressive", "aligned"];

impl Strategy {
    /// Quarter-driven selling (DESIGN §2, left column of the strategy table).
    pub fn aggressive() -> Strategy {
        Strategy {
            effort_base: 0.7,
            effort_ramp: 0.8,
            give_up_below: 0.3,
            give_up_effort: 0.5,
            sandbagging: true,
            listening: 0.0,
            min_receptivity: 0.0,
            listening_cost: 0.2,
            min_contact_gap_days: 0,
            poaching: 0.3,
            poach_neighbour_share: 0.4,
            discount_max: 0.25,
            discount_window_days: 10,
            defending: 0.5,
        }
    }

    /// Customer-cycle selling (DESIGN §2, right column of the strategy table).
    pub fn aligned() -> Strategy {
        Strategy {
            effort_base: 0.7,
            effort_ramp: 0.0,
            give_up_below: 0.0,
            give_up_effort: 0.5,
            sandbagging: false,
            listening: 0.6,
            min_receptivity: 0.1,
            listening_cost: 0.2,
            min_contact_gap_days: 10,
            poaching: 0.0,
            poach_neighbour_share: 0.4,
            discount_max: 0.0,
            discount_window_days: 10,
            defending: 0.0,
        }
    }

    /// A preset by name.
    pub fn preset(name: &str) -> Option<Strategy> {
        match name {
            "aggressive" => Some(Strategy::aggressive()),
            "aligned" => Some(Strategy::aligned()),
            _ => None,
        }
    }

    /// This strategy with the given knobs replaced.
    pub fn with_overrides(mut self, o: &StrategyOverrides) -> Strategy {
        macro_rules! apply {
            ($($field:ident),*) => { $( if let Some(v) = o.$field { self.$field = v; } )* };
        }
        apply!(
            effort_base,
            effort_ramp,
            give_up_below,
            give_up_effort,
            sandbagging,
            listening,
            min_receptivity,
            listening_cost,
            min_contact_gap_days,
            poaching,
            poach_neighbour_share,
            discount_max,
            discount_window_days,
            defending
        );
        self
    }

    /// Range checks: `(knob, value, allowed)` for the first knob out of range.
    pub fn check(&self) -> Result<(), (&'static str, String, &'static str)> {
        let unit = [
            ("effort_base", self.effort_base),
            ("give_up_below", self.give_up_below),
            ("give_up_effort", self.give_up_effort),
            ("listening", self.listening),
            ("min_receptivity", self.min_receptivity),
            ("listening_cost", self.listening_cost),
            ("poaching", self.poaching),
            ("poach_neighbour_share", self.poach_neighbour_share),
            ("defending", self.defending),
        ];
        for (name, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return Err((name, v.to_string(), "a number from 0 to 1"));
            }
        }
        if !(0.0..=2.0).contains(&self.effort_ramp) {
            return Err((
                "effort_ramp",
                self.effort_ramp.to_string(),
                "a number from 0 to 2",
            ));
        }
        if !(0.0..=0.9).contains(&self.discount_max) {
            return Err((
                "discount_max",
                self.discount_max.to_string(),
                "a number from 0 to 0.9",
            ));
        }
        if !(1..=65).contains(&self.discount_window_days) {
            return Err((
                "discount_window_days",
                self.discount_window_days.to_string(),
                "a whole number of business days from 1 to 65",
            ));
        }
        if self.min_contact_gap_days > 260 {
            return Err((
                "min_contact_gap_days",
                self.min_contact_gap_days.to_string(),
                "a whole number of business days from 0 to 260",
            ));
        }
        Ok(())
    }
}
