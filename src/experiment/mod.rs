//! Experiments: sweep points × replications × variants, seeded from (master seed, replication)
//! only, fanned out with rayon, streamed to a sink point by point.
//!
//! Common random numbers: replication `r` of every point generates one world from the same seed,
//! and every variant sells into that same world (from the same warmed-up market); the accounts' own draws are keyed by account, so a strategy change
//! does not re-roll the market. Results are collected in plan order, so outputs are identical
//! whatever the thread count.

pub mod job;
pub mod journal;
pub mod looks;
pub mod phases;
pub mod sequential;
pub mod stats;

use crate::engine::{self, DealRecord};
use crate::error::{InputError, SalesimError};
use crate::metrics::{
    EffortCurve, RunRecord, Tally, TeamTally, VendorTally, WeekTally, RUN_METRICS,
};
use crate::rng::run_seed;
use crate::scenario::{self, Config, Override, ScenarioSource};
use crate::world;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// One sweep point: its parameter values and its validated configuration.
#[derive(Debug, Clone)]
pub struct Point {
    /// Index, 0-based (0 when there is no sweep).
    pub index: u32,
    /// Parameter path → value at this point (empty without a sweep).
    pub values: Vec<(String, f64)>,
    /// The configuration at this point.
    pub config: Config,
}

/// What the plan keeps of each point: a few numbers, not its configuration (points are built
/// again, one at a time, when they run).
#[derive(Debug, Clone, Copy, PartialEq)]
struct PointShape {
    /// The point's master seed (a sweep may vary `seed`).
    seed: u64,
    /// Its replications (a sweep may vary `replications`).
    replications: u32,
    /// Index in plan order of its first run.
    first_run: u64,
    /// [`bytes_per_run`] of its configuration.
    run_bytes: f64,
    /// Bytes of its runs' records ([`record_bytes`]).
    record_bytes: f64,
}

/// Everything to run: the base configuration, the sweep's lists and a few numbers per point.
/// Memory grows with the number of points, never with points × list length: a point's values
/// and configuration are built when asked for ([`Plan::point`]).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Swept parameter paths (empty without a sweep).
    pub parameters: Vec<String>,
    /// `grid` or `zip` (`none` without a sweep).
    pub mode: String,
    /// Point 0's configuration, with the whole resolved scenario (sweep included).
    base: Config,
    /// Each parameter's values.
    lists: Vec<Vec<f64>>,
    /// One per point.
    shapes: Vec<PointShape>,
    /// Variants (the same at every point).
    variants: u32,
    /// The scenario without its sweep section, and the overrides, to build points from.
    points_source: ScenarioSource,
    overrides: Vec<Override>,
    /// `:LINE` where each parameter is written, for error messages.
    lines: Vec<String>,
}

impl Plan {
    /// The base configuration (point 0's).
    pub fn base(&self) -> &Config {
        &self.base
    }

    /// Number of sweep points (1 without a sweep).
    pub fn point_count(&self) -> usize {
        self.shapes.len()
    }

    /// Total runs: points × variants × replications.
    pub fn total_runs(&self) -> u64 {
        self.shapes.last().map_or(0, |s| {
            s.first_run + u64::from(s.replications) * u64::from(self.variants)
        })
    }

    /// A point's master seed and replications.
    pub fn seed_and_replications(&self, point: u32) -> (u64, u32) {
        let s = &self.shapes[point as usize];
        (s.seed, s.replications)
    }

    /// Parameter path → value at a point (grid: the last parameter varies fastest; zip:
    /// matched positions).
    pub fn values(&self, point: u32) -> Vec<(String, f64)> {
        let mut values = vec![0.0; self.lists.len()];
        let mut rest = point as usize;
        for (p, list) in self.lists.iter().enumerate().rev() {
            values[p] = if self.mode == "zip" {
                list[point as usize]
            } else {
                let v = list[rest % list.len()];
                rest /= list.len();
                v
            };
        }
        self.parameters.iter().cloned().zip(values).collect()
    }

    /// A point with its configuration, built now.
    /// The reference point of a sweep: the one whose swept values are those the scenario has
    /// without its sweep (for example the preset's discount in a discount sweep). `None` when no
    /// point has them, or without a sweep.
    pub fn reference_point(&self) -> Option<u32> {
        if self.parameters.is_empty() {
            return None;
        }
        let unswept = scenario::build(&self.points_source, &self.overrides).ok()?;
        let base: Vec<f64> = self
            .parameters
            .iter()
            .map(|path| unswept_value(&unswept, path))
            .collect::<Option<_>>()?;
        (0..self.point_count() as u32).find(|&p| {
            self.values(p)
                .iter()
                .zip(&base)
                .all(|((_, v), b)| (v - b).abs() <= 1e-9 * b.abs().max(1.0))
        })
    }

    pub fn point(&self, index: u32) -> Result<Point, InputError> {
        let values = self.values(index);
        let config = if index == 0 {
            self.base.clone()
        } else {
            build_point(&self.points_source, &self.overrides, &self.lines, &values)?
        };
        Ok(Point {
            index,
            values,
            config,
        })
    }
}

/// Most sweep points a plan may have.
pub const MAX_POINTS: usize = 100_000;

/// Builds the plan: applies overrides, checks the sweep's size before expanding it, then builds
/// and validates every point (grid: every combination, the last parameter varying fastest;
/// zip: matched positions), keeping only a few numbers of each.
pub fn plan(source: &ScenarioSource, overrides: &[Override]) -> Result<Plan, InputError> {
    let never = AtomicBool::new(false);
    Ok(plan_unless_stopped(source, overrides, &never)?.expect("never stopped"))
}

/// [`plan`], giving up (`None`) as soon as `stop` is set: validating a large sweep's points
/// takes a while.
pub fn plan_unless_stopped(
    source: &ScenarioSource,
    overrides: &[Override],
    stop: &AtomicBool,
) -> Result<Option<Plan>, InputError> {
    // The scenario and its sweep, checked once.
    let unswept = scenario::build(source, overrides)?;
    let (parameters, lists, mode) = match &unswept.resolved.sweep {
        None => (Vec::new(), Vec::new(), "none".to_string()),
        Some(sweep) => (
            sweep.parameters.keys().cloned().collect::<Vec<_>>(),
            sweep.parameters.values().cloned().collect::<Vec<_>>(),
            sweep.mode.clone(),
        ),
    };
    let count = if mode == "zip" {
        lists[0].len()
    } else {
        lists.iter().fold(1usize, |n, l| n.saturating_mul(l.len()))
    };
    if count > MAX_POINTS {
        let key = "sweep.parameters";
        return Err(InputError::at(
            &source.file,
            source.line_of_path(key),
            Some(key),
            &format!(
                "{count} sweep points is too many: planning them would take at least {} of memory before any run starts",
                planning_size(count, parameters.len())
            ),
            &format!(
                "at most {MAX_POINTS} sweep points (about {} to plan)",
                planning_size(MAX_POINTS, parameters.len())
            ),
        ));
    }
    // Where each parameter is written (looked up once, not once per point).
    let lines: Vec<String> = parameters
        .iter()
        .map(|path| {
            source
                .line_of_path(&format!("sweep.parameters.{path}"))
                .map(|l| format!(":{l}"))
                .unwrap_or_default()
        })
        .collect();
    let mut points_source = source.clone();
    points_source.scenario.sweep = None;
    let variants = unswept.variants.len() as u32;
    let mut plan = Plan {
        parameters,
        mode,
        base: unswept,
        lists,
        shapes: Vec::with_capacity(count),
        variants,
        points_source,
        overrides: overrides.to_vec(),
        lines,
    };
    let mut first_run = 0u64;
    for index in 0..count as u32 {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let values = plan.values(index);
        // Point 0 keeps the whole resolved scenario, sweep included, for the manifest.
        let from = if index == 0 {
            source
        } else {
            &plan.points_source
        };
        let config = if values.is_empty() {
            plan.base.clone()
        } else {
            build_point(from, &plan.overrides, &plan.lines, &values)?
        };
        // A point too big even for one run in flight is refused now, before the other points
        // are built (`check_memory` then applies the real number of runs in flight).
        check_point_memory(source, &plan.overrides, &config, 1)?;
        plan.shapes.push(PointShape {
            seed: config.seed,
            replications: config.replications,
            first_run,
            run_bytes: bytes_per_run(&config),
            record_bytes: record_bytes(&config),
        });
        first_run += u64::from(config.replications) * u64::from(variants);
        if index == 0 {
            plan.base = config;
        }
    }
    Ok(Some(plan))
}

/// A lower bound on what planning `points` points of `parameters` swept parameters takes (what
/// the plan keeps of each point), for the message refusing too many points: `4.8 MB`.
fn planning_size(points: usize, parameters: usize) -> String {
    let per_point = std::mem::size_of::<PointShape>() + parameters * std::mem::size_of::<f64>();
    let bytes = points as f64 * per_point as f64;
    match bytes {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b => format!("{:.1} MB", b / 1e6),
    }
}

/// The value at a parameter path of a configuration, as its scenario resolves it: the value
/// written (or its default), or, for a strategy knob left out, the base preset's value.
fn unswept_value(cfg: &Config, path: &str) -> Option<f64> {
    resolved_number(cfg, path).map(|(v, _)| v)
}

/// The number at a parameter path of a configuration, as its scenario resolves it (the value
/// written or its default, or, for a strategy knob left out, the base preset's value), and
/// whether the key takes whole numbers. `None` when the path holds no number.
pub fn resolved_number(cfg: &Config, path: &str) -> Option<(f64, bool)> {
    let scenario = toml::Value::try_from(&cfg.resolved).ok()?;
    let mut at = &scenario;
    let mut found = true;
    for segment in path.split('.') {
        let next = match at {
            toml::Value::Table(t) => t.get(segment),
            toml::Value::Array(a) => segment.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => {
                found = false;
                break;
            }
        }
    }
    if found {
        return match at {
            toml::Value::Float(f) => Some((*f, false)),
            toml::Value::Integer(i) => Some((*i as f64, true)),
            _ => None,
        };
    }
    let mut parts = path.split('.');
    let (Some("strategies"), Some(name), Some(knob), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let base = cfg
        .resolved
        .strategies
        .get(name)
        .and_then(|s| s.base.clone())
        .unwrap_or_else(|| name.to_string());
    let preset = serde_json::to_value(crate::params::presets::preset(&base)?).ok()?;
    let value = preset.get(knob)?;
    Some((value.as_f64()?, value.is_u64() || value.is_i64()))
}

/// A point's configuration: the overrides, then its swept values, each error pointing at the
/// sweep's line for that parameter.
fn build_point(
    source: &ScenarioSource,
    overrides: &[Override],
    lines: &[String],
    values: &[(String, f64)],
) -> Result<Config, InputError> {
    let mut all = overrides.to_vec();
    for ((path, v), line) in values.iter().zip(lines) {
        all.push(Override {
            path: path.clone(),
            value: toml::Value::Float(*v),
            origin: format!("{}{line}: [sweep] \"{path}\" = {v}", source.file),
        });
    }
    scenario::build(source, &all)
}

/// Memory a run may use, unless `SALESIM_MEMORY_LIMIT_GB` says otherwise: 16 GB, two thirds of
/// the 24 GB machines salesim is developed on.
pub const DEFAULT_MEMORY_LIMIT_GB: f64 = 16.0;

/// Estimated peak bytes of one run in flight: the world (accounts, peers, territories) and the
/// engine's state (account and account–vendor relations, reps, the agenda), from the real
/// type sizes.
pub fn bytes_per_run(cfg: &Config) -> f64 {
    use crate::engine::{Account, Reach, Relation};
    let n = cfg.market.customers as f64;
    let vendors = cfg.vendors.len() as f64;
    let peers = cfg.market.peers as f64;
    let reps: f64 = cfg
        .vendors
        .iter()
        .flat_map(|v| &v.teams)
        .map(|t| t.reps as f64)
        .sum();
    let engine_per_customer = std::mem::size_of::<Account>() as f64
        + vendors * (std::mem::size_of::<Relation>() as f64 + std::mem::size_of::<Reach>() as f64)
        + 3.0 * std::mem::size_of::<crate::engine::Event>() as f64;
    // A replication in flight holds one engine per variant (the first takes the warmed-up
    // market, the others copies of it), beside the world they share.
    let engines = cfg.variants.len() as f64;
    let world_per_customer =
        std::mem::size_of::<crate::world::Customer>() as f64 + vendors * 4.0 + peers * 4.0;
    let agenda = (cfg.warm_up_days() + cfg.horizon_days()) as f64 * 24.0;
    n * (world_per_customer + engines * engine_per_customer) + engines * (reps * 256.0 + agenda)
}

/// The memory limit in GB: `SALESIM_MEMORY_LIMIT_GB`, else [`DEFAULT_MEMORY_LIMIT_GB`].
pub fn memory_limit_gb() -> f64 {
    std::env::var("SALESIM_MEMORY_LIMIT_GB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(DEFAULT_MEMORY_LIMIT_GB)
}

/// Refuses, before anything runs or is written, a plan whose runs in flight (one per worker
/// thread) plus the per-run records of a point would exceed the memory limit.
pub fn check_memory(
    source: &ScenarioSource,
    plan: &Plan,
    threads: usize,
) -> Result<(), InputError> {
    let limit_gb = memory_limit_gb();
    for (index, s) in plan.shapes.iter().enumerate() {
        let (runs, records, _) = memory_need(s.run_bytes, s.record_bytes, s.replications, threads);
        if (runs + records) / 1e9 > limit_gb {
            // Only a point that is refused is built again, for the message.
            let point = plan.point(index as u32)?;
            check_point_memory(source, &plan.overrides, &point.config, threads)?;
        }
    }
    Ok(())
}

/// Bytes of the records a point's runs keep until the point is written: per quarter our tally,
/// each vendor's deals and each of our reps' attainment; per team of ours its tally.
fn record_bytes(cfg: &Config) -> f64 {
    use std::mem::size_of;
    let ours = &cfg.vendors[0];
    let reps: f64 = ours.teams.iter().map(|t| t.reps as f64).sum();
    let per_quarter = size_of::<Tally>() as f64
        + cfg.vendors.len() as f64 * size_of::<VendorTally>() as f64
        + reps * size_of::<f64>() as f64;
    let per_run = cfg.horizon_quarters as f64 * per_quarter
        + ours.teams.len() as f64 * size_of::<TeamTally>() as f64
        + 1024.0;
    cfg.replications as f64 * cfg.variants.len() as f64 * per_run
}

/// A point's memory: (runs in flight, records, runs in flight as a count) in bytes, for
/// `threads` workers.
fn memory_need(run_bytes: f64, records: f64, replications: u32, threads: usize) -> (f64, f64, f64) {
    let in_flight = threads.min(replications as usize).max(1) as f64;
    (run_bytes * in_flight, records, in_flight)
}

/// [`check_memory`] for one point's configuration. The message names the key behind the larger
/// share: the records of the point's runs (`replications`) or the runs in flight
/// (`market.customers`), or the override that set either.
fn check_point_memory(
    source: &ScenarioSource,
    overrides: &[Override],
    cfg: &Config,
    threads: usize,
) -> Result<(), InputError> {
    let limit_gb = memory_limit_gb();
    let (runs, records, in_flight) = memory_need(
        bytes_per_run(cfg),
        record_bytes(cfg),
        cfg.replications,
        threads,
    );
    let gb = (runs + records) / 1e9;
    if gb <= limit_gb {
        return Ok(());
    }
    let key = if records > runs {
        "replications"
    } else {
        "market.customers"
    };
    let at = scenario::Locator { source, overrides };
    let related = ["replications", "market.customers"].map(String::from);
    Err(at.error_with(
        key,
        &related,
        &format!(
            "this run would need about {gb:.1} GB of memory ({} customers × {} vendors, {} runs in flight; {} replications × {} variants × {} quarters of records), over the limit of {limit_gb} GB",
            cfg.market.customers,
            cfg.vendors.len(),
            in_flight,
            cfg.replications,
            cfg.variants.len(),
            cfg.horizon_quarters,
        ),
        "fewer customers, vendors, replications or quarters, fewer --threads, or a higher SALESIM_MEMORY_LIMIT_GB",
    ))
}

/// The results of one run, reduced to what the outputs need.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Sweep point.
    pub point: u32,
    /// Replication index.
    pub replication: u32,
    /// Run seed.
    pub seed: u64,
    /// Variant index.
    pub variant: usize,
    /// The run's record.
    pub record: RunRecord,
    /// Every vendor's opportunities (`deals.csv`), when the execution asked for them; empty
    /// otherwise.
    pub deals: Vec<DealRecord>,
}

/// The results of one point, in (replication, variant) order.
#[derive(Debug, Clone)]
pub struct PointResult {
    /// The point.
    pub point: u32,
    /// The point's configuration.
    pub config: Config,
    /// Every run of the point.
    pub runs: Vec<RunResult>,
}

impl PointResult {
    /// Run metrics of one variant, one array per replication.
    pub fn metrics_of(&self, variant: usize) -> Vec<[f64; RUN_METRICS.len()]> {
        self.runs
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| r.record.metrics())
            .collect()
    }

    /// Summed week tallies of one variant.
    pub fn weeks_of(&self, variant: usize) -> WeekTally {
        self.runs
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| r.record.weeks)
            .fold(WeekTally::default(), |a, b| a + b)
    }

    /// Summed effort curves of one variant.
    pub fn effort_of(&self, variant: usize) -> EffortCurve {
        let mut total = EffortCurve::default();
        for r in self.runs.iter().filter(|r| r.variant == variant) {
            total += r.record.effort;
        }
        total
    }

    /// Pooled tally of one variant over all replications.
    pub fn pooled(&self, variant: usize) -> Tally {
        self.runs
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| r.record.total())
            .fold(Tally::default(), |a, b| a + b)
    }
}

/// Throughput counters of a whole experiment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Throughput {
    /// Accounts × days simulated.
    pub customer_days: u64,
    /// Contacts made by all vendors.
    pub contacts: u64,
    /// Runs completed.
    pub runs: u64,
}

impl std::ops::AddAssign for Throughput {
    fn add_assign(&mut self, o: Throughput) {
        self.customer_days += o.customer_days;
        self.contacts += o.contacts;
        self.runs += o.runs;
    }
}

/// The K-th (1-based) of N slices of a plan: the runs whose index in plan order (point, then
/// replication, then variant) leaves remainder K−1 when divided by N. Dealing runs out in turn
/// keeps slices of a sweep balanced when later points cost more than earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    /// K, from 1.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

impl Slice {
    /// The whole plan (1/1).
    pub const WHOLE: Slice = Slice { index: 1, count: 1 };

    /// Whether this is the whole plan.
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// How many of a plan's `total` runs are in the slice.
    pub fn runs_of(&self, total: u64) -> u64 {
        let n = u64::from(self.count);
        total / n + u64::from(u64::from(self.index - 1) < total % n)
    }

    /// The slice of `count` that holds the run with this plan-order index.
    pub fn of_run(run: u64, count: u32) -> Slice {
        Slice {
            index: (run % u64::from(count)) as u32 + 1,
            count,
        }
    }

    /// Whether the run with this plan-order index is in the slice.
    pub fn owns(&self, run: u64) -> bool {
        Slice::of_run(run, self.count) == *self
    }
}

impl std::fmt::Display for Slice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Slice {
    type Err = String;

    /// Parses `K/N` with 1 ≤ K ≤ N.
    fn from_str(s: &str) -> Result<Slice, String> {
        let allowed = "K/N with whole numbers 1 ≤ K ≤ N, e.g. 3/8";
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a slice. Allowed: {allowed}"))?;
        let parse = |x: &str| x.trim().parse::<u32>().ok();
        match (parse(k), parse(n)) {
            (Some(index), Some(count)) if index >= 1 && index <= count => {
                Ok(Slice { index, count })
            }
            _ => Err(format!("`{s}` is not a slice. Allowed: {allowed}")),
        }
    }
}

/// One run of a plan, with its index in plan order (point, then replication, then variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedRun {
    /// Index in plan order.
    pub index: u64,
    /// Replication.
    pub replication: u32,
    /// Variant index.
    pub variant: u32,
}

impl Plan {
    /// Every point's index with its runs in plan order: the one numbering slices and journals
    /// share.
    pub fn runs(&self) -> impl Iterator<Item = (u32, impl Iterator<Item = PlannedRun>)> + '_ {
        let variants = self.variants;
        self.shapes.iter().enumerate().map(move |(point, shape)| {
            let start = shape.first_run;
            let runs = (0..shape.replications).flat_map(move |replication| {
                (0..variants).map(move |variant| PlannedRun {
                    index: start
                        + u64::from(replication) * u64::from(variants)
                        + u64::from(variant),
                    replication,
                    variant,
                })
            });
            (point as u32, runs)
        })
    }
}

/// SHA-256 (hex) of the salesim version and the resolved scenario (overrides applied, sweep
/// included): every point is built from it, so two runs with the same digest compute the same
/// runs.
pub fn plan_digest(plan: &Plan) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION"));
    let identity = serde_json::json!([plan.parameters, plan.mode, plan.base.resolved]);
    hash.update(serde_json::to_vec(&identity).expect("plain JSON"));
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Throughput of the runs computed now (not those finished earlier).
    pub throughput: Throughput,
    /// Runs of the slice finished (earlier or now).
    pub finished_runs: u64,
    /// Runs in the slice.
    pub slice_runs: u64,
    /// Runs computed by this execution (the rest were finished earlier).
    pub computed_runs: u64,
    /// Whether every run of the slice finished (false: stopped).
    pub complete: bool,
}

/// Runs finished before this execution (a resumed journal, or merged slices): `Some` result for
/// a (point, replication, variant) that need not run again.
pub type Earlier<'a> = dyn FnMut(u32, u32, u32) -> Result<Option<RunResult>, SalesimError> + 'a;

/// What to run and how.
pub struct Execution<'a> {
    /// Worker threads (default: rayon's).
    pub threads: Option<usize>,
    /// The slice of the plan to run.
    pub slice: Slice,
    /// Keep every run's deal records ([`RunResult::deals`]).
    pub deals: bool,
    /// Set (by Ctrl-C) to stop: no new run starts, runs in flight are abandoned within a day.
    pub stop: &'a AtomicBool,
    /// Called with each run finished now, from worker threads (to journal it, count progress).
    pub on_run: &'a (dyn Fn(&RunResult) -> Result<(), SalesimError> + Sync),
}

/// Runs every point to the end, handing each finished point to `sink` in order. `on_run` is
/// called after each run (from worker threads) for progress.
pub fn execute(
    plan: &Plan,
    threads: Option<usize>,
    on_run: &(dyn Fn() + Sync),
    sink: &mut dyn FnMut(&Point, PointResult) -> Result<(), SalesimError>,
) -> Result<Throughput, SalesimError> {
    let never = AtomicBool::new(false);
    let count = |_: &RunResult| {
        on_run();
        Ok(())
    };
    let how = Execution {
        threads,
        slice: Slice::WHOLE,
        deals: false,
        stop: &never,
        on_run: &count,
    };
    Ok(execute_slice(plan, &how, &mut |_, _, _| Ok(None), sink)?.throughput)
}

/// Runs the slice's runs that `earlier` does not have, point by point; for the whole plan, hands
/// each point's results (earlier and new, in (replication, variant) order) to `sink`.
pub fn execute_slice(
    plan: &Plan,
    how: &Execution,
    earlier: &mut Earlier,
    sink: &mut dyn FnMut(&Point, PointResult) -> Result<(), SalesimError>,
) -> Result<Outcome, SalesimError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = how.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| SalesimError::io("starting worker threads", std::io::Error::other(e)))?;
    let mut outcome = Outcome {
        throughput: Throughput::default(),
        finished_runs: 0,
        slice_runs: 0,
        computed_runs: 0,
        complete: true,
    };
    for (index, planned) in plan.runs() {
        let owned: Vec<PlannedRun> = planned.filter(|run| how.slice.owns(run.index)).collect();
        if owned.is_empty() {
            continue;
        }
        let point = plan.point(index)?;
        let point = &point;
        let cfg = &point.config;
        let variants = cfg.variants.len() as u32;
        let mut runs = Vec::new();
        // Missing runs grouped by replication, so each replication's world is made once.
        let mut todo: Vec<(u32, Vec<usize>)> = Vec::new();
        for run in owned {
            outcome.slice_runs += 1;
            if let Some(result) = earlier(point.index, run.replication, run.variant)? {
                runs.push(result);
                continue;
            }
            match todo.last_mut() {
                Some((replication, missing)) if *replication == run.replication => {
                    missing.push(run.variant as usize)
                }
                _ => todo.push((run.replication, vec![run.variant as usize])),
            }
        }
        if !todo.is_empty() && !how.stop.load(Ordering::Relaxed) {
            let new = pool.install(|| run_some(point, &todo, how))?;
            outcome.computed_runs += new.len() as u64;
            for r in &new {
                outcome.throughput.customer_days += r.record.customer_days;
                outcome.throughput.contacts += r.record.all_contacts;
                outcome.throughput.runs += 1;
            }
            runs.extend(new);
        }
        outcome.finished_runs += runs.len() as u64;
        let point_done = runs.len() == (cfg.replications * variants) as usize;
        if how.slice.is_whole() && point_done {
            runs.sort_by_key(|r| (r.replication, r.variant));
            sink(
                point,
                PointResult {
                    point: point.index,
                    config: cfg.clone(),
                    runs,
                },
            )?;
        }
    }
    outcome.complete = outcome.finished_runs == outcome.slice_runs;
    Ok(outcome)
}

/// Some replications of one point, each with some of its variants, in parallel: each
/// replication's world is generated once and shared by its variants, which also run in
/// parallel (so a point with fewer replications than threads still uses every thread). Runs
/// abandoned because `stop` was set are left out.
fn run_some(
    point: &Point,
    todo: &[(u32, Vec<usize>)],
    how: &Execution,
) -> Result<Vec<RunResult>, SalesimError> {
    let cfg = &point.config;
    let runs: Vec<Vec<Result<Option<RunResult>, SalesimError>>> = todo
        .par_iter()
        .map(|(replication, variants)| {
            let replication = *replication;
            let seed = run_seed(cfg.seed, replication);
            let world = world::generate_unless_stopped(cfg, seed, how.stop);
            // Every variant runs on from the replication's warmed-up market: copies of it for all
            // but the first, which takes the original (one engine per variant, no spare).
            let warm = world.as_ref().and_then(|world| {
                if how.deals {
                    engine::warmed_up_with_deals(cfg, world, seed, how.stop)
                } else {
                    engine::warmed_up(cfg, world, seed, how.stop)
                }
            });
            let mut engines = Vec::with_capacity(variants.len());
            if let (Some(warm), Some((&first, others))) = (warm, variants.split_first()) {
                engines.extend(others.iter().map(|&variant| (variant, warm.clone())));
                engines.insert(0, (first, warm));
            }
            engines
                .into_par_iter()
                .map(|(variant, engine)| {
                    let Some((record, deals)) =
                        engine::run_on_with_deals(engine, variant, how.stop)
                    else {
                        return Ok(None);
                    };
                    let result = RunResult {
                        point: point.index,
                        replication,
                        seed,
                        variant,
                        record,
                        deals,
                    };
                    (how.on_run)(&result)?;
                    Ok(Some(result))
                })
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for r in runs.into_iter().flatten() {
        out.extend(r?);
    }
    Ok(out)
}

/// All replications of one point (every variant), run to the end: the results in
/// (replication, variant) order.
pub fn run_point(point: &Point, on_run: &(dyn Fn() + Sync)) -> PointResult {
    let todo: Vec<(u32, Vec<usize>)> = (0..point.config.replications)
        .map(|r| (r, (0..point.config.variants.len()).collect()))
        .collect();
    let never = AtomicBool::new(false);
    let count = |_: &RunResult| {
        on_run();
        Ok(())
    };
    let how = Execution {
        threads: None,
        slice: Slice::WHOLE,
        deals: false,
        stop: &never,
        on_run: &count,
    };
    let runs = run_some(point, &todo, &how).expect("counting progress cannot fail");
    PointResult {
        point: point.index,
        config: point.config.clone(),
        runs,
    }
}

/// One simulation of a resolved scenario, in memory: [`simulate_one`].
#[derive(Debug, Clone)]
pub struct SimulatedRun {
    /// The run's seed (from the scenario's master seed and the replication, as in runs.csv).
    pub seed: u64,
    /// The run's record: the source of every runs.csv, quarters.csv, teams.csv and vendors.csv
    /// number.
    pub record: RunRecord,
    /// Every vendor's opportunities, as `deals.csv` lists them for this run (see
    /// [`crate::engine::deals`]).
    pub deals: Vec<DealRecord>,
}

/// Runs ONE simulation of a resolved scenario, variant `variant` (index in `cfg.variants`),
/// replication `replication`, and returns its record and its deal records. The same
/// (configuration, variant, replication) gives the same run as `salesim run --deals` does for that
/// row of runs.csv, whatever the threads; two configurations that differ only in strategy or
/// behaviour knobs see the same market in the same replication (common random numbers), which is
/// what a method-of-simulated-moments fit needs. It generates the world and warms the market up
/// (one warm-up per call): to run several variants of one replication, call it once per variant.
///
/// ```
/// use salesim::engine::DealOutcome;
/// use salesim::scenario::{self, Override, ScenarioSource};
/// let source = ScenarioSource::parse("lesson", scenario::LESSON).unwrap();
/// let overrides = [Override::parse("market.customers=300").unwrap()];
/// let cfg = scenario::build(&source, &overrides).unwrap();
/// let run = salesim::experiment::simulate_one(&cfg, cfg.reference, 0);
/// let won = run.deals.iter().filter(|d| d.vendor == 0 && d.outcome == DealOutcome::Won);
/// assert_eq!(won.count() as f64, run.record.total().deals);
/// ```
///
/// # Panics
/// If `variant` is not an index of `cfg.variants`.
pub fn simulate_one(cfg: &Config, variant: usize, replication: u32) -> SimulatedRun {
    assert!(
        variant < cfg.variants.len(),
        "variant {variant} of a scenario with {} variants",
        cfg.variants.len()
    );
    let never = AtomicBool::new(false);
    let seed = run_seed(cfg.seed, replication);
    let world = world::generate(cfg, seed);
    let warm = engine::warmed_up_with_deals(cfg, &world, seed, &never).expect("never stopped");
    let (record, deals) = engine::run_on_with_deals(warm, variant, &never).expect("never stopped");
    SimulatedRun {
        seed,
        record,
        deals,
    }
}

/// Runs read back from journals (one when resuming, N when merging slices), loaded point by
/// point as the execution reaches them.
pub struct JournaledRuns {
    readers: Vec<journal::EntryReader>,
    index: std::collections::HashMap<(u32, u32, u32), (usize, journal::Location)>,
}

impl JournaledRuns {
    /// Nothing journaled.
    pub fn none() -> JournaledRuns {
        JournaledRuns {
            readers: Vec::new(),
            index: std::collections::HashMap::new(),
        }
    }

    /// The runs of the given journals.
    pub fn of(journals: &[journal::Contents]) -> Result<JournaledRuns, SalesimError> {
        let mut runs = JournaledRuns::none();
        for (i, contents) in journals.iter().enumerate() {
            runs.readers
                .push(journal::EntryReader::open(&contents.path)?);
            for (key, loc) in &contents.entries {
                runs.index.entry(*key).or_insert((i, *loc));
            }
        }
        Ok(runs)
    }

    /// Runs journaled.
    pub fn len(&self) -> u64 {
        self.index.len() as u64
    }

    /// Whether nothing is journaled.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Whether a run is journaled.
    pub fn contains(&self, point: u32, replication: u32, variant: u32) -> bool {
        self.index.contains_key(&(point, replication, variant))
    }

    /// A journaled run, if there is one.
    pub fn load(
        &mut self,
        point: u32,
        replication: u32,
        variant: u32,
    ) -> Result<Option<RunResult>, SalesimError> {
        let Some(&(reader, loc)) = self.index.get(&(point, replication, variant)) else {
            return Ok(None);
        };
        let entry = self.readers[reader].entry(loc)?;
        Ok(Some(RunResult {
            point: entry.point,
            replication: entry.replication,
            seed: entry.seed,
            variant: entry.variant as usize,
            record: entry.record,
            deals: entry.deals,
        }))
    }
}
