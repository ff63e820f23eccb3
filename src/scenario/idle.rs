//! Settings that can never act, refused (exit 2) with the full key, its line and what would
//! make it act, instead of being accepted silently:
//!
//! - a plan term that shapes variable pay (`accelerator`, `cap`, `bonuses`, clawbacks) in a plan
//!   with no variable pay (`base_share = 1` or `on_target_rate = 0`): there is no commission to
//!   shape ([`crate::params::pay::Plan::has_variable_pay`]);
//! - an `accelerator` under `cap = 1`: commission stops at quota, where the accelerator would
//!   start; a bonus of share 0; a `clawback_window_days` without `clawback_churn`;
//! - `learning` settings without a learning rule; `peers = "team"` when every team of ours has
//!   one rep (no teammate to compare pay with), or learning with a single rep of ours.
//!
//! Only what the scenario itself writes (away from its default) is refused: a term inherited from a plan preset is not
//! the user's doing, and a condition set by an override (a `--set`, a sweep point, a sensitivity
//! study's design point) is an exploration that may pass through such corners on purpose.

use super::Locator;
use crate::error::InputError;
use crate::params::pay::Plan;
use crate::params::settings::{LearningSpec, PlanSpec};
use crate::shown::number;

/// The terms of plan `path` (`plans.NAME`), as written (`spec`) and resolved (`plan`).
pub(super) fn check_plan(
    at: &Locator,
    path: &str,
    spec: &PlanSpec,
    plan: &Plan,
) -> Result<(), InputError> {
    let key = |term: &str| format!("{path}.{term}");
    let by_override = |term: &str| at.setter(&key(term)).is_some();
    if !plan.has_variable_pay() {
        let (cause, value) = if plan.on_target_rate <= 0.0 {
            ("on_target_rate", plan.on_target_rate)
        } else {
            ("base_share", plan.base_share)
        };
        let shaping = [
            ("accelerator", spec.accelerator.is_some_and(|a| a != 1.0)),
            ("cap", spec.cap.is_some_and(|c| c != 0.0)),
            (
                "bonuses",
                spec.bonuses.as_ref().is_some_and(|b| !b.is_empty()),
            ),
            (
                "clawback_discounted",
                spec.clawback_discounted.is_some_and(|x| x != 0.0),
            ),
            (
                "clawback_churn",
                spec.clawback_churn.is_some_and(|x| x != 0.0),
            ),
            ("clawback_window_days", spec.clawback_window_days.is_some()),
        ];
        let idle = shaping
            .iter()
            .find(|(term, set)| *set && !by_override(term));
        if let (Some((term, _)), false) = (idle, by_override(cause)) {
            return Err(at.error(
                &key(term),
                &format!(
                    "never acts: the plan has no variable pay (`{}` = {}), so there is no \
                     commission for it to shape",
                    key(cause),
                    number(value)
                ),
                &format!(
                    "`{}` below 1 and `{}` above 0, or no `{}`",
                    key("base_share"),
                    key("on_target_rate"),
                    key(term)
                ),
            ));
        }
    }
    if plan.cap > 0.0
        && plan.cap <= 1.0
        && plan.accelerator != 1.0
        && spec.accelerator.is_some()
        && !by_override("cap")
        && !by_override("accelerator")
    {
        return Err(at.error(
            &key("accelerator"),
            &format!(
                "never acts: `{}` = {} stops commission at quota, where the accelerator of {} \
                 would start",
                key("cap"),
                number(plan.cap),
                number(plan.accelerator)
            ),
            &format!(
                "`{}` above 1 (or 0, no cap), or `{}` = 1",
                key("cap"),
                key("accelerator")
            ),
        ));
    }
    if spec.bonuses.is_some() {
        for (i, b) in plan.bonuses.iter().enumerate() {
            let share = format!("bonuses.{i}.share");
            if b.share == 0.0 && !by_override(&share) {
                return Err(at.error(
                    &key(&share),
                    "never acts: a bonus of 0 pays nothing",
                    "a share of target variable pay above 0, up to 10, or no such bonus",
                ));
            }
        }
    }
    if spec.clawback_window_days.is_some()
        && plan.clawback_churn == 0.0
        && !by_override("clawback_churn")
        && !by_override("clawback_window_days")
    {
        return Err(at.error(
            &key("clawback_window_days"),
            &format!(
                "never acts: `{}` is 0, so no commission is clawed back within the window",
                key("clawback_churn")
            ),
            &format!(
                "`{}` above 0 beside it, or no `{}`",
                key("clawback_churn"),
                key("clawback_window_days")
            ),
        ));
    }
    Ok(())
}

/// The `learning` table against our teams' sizes (`our_reps`, one entry per team of ours).
pub(super) fn check_learning(
    at: &Locator,
    l: &LearningSpec,
    our_reps: &[u32],
) -> Result<(), InputError> {
    let written = |key: &str| {
        let path = format!("learning.{key}");
        at.source.is_written(&path) || at.setter(&path).is_some()
    };
    let settings = [
        "peers",
        "revision_rate",
        "intensity",
        "mutation",
        "mutation_size",
    ];
    if l.rule != "imitate" {
        // Settings away from their defaults first (cheap): finding where a key is written
        // parses the file, which a sweep of many points must not do at every point.
        let d = LearningSpec::default();
        let changed = [
            l.peers != d.peers,
            l.revision_rate != d.revision_rate,
            l.intensity != d.intensity,
            l.mutation != d.mutation,
            l.mutation_size != d.mutation_size,
        ];
        let candidates: Vec<&str> = settings
            .iter()
            .zip(changed)
            .filter(|(_, c)| *c)
            .map(|(k, _)| *k)
            .collect();
        if candidates.is_empty() || written("rule") {
            // Nothing set, or `rule = "none"` written on purpose (an off switch): the settings
            // beside it wait for the rule.
            return Ok(());
        }
        if let Some(key) = candidates.iter().find(|k| written(k)) {
            return Err(at.error(
                &format!("learning.{key}"),
                "never acts: no learning rule is set (`learning.rule` is `none` by default), so \
                 reps never learn",
                &format!("`learning.rule = \"imitate\"` beside it, or no `learning.{key}`"),
            ));
        }
        return Ok(());
    }
    let reps_by_override =
        (0..our_reps.len()).any(|t| at.setter(&format!("vendors.0.teams.{t}.reps")).is_some());
    if reps_by_override {
        return Ok(());
    }
    let total: u64 = our_reps.iter().map(|&r| u64::from(r)).sum();
    if total < 2 {
        return Err(at.error(
            "learning.rule",
            "never acts: we have a single rep, with no peer to compare pay with",
            "`rule = \"none\"`, or 2 reps or more in our teams",
        ));
    }
    if l.peers == "team" && our_reps.iter().all(|&r| r < 2) {
        return Err(at.error(
            "learning.peers",
            &format!(
                "never acts: a rep compares its pay with a teammate's, and each of our {} teams \
                 has one rep",
                our_reps.len()
            ),
            "`peers = \"vendor\"` (any of our reps), or teams of 2 reps or more",
        ));
    }
    Ok(())
}
