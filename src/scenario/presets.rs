//! The two built-in strategy presets, as data, and how a scenario's strategy table changes them.
//!
//! The knobs themselves and what they do live in the engine ([`Strategy`]); a preset is one point
//! of that knob space (docs/MODEL.md, "Strategies and presets"), and a `[strategies.NAME]` table
//! starts from a preset and replaces some knobs ([`with_overrides`]), checked by [`check`].

use super::model::StrategyOverrides;
use crate::engine::Strategy;

/// Names of the built-in presets.
pub const PRESETS: [&str; 2] = ["aggressive", "aligned"];

/// Quarter-driven selling (docs/MODEL.md, "Strategies and presets": the aggressive column).
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

/// Customer-cycle selling (docs/MODEL.md, "Strategies and presets": the aligned column).
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
        "aggressive" => Some(aggressive()),
        "aligned" => Some(aligned()),
        _ => None,
    }
}

/// This strategy with the given knobs replaced.
pub fn with_overrides(mut s: Strategy, o: &StrategyOverrides) -> Strategy {
    macro_rules! apply {
        ($($field:ident),*) => { $( if let Some(v) = o.$field { s.$field = v; } )* };
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
    s
}

/// Range checks: `(knob, value, allowed)` for the first knob out of range.
pub fn check(s: &Strategy) -> Result<(), (&'static str, String, &'static str)> {
    let unit = [
        ("effort_base", s.effort_base),
        ("give_up_below", s.give_up_below),
        ("give_up_effort", s.give_up_effort),
        ("listening", s.listening),
        ("min_receptivity", s.min_receptivity),
        ("listening_cost", s.listening_cost),
        ("poaching", s.poaching),
        ("poach_neighbour_share", s.poach_neighbour_share),
        ("defending", s.defending),
    ];
    for (name, v) in unit {
        if !(0.0..=1.0).contains(&v) {
            return Err((name, v.to_string(), "a number from 0 to 1"));
        }
    }
    if !(0.0..=2.0).contains(&s.effort_ramp) {
        return Err((
            "effort_ramp",
            s.effort_ramp.to_string(),
            "a number from 0 to 2",
        ));
    }
    if !(0.0..=0.9).contains(&s.discount_max) {
        return Err((
            "discount_max",
            s.discount_max.to_string(),
            "a number from 0 to 0.9",
        ));
    }
    if !(1..=65).contains(&s.discount_window_days) {
        return Err((
            "discount_window_days",
            s.discount_window_days.to_string(),
            "a whole number of business days from 1 to 65",
        ));
    }
    if s.min_contact_gap_days > 260 {
        return Err((
            "min_contact_gap_days",
            s.min_contact_gap_days.to_string(),
            "a whole number of business days from 0 to 260",
        ));
    }
    Ok(())
}
