//! One live job of `salesim serve`: paired replications in batches on the native engine (every
//! core, through rayon), each batch a look of the `--until-decided` rule that `salesim lesson
//! --quick` uses ([`crate::experiment::looks::replicate_until_decided`]). After each look the replications so
//! far are written as the output folder `salesim run --replications N` writes (the same CSVs and
//! manifest), and the page gets an [`Update`]: the numbers, the lesson's verdict sentence (a
//! verdict only once the comparison is decided) and the charts drawn from that folder.

use crate::error::SalesimError;
use crate::experiment::job::Job;
use crate::experiment::looks::{replicate_until_decided, Look, Looking};
use crate::experiment::sequential::{self, Decision, Stopping, StoppingRule};
use crate::experiment::{Plan, RunResult};
use crate::metrics::run_metric;
use crate::output::lesson::{verdict_or, Facts};
use crate::output::{self, CsvOutputs, PointSummary, RunInfo};
use crate::report::live::{live_charts, BatchDifference, LiveChart};
use crate::scenario::ScenarioSource;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// A mean of each team: the reference first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pair {
    /// The reference team's (the quarter-driven one in the lesson).
    pub reference: f64,
    /// The other team's.
    pub variant: f64,
}

/// A paired difference (variant − reference) with its 95% CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Mean difference.
    pub mean: f64,
    /// Lower end of the 95% CI.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

/// What the page shows after a look.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Update {
    /// The look, 1 for the first.
    pub look: u32,
    /// Most looks the rule can take.
    pub looks: u32,
    /// Replications reached.
    pub replications: u32,
    /// Most replications (the scenario's).
    pub cap: u32,
    /// The rule's decision on bookings.
    pub decision: Decision,
    /// Whether the job is over (decided, or at the cap).
    pub finished: bool,
    /// The reference team's name.
    pub reference: String,
    /// The other team's name.
    pub variant: String,
    /// The lesson's verdict sentence (its 95% CI, and a verdict only once decided).
    pub verdict: String,
    /// Mean bookings over the horizon, $k (summary.csv's `bookings` means).
    pub bookings: Pair,
    /// Paired difference of bookings over the horizon, $k (comparison.csv's `bookings` row).
    pub difference: Difference,
    /// Steady-state paired difference of bookings, $k a quarter (phases.csv's `steady`
    /// bookings row): what the verdict states first.
    pub steady: Difference,
    /// The switch: paired difference of bookings summed over the settling quarters, $k
    /// (phases.csv's `switch` bookings row).
    pub switch: Difference,
    /// Mean times blocked over the horizon.
    pub blocks: Pair,
    /// Mean share of deals closed in the last two weeks of the quarter.
    pub hockey_stick: Pair,
    /// The command that reproduces these numbers.
    pub command: String,
    /// Seconds since the job started.
    pub seconds: f64,
    /// The charts.
    pub charts: Vec<LiveChart>,
}

/// Replications added per look, unless `salesim serve --batch` says otherwise: those of
/// `salesim lesson --quick`.
pub const BATCH: u32 = crate::experiment::looks::QUICK_BATCH;

/// How a live job replicates: the look schedule of `lesson --quick` with the scenario's
/// replications as the cap.
pub fn rule(cap: u32, batch: u32) -> StoppingRule {
    StoppingRule {
        batch,
        cap,
        precision: crate::experiment::looks::QUICK_PRECISION,
    }
}

/// Runs a job look by look, writing each look's outputs into `dir` and handing its update to
/// `send`, which returns false when no one is listening any more (the job then stops). Returns
/// when decided, at the cap, or when `stop` is set.
pub fn run(
    source: &ScenarioSource,
    job: &Job,
    rule: &StoppingRule,
    threads: usize,
    stop: &AtomicBool,
    dir: &Path,
    send: &mut dyn FnMut(Update) -> bool,
) -> Result<(), SalesimError> {
    let started = Instant::now();
    let mut batches: Vec<BatchDifference> = Vec::new();
    let quiet = |_: &RunResult| Ok(());
    let mut on_look = |look: &Look| -> Result<(), SalesimError> {
        let update = update_of(source, job, rule, look, threads, dir, started, &mut batches)?;
        if !send(update) {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    };
    replicate_until_decided(
        source,
        job,
        rule,
        &Looking {
            threads,
            stop,
            on_run: &quiet,
        },
        &mut on_look,
    )?;
    Ok(())
}

/// Writes a look's outputs and makes its update.
#[allow(clippy::too_many_arguments)]
fn update_of(
    source: &ScenarioSource,
    job: &Job,
    rule: &StoppingRule,
    look: &Look,
    threads: usize,
    dir: &Path,
    started: Instant,
    batches: &mut Vec<BatchDifference>,
) -> Result<Update, SalesimError> {
    let plan = look.plan;
    let decision = look
        .decisions
        .first()
        .map_or(Decision::Open, |(_, _, d)| *d);
    let decided = look.decisions.iter().all(|(_, _, d)| *d != Decision::Open);
    let replications = plan.base().replications;
    let stopping = Stopping {
        rule: *rule,
        method: sequential::METHOD,
        looks: look.look,
        replications,
        decided,
        decisions: look.decisions.to_vec(),
    };
    let command = job.reproduce_command(plan);
    let summaries = write_outputs(
        source, plan, look, &stopping, &command, threads, started, dir,
    )?;
    let finished = decided || replications >= rule.cap;
    let summary = summaries.first().ok_or_else(|| {
        SalesimError::Report("the live job finished no point to show".to_string())
    })?;
    let facts = Facts::of(plan, summary, Some(&stopping)).ok_or_else(|| {
        SalesimError::Report(
            "the scenario has one variant: there is nothing to compare it with".to_string(),
        )
    })?;
    let next_step = if finished {
        format!(
            "The scenario's cap of {} replications is reached: the difference, if any, is smaller \
             than this many replications can show.",
            rule.cap
        )
    } else {
        "More replications are running.".to_string()
    };
    let verdict = verdict_or(&facts, &next_step);
    let (a, _) = metric_pair(summary, plan, "bookings");
    let paired = bookings_difference(summary, plan);
    // As the verdict states the total: from the paired log ratio where every replication has
    // one (so the band never passes −100%), else as a share of the reference's mean.
    let stated = bookings_stated(summary, plan);
    let scale = a.abs().max(f64::MIN_POSITIVE);
    batches.push(match stated {
        Some(s) if s.relative => BatchDifference {
            replications,
            mean: s.mean / 100.0,
            low: s.low / 100.0,
            high: s.high / 100.0,
        },
        _ => BatchDifference {
            replications,
            mean: paired.mean / scale,
            low: paired.ci_low / scale,
            high: paired.ci_high / scale,
        },
    });
    let charts = live_charts(dir, batches, &facts.b, &facts.a)
        .map_err(|e| SalesimError::Report(e.to_string()))?;
    let pair = |metric: &str| {
        let (reference, variant) = metric_pair(summary, plan, metric);
        Pair { reference, variant }
    };
    Ok(Update {
        look: look.look,
        looks: rule.looks(),
        replications,
        cap: rule.cap,
        decision,
        finished,
        reference: facts.a.clone(),
        variant: facts.b.clone(),
        verdict,
        bookings: pair("bookings"),
        difference: paired,
        steady: difference_of(facts.phases.map(|p| p.steady)),
        switch: difference_of(facts.phases.map(|p| p.switch)),
        blocks: pair("blocks"),
        hockey_stick: pair("hockey_stick"),
        command,
        seconds: started.elapsed().as_secs_f64(),
        charts,
    })
}

/// The reference's and the other variant's mean of a run metric.
fn metric_pair(summary: &PointSummary, plan: &Plan, metric: &str) -> (f64, f64) {
    let cfg = plan.base();
    let m = run_metric(metric);
    let other = (0..cfg.variants.len())
        .find(|&v| v != cfg.reference)
        .unwrap_or(cfg.reference);
    (
        summary.metrics[cfg.reference][m].mean,
        summary.metrics[other][m].mean,
    )
}

/// A summary as a [`Difference`] (NaN when there is none).
fn difference_of(s: Option<crate::experiment::stats::Summary>) -> Difference {
    s.map_or(
        Difference {
            mean: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        },
        |s| Difference {
            mean: s.mean,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
        },
    )
}

/// The paired difference of bookings, the other variant against the reference.
fn bookings_difference(summary: &PointSummary, plan: &Plan) -> Difference {
    let cfg = plan.base();
    let other = (0..cfg.variants.len()).find(|&v| v != cfg.reference);
    let d = other
        .and_then(|v| summary.paired.get(v)?.as_ref())
        .map(|p| p[run_metric("bookings")].diff);
    match d {
        Some(d) => Difference {
            mean: d.mean,
            ci_low: d.ci_low,
            ci_high: d.ci_high,
        },
        None => Difference {
            mean: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        },
    }
}

/// The horizon total of bookings as every verdict surface states it
/// ([`crate::output::summary::Stated`]), `None` without a second variant.
fn bookings_stated(summary: &PointSummary, plan: &Plan) -> Option<crate::output::summary::Stated> {
    let cfg = plan.base();
    let other = (0..cfg.variants.len()).find(|&v| v != cfg.reference)?;
    let m = run_metric("bookings");
    let d = summary.paired.get(other)?.as_ref()?[m].diff;
    let ratio = summary.relative.get(other)?.as_ref()?[m];
    Some(crate::output::summary::Stated::of(&d, &ratio))
}

/// The look's output folder: the CSVs and manifest `salesim run --replications N` writes.
#[allow(clippy::too_many_arguments)]
fn write_outputs(
    source: &ScenarioSource,
    plan: &Plan,
    look: &Look,
    stopping: &Stopping,
    command: &str,
    threads: usize,
    started: Instant,
    dir: &Path,
) -> Result<Vec<PointSummary>, SalesimError> {
    let mut csv = CsvOutputs::create(dir, plan, false)?;
    let mut work = crate::experiment::Throughput::default();
    for result in look.points {
        for run in &result.runs {
            work.customer_days += run.record.customer_days;
            work.contacts += run.record.all_contacts;
            work.runs += 1;
        }
        csv.write_point(&plan.point(result.point)?, result)?;
    }
    let summaries = csv.commit()?;
    let info = RunInfo {
        command: command.to_string(),
        scenario_file: source.file.clone(),
        threads,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        throughput: work,
        complete: true,
        shard: None,
        finished_runs: work.runs,
        computed_runs: work.runs,
        merged_from: Vec::new(),
        stopping: Some(stopping.clone()),
        deals: false,
    };
    let manifest = serde_json::to_string_pretty(&output::manifest(plan, &info))
        .expect("manifest is plain JSON");
    crate::fsafe::write_file(&dir.join("manifest.json"), manifest.as_bytes())?;
    Ok(summaries)
}
