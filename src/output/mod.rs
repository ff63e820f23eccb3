//! Output files: CSVs streamed point by point, the manifest, the terminal summary. (What a run
//! may do in its output folder is [`crate::folder`].)
//!
//! Every file is written to a temporary file in the output folder ([`crate::fsafe`]) and renamed
//! into place only when the run has finished or stopped, manifest last, so an interrupted run
//! never leaves a file that looks complete.

pub mod book_size;
pub mod breakdown;
pub mod deals;
pub mod lesson;
pub mod phases;
pub mod progress;
pub mod sensitivity;
pub mod summary;
pub mod trace;

use crate::error::SalesimError;
use crate::experiment::stats::{paired, summarize};
use crate::experiment::{Plan, Point, PointResult, Throughput};
use crate::fsafe::AtomicFile;
use crate::metrics::{direction, QUARTER_METRICS, RUN_METRICS};
use std::path::Path;

pub use breakdown::{REP_COLUMNS, STRATEGY_MIX_COLUMNS, TEAM_COLUMNS, VENDOR_COLUMNS};
pub use deals::{DEALS_FILE, DEAL_COLUMNS};

/// Names of the files every run writes, in the order they are committed (with `--deals`,
/// [`DEALS_FILE`] too, after `strategy_mix.csv`).
pub const FILES: [&str; 11] = [
    "runs.csv",
    "quarters.csv",
    "weeks.csv",
    "summary.csv",
    "comparison.csv",
    "phases.csv",
    "teams.csv",
    "vendors.csv",
    "reps.csv",
    "strategy_mix.csv",
    "manifest.json",
];

/// Columns of `weeks.csv` after `point` and any `param_*` columns.
pub const WEEK_COLUMNS: [&str; 5] = [
    "variant",
    "week_of_quarter",
    "deals",
    "bookings",
    "mean_discount",
];
/// Columns of `summary.csv` after `point` and any `param_*` columns.
pub const SUMMARY_COLUMNS: [&str; 7] =
    ["variant", "metric", "mean", "sd", "ci_low", "ci_high", "n"];
/// Columns of `comparison.csv` after `point` and any `param_*` columns.
pub const COMPARISON_COLUMNS: [&str; 7] = [
    "variant",
    "reference",
    "metric",
    "mean_diff",
    "ci_low",
    "ci_high",
    "share_better",
];

/// Guards a text cell against spreadsheet formula injection: a cell that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return (a spreadsheet would read `-1-1` as a formula) is written
/// with a leading apostrophe, `'-1-1`, as OWASP recommends; every other cell is written as it
/// is. Numbers are never guarded (a negative number is a number). pandas and R read the
/// guarded cell as the text `'-1-1`; [`csv_text_value`] undoes the guard.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The text a [`csv_text`] cell stands for.
pub fn csv_text_value(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// First characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Formats a number for CSV: shortest round-trip decimal, `NaN` for missing.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else {
        format!("{v}")
    }
}

/// The CSV outputs of a run, streamed as points finish.
pub struct CsvOutputs {
    runs: csv::Writer<AtomicFile>,
    quarters: csv::Writer<AtomicFile>,
    weeks: csv::Writer<AtomicFile>,
    summary: csv::Writer<AtomicFile>,
    comparison: csv::Writer<AtomicFile>,
    phases: csv::Writer<AtomicFile>,
    teams: csv::Writer<AtomicFile>,
    vendors: csv::Writer<AtomicFile>,
    reps: csv::Writer<AtomicFile>,
    strategy_mix: csv::Writer<AtomicFile>,
    /// `deals.csv`, with `--deals`.
    deals: Option<csv::Writer<AtomicFile>>,
    /// Summaries kept for the terminal: per point, per variant, per metric.
    pub summaries: Vec<PointSummary>,
}

/// What the terminal summary needs from one point.
#[derive(Debug, Clone)]
pub struct PointSummary {
    /// Point index.
    pub point: u32,
    /// Parameter values.
    pub values: Vec<(String, f64)>,
    /// `[variant][metric]` summaries.
    pub metrics: Vec<Vec<crate::experiment::stats::Summary>>,
    /// `[variant][metric]` paired comparisons against the reference (`None` for the reference).
    pub paired: Vec<Option<Vec<crate::experiment::stats::Paired>>>,
    /// `[variant][metric]` paired relative differences against the reference, as
    /// [`crate::experiment::stats::paired_log_ratio`] computes them for every surface (`None`
    /// for the reference; an empty summary where a replication has a zero).
    pub relative: Vec<Option<Vec<crate::experiment::stats::Summary>>>,
    /// `[variant][quarter]` mean bookings over replications, $k.
    pub quarter_bookings: Vec<Vec<f64>>,
    /// `[variant][quarter]` paired difference of bookings against the reference (`None` for the
    /// reference).
    pub quarter_paired: Vec<Option<Vec<crate::experiment::stats::Paired>>>,
    /// `[variant]` pulled-in deals per replication.
    pub pulled_in: Vec<f64>,
    /// The point's horizon in quarters (a sweep may vary it).
    pub horizon_quarters: u32,
    /// `[variant]` phases of bookings against the reference (`None` for the reference), as
    /// `phases.csv` has them.
    pub steady: Vec<Option<crate::experiment::phases::Phases>>,
    /// The point's settling quarters.
    pub settle_quarters: u32,
    /// The reference's drift at the end of the warm-up ([`phases::warm_up_drift`]).
    pub warm_up_drift: Vec<phases::Drift>,
}

fn csv_err(file: &str, e: csv::Error) -> SalesimError {
    SalesimError::io(format!("writing {file}"), std::io::Error::other(e))
}

impl CsvOutputs {
    /// Creates the `.partial` files and writes the headers; `deals.csv` too if `deals`.
    pub fn create(dir: &Path, plan: &Plan, deals: bool) -> Result<CsvOutputs, SalesimError> {
        let open = |name: &str| -> Result<csv::Writer<AtomicFile>, SalesimError> {
            let path = dir.join(name);
            let file = AtomicFile::create(&path)
                .map_err(|e| SalesimError::io(format!("creating {}", path.display()), e))?;
            Ok(csv::WriterBuilder::new().from_writer(file))
        };
        let params: Vec<String> = plan
            .parameters
            .iter()
            .map(|p| format!("param_{p}"))
            .collect();
        let keys = |extra: &[&str], metrics: &[&str]| -> Vec<String> {
            let mut h: Vec<String> = vec![
                "point".into(),
                "variant".into(),
                "replication".into(),
                "seed".into(),
            ];
            h.extend(params.iter().cloned());
            h.extend(extra.iter().map(|s| s.to_string()));
            h.extend(metrics.iter().map(|s| s.to_string()));
            h
        };
        let mut out = CsvOutputs {
            runs: open("runs.csv")?,
            quarters: open("quarters.csv")?,
            weeks: open("weeks.csv")?,
            summary: open("summary.csv")?,
            comparison: open("comparison.csv")?,
            phases: open(phases::FILE)?,
            teams: open("teams.csv")?,
            vendors: open("vendors.csv")?,
            reps: open("reps.csv")?,
            strategy_mix: open("strategy_mix.csv")?,
            deals: deals.then(|| open(DEALS_FILE)).transpose()?,
            summaries: Vec::new(),
        };
        let with_params = |first: &[&str], rest: &[&str]| -> Vec<String> {
            first
                .iter()
                .map(|s| s.to_string())
                .chain(params.iter().cloned())
                .chain(rest.iter().map(|s| s.to_string()))
                .collect()
        };
        out.runs
            .write_record(keys(&[], &RUN_METRICS))
            .map_err(|e| csv_err("runs.csv", e))?;
        out.quarters
            .write_record(keys(&["quarter"], &QUARTER_METRICS))
            .map_err(|e| csv_err("quarters.csv", e))?;
        out.weeks
            .write_record(with_params(&["point"], &WEEK_COLUMNS))
            .map_err(|e| csv_err("weeks.csv", e))?;
        out.summary
            .write_record(with_params(&["point"], &SUMMARY_COLUMNS))
            .map_err(|e| csv_err("summary.csv", e))?;
        out.comparison
            .write_record(with_params(&["point"], &COMPARISON_COLUMNS))
            .map_err(|e| csv_err("comparison.csv", e))?;
        out.phases
            .write_record(with_params(&["point"], &phases::COLUMNS))
            .map_err(|e| csv_err(phases::FILE, e))?;
        let per_run = ["point", "variant", "replication"];
        out.teams
            .write_record(with_params(&per_run, &TEAM_COLUMNS))
            .map_err(|e| csv_err("teams.csv", e))?;
        out.vendors
            .write_record(with_params(&per_run, &VENDOR_COLUMNS))
            .map_err(|e| csv_err("vendors.csv", e))?;
        out.reps
            .write_record(with_params(&["point"], &REP_COLUMNS))
            .map_err(|e| csv_err("reps.csv", e))?;
        out.strategy_mix
            .write_record(with_params(&["point"], &STRATEGY_MIX_COLUMNS))
            .map_err(|e| csv_err("strategy_mix.csv", e))?;
        if let Some(deals) = &mut out.deals {
            deals
                .write_record(with_params(&per_run, &DEAL_COLUMNS))
                .map_err(|e| csv_err(DEALS_FILE, e))?;
        }
        Ok(out)
    }

    /// Writes every row of one finished point.
    pub fn write_point(&mut self, point: &Point, result: &PointResult) -> Result<(), SalesimError> {
        let cfg = &point.config;
        let p = point.index.to_string();
        let params: Vec<String> = point.values.iter().map(|(_, v)| num(*v)).collect();
        for run in &result.runs {
            let mut key = vec![
                p.clone(),
                csv_text(&cfg.variants[run.variant].name).into_owned(),
                run.replication.to_string(),
                run.seed.to_string(),
            ];
            key.extend(params.iter().cloned());
            let row = key
                .iter()
                .cloned()
                .chain(run.record.metrics().into_iter().map(num));
            self.runs
                .write_record(row)
                .map_err(|e| csv_err("runs.csv", e))?;
            for (q, tally) in run.record.quarters.iter().enumerate() {
                let row = key
                    .iter()
                    .cloned()
                    .chain([(q + 1).to_string()])
                    .chain(tally.metrics().into_iter().map(num));
                self.quarters
                    .write_record(row)
                    .map_err(|e| csv_err("quarters.csv", e))?;
            }
        }
        let lead =
            |rest: Vec<String>| -> Vec<String> { [vec![p.clone()], params.clone(), rest].concat() };
        let reps = cfg.replications as f64;
        let per_variant: Vec<Vec<[f64; RUN_METRICS.len()]>> = (0..cfg.variants.len())
            .map(|v| result.metrics_of(v))
            .collect();
        let column =
            |v: usize, m: usize| -> Vec<f64> { per_variant[v].iter().map(|row| row[m]).collect() };
        let mut summary = PointSummary {
            point: point.index,
            values: point.values.clone(),
            metrics: Vec::new(),
            paired: Vec::new(),
            relative: Vec::new(),
            quarter_bookings: (0..cfg.variants.len())
                .map(|v| {
                    (0..cfg.horizon_quarters as usize)
                        .map(|q| {
                            let runs = result.runs.iter().filter(|r| r.variant == v);
                            runs.map(|r| r.record.quarters[q].bookings).sum::<f64>() / reps
                        })
                        .collect()
                })
                .collect(),
            quarter_paired: (0..cfg.variants.len())
                .map(|v| {
                    (v != cfg.reference).then(|| {
                        let bookings = |v: usize, q: usize| -> Vec<f64> {
                            result
                                .runs
                                .iter()
                                .filter(|r| r.variant == v)
                                .map(|r| r.record.quarters[q].bookings)
                                .collect()
                        };
                        (0..cfg.horizon_quarters as usize)
                            .map(|q| {
                                paired(&bookings(v, q), &bookings(cfg.reference, q), Some(true))
                            })
                            .collect()
                    })
                })
                .collect(),
            pulled_in: (0..cfg.variants.len())
                .map(|v| result.pooled(v).pulled_in / reps)
                .collect(),
            horizon_quarters: cfg.horizon_quarters,
            steady: Vec::new(),
            settle_quarters: cfg.settle_quarters,
            warm_up_drift: phases::warm_up_drift(result),
        };
        for (v, variant) in cfg.variants.iter().enumerate() {
            let weeks = result.weeks_of(v);
            for w in 0..13 {
                let mean_discount = if weeks.deals[w] > 0.0 {
                    weeks.discount_sum[w] / weeks.deals[w]
                } else {
                    f64::NAN
                };
                let row = lead(vec![
                    csv_text(&variant.name).into_owned(),
                    (w + 1).to_string(),
                    num(weeks.deals[w] / reps),
                    num(weeks.bookings[w] / reps),
                    num(mean_discount),
                ]);
                self.weeks
                    .write_record(row)
                    .map_err(|e| csv_err("weeks.csv", e))?;
            }
            let mut sums = Vec::new();
            for (m, metric) in RUN_METRICS.iter().enumerate() {
                let mut s = summarize(&column(v, m));
                let (lo, hi) = crate::metrics::bounds(metric);
                s.ci_low = s.ci_low.clamp(lo, hi);
                s.ci_high = s.ci_high.clamp(lo, hi);
                let row = lead(vec![
                    csv_text(&variant.name).into_owned(),
                    csv_text(metric).into_owned(),
                    num(s.mean),
                    num(s.sd),
                    num(s.ci_low),
                    num(s.ci_high),
                    s.n.to_string(),
                ]);
                self.summary
                    .write_record(row)
                    .map_err(|e| csv_err("summary.csv", e))?;
                sums.push(s);
            }
            summary.metrics.push(sums);
        }
        let reference = cfg.reference;
        for (v, variant) in cfg.variants.iter().enumerate() {
            if v == reference {
                summary.paired.push(None);
                summary.relative.push(None);
                continue;
            }
            let mut pairs = Vec::new();
            let mut relative = Vec::new();
            for (m, metric) in RUN_METRICS.iter().enumerate() {
                let d = paired(&column(v, m), &column(reference, m), direction(metric));
                let row = lead(vec![
                    csv_text(&variant.name).into_owned(),
                    csv_text(&cfg.variants[reference].name).into_owned(),
                    csv_text(metric).into_owned(),
                    num(d.diff.mean),
                    num(d.diff.ci_low),
                    num(d.diff.ci_high),
                    num(d.share_better),
                ]);
                self.comparison
                    .write_record(row)
                    .map_err(|e| csv_err("comparison.csv", e))?;
                pairs.push(d);
                relative.push(crate::experiment::stats::paired_log_ratio(
                    &column(v, m),
                    &column(reference, m),
                ));
            }
            summary.paired.push(Some(pairs));
            summary.relative.push(Some(relative));
        }
        let (phase_rows, steady) = phases::rows(point, result);
        summary.steady = steady;
        for row in phase_rows {
            self.phases
                .write_record(row)
                .map_err(|e| csv_err(phases::FILE, e))?;
        }
        self.summaries.push(summary);
        for (name, w, rows) in [
            (
                "teams.csv",
                &mut self.teams,
                breakdown::team_rows(point, result),
            ),
            (
                "vendors.csv",
                &mut self.vendors,
                breakdown::vendor_rows(point, result),
            ),
            (
                "reps.csv",
                &mut self.reps,
                breakdown::rep_rows(point, result),
            ),
            (
                "strategy_mix.csv",
                &mut self.strategy_mix,
                breakdown::strategy_mix_rows(point, result),
            ),
        ] {
            for row in rows {
                w.write_record(row).map_err(|e| csv_err(name, e))?;
            }
        }
        if let Some(w) = &mut self.deals {
            deals::write_deals(w, point, result).map_err(|e| csv_err(DEALS_FILE, e))?;
            w.flush()
                .map_err(|e| SalesimError::io(format!("writing {DEALS_FILE}"), e))?;
        }
        for (name, w) in [
            ("runs.csv", &mut self.runs),
            ("quarters.csv", &mut self.quarters),
            ("teams.csv", &mut self.teams),
            ("vendors.csv", &mut self.vendors),
        ] {
            w.flush()
                .map_err(|e| SalesimError::io(format!("writing {name}"), e))?;
        }
        Ok(())
    }

    /// Renames every CSV into place.
    pub fn commit(self) -> Result<Vec<PointSummary>, SalesimError> {
        for (name, w) in [
            ("runs.csv", self.runs),
            ("quarters.csv", self.quarters),
            ("weeks.csv", self.weeks),
            ("summary.csv", self.summary),
            ("comparison.csv", self.comparison),
            (phases::FILE, self.phases),
            ("teams.csv", self.teams),
            ("vendors.csv", self.vendors),
            ("reps.csv", self.reps),
            ("strategy_mix.csv", self.strategy_mix),
        ]
        .into_iter()
        .chain(self.deals.map(|w| (DEALS_FILE, w)))
        {
            let file = w
                .into_inner()
                .map_err(|e| SalesimError::io(format!("writing {name}"), e.into_error()))?;
            let path = file.path().to_path_buf();
            file.commit()
                .map_err(|e| SalesimError::io(format!("writing {}", path.display()), e))?;
        }
        Ok(self.summaries)
    }
}

/// The manifest's `warm_up_drift`: per point, the reference's drift at the end of the warm-up
/// ([`phases::warm_up_drift`]).
pub fn warm_up_drift_json(summaries: &[PointSummary]) -> serde_json::Value {
    let points: Vec<serde_json::Value> = summaries
        .iter()
        .map(|ps| {
            let metrics: Vec<serde_json::Value> =
                ps.warm_up_drift.iter().map(phases::Drift::json).collect();
            serde_json::json!({ "point": ps.point, "metrics": metrics })
        })
        .collect();
    serde_json::json!({
        "measured_over": phases::DRIFT_MEASURED_OVER,
        "points": points,
    })
}

/// Run facts for the manifest.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The command that reproduces the run.
    pub command: String,
    /// Scenario file.
    pub scenario_file: String,
    /// Worker threads.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_time_seconds: f64,
    /// Throughput counters.
    pub throughput: Throughput,
    /// Whether every run (of the slice) finished.
    pub complete: bool,
    /// The slice of a `--shard` run; None: the whole plan.
    pub shard: Option<crate::experiment::Slice>,
    /// Runs (of the slice) finished.
    pub finished_runs: u64,
    /// Runs computed by this invocation (fewer than `finished_runs` after `--resume`; none for
    /// a merge).
    pub computed_runs: u64,
    /// The slice folders a `salesim merge` combined (empty for a run).
    pub merged_from: Vec<String>,
    /// How `--until-decided` chose the replications (None: a fixed count).
    pub stopping: Option<crate::experiment::sequential::Stopping>,
    /// Whether the run kept deal records (`--deals`): `deals.csv` for a whole run, deal records
    /// in a slice's journal.
    pub deals: bool,
}

/// The manifest: the resolved scenario, seeds, version, threads, wall time, throughput.
pub fn manifest(plan: &Plan, info: &RunInfo) -> serde_json::Value {
    let cfg = plan.base();
    let indices = 0..plan.point_count() as u32;
    let points: Vec<serde_json::Value> = indices
        .clone()
        .map(|p| {
            let values: serde_json::Map<String, serde_json::Value> = plan
                .values(p)
                .into_iter()
                .map(|(k, v)| (k, serde_json::json!(v)))
                .collect();
            serde_json::json!({ "point": p, "values": values })
        })
        .collect();
    let seeds: Vec<serde_json::Value> = indices
        .map(|p| {
            let (seed, replications) = plan.seed_and_replications(p);
            let s: Vec<u64> = (0..replications)
                .map(|r| crate::rng::run_seed(seed, r))
                .collect();
            serde_json::json!({ "point": p, "replication_seeds": s })
        })
        .collect();
    let slice = info.shard.unwrap_or(crate::experiment::Slice::WHOLE);
    let mut manifest = manifest_common(
        cfg,
        &ManifestCommon {
            scenario_file: &info.scenario_file,
            command: &info.command,
            threads: info.threads,
            wall_time_seconds: info.wall_time_seconds,
            throughput: &info.throughput,
        },
    );
    manifest.extend(object(serde_json::json!({
        "replications": cfg.replications,
        "complete": info.complete,
        "shard": { "index": slice.index, "count": slice.count },
        "finished_runs": info.finished_runs,
        "computed_runs": info.computed_runs,
        "total_runs": plan.total_runs(),
        "merged_from": info.merged_from,
        "stopping": info.stopping,
        "sweep": {
            "parameters": plan.parameters,
            "mode": plan.mode,
            "points": points,
            "reference_point": plan.reference_point(),
        },
        "seeds": seeds,
        "deals": info.deals,
        "files": match info.shard {
            None => {
                let mut files = FILES.to_vec();
                if info.deals {
                    files.insert(files.len() - 1, DEALS_FILE);
                }
                files
            }
            Some(_) => vec![crate::experiment::journal::JOURNAL_FILE, "manifest.json"],
        },
    })));
    serde_json::Value::Object(manifest)
}

/// What every manifest records besides the scenario: how it was asked for and what it cost.
pub struct ManifestCommon<'a> {
    /// The scenario as the user named it.
    pub scenario_file: &'a str,
    /// The command that reproduces the output, quoted for a shell.
    pub command: &'a str,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_time_seconds: f64,
    /// Work done.
    pub throughput: &'a Throughput,
}

/// The keys every manifest has (a run's and a sensitivity study's): version, the scenario as
/// named and as resolved, its question, the command, master seed, horizon, variants, threads,
/// wall time, the process's CPU time and the load average when it was written, and throughput.
pub fn manifest_common(
    cfg: &crate::scenario::Config,
    common: &ManifestCommon,
) -> serde_json::Map<String, serde_json::Value> {
    let secs = common.wall_time_seconds.max(1e-9);
    let t = common.throughput;
    object(serde_json::json!({
        "salesim_version": env!("CARGO_PKG_VERSION"),
        "scenario_name": cfg.name,
        "scenario_file": common.scenario_file,
        "question": cfg.question,
        "description": cfg.description,
        "command": common.command,
        "master_seed": cfg.seed,
        "horizon_quarters": cfg.horizon_quarters,
        "variants": cfg.variants.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        "reference": cfg.variants[cfg.reference].name,
        "threads": common.threads,
        "wall_time_seconds": common.wall_time_seconds,
        "cpu_time_seconds": crate::cpu::process_seconds(),
        "load_average": crate::cpu::load_average(),
        "runs": t.runs,
        "throughput": {
            "customer_days": t.customer_days,
            "contacts": t.contacts,
            "customer_days_per_second": t.customer_days as f64 / secs,
            "contacts_per_second": t.contacts as f64 / secs,
        },
        "scenario": cfg.resolved,
    }))
}

/// The map of a JSON object built with `json!({...})`.
pub(crate) fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("built as an object"),
    }
}
