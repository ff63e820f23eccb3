//! Runs of the built-in lesson's market through the library, for the tests of the model's
//! mechanisms (tests/signals.rs, tests/pests.rs, tests/knobs.rs, tests/metamorphic.rs): eight quarters, ten replications with common
//! random numbers, so differences between settings are paired by replication.

#![allow(dead_code)]

use salesim::experiment::{self, PointResult};
use salesim::metrics::{RunRecord, RUN_METRICS};
use salesim::scenario::{Override, ScenarioSource};

pub const LESSON: &str = include_str!("../../scenarios/lesson.toml");

/// Every signal off, so one can be turned on at a time.
pub const NO_SIGNALS: [&str; 4] = [
    "customers.signals.trigger_recall=0",
    "customers.signals.intent_recall=0",
    "customers.signals.renewal_visibility=0",
    "customers.signals.nurture_response=0",
];

/// The first point of the lesson's market (or another scenario text) over eight quarters, ten
/// replications, with `extra` `--set`-style overrides.
pub fn run(text: &str, extra: &[&str]) -> PointResult {
    let mut all = vec!["horizon_quarters=8", "replications=10", "seed=27"];
    all.extend_from_slice(extra);
    points(text, &all).remove(0)
}

/// Every point's results of a scenario text with `--set`-style overrides, on two threads.
pub fn points(text: &str, sets: &[&str]) -> Vec<PointResult> {
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    let source = ScenarioSource::parse("scenario.toml", text).expect("scenario parses");
    let plan = experiment::plan(&source, &sets).expect("scenario plans");
    let mut results = Vec::new();
    experiment::execute(&plan, Some(2), &|| {}, &mut |_, result| {
        results.push(result);
        Ok(())
    })
    .expect("runs");
    results
}

pub fn records<'a>(point: &'a PointResult, variant: &str) -> Vec<&'a RunRecord> {
    let v = point
        .config
        .variants
        .iter()
        .position(|x| x.name == variant)
        .expect("variant exists");
    let mut runs: Vec<_> = point.runs.iter().filter(|r| r.variant == v).collect();
    runs.sort_by_key(|r| r.replication);
    runs.into_iter().map(|r| &r.record).collect()
}

/// One metric of one variant, per replication.
pub fn per_replication(point: &PointResult, variant: &str, metric: &str) -> Vec<f64> {
    let i = RUN_METRICS.iter().position(|m| *m == metric).unwrap();
    records(point, variant)
        .iter()
        .map(|r| r.metrics()[i])
        .collect()
}

/// Mean and 95% half-width (Student's t with n − 1 degrees of freedom: the runs here have ten
/// replications, where the normal 1.96 would give too narrow an interval) of the paired
/// differences `b − a`.
pub fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = salesim::experiment::stats::t_975(d.len() - 1);
    (mean, t * (var / n).sqrt())
}
