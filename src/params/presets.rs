//! The built-in presets, as data: the two strategy presets and the compensation-plan presets,
//! and how a scenario's `[strategies.NAME]` and `[plans.NAME]` tables change them.
//!
//! The knobs themselves and what they do live in the engine ([`Strategy`], [`Plan`]); a preset
//! is one point of that knob space (docs/MODEL.md, "Strategies and presets" and "Pay"), and a
//! table starts from a preset and replaces some knobs ([`with_overrides`],
//! [`plan_with_overrides`]), checked by [`check`] and [`check_plan`].

use super::settings::{PlanSpec, StrategyOverrides};
use crate::params::pay::{Bonus, Plan, PlanPeriod};
use crate::params::strategy::Strategy;

/// Names of the built-in presets. `aggressive` and `aligned` are the ways of selling our
/// variants compare; `rival-aggressive` and `rival-aligned` start as the same knobs, under names
/// of their own, so that a competitor (and every team that names no strategy) sells as the
/// preset does and a `[strategies.aggressive]` table or a `--set strategies.aggressive.…` aimed
/// at our variants never changes a rival.
pub const PRESETS: [&str; 4] = ["aggressive", "aligned", "rival-aggressive", "rival-aligned"];

/// The strategy a team sells with when the scenario names none: a rival's copy of the
/// aggressive preset.
pub const DEFAULT_TEAM_STRATEGY: &str = "rival-aggressive";

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
        intent_data: false,
        nurture: 0.0,
        poaching: 0.3,
        poach_neighbour_share: 0.4,
        discount_max: 0.25,
        discount_window_days: 10,
        defending: 0.5,
        pay_driven: false,
        pay_effort_elasticity: 1.0,
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
        intent_data: true,
        nurture: 0.5,
        poaching: 0.0,
        poach_neighbour_share: 0.4,
        discount_max: 0.0,
        discount_window_days: 10,
        defending: 0.0,
        pay_driven: false,
        pay_effort_elasticity: 1.0,
    }
}

/// A preset by name.
pub fn preset(name: &str) -> Option<Strategy> {
    match name {
        "aggressive" | "rival-aggressive" => Some(aggressive()),
        "aligned" | "rival-aligned" => Some(aligned()),
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
        intent_data,
        nurture,
        poaching,
        poach_neighbour_share,
        discount_max,
        discount_window_days,
        defending,
        pay_driven,
        pay_effort_elasticity
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
        ("nurture", s.nurture),
    ];
    for (name, v) in unit {
        if !(0.0..=1.0).contains(&v) {
            return Err((name, crate::shown::number(v), "a number from 0 to 1"));
        }
    }
    if !(0.0..=2.0).contains(&s.effort_ramp) {
        return Err((
            "effort_ramp",
            crate::shown::number(s.effort_ramp),
            "a number from 0 to 2",
        ));
    }
    if !(0.0..=0.9).contains(&s.discount_max) {
        return Err((
            "discount_max",
            crate::shown::number(s.discount_max),
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
    if !(0.0..=5.0).contains(&s.pay_effort_elasticity) {
        return Err((
            "pay_effort_elasticity",
            crate::shown::number(s.pay_effort_elasticity),
            "a number from 0 to 5",
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

/// Names of the built-in compensation-plan presets; the first is every team's default.
pub const PLAN_PRESETS: [&str; 6] = [
    "quarterly-accelerated",
    "quarterly-capped",
    "quarterly-bonus",
    "quarterly-clawback",
    "annual-uncapped",
    "linear",
];

/// A compensation-plan preset by name (docs/MODEL.md, "Pay"; every term's default and source:
/// [`Plan`]).
///
/// - `quarterly-accelerated`: the common SaaS account-executive plan and every team's default:
///   quarterly quota, 50/50 pay mix, quota 5× on-target earnings, commission 1.5× past quota,
///   no cap.
/// - `quarterly-capped`: the same with commission capped at 1.5× quota (Misra & Nair 2011: a
///   quota ceiling; removing it raised revenue about 9%).
/// - `quarterly-bonus`: a linear commission plus a lump sum of a quarter of target variable pay
///   at quota (Chung, Steenburgh & Sudhir 2014: quarterly bonuses as pacers).
/// - `quarterly-clawback`: `quarterly-accelerated` with the whole commission credit withdrawn
///   on deals pulled in with a discount, and half clawed back on accounts that leave at their
///   renewal within two years.
/// - `annual-uncapped`: a yearly quota with the 1.5× accelerator and no cap (Oyer 1998: a
///   yearly non-linear contract makes the fiscal-year end the spike).
/// - `linear`: the same commission rate on every booking, quarterly: no threshold to time.
pub fn plan(name: &str) -> Option<Plan> {
    let base = Plan::default();
    Some(match name {
        "quarterly-accelerated" => base,
        "quarterly-capped" => Plan { cap: 1.5, ..base },
        "quarterly-bonus" => Plan {
            accelerator: 1.0,
            bonuses: vec![Bonus {
                at: 1.0,
                share: 0.25,
            }],
            ..base
        },
        "quarterly-clawback" => Plan {
            clawback_discounted: 1.0,
            clawback_churn: 0.5,
            ..base
        },
        "annual-uncapped" => Plan {
            period: PlanPeriod::Year,
            ..base
        },
        "linear" => Plan {
            accelerator: 1.0,
            ..base
        },
        _ => return None,
    })
}

/// This plan with the given terms replaced.
pub fn plan_with_overrides(mut p: Plan, o: &PlanSpec) -> Plan {
    macro_rules! apply {
        ($($field:ident),*) => { $( if let Some(v) = &o.$field { p.$field = v.clone(); } )* };
    }
    apply!(
        period,
        on_target_rate,
        base_share,
        accelerator,
        cap,
        bonuses,
        clawback_discounted,
        clawback_churn,
        clawback_window_days
    );
    p
}

/// Range checks of a plan: `(term, value, allowed)` for the first term out of range.
pub fn check_plan(p: &Plan) -> Result<(), (String, String, &'static str)> {
    let unit = [
        ("on_target_rate", p.on_target_rate),
        ("base_share", p.base_share),
        ("clawback_discounted", p.clawback_discounted),
        ("clawback_churn", p.clawback_churn),
    ];
    for (name, v) in unit {
        if !(0.0..=1.0).contains(&v) {
            return Err((name.into(), crate::shown::number(v), "a number from 0 to 1"));
        }
    }
    if !(1.0..=5.0).contains(&p.accelerator) {
        return Err((
            "accelerator".into(),
            crate::shown::number(p.accelerator),
            "a number from 1 (linear) to 5",
        ));
    }
    if !(p.cap == 0.0 || (1.0..=100.0).contains(&p.cap)) {
        return Err((
            "cap".into(),
            crate::shown::number(p.cap),
            "0 (no cap) or an attainment from 1 to 100",
        ));
    }
    if p.clawback_window_days > 2600 {
        return Err((
            "clawback_window_days".into(),
            p.clawback_window_days.to_string(),
            "a whole number of business days from 0 to 2600",
        ));
    }
    for (i, b) in p.bonuses.iter().enumerate() {
        if !(0.0..=100.0).contains(&b.at) || !b.at.is_finite() {
            return Err((
                format!("bonuses.{i}.at"),
                crate::shown::number(b.at),
                "an attainment from 0 to 100",
            ));
        }
        if !(0.0..=10.0).contains(&b.share) || !b.share.is_finite() {
            return Err((
                format!("bonuses.{i}.share"),
                crate::shown::number(b.share),
                "a share of target variable pay from 0 to 10",
            ));
        }
    }
    if p.bonuses.len() > 10 {
        return Err((
            "bonuses".into(),
            format!("{} bonuses", p.bonuses.len()),
            "at most 10 bonuses",
        ));
    }
    Ok(())
}
