//! The per-run charts: bookings over time, the hockey stick, the discount U-curve, quota
//! attainment, the customer's side, and the paired differences against the reference.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{
    category_tick, dashed_line, line_with_band, padded, panel, percent_tick, skipped_panel, Axes,
    Chart, DrawResult, Palette, GREY,
};
use super::input::{OutputFolder, RunRow, WeekRow};
use super::metrics::{metric, Unit};
use super::stats::{metric_band, quartiles, Band};

/// Metrics shown in the paired-difference forest plot, top to bottom.
const FOREST_METRICS: [&str; 13] = [
    "bookings",
    "contribution",
    "deals",
    "win_rate",
    "no_decision_rate",
    "discount_cost",
    "contacts",
    "unwelcome_share",
    "blocks",
    "conflicts",
    "quota_attainment",
    "mean_trust",
    "hockey_stick",
];

/// The data of one point (point 0 when there is no sweep) as the run charts need it.
pub(crate) struct RunView<'a> {
    pub folder: &'a OutputFolder,
    pub point: u32,
    pub palette: Palette,
}

impl<'a> RunView<'a> {
    pub fn new(folder: &'a OutputFolder, palette: Palette) -> Self {
        RunView {
            folder,
            point: folder.focus_point(),
            palette,
        }
    }

    fn variants(&self) -> &[String] {
        self.palette.variants()
    }

    fn quarter_rows(&self, variant: &str) -> impl Iterator<Item = &RunRow> {
        let (point, variant) = (self.point, variant.to_string());
        self.folder
            .quarters
            .iter()
            .filter(move |r| r.key.point == point && r.key.variant == variant)
    }

    fn quarters(&self) -> Vec<u32> {
        let mut qs: Vec<u32> = self.folder.quarters.iter().map(|r| r.quarter).collect();
        qs.sort_unstable();
        qs.dedup();
        qs
    }

    /// Mean and CI of a per-quarter metric, quarter by quarter, cut to what the metric can be
    /// (no band of blocks below zero).
    fn quarter_bands(&self, variant: &str, metric: &str) -> Vec<(f64, Band)> {
        self.quarters()
            .into_iter()
            .map(|q| {
                let values = self
                    .quarter_rows(variant)
                    .filter(|r| r.quarter == q)
                    .map(|r| r.get(metric));
                (q as f64, metric_band(metric, values))
            })
            .collect()
    }

    /// Cumulative bookings: cumulated within each replication first, then mean and CI.
    fn cumulative_bands(&self, variant: &str) -> Vec<(f64, Band)> {
        let mut reps: std::collections::BTreeMap<u32, Vec<(u32, f64)>> = Default::default();
        for r in self.quarter_rows(variant) {
            reps.entry(r.key.replication)
                .or_default()
                .push((r.quarter, r.get("bookings")));
        }
        let cumulated: Vec<Vec<(u32, f64)>> = reps
            .into_values()
            .map(|mut qs| {
                qs.sort_by_key(|(q, _)| *q);
                let mut total = 0.0;
                qs.into_iter()
                    .map(|(q, b)| {
                        (q, {
                            total += b;
                            total
                        })
                    })
                    .collect()
            })
            .collect();
        self.quarters()
            .into_iter()
            .map(|q| {
                let at_q = cumulated
                    .iter()
                    .filter_map(|c| c.iter().find(|(qq, _)| *qq == q).map(|(_, v)| *v));
                (q as f64, metric_band("bookings", at_q))
            })
            .collect()
    }

    fn week_rows(&self, variant: &str) -> Vec<&WeekRow> {
        let mut rows: Vec<&WeekRow> = self
            .folder
            .weeks
            .iter()
            .filter(|w| w.point == self.point && w.variant == variant)
            .collect();
        rows.sort_by_key(|w| w.week);
        rows
    }

    fn run_values(&self, variant: &str, metric: &str) -> Vec<f64> {
        self.folder
            .runs
            .iter()
            .filter(|r| r.key.point == self.point && r.key.variant == variant)
            .map(|r| r.get(metric))
            .collect()
    }

    /// The one value a per-quarter metric takes in every quarter, replication and variant of
    /// this point (as shown: `0.0`, `0.0%`), if it takes only one: a panel of it would be a flat
    /// line that says nothing, and is left out (with a note saying so).
    fn flat_quarters(&self, metric: &str) -> Option<String> {
        let values = self
            .folder
            .quarters
            .iter()
            .filter(|r| r.key.point == self.point)
            .map(|r| r.get(metric));
        super::frame::flat(values).map(|v| super::metrics::metric(metric).format(v))
    }

    fn replications(&self) -> u32 {
        self.folder.manifest.replications
    }

    /// " at sweep point 0 (x = 1, y = 2)" for sweeps, "" otherwise.
    pub fn point_note(&self) -> String {
        let m = &self.folder.manifest;
        if !m.is_sweep() {
            return String::new();
        }
        let values = m
            .sweep
            .points
            .iter()
            .find(|p| p.point == self.point)
            .map(|p| {
                p.values
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        format!(" - sweep point {} ({values})", self.point)
    }
}

/// Which per-run chart to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunChartKind {
    BookingsByQuarter,
    CumulativeBookings,
    DealsByWeek,
    DiscountByWeek,
    QuotaAttainment,
    CustomerSide,
    PairedDifferences,
}

impl RunChartKind {
    /// The chart's file stem under `charts/`.
    pub fn name(self) -> &'static str {
        match self {
            RunChartKind::BookingsByQuarter => "bookings_by_quarter",
            RunChartKind::CumulativeBookings => "cumulative_bookings",
            RunChartKind::DealsByWeek => "deals_by_week",
            RunChartKind::DiscountByWeek => "discount_by_week",
            RunChartKind::QuotaAttainment => "quota_attainment",
            RunChartKind::CustomerSide => "customer_side",
            RunChartKind::PairedDifferences => "paired_differences",
        }
    }

    pub const ALL: [RunChartKind; 7] = [
        RunChartKind::BookingsByQuarter,
        RunChartKind::CumulativeBookings,
        RunChartKind::DealsByWeek,
        RunChartKind::DiscountByWeek,
        RunChartKind::QuotaAttainment,
        RunChartKind::CustomerSide,
        RunChartKind::PairedDifferences,
    ];
}

/// A per-run chart bound to its data.
pub(crate) struct RunChart<'a> {
    pub kind: RunChartKind,
    pub view: &'a RunView<'a>,
}

impl Chart for RunChart<'_> {
    fn name(&self) -> String {
        self.kind.name().into()
    }

    fn title(&self) -> String {
        match self.kind {
            RunChartKind::BookingsByQuarter => {
                "How much does each strategy book, quarter by quarter?".into()
            }
            RunChartKind::CumulativeBookings => "Who is ahead over the whole horizon?".into(),
            RunChartKind::DealsByWeek => "When in the quarter do deals close?".into(),
            RunChartKind::DiscountByWeek => "When in the quarter are discounts deepest?".into(),
            RunChartKind::QuotaAttainment => "How close do reps come to quota?".into(),
            RunChartKind::CustomerSide => "How do customers experience our selling?".into(),
            RunChartKind::PairedDifferences => {
                format!(
                    "How does each strategy differ from {}?",
                    self.view.folder.manifest.reference()
                )
            }
        }
    }

    fn subtitle(&self) -> String {
        let n = self.view.replications();
        let note = self.view.point_note();
        match self.kind {
            RunChartKind::BookingsByQuarter
            | RunChartKind::CumulativeBookings
            | RunChartKind::CustomerSide => {
                format!("Mean of {n} replications; shaded band = 95% CI{note}")
            }
            RunChartKind::DealsByWeek => {
                format!("Deals per replication by week of quarter, all quarters summed{note}")
            }
            RunChartKind::DiscountByWeek => {
                format!("Deal-weighted mean discount by week of quarter{note}")
            }
            RunChartKind::QuotaAttainment => {
                format!("One dot per replication, box = quartiles; dashed line = quota{note}")
            }
            RunChartKind::PairedDifferences => {
                format!("Paired difference as % of the reference mean; bar = 95% CI{note}")
            }
        }
    }

    fn caption(&self) -> String {
        captions::caption(self.kind, self.view)
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        let mut legend = self.view.palette.legend();
        if self.kind == RunChartKind::PairedDifferences {
            let reference = self.view.folder.manifest.reference();
            legend.retain(|(v, _)| v != reference);
            legend.push((
                format!("{reference} (reference = 0)"),
                RGBColor(0x22, 0x22, 0x22),
            ));
        }
        legend
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let view = self.view;
        match self.kind {
            RunChartKind::BookingsByQuarter => draw_bookings_by_quarter(body, view),
            RunChartKind::CumulativeBookings => draw_cumulative(body, view),
            RunChartKind::DealsByWeek => draw_deals_by_week(body, view),
            RunChartKind::DiscountByWeek => draw_discount_by_week(body, view),
            RunChartKind::QuotaAttainment => draw_quota(body, view),
            RunChartKind::CustomerSide => draw_customer_side(body, view),
            RunChartKind::PairedDifferences => draw_forest(body, view),
        }
    }
}

/// Draws one band series per variant on a quarter axis.
fn draw_quarter_bands<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
    series: &[(String, Vec<(f64, Band)>)],
    mut axes: Axes,
) -> DrawResult {
    let values = series
        .iter()
        .flat_map(|(_, s)| s.iter().flat_map(|(_, b)| [b.low, b.high]));
    axes.y = padded(values, true);
    let quarters = view.quarters();
    let last = quarters.last().copied().unwrap_or(1) as f64;
    axes.x = 0.5..last + 0.5;
    axes.x_ticks = axes.x_ticks.min(quarters.len().min(13));
    let mut plot = panel(area, &axes)?;
    for (variant, points) in series {
        line_with_band(&mut plot, points, view.palette.color(variant))?;
    }
    Ok(())
}

fn draw_bookings_by_quarter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult {
    let series: Vec<_> = view
        .variants()
        .iter()
        .map(|v| (v.clone(), view.quarter_bands(v, "bookings")))
        .collect();
    draw_quarter_bands(
        area,
        view,
        &series,
        Axes::new(0.0..1.0, 0.0..1.0, "Quarter", "Bookings per quarter ($k)"),
    )
}

fn draw_cumulative<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult {
    let series: Vec<_> = view
        .variants()
        .iter()
        .map(|v| (v.clone(), view.cumulative_bands(v)))
        .collect();
    draw_quarter_bands(
        area,
        view,
        &series,
        Axes::new(0.0..1.0, 0.0..1.0, "Quarter", "Cumulative bookings ($k)"),
    )
}

fn week_axes<'a>(y: std::ops::Range<f64>, y_label: &'a str) -> Axes<'a> {
    let mut axes = Axes::new(0.5..13.5, y, "Week of quarter", y_label);
    axes.x_ticks = 13;
    axes
}

fn draw_deals_by_week<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult {
    let variants = view.variants();
    let rows: Vec<Vec<&WeekRow>> = variants.iter().map(|v| view.week_rows(v)).collect();
    let y = padded(rows.iter().flatten().map(|w| w.deals), true);
    let mut plot = panel(area, &week_axes(y, "Deals closed (per replication)"))?;
    let width = 0.8 / variants.len().max(1) as f64;
    for (i, (variant, rows)) in variants.iter().zip(&rows).enumerate() {
        let color = view.palette.color(variant);
        let left = -0.4 + i as f64 * width;
        plot.draw_series(rows.iter().map(|w| {
            let x = w.week as f64 + left;
            Rectangle::new([(x, 0.0), (x + width * 0.92, w.deals)], color.filled())
        }))?;
    }
    Ok(())
}

fn draw_discount_by_week<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult {
    let variants = view.variants();
    let rows: Vec<Vec<&WeekRow>> = variants.iter().map(|v| view.week_rows(v)).collect();
    let y = padded(rows.iter().flatten().map(|w| w.mean_discount), true);
    let mut axes = week_axes(y, "Mean discount (% off list)");
    axes.y_format = &percent_tick;
    let mut plot = panel(area, &axes)?;
    for (variant, rows) in variants.iter().zip(&rows) {
        let color = view.palette.color(variant);
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|w| w.mean_discount.is_finite())
            .map(|w| (w.week as f64, w.mean_discount))
            .collect();
        plot.draw_series(LineSeries::new(pts.clone(), color.stroke_width(4)))?;
        plot.draw_series(pts.into_iter().map(|p| Circle::new(p, 7, color.filled())))?;
    }
    Ok(())
}

fn draw_quota<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult {
    let variants = view.variants().to_vec();
    let values: Vec<Vec<f64>> = variants
        .iter()
        .map(|v| view.run_values(v, "quota_attainment"))
        .collect();
    let y = padded(values.iter().flatten().copied().chain([0.9, 1.1]), false);
    let names = category_tick(&variants);
    let mut axes = Axes::new(
        -0.5..variants.len() as f64 - 0.5,
        y,
        "Variant",
        "Quota attainment (1.0 = at quota)",
    );
    axes.x_ticks = variants.len();
    axes.x_format = &names;
    let mut plot = panel(area, &axes)?;
    dashed_line(&mut plot, (-0.5, 1.0), (variants.len() as f64 - 0.5, 1.0))?;
    let label_style = super::frame::font(22.0).pos(Pos::new(HPos::Left, VPos::Bottom));
    plot.draw_series([Text::new("quota", (-0.48, 1.0), label_style)])?;
    for (i, (variant, vals)) in variants.iter().zip(&values).enumerate() {
        draw_box_and_dots(&mut plot, i as f64, vals, view.palette.color(variant))?;
    }
    Ok(())
}

fn draw_box_and_dots<DB: DrawingBackend>(
    plot: &mut super::frame::Plot<DB>,
    x: f64,
    values: &[f64],
    color: RGBColor,
) -> DrawResult {
    let Some([lo, q1, med, q3, hi]) = quartiles(values) else {
        return Ok(());
    };
    let ink = color.stroke_width(3);
    plot.draw_series([
        Rectangle::new([(x - 0.22, q1), (x + 0.22, q3)], color.mix(0.18).filled()),
        Rectangle::new([(x - 0.22, q1), (x + 0.22, q3)], ink),
    ])?;
    plot.draw_series([
        PathElement::new(
            vec![(x - 0.22, med), (x + 0.22, med)],
            color.stroke_width(5),
        ),
        PathElement::new(vec![(x, lo), (x, q1)], ink),
        PathElement::new(vec![(x, q3), (x, hi)], ink),
    ])?;
    // Deterministic jitter so dots at the same value stay visible.
    let dots = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| {
            let jitter = ((i as f64 * 0.618_034).fract() - 0.5) * 0.3;
            Circle::new(
                (x + 0.3 + jitter * 0.3 + 0.05, *v),
                5,
                color.mix(0.75).filled(),
            )
        });
    plot.draw_series(dots)?;
    Ok(())
}

fn draw_customer_side<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult {
    let panels = area.split_evenly((1, 3));
    for (panel_area, name) in panels.iter().zip(CUSTOMER_SIDE) {
        let info = metric(name);
        if let Some(value) = view.flat_quarters(name) {
            skipped_panel(
                panel_area,
                info.label,
                &format!("every value is {value}: left out"),
            )?;
            continue;
        }
        let series: Vec<_> = view
            .variants()
            .iter()
            .map(|v| (v.clone(), view.quarter_bands(v, name)))
            .collect();
        let label = match name {
            "unwelcome_share" => "% of contacts unwelcome",
            "blocks" => "Times blocked (per quarter)",
            _ => "Trust (0–1 score)",
        };
        let mut axes = Axes::new(0.0..1.0, 0.0..1.0, "Quarter", label);
        axes.panel_title = Some(info.label);
        axes.y_label_area = 90;
        axes.x_ticks = 6;
        if info.unit == Unit::Share {
            axes.y_format = &percent_tick;
        }
        draw_quarter_bands(panel_area, view, &series, axes)?;
    }
    Ok(())
}

/// The customer-side chart's panels, left to right.
const CUSTOMER_SIDE: [&str; 3] = ["unwelcome_share", "blocks", "mean_trust"];

/// One row of the forest plot: a metric's difference as % of the reference mean.
struct ForestRow {
    variant: String,
    row: usize,
    diff: Band,
}

fn forest_rows(view: &RunView, names: &[&str]) -> Vec<ForestRow> {
    let folder = view.folder;
    let reference = folder.manifest.reference();
    let mut out = Vec::new();
    for (row, name) in names.iter().enumerate() {
        let Some(base) = folder
            .summary_for(view.point, reference, name)
            .map(|s| s.mean)
        else {
            continue;
        };
        if !base.is_finite() || base.abs() < 1e-12 {
            continue;
        }
        for variant in view.variants().iter().filter(|v| *v != reference) {
            if let Some(c) = folder.comparison_for(view.point, variant, name) {
                // A variant's mean cannot leave the metric's own bounds (0 for amounts, counts
                // and shares; 100% for shares), so its difference cannot fall below −100% of a
                // positive reference, nor a share's rise past 100%: the interval is cut there, as
                // summary.csv's intervals are cut.
                let (lo, hi) = super::stats::difference_bounds(name, base);
                let (floor, ceiling) = if base > 0.0 {
                    (100.0 * lo / base, 100.0 * hi / base)
                } else {
                    (f64::NEG_INFINITY, f64::INFINITY)
                };
                let pct = |d: f64| (100.0 * d / base.abs()).clamp(floor, ceiling);
                let diff = Band {
                    mean: pct(c.mean_diff),
                    low: pct(c.ci_low),
                    high: pct(c.ci_high),
                };
                out.push(ForestRow {
                    variant: variant.clone(),
                    row,
                    diff,
                });
            }
        }
    }
    out
}

/// A metric whose differences are this many times wider than the next metric's, and wider than
/// [`OFF_SCALE_MIN_PCT`], is drawn off scale (see [`forest_scale`]).
const OFF_SCALE_FACTOR: f64 = 3.0;

/// Differences within ±100% (up to a doubling, down to nothing) always fit the axis.
const OFF_SCALE_MIN_PCT: f64 = 100.0;

/// How far the forest plot's axis reaches: every interval, unless the differences of a few
/// metrics lie far beyond the others' (a rare event's count multiplying, say, +700% blocks beside
/// bookings within ±5%), which would squeeze every other row to a dot at zero. (Differences
/// within ±100% always fit: a metric that falls to nothing is a finding to show, not an outlier.)
/// Then the axis
/// stops at 1.5 times the widest of the other metrics, and those few rows are drawn off scale,
/// their range written at the edge. Returns the axis range and the cut (`None`: nothing cut).
fn forest_scale(rows: &[ForestRow]) -> (std::ops::Range<f64>, Option<f64>) {
    // Each compared metric's widest reach from zero.
    let mut reach: Vec<Option<f64>> = vec![None; rows.iter().map(|r| r.row + 1).max().unwrap_or(0)];
    for r in rows {
        let ends = [r.diff.low.abs(), r.diff.high.abs()];
        let width = ends
            .into_iter()
            .filter(|w| w.is_finite())
            .fold(0.0, f64::max);
        reach[r.row] = Some(reach[r.row].unwrap_or(0.0).max(width));
    }
    let mut widths: Vec<f64> = reach.into_iter().flatten().collect();
    widths.sort_by(|a, b| b.total_cmp(a));
    // Cut at most a third of the rows: beyond that the wide ones are the rule, not exceptions.
    let cut = (1..=widths.len() / 3)
        .find(|&k| {
            widths[k] > 0.0
                && widths[k - 1] > OFF_SCALE_MIN_PCT
                && widths[k - 1] > OFF_SCALE_FACTOR * widths[k]
        })
        .map(|k| 1.5 * widths[k]);
    let clamp = |v: f64| on_scale(cut, v);
    let range = padded(
        rows.iter()
            .flat_map(|r| [clamp(r.diff.low), clamp(r.diff.high)]),
        true,
    );
    (range, cut)
}

/// Where `v` is drawn on an axis cut at ±`cut` ([`forest_scale`]): at the edge when beyond it.
fn on_scale(cut: Option<f64>, v: f64) -> f64 {
    cut.map_or(v, |c| v.clamp(-c, c))
}

fn forest_label(name: &str) -> String {
    let info = metric(name);
    match info.direction() {
        Some(true) => format!("{} (higher better)", info.label),
        Some(false) => format!("{} (lower better)", info.label),
        None => format!("{} (neither better)", info.label),
    }
}

fn draw_forest<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult {
    let rows = forest_rows(view, &FOREST_METRICS);
    // Top-to-bottom order: row 0 at the top of the plot.
    let n = FOREST_METRICS.len();
    let labels: Vec<String> = FOREST_METRICS
        .iter()
        .rev()
        .map(|m| forest_label(m))
        .collect();
    let names = category_tick(&labels);
    let (x, cut) = forest_scale(&rows);
    let mut axes = Axes::new(
        x,
        -0.5..n as f64 - 0.5,
        "Difference vs reference (% of reference mean)",
        "",
    );
    axes.y_ticks = n;
    axes.y_format = &names;
    axes.x_format = &|v: &f64| format!("{}%", crate::output::summary::signed(*v, 0));
    axes.y_label_area = 400;
    let mut plot = panel(area, &axes)?;
    dashed_line(&mut plot, (0.0, -0.5), (0.0, n as f64 - 0.5))?;
    let others: Vec<&String> = view
        .variants()
        .iter()
        .filter(|v| *v != view.folder.manifest.reference())
        .collect();
    // A row's variants share 0.7 of its height, so that neighbouring rows stay apart.
    let spread = 0.7 / others.len().max(1) as f64;
    let clamp = |v: f64| on_scale(cut, v);
    for r in &rows {
        let j = others.iter().position(|v| **v == r.variant).unwrap_or(0) as f64;
        let y = (n - 1 - r.row) as f64 + (j - (others.len() as f64 - 1.0) / 2.0) * spread;
        let color = view.palette.color(&r.variant);
        plot.draw_series([PathElement::new(
            vec![(clamp(r.diff.low), y), (clamp(r.diff.high), y)],
            color.stroke_width(5),
        )])?;
        // A mark drawn off scale, at the axis's edge, is hollow.
        let style = if clamp(r.diff.mean) == r.diff.mean {
            color.filled()
        } else {
            color.stroke_width(3)
        };
        plot.draw_series([Circle::new((clamp(r.diff.mean), y), 8, style)])?;
    }
    if let Some(c) = cut {
        // Each row drawn off scale says where its differences really lie.
        for row in 0..n {
            let means: Vec<f64> = rows
                .iter()
                .filter(|r| r.row == row && r.diff.mean.abs() > c)
                .map(|r| r.diff.mean)
                .collect();
            if means.is_empty() {
                continue;
            }
            let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let signed = |v: f64| format!("{}%", crate::output::summary::signed(v, 0));
            let text = if means.len() > 1 {
                format!("off scale (hollow): {} to {}", signed(lo), signed(hi))
            } else {
                format!("off scale (hollow): {}", signed(hi))
            };
            let right = hi > c;
            let (x_at, anchor) = if right {
                (axes.x.end, HPos::Right)
            } else {
                (axes.x.start, HPos::Left)
            };
            let style = super::frame::font(20.0)
                .color(&BLACK)
                .pos(Pos::new(anchor, VPos::Bottom));
            plot.draw_series([Text::new(text, (x_at, (n - 1 - row) as f64 + 0.4), style)])?;
        }
    }
    if rows.is_empty() {
        plot.draw_series([Text::new(
            "no paired comparisons in comparison.csv",
            (0.0, n as f64 / 2.0),
            super::frame::font(26.0).color(&GREY),
        )])?;
    }
    Ok(())
}

/// Chart captions that say what the chart shows in this run, from its numbers: each claim is
/// chosen by the data (and, for a difference, by its 95% interval), never fixed in advance.
mod captions {
    use super::{RunChartKind, RunView};

    fn pct(x: f64) -> String {
        format!("{:.0}%", 100.0 * x)
    }

    /// Whether two bands are apart (their 95% intervals do not overlap).
    fn apart(a: &super::Band, b: &super::Band) -> bool {
        a.low > b.high || b.low > a.high
    }

    pub(super) fn caption(kind: RunChartKind, view: &RunView) -> String {
        let variants = view.variants();
        match kind {
            RunChartKind::BookingsByQuarter => gap(view, variants, false),
            RunChartKind::CumulativeBookings => gap(view, variants, true),
            RunChartKind::DealsByWeek => {
                let shares: Vec<String> = variants
                    .iter()
                    .map(|v| {
                        let weeks: Vec<&super::WeekRow> = view
                            .folder
                            .weeks
                            .iter()
                            .filter(|w| w.point == view.point && &w.variant == v)
                            .collect();
                        let all: f64 = weeks.iter().map(|w| w.deals).sum();
                        let late: f64 =
                            weeks.iter().filter(|w| w.week >= 12).map(|w| w.deals).sum();
                        format!("{v} {}", pct(if all > 0.0 { late / all } else { 0.0 }))
                    })
                    .collect();
                format!(
                    "Share of deals closed in weeks 12-13: {} (an even spread puts 15% there).",
                    shares.join(", ")
                )
            }
            RunChartKind::DiscountByWeek => {
                let mut parts = Vec::new();
                for v in variants {
                    let mean = |weeks: std::ops::RangeInclusive<u32>| {
                        let rows: Vec<f64> = view
                            .folder
                            .weeks
                            .iter()
                            .filter(|w| w.point == view.point && &w.variant == v)
                            .filter(|w| weeks.contains(&w.week) && w.mean_discount.is_finite())
                            .map(|w| w.mean_discount)
                            .collect();
                        rows.iter().sum::<f64>() / rows.len().max(1) as f64
                    };
                    let (first, mid, last) = (mean(1..=1), mean(5..=9), mean(13..=13));
                    let most = first.max(mid).max(last);
                    if most < 0.001 {
                        parts.push(format!("{v} gives no discounts"));
                    } else if most < 0.01 {
                        parts.push(format!("{v} gives almost none (under 1%)"));
                    } else if first > 2.0 * mid && last > 2.0 * mid {
                        parts.push(format!(
                            "{v}'s discounts are U-shaped: {} in week 1 and {} in week 13 against {} mid-quarter",
                            pct(first),
                            pct(last),
                            pct(mid)
                        ));
                    } else {
                        parts.push(format!(
                            "{v}: {} in week 1, {} mid-quarter, {} in week 13",
                            pct(first),
                            pct(mid),
                            pct(last)
                        ));
                    }
                }
                format!("Mean discount of the deals closed: {}.", parts.join("; "))
            }
            RunChartKind::QuotaAttainment => {
                let parts: Vec<String> = variants
                    .iter()
                    .filter_map(|v| {
                        let s = view
                            .folder
                            .summary_for(view.point, v, "reps_at_quota_share")?;
                        Some(format!("{v} {}", pct(s.mean)))
                    })
                    .collect();
                format!(
                    "Share of rep-quarters at or above quota (the dashed line): {}.",
                    parts.join(", ")
                )
            }
            RunChartKind::CustomerSide => {
                let parts: Vec<String> = variants
                    .iter()
                    .map(|v| {
                        let trust = view.quarter_bands(v, "mean_trust");
                        match (trust.first(), trust.last()) {
                            (Some((_, a)), Some((_, b))) if apart(a, b) => format!(
                                "{v}'s customers' trust {} from {:.3} to {:.3}",
                                if b.mean > a.mean { "rises" } else { "falls" },
                                a.mean,
                                b.mean
                            ),
                            (Some((_, a)), Some((_, b))) => format!(
                                "{v}'s customers' trust stays about level ({:.3} to {:.3})",
                                a.mean, b.mean
                            ),
                            _ => format!("{v}: no trust figures"),
                        }
                    })
                    .collect();
                let left_out: Vec<String> = super::CUSTOMER_SIDE
                    .iter()
                    .filter_map(|name| {
                        let value = view.flat_quarters(name)?;
                        Some(format!(
                            " The {} panel is left out: every quarter of every replication shows {value}, for every variant.",
                            super::metric(name).label.to_lowercase()
                        ))
                    })
                    .collect();
                format!("{}.{}", parts.join("; "), left_out.concat())
            }
            RunChartKind::PairedDifferences => "Each bar is a variant minus the reference over the same markets, with its 95% interval: an interval crossing zero is undecided; whether right of zero is better depends on the metric (named on the left).".to_string(),
        }
    }

    /// Who is ahead at the start and at the end, per quarter (`cumulative` false) or cumulated:
    /// every variant against the reference (with three or more variants, one clause each).
    fn gap(view: &RunView, variants: &[String], cumulative: bool) -> String {
        let reference = view.folder.manifest.reference().to_string();
        let others: Vec<&String> = variants.iter().filter(|v| **v != reference).collect();
        if others.is_empty() {
            return "Bookings of the single variant, with its 95% band.".to_string();
        }
        let series = |v: &str| {
            if cumulative {
                view.cumulative_bands(v)
            } else {
                view.quarter_bands(v, "bookings")
            }
        };
        let r = series(&reference);
        let one = others.len() == 1;
        let mut clauses = Vec::new();
        for other in &others {
            let o = series(other);
            let (Some((_, r0)), Some((_, o0)), Some((_, rn)), Some((_, on))) =
                (r.first(), o.first(), r.last(), o.last())
            else {
                continue;
            };
            let ahead = |a: &super::Band, b: &super::Band| -> String {
                if !apart(a, b) {
                    "level".to_string()
                } else if a.mean > b.mean {
                    format!("{reference} ahead")
                } else {
                    format!("{other} ahead")
                }
            };
            let crossing = cumulative.then(|| {
                r.iter()
                    .zip(&o)
                    .skip(1)
                    .zip(r.iter().zip(&o))
                    .find(|(((_, rb), (_, ob)), ((_, ra), (_, oa)))| {
                        (rb.mean - ob.mean).signum() != (ra.mean - oa.mean).signum()
                    })
                    .map(|(((q, _), _), _)| *q)
            });
            clauses.push(if one {
                let crossing = match crossing {
                    Some(Some(q)) => format!(" The cumulative lines cross in quarter {q}."),
                    Some(None) => " The cumulative lines do not cross.".to_string(),
                    None => String::new(),
                };
                format!(
                    "First quarter: {}; last quarter: {} (by the 95% bands).{crossing}",
                    ahead(r0, o0),
                    ahead(rn, on)
                )
            } else {
                let crossing = match crossing {
                    Some(Some(q)) => format!(", the lines cross in quarter {q}"),
                    Some(None) => ", the lines do not cross".to_string(),
                    None => String::new(),
                };
                format!(
                    "{other} against {reference}: first quarter {}, last quarter {}{crossing}",
                    ahead(r0, o0),
                    ahead(rn, on)
                )
            });
        }
        if one {
            clauses.concat()
        } else {
            format!("{} (by the 95% bands).", clauses.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::captions::caption;
    use super::*;

    fn forest_row(row: usize, low: f64, mean: f64, high: f64) -> ForestRow {
        ForestRow {
            variant: format!("v{row}"),
            row,
            diff: Band { mean, low, high },
        }
    }

    #[test]
    fn one_metric_far_off_does_not_squeeze_the_others() {
        // Blocks up 760% beside a dozen metrics within ±12%.
        let mut rows: Vec<ForestRow> = (0..12)
            .map(|row| forest_row(row, -2.0 - row as f64, 0.5, 2.0 + row as f64 / 2.0))
            .collect();
        rows.push(forest_row(12, 700.0, 760.0, 820.0));
        let (range, cut) = forest_scale(&rows);
        let cut = cut.expect("the outlying metric is drawn off scale");
        assert_eq!(
            cut,
            1.5 * 13.0,
            "1.5 times the widest other metric (|−13%|)"
        );
        assert!(range.end < 30.0 && range.start > -30.0, "{range:?}");
        // Without the outlier nothing is cut and every interval fits.
        rows.pop();
        let (range, cut) = forest_scale(&rows);
        assert_eq!(cut, None);
        assert!(range.start <= -13.0 && range.end >= 7.5, "{range:?}");
        // A metric falling to nothing (−100%) beside small ones stays on scale.
        let mut lesson: Vec<ForestRow> = (0..12)
            .map(|row| forest_row(row, -3.0, -1.0, 1.0))
            .collect();
        lesson.push(forest_row(12, -100.0, -100.0, -100.0));
        let (range, cut) = forest_scale(&lesson);
        assert_eq!(cut, None);
        assert!(range.start <= -100.0, "{range:?}");
        // Several metrics equally wide: none is an exception.
        let even: Vec<ForestRow> = (0..6)
            .map(|row| forest_row(row, -400.0, 0.0, 400.0))
            .collect();
        assert_eq!(forest_scale(&even).1, None);
    }
    use crate::report::input::{Manifest, RunKey, RunRow, SummaryRow, WeekRow};

    /// A two-variant output folder (aggressive the reference) with the quarters, weeks and
    /// summary rows given.
    fn folder(
        quarters: Vec<RunRow>,
        weeks: Vec<WeekRow>,
        summary: Vec<SummaryRow>,
    ) -> OutputFolder {
        let manifest: Manifest = serde_json::from_value(serde_json::json!({
            "scenario_name": "t", "question": "q", "salesim_version": "0", "master_seed": 1,
            "replications": 3, "horizon_quarters": 2, "variants": ["aggressive", "aligned"],
            "reference": "aggressive", "command": "salesim", "complete": true
        }))
        .unwrap();
        OutputFolder {
            manifest,
            runs: quarters.clone(),
            quarters,
            weeks,
            summary,
            comparison: Vec::new(),
            teams: Vec::new(),
            vendors: Vec::new(),
            reps: Vec::new(),
            run_params: Vec::new(),
            lesson: None,
            chosen_point: None,
            book_sizes: Vec::new(),
            drift: Vec::new(),
        }
    }

    /// Quarter rows: `values[variant][quarter]` is each replication's value of `metric`.
    fn quarter_rows(metric: &'static str, values: [[[f64; 3]; 2]; 2]) -> Vec<RunRow> {
        let mut out = Vec::new();
        for (v, name) in ["aggressive", "aligned"].iter().enumerate() {
            for (q, replications) in values[v].iter().enumerate() {
                for (r, x) in replications.iter().enumerate() {
                    out.push(RunRow {
                        key: RunKey {
                            point: 0,
                            variant: name.to_string(),
                            replication: r as u32,
                        },
                        quarter: q as u32 + 1,
                        metrics: [(metric, *x)].into_iter().collect(),
                    });
                }
            }
        }
        out
    }

    fn view(f: &OutputFolder) -> RunView<'_> {
        RunView::new(f, Palette::new(f.variants()))
    }

    #[test]
    fn the_bookings_captions_say_who_is_ahead_only_where_the_bands_part() {
        // Q1: aggressive clearly ahead; Q2: level (bands overlap).
        let rows = quarter_rows(
            "bookings",
            [
                [[100.0, 101.0, 102.0], [90.0, 100.0, 110.0]],
                [[80.0, 81.0, 82.0], [92.0, 99.0, 108.0]],
            ],
        );
        let f = folder(rows, Vec::new(), Vec::new());
        let c = caption(RunChartKind::BookingsByQuarter, &view(&f));
        assert_eq!(
            c,
            "First quarter: aggressive ahead; last quarter: level (by the 95% bands)."
        );
        // Cumulated: aggressive stays ahead, the lines never cross.
        let c = caption(RunChartKind::CumulativeBookings, &view(&f));
        assert!(c.contains("do not cross"), "{c}");
        // Aligned ahead in the last quarter, by enough to cross the cumulative lines.
        let rows = quarter_rows(
            "bookings",
            [
                [[100.0, 101.0, 102.0], [10.0, 11.0, 12.0]],
                [[90.0, 91.0, 92.0], [200.0, 201.0, 202.0]],
            ],
        );
        let f = folder(rows, Vec::new(), Vec::new());
        let c = caption(RunChartKind::CumulativeBookings, &view(&f));
        assert!(c.contains("last quarter: aligned ahead"), "{c}");
        assert!(c.contains("cross in quarter 2"), "{c}");
    }

    #[test]
    fn the_trust_caption_says_rises_or_falls_only_when_the_bands_part() {
        let rows = quarter_rows(
            "mean_trust",
            [
                [[0.30, 0.31, 0.32], [0.20, 0.21, 0.22]],
                [[0.30, 0.31, 0.32], [0.29, 0.32, 0.35]],
            ],
        );
        let f = folder(rows, Vec::new(), Vec::new());
        let c = caption(RunChartKind::CustomerSide, &view(&f));
        assert!(c.contains("aggressive's customers' trust falls"), "{c}");
        assert!(
            c.contains("aligned's customers' trust stays about level"),
            "{c}"
        );
        assert!(!c.contains("rises"), "{c}");
    }

    #[test]
    fn the_discount_caption_names_the_u_shape_only_where_it_is() {
        let week = |variant: &str, week: u32, d: f64| WeekRow {
            point: 0,
            variant: variant.into(),
            week,
            deals: 1.0,
            mean_discount: d,
        };
        let mut weeks = Vec::new();
        for w in 1..=13 {
            let u = if w == 1 || w == 13 { 0.10 } else { 0.01 };
            weeks.push(week("aggressive", w, u));
            weeks.push(week("aligned", w, if w == 13 { 0.004 } else { 0.0 }));
        }
        let f = folder(Vec::new(), weeks, Vec::new());
        let c = caption(RunChartKind::DiscountByWeek, &view(&f));
        assert!(
            c.contains("aggressive's discounts are U-shaped: 10% in week 1"),
            "{c}"
        );
        assert!(c.contains("aligned gives almost none"), "{c}");
        // The hockey-stick caption reports the shares it sees.
        let c = caption(RunChartKind::DealsByWeek, &view(&f));
        assert!(c.contains("aggressive 15%, aligned 15%"), "{c}");
    }
}
