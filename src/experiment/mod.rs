//! Experiments: sweep points × replications × variants, seeded from (master seed, point,
//! replication) only, fanned out with rayon, streamed to a sink point by point.
//!
//! Common random numbers: replication `r` of a point generates one world, and every variant
//! sells into that same world; the accounts' own draws are keyed by account, so a strategy change
//! does not re-roll the market. Results are collected in plan order, so outputs are identical
//! whatever the thread count.

pub mod stats;

use crate::engine;
use crate::error::{InputError, SalesimError};
use crate::metrics::{EffortCurve, RunRecord, Tally, WeekTally, RUN_METRICS};
use crate::rng::run_seed;
use crate::scenario::{self, Config, Override, ScenarioSource};
use crate::world;
use rayon::prelude::*;

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

/// Everything to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Swept parameter paths (empty without a sweep).
    pub parameters: Vec<String>,
    /// `grid` or `zip` (`none` without a sweep).
    pub mode: String,
    /// The points.
    pub points: Vec<Point>,
}

impl Plan {
    /// The base configuration (point 0).
    pub fn base(&self) -> &Config {
        &self.points[0].config
    }

    /// Total runs: points × variants × replications.
    pub fn total_runs(&self) -> u64 {
        self.points
            .iter()
            .map(|p| p.config.variants.len() as u64 * p.config.replications as u64)
            .sum()
    }
}

/// Most sweep points a plan may have.
pub const MAX_POINTS: usize = 100_000;

/// Builds the plan: applies overrides, expands the sweep (grid: every combination, the last
/// parameter varying fastest; zip: matched positions) and validates every point.
pub fn plan(source: &ScenarioSource, overrides: &[Override]) -> Result<Plan, InputError> {
    let base = scenario::build(source, overrides)?;
    let Some(sweep) = base.resolved.sweep.clone() else {
        return Ok(Plan {
            parameters: Vec::new(),
            mode: "none".into(),
            points: vec![Point {
                index: 0,
                values: Vec::new(),
                config: base,
            }],
        });
    };
    let parameters: Vec<String> = sweep.parameters.keys().cloned().collect();
    let lists: Vec<&Vec<f64>> = sweep.parameters.values().collect();
    let count = if sweep.mode == "zip" {
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
            &format!("{count} sweep points is too many"),
            &format!("at most {MAX_POINTS} sweep points"),
        ));
    }
    let combos: Vec<Vec<f64>> = if sweep.mode == "zip" {
        (0..lists[0].len())
            .map(|i| lists.iter().map(|l| l[i]).collect())
            .collect()
    } else {
        lists.iter().fold(vec![Vec::new()], |acc, list| {
            acc.iter()
                .flat_map(|prefix| {
                    list.iter()
                        .map(move |v| [prefix.clone(), vec![*v]].concat())
                })
                .collect()
        })
    };
    if combos.len() > MAX_POINTS {
        let key = "sweep.parameters";
        return Err(InputError::at(
            &source.file,
            source.line_of_path(key),
            Some(key),
            &format!("{} points is too many", combos.len()),
            "at most 100000 sweep points",
        ));
    }
    let mut points = Vec::with_capacity(combos.len());
    for (i, values) in combos.into_iter().enumerate() {
        let mut all = overrides.to_vec();
        for (path, v) in parameters.iter().zip(&values) {
            let line = source
                .line_of_path(&format!("sweep.parameters.{path}"))
                .map(|l| format!(":{l}"))
                .unwrap_or_default();
            all.push(Override {
                path: path.clone(),
                value: toml::Value::Float(*v),
                origin: format!("{}{line}: [sweep] \"{path}\" = {v}", source.file),
            });
        }
        let config = scenario::build(source, &all)?;
        points.push(Point {
            index: i as u32,
            values: parameters.iter().cloned().zip(values).collect(),
            config,
        });
    }
    Ok(Plan {
        parameters,
        mode: sweep.mode,
        points,
    })
}

/// Memory a run may use, unless `SALESIM_MEMORY_LIMIT_GB` says otherwise: 16 GB, two thirds of
/// the 24 GB machines salesim is developed on.
pub const DEFAULT_MEMORY_LIMIT_GB: f64 = 16.0;

/// Estimated peak bytes of one run in flight: the world (accounts, peers, territories) and the
/// engine's state (account and account–vendor relations, reps, the agenda), from the real
/// type sizes.
pub fn bytes_per_run(cfg: &Config) -> f64 {
    use crate::engine::{Account, Relation};
    let n = cfg.market.customers as f64;
    let vendors = cfg.vendors.len() as f64;
    let peers = cfg.market.peers as f64;
    let reps: f64 = cfg
        .vendors
        .iter()
        .flat_map(|v| &v.teams)
        .map(|t| t.reps as f64)
        .sum();
    let per_customer = std::mem::size_of::<crate::world::Customer>() as f64
        + std::mem::size_of::<Account>() as f64
        + vendors * (std::mem::size_of::<Relation>() as f64 + 8.0)
        + peers * 4.0
        + 3.0 * std::mem::size_of::<crate::engine::Event>() as f64;
    let agenda = cfg.horizon_days() as f64 * 24.0;
    n * per_customer + reps * 256.0 + agenda
}

/// Refuses, before anything runs or is written, a plan whose runs in flight (one per worker
/// thread) plus the per-run records of a point would exceed the memory limit.
pub fn check_memory(
    source: &ScenarioSource,
    plan: &Plan,
    threads: usize,
) -> Result<(), InputError> {
    let limit_gb = std::env::var("SALESIM_MEMORY_LIMIT_GB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(DEFAULT_MEMORY_LIMIT_GB);
    for point in &plan.points {
        let cfg = &point.config;
        let in_flight = threads.min(cfg.replications as usize).max(1) as f64;
        let records = cfg.replications as f64
            * cfg.variants.len() as f64
            * (cfg.horizon_quarters as f64 * std::mem::size_of::<Tally>() as f64 + 1024.0);
        let gb = (bytes_per_run(cfg) * in_flight + records) / 1e9;
        if gb > limit_gb {
            let key = "market.customers";
            return Err(InputError::at(
                &source.file,
                source.line_of_path(key),
                Some(key),
                &format!(
                    "this run would need about {gb:.1} GB of memory ({} customers × {} vendors, {} runs in flight, {} replications), over the limit of {limit_gb} GB",
                    cfg.market.customers,
                    cfg.vendors.len(),
                    in_flight,
                    cfg.replications
                ),
                "fewer customers, vendors or replications, fewer --threads, or a higher SALESIM_MEMORY_LIMIT_GB",
            ));
        }
    }
    Ok(())
}

/// The results of one run, reduced to what the outputs need.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Replication index.
    pub replication: u32,
    /// Run seed.
    pub seed: u64,
    /// Variant index.
    pub variant: usize,
    /// The run's record.
    pub record: RunRecord,
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

/// Runs every point, handing each finished point to `sink` in order. `on_run` is called after
/// each run (from worker threads) for progress.
pub fn execute(
    plan: &Plan,
    threads: Option<usize>,
    on_run: &(dyn Fn() + Sync),
    sink: &mut dyn FnMut(&Point, PointResult) -> Result<(), SalesimError>,
) -> Result<Throughput, SalesimError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| SalesimError::io("starting worker threads", std::io::Error::other(e)))?;
    let mut throughput = Throughput::default();
    for point in &plan.points {
        let result = pool.install(|| run_point(point, on_run));
        for r in &result.runs {
            throughput.customer_days += r.record.customer_days;
            throughput.contacts += r.record.all_contacts;
            throughput.runs += 1;
        }
        sink(point, result)?;
    }
    Ok(throughput)
}

/// All replications of one point, in parallel; each replication's world is generated once and
/// shared by its variants, which also run in parallel.
pub fn run_point(point: &Point, on_run: &(dyn Fn() + Sync)) -> PointResult {
    let cfg = &point.config;
    // Variants of a replication run in parallel too (sharing its world), so that a point with
    // fewer replications than threads (one replication of a big market) still uses every thread.
    // `collect` keeps (replication, variant) order whatever the scheduling.
    let runs: Vec<RunResult> = (0..cfg.replications)
        .into_par_iter()
        .flat_map(|replication| {
            let seed = run_seed(cfg.seed, point.index, replication);
            let world = std::sync::Arc::new(world::generate(cfg, seed));
            (0..cfg.variants.len()).into_par_iter().map(move |variant| {
                let record = engine::run(cfg, &world, variant, seed);
                on_run();
                RunResult {
                    replication,
                    seed,
                    variant,
                    record,
                }
            })
        })
        .collect();
    PointResult {
        point: point.index,
        config: cfg.clone(),
        runs,
    }
}
