//! Reading a finished output folder: `manifest.json` and the CSV files, checked against the
//! column contract in README.md ("Reading the outputs"). Everything is read and validated before anything is written,
//! so a broken folder never yields a half-written report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ReportError;

/// Metric columns of `runs.csv`, in contract order (the simulator's own list).
pub(crate) use crate::metrics::RUN_METRICS;

/// `quarters.csv` holds the same metrics except `accounts_blocking` and `yoy_growth`.
pub(crate) fn quarter_metrics() -> &'static [&'static str] {
    &crate::metrics::QUARTER_METRICS
}

/// The parts of `manifest.json` the report uses; unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    pub scenario_name: String,
    pub question: String,
    #[serde(default)]
    pub description: String,
    pub salesim_version: String,
    pub master_seed: u64,
    pub replications: u32,
    pub horizon_quarters: u32,
    pub variants: Vec<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub command: String,
    #[serde(default)]
    pub threads: Option<serde_json::Value>,
    #[serde(default)]
    pub wall_time_seconds: Option<f64>,
    pub complete: bool,
    #[serde(default)]
    pub sweep: Sweep,
    /// The resolved scenario, of which the report reads only what it needs.
    #[serde(default)]
    pub scenario: ScenarioHead,
}

/// What the report reads of the manifest's resolved scenario.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ScenarioHead {
    /// Quarters after the switch counted as settling (a folder written before the key existed
    /// gets the default).
    #[serde(default = "default_settle_quarters")]
    pub settle_quarters: u32,
}

impl Default for ScenarioHead {
    fn default() -> Self {
        ScenarioHead {
            settle_quarters: default_settle_quarters(),
        }
    }
}

fn default_settle_quarters() -> u32 {
    crate::params::settings::Scenario::DEFAULT_SETTLE_QUARTERS
}

/// The sweep section of the manifest.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Sweep {
    #[serde(default)]
    pub parameters: Vec<String>,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub points: Vec<SweepPoint>,
    /// The point with the scenario's own (unswept) values, if any.
    #[serde(default)]
    pub reference_point: Option<u32>,
}

/// One sweep point and its parameter values.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SweepPoint {
    pub point: u32,
    #[serde(default)]
    pub values: BTreeMap<String, f64>,
}

impl Manifest {
    /// The reference variant: `reference` if given, else the first variant.
    pub fn reference(&self) -> &str {
        self.reference
            .as_deref()
            .or(self.variants.first().map(String::as_str))
            .unwrap_or("")
    }

    /// Whether the run swept parameters.
    pub fn is_sweep(&self) -> bool {
        !self.sweep.parameters.is_empty()
    }

    fn read(dir: &Path) -> Result<Self, ReportError> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
            path: path.clone(),
            source,
        })?;
        let study = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("study").and_then(|s| s.as_str()).map(String::from));
        if let Some(study) = study {
            return Err(ReportError::NoData {
                path,
                message: format!(
                    "is the manifest of a {study} study, which has no runs to report on; its \
                     report.html is drawn by the study itself (rerun the `command` it records)"
                ),
            });
        }
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| ReportError::Manifest {
                path: path.clone(),
                message: e.to_string(),
            })?;
        if manifest.variants.is_empty() {
            return Err(ReportError::Manifest {
                path,
                message: "`variants` is empty".into(),
            });
        }
        Ok(manifest)
    }
}

/// A CSV file held in memory with its header, for checked access by column name.
struct Table {
    path: PathBuf,
    headers: csv::StringRecord,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    fn read(dir: &Path, name: &str) -> Result<Self, ReportError> {
        Self::read_rows(dir, name, false)
    }

    /// Reads a table that may legitimately have no rows (comparison.csv of a one-variant run).
    fn read_rows(dir: &Path, name: &str, allow_empty: bool) -> Result<Self, ReportError> {
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|source| ReportError::Read {
            path: path.clone(),
            source,
        })?;
        let mut reader = csv::Reader::from_reader(file);
        let headers = reader.headers().map_err(|e| csv_error(&path, e))?.clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, e))?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        if rows.is_empty() && !allow_empty {
            return Err(ReportError::no_data(&path, "has a header but no rows"));
        }
        Ok(Table {
            path,
            headers,
            rows,
        })
    }

    fn col(&self, name: &str) -> Result<usize, ReportError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReportError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
            })
    }

    /// The `param_*` columns, in file order.
    fn param_columns(&self) -> Vec<(usize, String)> {
        self.headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.strip_prefix("param_").map(|p| (i, p.to_string())))
            .collect()
    }

    fn parse<T: std::str::FromStr>(
        &self,
        row: usize,
        col: usize,
        what: &str,
    ) -> Result<T, ReportError> {
        let (line, record) = &self.rows[row];
        let raw = record.get(col).unwrap_or("");
        raw.trim().parse().map_err(|_| {
            ReportError::bad_value(
                &self.path,
                *line,
                &self.headers[col],
                raw,
                format!("expected {what}"),
            )
        })
    }

    fn f64(&self, row: usize, col: usize) -> Result<f64, ReportError> {
        self.parse(row, col, "a number (or NaN)")
    }

    fn u32(&self, row: usize, col: usize) -> Result<u32, ReportError> {
        self.parse(row, col, "a non-negative integer")
    }

    fn text(&self, row: usize, col: usize) -> Result<String, ReportError> {
        let (line, record) = &self.rows[row];
        let raw = record.get(col).unwrap_or("");
        if raw.is_empty() {
            return Err(ReportError::bad_value(
                &self.path,
                *line,
                &self.headers[col],
                raw,
                "must not be empty",
            ));
        }
        // Text cells may carry the formula guard (`'-1-1`): the name is what it guards.
        Ok(crate::output::csv_text_value(raw).to_string())
    }

    /// Checks that a parsed integer lies in `range`, naming the cell otherwise.
    fn check_range(
        &self,
        row: usize,
        col: usize,
        value: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<u32, ReportError> {
        if range.contains(&value) {
            return Ok(value);
        }
        let (line, record) = &self.rows[row];
        Err(ReportError::bad_value(
            &self.path,
            *line,
            &self.headers[col],
            record.get(col).unwrap_or(""),
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }

    fn cols(&self, names: &[&str]) -> Result<Vec<usize>, ReportError> {
        names.iter().map(|n| self.col(n)).collect()
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

fn csv_error(path: &Path, e: csv::Error) -> ReportError {
    let line = e.position().map(|p| p.line());
    ReportError::Csv {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    }
}

/// The key columns shared by `runs.csv` and `quarters.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunKey {
    pub point: u32,
    pub variant: String,
    pub replication: u32,
}

/// One row of `runs.csv` (or `quarters.csv`, with `quarter` set).
#[derive(Debug, Clone)]
pub(crate) struct RunRow {
    pub key: RunKey,
    pub quarter: u32,
    pub metrics: BTreeMap<&'static str, f64>,
}

impl RunRow {
    pub fn get(&self, metric: &str) -> f64 {
        self.metrics.get(metric).copied().unwrap_or(f64::NAN)
    }
}

fn read_run_rows(
    table: &Table,
    metrics: &[&'static str],
    quarterly: bool,
) -> Result<Vec<RunRow>, ReportError> {
    let (c_point, c_variant, c_rep) = (
        table.col("point")?,
        table.col("variant")?,
        table.col("replication")?,
    );
    table.col("seed")?;
    let c_quarter = if quarterly {
        Some(table.col("quarter")?)
    } else {
        None
    };
    let cols = metrics
        .iter()
        .map(|m| Ok((*m, table.col(m)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    (0..table.len())
        .map(|r| {
            let quarter = match c_quarter {
                Some(c) => table.check_range(r, c, table.u32(r, c)?, 1..=u32::MAX)?,
                None => 0,
            };
            let metrics = cols
                .iter()
                .map(|&(m, c)| Ok((m, table.f64(r, c)?)))
                .collect::<Result<_, ReportError>>()?;
            Ok(RunRow {
                key: RunKey {
                    point: table.u32(r, c_point)?,
                    variant: table.text(r, c_variant)?,
                    replication: table.u32(r, c_rep)?,
                },
                quarter,
                metrics,
            })
        })
        .collect()
}

/// One row of `weeks.csv`.
#[derive(Debug, Clone)]
pub(crate) struct WeekRow {
    pub point: u32,
    pub variant: String,
    pub week: u32,
    pub deals: f64,
    pub mean_discount: f64,
}

fn read_weeks(table: &Table) -> Result<Vec<WeekRow>, ReportError> {
    let c = table.cols(&with_point(&crate::output::WEEK_COLUMNS))?;
    (0..table.len())
        .map(|r| {
            table.f64(r, c[4])?; // bookings: validated, not charted
            Ok(WeekRow {
                point: table.u32(r, c[0])?,
                variant: table.text(r, c[1])?,
                week: table.check_range(r, c[2], table.u32(r, c[2])?, 1..=13)?,
                deals: table.f64(r, c[3])?,
                mean_discount: table.f64(r, c[5])?,
            })
        })
        .collect()
}

/// One row of `summary.csv`: statistics of one metric for one variant at one point.
#[derive(Debug, Clone)]
pub(crate) struct SummaryRow {
    pub point: u32,
    pub variant: String,
    pub metric: String,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u32,
}

fn read_summary(table: &Table) -> Result<Vec<SummaryRow>, ReportError> {
    let c = table.cols(&with_point(&crate::output::SUMMARY_COLUMNS))?;
    (0..table.len())
        .map(|r| {
            table.f64(r, c[4])?;
            Ok(SummaryRow {
                point: table.u32(r, c[0])?,
                variant: table.text(r, c[1])?,
                metric: table.text(r, c[2])?,
                mean: table.f64(r, c[3])?,
                ci_low: table.f64(r, c[5])?,
                ci_high: table.f64(r, c[6])?,
                n: table.u32(r, c[7])?,
            })
        })
        .collect()
}

/// One row of `comparison.csv`: the paired difference variant − reference.
#[derive(Debug, Clone)]
pub(crate) struct ComparisonRow {
    pub point: u32,
    pub variant: String,
    pub metric: String,
    pub mean_diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub share_better: f64,
}

fn read_comparison(table: &Table) -> Result<Vec<ComparisonRow>, ReportError> {
    let c = table.cols(&with_point(&crate::output::COMPARISON_COLUMNS))?;
    (0..table.len())
        .map(|r| {
            table.text(r, c[2])?; // reference: the manifest names it
            Ok(ComparisonRow {
                point: table.u32(r, c[0])?,
                variant: table.text(r, c[1])?,
                metric: table.text(r, c[3])?,
                mean_diff: table.f64(r, c[4])?,
                ci_low: table.f64(r, c[5])?,
                ci_high: table.f64(r, c[6])?,
                share_better: table.f64(r, c[7])?,
            })
        })
        .collect()
}

/// One row of `teams.csv`: what one team of ours did in one run.
#[derive(Debug, Clone)]
pub(crate) struct TeamRow {
    pub key: RunKey,
    pub team: String,
    /// In [`crate::metrics::TEAM_METRICS`] order.
    pub metrics: [f64; crate::metrics::TEAM_METRICS.len()],
}

impl TeamRow {
    /// A team metric by name (NaN for an unknown name).
    pub fn get(&self, metric: &str) -> f64 {
        crate::metrics::TEAM_METRICS
            .iter()
            .position(|m| *m == metric)
            .map_or(f64::NAN, |i| self.metrics[i])
    }
}

/// The keys of a per-run table that has no `seed` column (`teams.csv`, `vendors.csv`).
fn run_key(table: &Table, row: usize, cols: &[usize]) -> Result<RunKey, ReportError> {
    Ok(RunKey {
        point: table.u32(row, cols[0])?,
        variant: table.text(row, cols[1])?,
        replication: table.u32(row, cols[2])?,
    })
}

fn read_teams(table: &Table) -> Result<Vec<TeamRow>, ReportError> {
    let keys = table.cols(&["point", "variant", "replication"])?;
    let c = table.cols(&crate::output::TEAM_COLUMNS)?;
    (0..table.len())
        .map(|r| {
            let mut metrics = [0.0; crate::metrics::TEAM_METRICS.len()];
            for (m, &col) in metrics.iter_mut().zip(&c[1..]) {
                *m = table.f64(r, col)?;
            }
            Ok(TeamRow {
                key: run_key(table, r, &keys)?,
                team: table.text(r, c[0])?,
                metrics,
            })
        })
        .collect()
}

/// One row of `vendors.csv`: one vendor's deals in one run.
#[derive(Debug, Clone)]
pub(crate) struct VendorRow {
    pub key: RunKey,
    pub vendor: String,
    pub market_share: f64,
}

fn read_vendors(table: &Table) -> Result<Vec<VendorRow>, ReportError> {
    let keys = table.cols(&["point", "variant", "replication"])?;
    let c = table.cols(&crate::output::VENDOR_COLUMNS)?;
    (0..table.len())
        .map(|r| {
            table.f64(r, c[1])?; // bookings and deals: validated, the share is charted
            table.f64(r, c[2])?;
            Ok(VendorRow {
                key: run_key(table, r, &keys)?,
                vendor: table.text(r, c[0])?,
                market_share: table.f64(r, c[3])?,
            })
        })
        .collect()
}

/// One row of `reps.csv`: our reps' attainment in one quarter, pooled over replications.
#[derive(Debug, Clone)]
pub(crate) struct RepRow {
    pub point: u32,
    pub variant: String,
    pub quarter: u32,
    /// p10, p25, p50, p75, p90.
    pub quantiles: [f64; 5],
    pub share_at_quota: f64,
}

fn read_reps(table: &Table) -> Result<Vec<RepRow>, ReportError> {
    let c = table.cols(&with_point(&crate::output::REP_COLUMNS))?;
    (0..table.len())
        .map(|r| {
            table.u32(r, c[3])?; // rep_quarters: validated, not charted
            let mut quantiles = [0.0; 5];
            for (q, &col) in quantiles.iter_mut().zip(&c[4..9]) {
                *q = table.f64(r, col)?;
            }
            Ok(RepRow {
                point: table.u32(r, c[0])?,
                variant: table.text(r, c[1])?,
                quarter: table.check_range(r, c[2], table.u32(r, c[2])?, 1..=u32::MAX)?,
                quantiles,
                share_at_quota: table.f64(r, c[9])?,
            })
        })
        .collect()
}

/// Everything in an output folder that the report draws on, validated.
#[derive(Debug, Clone)]
pub(crate) struct OutputFolder {
    pub manifest: Manifest,
    pub runs: Vec<RunRow>,
    pub quarters: Vec<RunRow>,
    pub weeks: Vec<WeekRow>,
    pub summary: Vec<SummaryRow>,
    pub comparison: Vec<ComparisonRow>,
    /// `teams.csv`: per run and team of ours.
    pub teams: Vec<TeamRow>,
    /// `vendors.csv`: per run and vendor.
    pub vendors: Vec<VendorRow>,
    /// `reps.csv`: our reps' attainment distribution per variant and quarter.
    pub reps: Vec<RepRow>,
    /// Swept parameter names as found in the `param_*` columns of `runs.csv`.
    pub run_params: Vec<String>,
    /// The lesson's narrative (`lesson.md`), if the run wrote one.
    pub lesson: Option<String>,
    /// The sweep point asked for with `--point`, if any.
    pub chosen_point: Option<u32>,
    /// The lesson at other book sizes (`book_size.csv`), if the run wrote it.
    pub book_sizes: Vec<super::you_are_here::BookSizeRow>,
    /// Our reps' drift in selling style at the focus point (`strategy_mix.csv`), when it moves.
    pub drift: Vec<super::drift::Drift>,
}

impl OutputFolder {
    /// Reads and checks every input file in `dir`.
    pub fn read(dir: &Path) -> Result<Self, ReportError> {
        let manifest = Manifest::read(dir)?;
        let runs_table = Table::read(dir, "runs.csv")?;
        let run_params = runs_table
            .param_columns()
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let runs = read_run_rows(&runs_table, &RUN_METRICS, false)?;
        let quarters = read_run_rows(&Table::read(dir, "quarters.csv")?, quarter_metrics(), true)?;
        let weeks = read_weeks(&Table::read(dir, "weeks.csv")?)?;
        let summary = read_summary(&Table::read(dir, "summary.csv")?)?;
        let single_variant = manifest.variants.len() == 1;
        let comparison =
            read_comparison(&Table::read_rows(dir, "comparison.csv", single_variant)?)?;
        let teams = read_teams(&Table::read(dir, "teams.csv")?)?;
        let vendors = read_vendors(&Table::read(dir, "vendors.csv")?)?;
        let reps = read_reps(&Table::read(dir, "reps.csv")?)?;
        let folder = OutputFolder {
            manifest,
            runs,
            quarters,
            weeks,
            summary,
            comparison,
            teams,
            vendors,
            reps,
            run_params,
            lesson: std::fs::read_to_string(dir.join(crate::output::lesson::LESSON_FILE)).ok(),
            chosen_point: None,
            book_sizes: super::you_are_here::read(dir),
            drift: Vec::new(),
        };
        folder.check_sweep(dir)?;
        Ok(folder)
    }

    /// The manifest's sweep parameters must match the `param_*` columns of `runs.csv`.
    fn check_sweep(&self, dir: &Path) -> Result<(), ReportError> {
        if let Some(missing) = self
            .manifest
            .sweep
            .parameters
            .iter()
            .find(|p| !self.run_params.contains(p))
        {
            return Err(ReportError::MissingColumn {
                path: dir.join("runs.csv"),
                column: format!("param_{missing}"),
            });
        }
        Ok(())
    }

    /// The variants in chart order: the manifest's order, then any others found in the data.
    pub fn variants(&self) -> Vec<String> {
        let mut out = self.manifest.variants.clone();
        for row in &self.runs {
            if !out.contains(&row.key.variant) {
                out.push(row.key.variant.clone());
            }
        }
        out
    }

    /// The point the per-run charts describe: point 0 if present, else the lowest point.
    ///
    /// The point asked for with `--point`; else the sweep's reference point (the scenario's own
    /// values); else point 0 (or the first point present).
    pub fn focus_point(&self) -> u32 {
        let present = |p: u32| self.runs.iter().any(|r| r.key.point == p);
        if let Some(p) = self
            .chosen_point
            .or(self.manifest.sweep.reference_point)
            .filter(|&p| present(p))
        {
            return p;
        }
        let points = self.runs.iter().map(|r| r.key.point);
        if present(0) {
            0
        } else {
            points.min().unwrap_or(0)
        }
    }

    /// Summary statistics for one metric, variant and point.
    pub fn summary_for(&self, point: u32, variant: &str, metric: &str) -> Option<&SummaryRow> {
        self.summary
            .iter()
            .find(|s| s.point == point && s.variant == variant && s.metric == metric)
    }

    /// The paired comparison of one variant against the reference.
    pub fn comparison_for(
        &self,
        point: u32,
        variant: &str,
        metric: &str,
    ) -> Option<&ComparisonRow> {
        self.comparison
            .iter()
            .find(|c| c.point == point && c.variant == variant && c.metric == metric)
    }
}

/// `point` followed by a file's contract columns.
fn with_point<'a>(columns: &[&'a str]) -> Vec<&'a str> {
    std::iter::once("point")
        .chain(columns.iter().copied())
        .collect()
}
