//! Charts (plotters, PNG and SVG) and a self-contained HTML report, built purely from a finished
//! output folder. The simulator calls [`build`] after a run, and `salesim report DIR` calls it on
//! an existing folder.
//!
//! Everything is read and validated first; only then are files written, each one atomically
//! ([`crate::fsafe`]: a temporary file in the same folder, then rename), so a broken folder never
//! yields a half-written report.

mod breakdown;
mod charts;
mod drift;
mod error;
mod frame;
mod html;
mod input;
pub mod live;
mod markup;
pub(crate) mod metrics;
pub mod sensitivity;
mod stats;
mod sweep;
mod verdict;
mod you_are_here;

use std::path::{Path, PathBuf};

pub use error::ReportError;

use charts::{RunChart, RunChartKind, RunView};
use frame::{render, Palette, Rendered};
use input::OutputFolder;

/// What [`build`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOutcome {
    /// Every chart file written (PNG and SVG), under `dir/charts/`.
    pub charts: Vec<PathBuf>,
    /// The self-contained HTML report, `dir/report.html`.
    pub report: PathBuf,
}

/// Reads the CSVs and `manifest.json` in `dir` and writes `dir/charts/*.png`, `*.svg` and
/// `dir/report.html`.
pub fn build(dir: &Path) -> Result<ReportOutcome, ReportError> {
    build_at(dir, None)
}

/// [`build`], with the headlines, table and per-quarter charts at sweep point `point` (the
/// reference point when `None`).
pub fn build_at(dir: &Path, point: Option<u32>) -> Result<ReportOutcome, ReportError> {
    let mut folder = OutputFolder::read(dir)?;
    if let Some(p) = point {
        if !folder.runs.iter().any(|r| r.key.point == p) {
            return Err(ReportError::NoSuchPoint {
                point: p,
                points: folder.manifest.sweep.points.len().max(1) as u32,
            });
        }
        folder.chosen_point = Some(p);
    }
    folder.drift = drift::read(dir, folder.focus_point());
    let charts_dir = dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let palette = Palette::new(folder.variants());
    let rendered = render_all(&folder, &palette, &charts_dir)?;
    let report = dir.join("report.html");
    let page = html::page(&folder, &rendered);
    write_atomic(&report, page.as_bytes())?;
    let charts = rendered
        .iter()
        .flat_map(|r| [r.png.clone(), r.svg_path.clone()])
        .collect();
    Ok(ReportOutcome { charts, report })
}

fn render_all(
    folder: &OutputFolder,
    palette: &Palette,
    charts_dir: &Path,
) -> Result<Vec<Rendered>, ReportError> {
    let view = RunView::new(folder, palette.clone());
    // With one variant there is nothing to compare against: no paired-differences chart.
    let single = folder.manifest.variants.len() == 1;
    // A sweep is read along the sweep first: its charts lead, the focus point's follow.
    let mut rendered = if folder.manifest.is_sweep() {
        sweep::render_sweep(folder, palette, charts_dir)?
    } else {
        Vec::new()
    };
    for &kind in RunChartKind::ALL
        .iter()
        .filter(|&&kind| !(single && kind == RunChartKind::PairedDifferences))
    {
        rendered.push(render(charts_dir, &RunChart { kind, view: &view })?);
    }
    rendered.extend(breakdown::render_breakdown(folder, palette, charts_dir)?);
    if !folder.drift.is_empty() {
        rendered.push(render(
            charts_dir,
            &drift::StrategyDrift {
                drifts: &folder.drift,
                palette,
            },
        )?);
    }
    let own = verdict::own_run(&verdict::verdicts(folder));
    let book_sizes = you_are_here::with_own_run(&folder.book_sizes, own.as_ref());
    if let Some(first) = book_sizes.first() {
        rendered.push(render(
            charts_dir,
            &you_are_here::YouAreHere {
                rows: &book_sizes,
                here: first.here,
                color: palette.color(&first.variant),
            },
        )?);
    }
    Ok(rendered)
}

/// Writes `bytes` to `path` atomically ([`crate::fsafe::write`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::fsafe::write(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The folder under an output folder where the charts go.
pub const CHARTS_DIR: &str = "charts";

/// A metric's value as the report and its charts print it (e.g. `12,346 $k`, `41.2%`).
pub fn format_metric(name: &str, value: f64) -> String {
    metrics::metric(name).format(value)
}

/// A metric's value as a chart cell prints it (e.g. `55.3 $M`, `812 $k`).
pub fn format_metric_compact(name: &str, value: f64) -> String {
    metrics::metric(name).format_compact(value)
}

/// Every file name [`build`] can write under `charts/` (PNG and SVG of each chart), so that a
/// new run can clear an earlier run's charts without touching anything else there.
pub fn chart_files() -> Vec<String> {
    let stems = RunChartKind::ALL
        .iter()
        .map(|k| k.name().to_string())
        .chain(
            sweep::SWEEP_METRICS
                .iter()
                .map(|m| sweep::sweep_chart_name(m)),
        )
        .chain([
            sweep::WINNER_HEATMAP.to_string(),
            sweep::CONTRIBUTION_HEATMAP.to_string(),
            sweep::DIFFERENCE_CHART.to_string(),
            you_are_here::NAME.to_string(),
            drift::NAME.to_string(),
            sensitivity::TORNADO.to_string(),
        ])
        .chain(breakdown::BREAKDOWN_CHARTS.map(String::from));
    stems
        .flat_map(|s| [format!("{s}.png"), format!("{s}.svg")])
        .collect()
}
