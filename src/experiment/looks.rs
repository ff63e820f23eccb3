//! Replicating until decided: replications in batches, each look deciding every comparison of
//! bookings with the reference ([`super::sequential`]), until all are decided or the cap is
//! reached. `run --until-decided`, `lesson --quick` and the live lesson of `serve` share it.

use crate::error::SalesimError;
use crate::experiment::job::{Job, Options};
use crate::experiment::sequential::{Decision, StoppingRule};
use crate::experiment::{self, Execution, Plan, RunResult, Slice};
use crate::scenario::ScenarioSource;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// Replications per look of `salesim lesson --quick` (which replicates until decided).
pub const QUICK_BATCH: u32 = 20;

/// Precision of `salesim lesson --quick`: level when the interval is within ±1% of the
/// reference's bookings.
pub const QUICK_PRECISION: f64 = 0.01;

/// How [`replicate_until_decided`] runs its looks.
pub struct Looking<'a> {
    /// Worker threads.
    pub threads: usize,
    /// Set to stop: the looks end without a result.
    pub stop: &'a AtomicBool,
    /// Called with each run finished now, from worker threads.
    pub on_run: &'a (dyn Fn(&RunResult) -> Result<(), SalesimError> + Sync),
}

/// One look of [`replicate_until_decided`]: the plan at the replications reached, every point's
/// runs so far, and each comparison's decision.
pub struct Look<'a> {
    /// The job's plan with its replications set to those reached.
    pub plan: &'a Plan,
    /// 1 for the first look.
    pub look: u32,
    /// Every point's runs, replications 0 to those reached (the same runs `salesim run
    /// --replications N` makes).
    pub points: &'a [experiment::PointResult],
    /// Each comparison of bookings with the reference: (point, variant name, decision).
    pub decisions: &'a [(u32, String, Decision)],
}

/// What the looks of [`replicate_until_decided`] leave.
pub struct Looked {
    /// Every run made, by (point, replication, variant).
    pub kept: HashMap<(u32, u32, u32), RunResult>,
    /// Looks taken.
    pub looks: u32,
    /// Replications reached.
    pub replications: u32,
    /// The last look's decisions.
    pub decisions: Vec<(u32, String, Decision)>,
    /// The work of all looks.
    pub work: experiment::Throughput,
}

/// Replications in batches, the rule's schedule, each look deciding every comparison of
/// bookings with the reference ([`crate::experiment::sequential`]) and handed to `on_look`, until all are decided
/// or the cap is reached. Nothing is computed twice: each look runs only the new replications.
/// `None` when `how.stop` was set before the end.
pub fn replicate_until_decided(
    source: &ScenarioSource,
    job: &Job,
    rule: &StoppingRule,
    how: &Looking,
    on_look: &mut dyn FnMut(&Look) -> Result<(), SalesimError>,
) -> Result<Option<Looked>, SalesimError> {
    let mut kept: HashMap<(u32, u32, u32), RunResult> = HashMap::new();
    let (mut looks, mut replications, mut decisions) = (0, 0, Vec::new());
    let mut work = experiment::Throughput::default();
    for n in rule.schedule() {
        looks += 1;
        replications = n;
        let overrides = with_replications(job, n).options.overrides()?;
        let Some(plan) = experiment::plan_unless_stopped(source, &overrides, how.stop)? else {
            return Ok(None);
        };
        let execution = Execution {
            threads: Some(how.threads),
            slice: Slice::WHOLE,
            deals: job.deals,
            stop: how.stop,
            on_run: how.on_run,
        };
        let mut points = Vec::new();
        let outcome = experiment::execute_slice(
            &plan,
            &execution,
            &mut |p, r, v| Ok(kept.get(&(p, r, v)).cloned()),
            &mut |_, result| {
                points.push(result);
                Ok(())
            },
        )?;
        if !outcome.complete {
            return Ok(None);
        }
        work += outcome.throughput;
        for run in points.iter().flat_map(|p| &p.runs) {
            kept.insert(
                (run.point, run.replication, run.variant as u32),
                run.clone(),
            );
        }
        decisions = decide_comparisons(&points, rule);
        on_look(&Look {
            plan: &plan,
            look: looks,
            points: &points,
            decisions: &decisions,
        })?;
        if decisions.iter().all(|(_, _, d)| *d != Decision::Open) {
            break;
        }
    }
    Ok(Some(Looked {
        kept,
        looks,
        replications,
        decisions,
        work,
    }))
}

/// The job with its replications set to `n`.
pub fn with_replications(job: &Job, n: u32) -> Job {
    Job {
        options: Options {
            replications: Some(n),
            ..job.options.clone()
        },
        ..job.clone()
    }
}

/// Each comparison of bookings (every variant against the reference, at every point) as one
/// look of the stopping rule decides it: (point, variant name, decision). The rule judges the
/// steady state ([`super::phases`]): each replication's mean per-quarter bookings over the
/// quarters after the settling ones, against the reference's mean per quarter there; a horizon
/// with no quarter after them is judged on its total.
fn decide_comparisons(
    points: &[experiment::PointResult],
    rule: &StoppingRule,
) -> Vec<(u32, String, Decision)> {
    let mut out = Vec::new();
    for point in points {
        let cfg = &point.config;
        let of = |v: usize| -> HashMap<u32, f64> {
            point
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .map(|r| (r.replication, judged_bookings(r, cfg.settle_quarters)))
                .collect()
        };
        let reference = of(cfg.reference);
        let reference_mean = reference.values().sum::<f64>() / reference.len().max(1) as f64;
        for (v, variant) in cfg.variants.iter().enumerate() {
            if v == cfg.reference {
                continue;
            }
            let mut diffs: Vec<(u32, f64)> = of(v)
                .into_iter()
                .filter_map(|(r, b)| Some((r, b - reference.get(&r)?)))
                .collect();
            diffs.sort_by_key(|(r, _)| *r);
            let diffs: Vec<f64> = diffs.into_iter().map(|(_, d)| d).collect();
            out.push((
                point.point,
                variant.name.clone(),
                rule.decide(&diffs, reference_mean),
            ));
        }
    }
    out
}

/// The bookings the stopping rule judges in one run: the steady state's mean per quarter, or
/// the horizon total when no quarter follows the settling ones.
fn judged_bookings(run: &RunResult, settle_quarters: u32) -> f64 {
    let quarters = &run.record.quarters;
    let steady = quarters.get(settle_quarters as usize..).unwrap_or(&[]);
    if steady.is_empty() {
        run.record.metrics()[crate::metrics::run_metric("bookings")]
    } else {
        steady.iter().map(|t| t.bookings).sum::<f64>() / steady.len() as f64
    }
}
