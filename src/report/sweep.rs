//! Sweep charts: first the paired difference of bookings (each variant − the reference) against
//! the first swept parameter, with its 95% band, which is how a sweep is read; then each key
//! metric against it (one line per variant, 95% band, one panel per value of the other
//! parameters in a grid); and for a two-parameter grid a heat map of which variant wins on
//! bookings and by how much, and a heat map of each variant's contribution (bookings less the
//! reps' pay) over the grid.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::ReportError;
use super::frame::{
    category_tick, dashed_line, font, line_with_band, padded, panel, percent_tick, render, Axes,
    Chart, DrawResult, Palette, Rendered, GREY,
};
use super::input::{OutputFolder, SweepPoint};
use super::metrics::{metric, Unit};
use super::stats::Band;

/// Metrics that get a `sweep_<metric>` chart.
pub(crate) const SWEEP_METRICS: [&str; 6] = [
    "bookings",
    "win_rate",
    "no_decision_rate",
    "blocks",
    "hockey_stick",
    "quota_attainment",
];
/// The file stem of the winner heat map.
pub(crate) const WINNER_HEATMAP: &str = "sweep_winner_heatmap";
/// The file stem of the contribution heat map.
pub(crate) const CONTRIBUTION_HEATMAP: &str = "sweep_contribution_heatmap";
/// The file stem of the paired-difference chart.
pub(crate) const DIFFERENCE_CHART: &str = "sweep_difference";

/// Whether a chart leads a sweep's report, with the table of every point: the paired
/// difference against the swept value, or for a two-parameter grid the winner heat map.
pub(crate) fn leads_the_report(name: &str) -> bool {
    name == DIFFERENCE_CHART || name == WINNER_HEATMAP
}

/// The file stem of a metric's sweep chart: `sweep_<metric>`.
pub(crate) fn sweep_chart_name(metric: &str) -> String {
    format!("sweep_{metric}")
}

/// At most this many panels per sweep chart; wider grids show the first ones and say so.
const MAX_PANELS: usize = 4;

/// Renders every sweep chart, plus the winner heat map for a two-parameter grid.
pub(crate) fn render_sweep(
    folder: &OutputFolder,
    palette: &Palette,
    dir: &Path,
) -> Result<Vec<Rendered>, ReportError> {
    let view = SweepView::new(folder, palette.clone());
    let mut out = Vec::new();
    if folder.manifest.variants.len() > 1 {
        out.push(render(dir, &DifferenceChart { view: &view })?);
    }
    for metric in SWEEP_METRICS {
        out.push(render(
            dir,
            &SweepChart {
                metric,
                view: &view,
            },
        )?);
    }
    if view.is_two_parameter_grid() {
        out.push(render(dir, &WinnerHeatmap { view: &view })?);
        out.push(render(dir, &ContributionHeatmap { view: &view })?);
    }
    Ok(out)
}

/// A group of sweep points sharing the values of every parameter but the first.
struct Group<'a> {
    label: Option<String>,
    points: Vec<&'a SweepPoint>,
}

pub(crate) struct SweepView<'a> {
    folder: &'a OutputFolder,
    palette: Palette,
}

impl<'a> SweepView<'a> {
    fn new(folder: &'a OutputFolder, palette: Palette) -> Self {
        SweepView { folder, palette }
    }

    fn params(&self) -> &[String] {
        &self.folder.manifest.sweep.parameters
    }

    fn is_grid(&self) -> bool {
        self.folder.manifest.sweep.mode != "zip"
    }

    fn is_two_parameter_grid(&self) -> bool {
        self.params().len() == 2 && self.is_grid()
    }

    fn value(point: &SweepPoint, param: &str) -> f64 {
        point.values.get(param).copied().unwrap_or(f64::NAN)
    }

    /// Points grouped by the non-first parameters (grid), or all in one group (zip, 1 parameter).
    fn groups(&self) -> Vec<Group<'a>> {
        let params = self.params();
        let mut points: Vec<&SweepPoint> = self.folder.manifest.sweep.points.iter().collect();
        points.sort_by(|a, b| Self::value(a, &params[0]).total_cmp(&Self::value(b, &params[0])));
        if params.len() < 2 || !self.is_grid() {
            return vec![Group {
                label: None,
                points,
            }];
        }
        let key = |p: &SweepPoint| {
            params[1..]
                .iter()
                .map(|k| format!("{} = {}", short(k), Self::value(p, k)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut groups: Vec<Group> = Vec::new();
        for p in points {
            let label = key(p);
            match groups
                .iter_mut()
                .find(|g| g.label.as_deref() == Some(label.as_str()))
            {
                Some(g) => g.points.push(p),
                None => groups.push(Group {
                    label: Some(label),
                    points: vec![p],
                }),
            }
        }
        groups
    }

    fn series(&self, metric: &str, variant: &str, points: &[&SweepPoint]) -> Vec<(f64, Band)> {
        let x = &self.params()[0];
        points
            .iter()
            .filter_map(|p| {
                let s = self.folder.summary_for(p.point, variant, metric)?;
                Some((
                    Self::value(p, x),
                    Band {
                        mean: s.mean,
                        low: s.ci_low,
                        high: s.ci_high,
                    },
                ))
            })
            .collect()
    }
}

/// The last segment of a parameter path, for compact panel titles.
fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// `sweep_<metric>`: one metric against the first swept parameter.
struct SweepChart<'a> {
    metric: &'static str,
    view: &'a SweepView<'a>,
}

impl Chart for SweepChart<'_> {
    fn name(&self) -> String {
        sweep_chart_name(self.metric)
    }

    fn title(&self) -> String {
        let label = metric(self.metric).label.to_lowercase();
        format!("How does {} move {label}?", short(&self.view.params()[0]))
    }

    fn subtitle(&self) -> String {
        let groups = self.view.groups().len();
        let more = if groups > MAX_PANELS {
            format!(" (first {MAX_PANELS} of {groups} panels)")
        } else {
            String::new()
        };
        format!("Mean per sweep point; shaded band = 95% CI{more}")
    }

    fn caption(&self) -> String {
        format!(
            "Look at whether the lines cross as {} changes: that is where the better strategy flips.",
            self.view.params()[0]
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.view.palette.legend()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let groups: Vec<Group> = self.view.groups().into_iter().take(MAX_PANELS).collect();
        let areas = body.split_evenly((1, groups.len().max(1)));
        for (area, group) in areas.iter().zip(&groups) {
            self.draw_panel(area, group, groups.len() > 1)?;
        }
        Ok(())
    }
}

impl SweepChart<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        group: &Group,
        narrow: bool,
    ) -> DrawResult {
        let info = metric(self.metric);
        let series: Vec<(String, Vec<(f64, Band)>)> = self
            .view
            .palette
            .variants()
            .iter()
            .map(|v| (v.clone(), self.view.series(self.metric, v, &group.points)))
            .collect();
        let all = || series.iter().flat_map(|(_, s)| s.iter());
        let x = padded(all().map(|(x, _)| *x), false);
        let y = padded(
            all().flat_map(|(_, b)| [b.low, b.high]),
            info.unit != Unit::Ratio,
        );
        let x_param = &self.view.params()[0];
        let x_label = if narrow {
            short(x_param).to_string()
        } else {
            x_param.clone()
        };
        let y_label = info.axis_label();
        let mut axes = Axes::new(x, y, &x_label, &y_label);
        axes.panel_title = group.label.as_deref();
        axes.x_ticks = if narrow { 4 } else { 8 };
        if narrow {
            axes.y_label_area = 90;
        }
        if info.unit == Unit::Share {
            axes.y_format = &percent_tick;
        }
        let mut plot = panel(area, &axes)?;
        for (variant, points) in &series {
            line_with_band(&mut plot, points, self.view.palette.color(variant))?;
        }
        Ok(())
    }
}

/// `sweep_difference`: each variant's bookings minus the reference's, paired, against the first
/// swept parameter, with the 95% band and the zero line: where the band leaves zero, one
/// strategy is ahead.
struct DifferenceChart<'a> {
    view: &'a SweepView<'a>,
}

impl DifferenceChart<'_> {
    fn series(&self, variant: &str, points: &[&SweepPoint]) -> Vec<(f64, Band)> {
        let x = &self.view.params()[0];
        points
            .iter()
            .filter_map(|p| {
                let c = self
                    .view
                    .folder
                    .comparison_for(p.point, variant, "bookings")?;
                Some((
                    SweepView::value(p, x),
                    Band {
                        mean: c.mean_diff,
                        low: c.ci_low,
                        high: c.ci_high,
                    },
                ))
            })
            .collect()
    }

    fn others(&self) -> Vec<String> {
        let reference = self.view.folder.manifest.reference();
        self.view
            .palette
            .variants()
            .iter()
            .filter(|v| v.as_str() != reference)
            .cloned()
            .collect()
    }
}

impl Chart for DifferenceChart<'_> {
    fn name(&self) -> String {
        DIFFERENCE_CHART.to_string()
    }

    fn title(&self) -> String {
        format!(
            "Bookings against {}: who is ahead, and where it flips",
            short(&self.view.params()[0])
        )
    }

    fn subtitle(&self) -> String {
        format!(
            "Paired difference, variant − {} ($k, same markets); shaded band = 95% CI; dashed = no difference",
            self.view.folder.manifest.reference()
        )
    }

    fn caption(&self) -> String {
        let reference = self.view.folder.manifest.reference();
        let mut ahead = Vec::new();
        let mut behind = Vec::new();
        for variant in self.others() {
            for group in self.view.groups() {
                for (x, b) in self.series(&variant, &group.points) {
                    let at = match &group.label {
                        Some(l) => format!("{} = {x} ({l})", short(&self.view.params()[0])),
                        None => format!("{} = {x}", short(&self.view.params()[0])),
                    };
                    if b.low > 0.0 {
                        ahead.push(format!("{variant} at {at}"));
                    } else if b.high < 0.0 {
                        behind.push(format!("{variant} at {at}"));
                    }
                }
            }
        }
        let list = |v: &[String]| {
            if v.len() > 6 {
                format!("{} and {} more", v[..6].join(", "), v.len() - 6)
            } else {
                v.join(", ")
            }
        };
        match (ahead.is_empty(), behind.is_empty()) {
            (true, true) => format!(
                "No point's interval leaves zero: at these replications no variant is clearly ahead of {reference} anywhere in the sweep."
            ),
            (false, true) => format!("Clearly ahead of {reference}: {}.", list(&ahead)),
            (true, false) => format!("Clearly behind {reference}: {}.", list(&behind)),
            (false, false) => format!(
                "Clearly ahead of {reference}: {}. Clearly behind: {}.",
                list(&ahead),
                list(&behind)
            ),
        }
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.others()
            .into_iter()
            .map(|v| {
                let c = self.view.palette.color(&v);
                (v, c)
            })
            .collect()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let groups: Vec<Group> = self.view.groups().into_iter().take(MAX_PANELS).collect();
        let areas = body.split_evenly((1, groups.len().max(1)));
        let narrow = groups.len() > 1;
        for (area, group) in areas.iter().zip(&groups) {
            let series: Vec<(String, Vec<(f64, Band)>)> = self
                .others()
                .into_iter()
                .map(|v| {
                    let s = self.series(&v, &group.points);
                    (v, s)
                })
                .collect();
            let all = || series.iter().flat_map(|(_, s)| s.iter());
            let x = padded(all().map(|(x, _)| *x), false);
            let y = padded(all().flat_map(|(_, b)| [b.low, b.high]), true);
            let x_param = &self.view.params()[0];
            let x_label = if narrow {
                short(x_param).to_string()
            } else {
                x_param.clone()
            };
            let mut axes = Axes::new(x.clone(), y, &x_label, "difference in bookings ($k)");
            axes.panel_title = group.label.as_deref();
            axes.x_ticks = if narrow { 4 } else { 8 };
            if narrow {
                axes.y_label_area = 90;
            }
            let mut plot = panel(area, &axes)?;
            dashed_line(&mut plot, (x.start, 0.0), (x.end, 0.0))?;
            for (variant, points) in &series {
                line_with_band(&mut plot, points, self.view.palette.color(variant))?;
            }
        }
        Ok(())
    }
}

/// Who wins one grid cell on bookings.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// `variant` is ahead of every other with 95% confidence (as far as the paired CIs against
    /// the reference can tell); `margin` is its lead in $k.
    Winner { variant: String, margin: f64 },
    /// Some 95% CI crosses zero.
    Undecided,
}

/// Decides a cell from the paired bookings differences against the reference: a non-reference
/// variant wins if its CI is above zero (the largest such mean wins); the reference wins if every
/// other variant's CI is below zero; otherwise the cell is undecided.
fn verdict(folder: &OutputFolder, point: u32, variants: &[String]) -> Verdict {
    let reference = folder.manifest.reference();
    let diffs: Vec<_> = variants
        .iter()
        .filter(|v| *v != reference)
        .filter_map(|v| folder.comparison_for(point, v, "bookings").map(|c| (v, c)))
        .collect();
    if diffs.is_empty() {
        return Verdict::Undecided;
    }
    let best = diffs
        .iter()
        .filter(|(_, c)| c.ci_low > 0.0)
        .max_by(|a, b| a.1.mean_diff.total_cmp(&b.1.mean_diff));
    if let Some((v, c)) = best {
        return Verdict::Winner {
            variant: (*v).clone(),
            margin: c.mean_diff,
        };
    }
    if diffs.iter().all(|(_, c)| c.ci_high < 0.0) {
        let margin = diffs
            .iter()
            .map(|(_, c)| -c.mean_diff)
            .fold(f64::INFINITY, f64::min);
        return Verdict::Winner {
            variant: reference.to_string(),
            margin,
        };
    }
    Verdict::Undecided
}

/// `sweep_winner_heatmap`: the two-parameter grid coloured by the bookings winner.
struct WinnerHeatmap<'a> {
    view: &'a SweepView<'a>,
}

impl Chart for WinnerHeatmap<'_> {
    fn name(&self) -> String {
        WINNER_HEATMAP.into()
    }

    fn title(&self) -> String {
        "Where does each strategy win on bookings?".into()
    }

    fn subtitle(&self) -> String {
        "Label = the winner's paired lead in bookings ($k over the horizon); darker = bigger lead"
            .into()
    }

    fn caption(&self) -> String {
        "Look for the boundary between colours; grey cells are undecided (the 95% CI crosses zero)."
            .into()
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        let mut legend = self.view.palette.legend();
        legend.push(("undecided".into(), GREY));
        legend
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let variants = self.view.palette.variants();
        let cells = grid_cells(self.view, |p| verdict(self.view.folder, p.point, variants));
        let max = cells.iter().filter_map(|(_, _, v)| match v {
            Verdict::Winner { margin, .. } => Some(margin.abs()),
            Verdict::Undecided => None,
        });
        let max = max.fold(0.0, f64::max);
        grid_panel(self.view, body, None, |plot| {
            for (i, j, v) in &cells {
                let (fill, lines) = self.cell(v, max);
                draw_cell(plot, *i as f64, *j as f64, fill, &lines)?;
            }
            Ok(())
        })
    }
}

impl WinnerHeatmap<'_> {
    /// A cell's fill and its two lines of text.
    fn cell(&self, verdict: &Verdict, max: f64) -> (RGBColor, [String; 2]) {
        match verdict {
            Verdict::Winner { variant, margin } => {
                let strength = if max > 0.0 {
                    0.35 + 0.65 * margin.abs() / max
                } else {
                    1.0
                };
                let color = tint(self.view.palette.color(variant), strength);
                (
                    color,
                    [
                        variant.clone(),
                        format!("+{}", crate::shown::money_compact(*margin)),
                    ],
                )
            }
            Verdict::Undecided => (
                RGBColor(0xDD, 0xDD, 0xDD),
                ["undecided".to_string(), "CI crosses 0".to_string()],
            ),
        }
    }
}

/// `sweep_contribution_heatmap`: each variant's mean contribution (bookings − commission − base
/// pay) over the two-parameter grid, one panel per variant, on one colour scale.
struct ContributionHeatmap<'a> {
    view: &'a SweepView<'a>,
}

impl Chart for ContributionHeatmap<'_> {
    fn name(&self) -> String {
        CONTRIBUTION_HEATMAP.into()
    }

    fn title(&self) -> String {
        "What is left after paying the reps?".into()
    }

    fn subtitle(&self) -> String {
        let variants = self.view.palette.variants().len();
        let more = if variants > MAX_PANELS {
            format!(" (first {MAX_PANELS} of {variants} variants)")
        } else {
            String::new()
        };
        format!(
            "Label = mean contribution over the horizon (bookings − commission − base pay); \
             darker = more{more}"
        )
    }

    fn caption(&self) -> String {
        "Look for the darkest cell: the plan terms that leave the most after pay; \
         differences under the 95% CI of the comparison table are noise."
            .into()
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.view.palette.legend()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let variants: Vec<String> = self
            .view
            .palette
            .variants()
            .iter()
            .take(MAX_PANELS)
            .cloned()
            .collect();
        let per_variant: Vec<_> = variants
            .iter()
            .map(|v| {
                grid_cells(self.view, |p| {
                    self.view
                        .folder
                        .summary_for(p.point, v, "contribution")
                        .map(|s| s.mean)
                })
            })
            .collect();
        let all = || per_variant.iter().flatten().filter_map(|(_, _, m)| *m);
        let (lo, hi) = (
            all().fold(f64::INFINITY, f64::min),
            all().fold(f64::NEG_INFINITY, f64::max),
        );
        let money = metric("contribution");
        let areas = body.split_evenly((1, variants.len().max(1)));
        for ((area, variant), cells) in areas.iter().zip(&variants).zip(&per_variant) {
            let colour = self.view.palette.color(variant);
            grid_panel(self.view, area, Some(variant), |plot| {
                for (i, j, mean) in cells {
                    let Some(mean) = mean else { continue };
                    let strength = if hi > lo {
                        0.15 + 0.85 * (mean - lo) / (hi - lo)
                    } else {
                        1.0
                    };
                    let lines = [money.format_compact(*mean), String::new()];
                    draw_cell(plot, *i as f64, *j as f64, tint(colour, strength), &lines)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// Each sweep point's cell (column, row) in the two-parameter grid, with `value` of the point.
fn grid_cells<T>(view: &SweepView, value: impl Fn(&SweepPoint) -> T) -> Vec<(usize, usize, T)> {
    let params = view.params();
    let (xs, ys) = (distinct(view, &params[0]), distinct(view, &params[1]));
    view.folder
        .manifest
        .sweep
        .points
        .iter()
        .filter_map(|p| {
            let i = xs
                .iter()
                .position(|x| *x == SweepView::value(p, &params[0]))?;
            let j = ys
                .iter()
                .position(|y| *y == SweepView::value(p, &params[1]))?;
            Some((i, j, value(p)))
        })
        .collect()
}

/// One panel of the two-parameter grid (the first parameter across, the second up), its cells
/// drawn by `cells`.
fn grid_panel<DB: DrawingBackend>(
    view: &SweepView,
    area: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    cells: impl FnOnce(&mut super::frame::Plot<DB>) -> DrawResult,
) -> DrawResult {
    let params = view.params();
    let (xs, ys) = (distinct(view, &params[0]), distinct(view, &params[1]));
    let x_names: Vec<String> = xs.iter().map(|v| v.to_string()).collect();
    let y_names: Vec<String> = ys.iter().map(|v| v.to_string()).collect();
    let (x_fmt, y_fmt) = (category_tick(&x_names), category_tick(&y_names));
    let narrow = title.is_some();
    let (x_label, y_label) = if narrow {
        (short(&params[0]), short(&params[1]))
    } else {
        (params[0].as_str(), params[1].as_str())
    };
    let mut axes = Axes::new(
        -0.5..xs.len() as f64 - 0.5,
        -0.5..ys.len() as f64 - 0.5,
        x_label,
        y_label,
    );
    axes.x_ticks = xs.len();
    axes.y_ticks = ys.len();
    axes.x_format = &x_fmt;
    axes.y_format = &y_fmt;
    axes.panel_title = title;
    let mut plot = panel(area, &axes)?;
    cells(&mut plot)
}

/// One filled cell of a grid heat map with up to two lines of text (the second may be empty).
fn draw_cell<DB: DrawingBackend>(
    plot: &mut super::frame::Plot<DB>,
    x: f64,
    y: f64,
    fill: RGBColor,
    lines: &[String; 2],
) -> DrawResult {
    plot.draw_series([Rectangle::new(
        [(x - 0.48, y - 0.46), (x + 0.48, y + 0.46)],
        fill.filled(),
    )])?;
    let ink = if luminance(fill) < 0.45 { WHITE } else { BLACK };
    let centre = Pos::new(HPos::Center, VPos::Center);
    let first_y = if lines[1].is_empty() { y } else { y + 0.1 };
    plot.draw_series([Text::new(
        lines[0].clone(),
        (x, first_y),
        font(26.0).color(&ink).pos(centre),
    )])?;
    if !lines[1].is_empty() {
        plot.draw_series([Text::new(
            lines[1].clone(),
            (x, y - 0.12),
            font(22.0).color(&ink).pos(centre),
        )])?;
    }
    Ok(())
}

/// Sorted distinct values of one parameter over the sweep points.
fn distinct(view: &SweepView, param: &str) -> Vec<f64> {
    let mut values: Vec<f64> = view
        .folder
        .manifest
        .sweep
        .points
        .iter()
        .map(|p| SweepView::value(p, param))
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

/// Blends `color` with white: strength 1 = full colour, 0 = white.
fn tint(color: RGBColor, strength: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - c as f64) * strength.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

fn luminance(c: RGBColor) -> f64 {
    (0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64) / 255.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tint_blends_towards_white() {
        assert_eq!(tint(RGBColor(0, 100, 200), 1.0), RGBColor(0, 100, 200));
        assert_eq!(tint(RGBColor(0, 100, 200), 0.0), RGBColor(255, 255, 255));
    }

    #[test]
    fn short_takes_last_segment() {
        assert_eq!(short("strategies.aggressive.discount_max"), "discount_max");
        assert_eq!(short("plain"), "plain");
    }
}
