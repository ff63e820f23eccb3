//! The per-team, per-vendor and per-rep charts, for a sales leader's questions: which team books
//! what (and who pays for poaching), what share of the market we hold, and how our reps' quota
//! attainment is spread, quarter by quarter. They describe the same point as the per-run charts.
//!
//! Their captions are computed from the data: team and share differences are paired over
//! replications (variant − reference in the same markets) with 95% CIs, and a difference is
//! called clear only when its CI excludes zero.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::RunView;
use super::error::ReportError;
use super::frame::{
    category_tick, dashed_line, font, padded, panel, percent_tick, plain_tick, render, Axes, Chart,
    DrawResult, Palette, Plot, Rendered, GREY,
};
use super::input::{OutputFolder, RunKey};
use super::metrics::metric;
use super::stats::{band, Band};
use crate::output::summary::Stated;
use crate::shown::group_thousands;
use crate::shown::signed;

/// File stems of the charts drawn here, in report order.
pub(crate) const BREAKDOWN_CHARTS: [&str; 3] = ["team_bookings", "market_share", "rep_attainment"];

/// Whether a chart is one of this module's (they get their own report section).
pub(crate) fn is_breakdown(name: &str) -> bool {
    BREAKDOWN_CHARTS.contains(&name)
}

/// Renders the team, market-share and rep-attainment charts of the focus point.
pub(crate) fn render_breakdown(
    folder: &OutputFolder,
    palette: &Palette,
    dir: &Path,
) -> Result<Vec<Rendered>, ReportError> {
    let data = Breakdown::new(folder, palette.clone());
    Ok(vec![
        render(dir, &TeamChart { data: &data })?,
        render(dir, &ShareChart { data: &data })?,
        render(dir, &RepChart { data: &data })?,
    ])
}

/// The focus point's rows of `teams.csv`, `vendors.csv` and `reps.csv`, arranged for the charts.
pub(crate) struct Breakdown<'a> {
    view: RunView<'a>,
    /// Teams of ours, in file order.
    pub teams: Vec<String>,
    /// Vendors, in file order.
    pub vendors: Vec<String>,
}

/// Per variant, per category (team or vendor): replication → value.
type ByReplication = BTreeMap<u32, f64>;

impl<'a> Breakdown<'a> {
    fn new(folder: &'a OutputFolder, palette: Palette) -> Self {
        let view = RunView::new(folder, palette);
        let point = view.point;
        let mut teams: Vec<String> = Vec::new();
        for r in folder.teams.iter().filter(|r| r.key.point == point) {
            if !teams.contains(&r.team) {
                teams.push(r.team.clone());
            }
        }
        let mut vendors: Vec<String> = Vec::new();
        for r in folder.vendors.iter().filter(|r| r.key.point == point) {
            if !vendors.contains(&r.vendor) {
                vendors.push(r.vendor.clone());
            }
        }
        Breakdown {
            view,
            teams,
            vendors,
        }
    }

    fn folder(&self) -> &OutputFolder {
        self.view.folder
    }

    fn variants(&self) -> &[String] {
        self.view.palette.variants()
    }

    fn reference(&self) -> &str {
        self.folder().manifest.reference()
    }

    fn mine(&self, key: &RunKey, variant: &str) -> bool {
        key.point == self.view.point && key.variant == variant
    }

    /// A team metric of one variant and team, by replication.
    fn team_values(&self, variant: &str, team: &str, metric: &str) -> ByReplication {
        self.folder()
            .teams
            .iter()
            .filter(|r| self.mine(&r.key, variant) && r.team == team)
            .map(|r| (r.key.replication, r.get(metric)))
            .collect()
    }

    /// A vendor's market share in one variant, by replication.
    fn shares(&self, variant: &str, vendor: &str) -> ByReplication {
        self.folder()
            .vendors
            .iter()
            .filter(|r| self.mine(&r.key, variant) && r.vendor == vendor)
            .map(|r| (r.key.replication, r.market_share))
            .collect()
    }

    /// Net poached deals of a team (gained − lost), by replication.
    fn net_poached(&self, variant: &str, team: &str) -> ByReplication {
        let lost = self.team_values(variant, team, "poached_deals_lost");
        self.team_values(variant, team, "poached_deals_gained")
            .into_iter()
            .map(|(r, gained)| (r, gained - lost.get(&r).copied().unwrap_or(f64::NAN)))
            .collect()
    }

    /// Whether any team gained or lost a poached deal at this point (else the table leaves the
    /// poaching rows out).
    fn any_poaching(&self) -> bool {
        self.folder().teams.iter().any(|r| {
            r.key.point == self.view.point
                && (r.get("poached_deals_gained") > 0.0 || r.get("poached_deals_lost") > 0.0)
        })
    }

    /// Whether the net-poaching panel has something to show: some team's net poached deals
    /// (gained − lost) differ from the others' somewhere. When every value is the same (no
    /// poaching at all, or poaching only within a team, which nets to zero for every team), the
    /// panel would be a row of zeros, and is left out with a note in the caption.
    fn poaching_panel(&self) -> bool {
        let values = self.variants().iter().flat_map(|v| {
            self.teams
                .iter()
                .flat_map(move |t| self.net_poached(v, t).into_values())
        });
        super::frame::flat(values).is_none()
    }

    /// Our reps' attainment quantiles of one variant, quarter by quarter.
    fn rep_rows(&self, variant: &str) -> Vec<(f64, [f64; 5])> {
        let mut rows: Vec<(f64, [f64; 5])> = self
            .folder()
            .reps
            .iter()
            .filter(|r| r.point == self.view.point && r.variant == variant)
            .map(|r| (r.quarter as f64, r.quantiles))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows
    }

    fn horizon_label(&self) -> String {
        format!("{} quarters", self.folder().manifest.horizon_quarters)
    }
}

/// Mean and 95% CI of values by replication.
fn band_of(values: &ByReplication) -> Band {
    band(values.values().copied())
}

/// [`band_of`] cut to what `metric` can be (no team's bookings below zero).
fn metric_band_of(metric: &str, values: &ByReplication) -> Band {
    super::stats::metric_band(metric, values.values().copied())
}

/// [`band_of`] of shares, cut to 0–100%.
fn share_band_of(values: &ByReplication) -> Band {
    super::stats::clamp_band(band_of(values), (0.0, 1.0)).0
}

/// The paired relative difference of `variant` against `reference` over the replications both
/// have, as every surface states a difference of money ([`Stated`]: the paired log ratio as a
/// percentage, else in $k), so a team's bookings never fall below −100% and a market of one
/// team states the same interval as the verdict.
fn stated_difference(variant: &ByReplication, reference: &ByReplication) -> Stated {
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for (rep, x) in variant {
        if let Some(base) = reference.get(rep) {
            v.push(*x);
            r.push(*base);
        }
    }
    let d = crate::experiment::stats::paired(&v, &r, None).diff;
    let mut st = Stated::of(&d, &crate::experiment::stats::paired_log_ratio(&v, &r));
    if !st.relative {
        // In $k the variant's bookings cannot fall below zero: the interval is cut there.
        let floor = -crate::experiment::stats::summarize(&r).mean;
        st.low = st.low.max(floor);
        st.high = st.high.max(floor);
    }
    st
}

/// The paired difference `variant − reference` over the replications both have.
fn paired_band(variant: &ByReplication, reference: &ByReplication) -> Band {
    band(
        variant
            .iter()
            .filter_map(|(r, v)| reference.get(r).map(|base| v - base)),
    )
}

/// "−2.7% (95% CI −4.1% to −1.2%), clearly less" for a difference `d` shown by `show`.
fn difference_words(d: &Band, show: &dyn Fn(f64) -> String) -> String {
    let verdict = if !d.low.is_finite() || !d.high.is_finite() {
        "no interval"
    } else if d.low > 0.0 {
        "clearly more"
    } else if d.high < 0.0 {
        "clearly less"
    } else {
        "no clear difference"
    };
    format!(
        "{} (95% CI {} to {}), {verdict}",
        show(d.mean),
        show(d.low),
        show(d.high)
    )
}

/// Draws bars grouped by category (one bar per variant, mean with a 95% CI whisker), with the
/// means printed above the bars if every one fits its bar's width (else none is).
fn grouped_bars<DB: DrawingBackend>(
    plot: &mut Plot<DB>,
    palette: &Palette,
    series: &[(String, Vec<Band>)],
    label: &dyn Fn(f64) -> String,
) -> DrawResult {
    let width = 0.8 / series.len().max(1) as f64;
    let on_top = Pos::new(HPos::Center, VPos::Bottom);
    let (x_range, y_range) = (plot.x_range(), plot.y_range());
    let lift = (y_range.end - y_range.start) * 0.01;
    let pixels_per_unit =
        plot.plotting_area().dim_in_pixel().0 as f64 / (x_range.end - x_range.start);
    let bar_pixels = width * pixels_per_unit;
    let mut labels_fit = true;
    for b in series.iter().flat_map(|(_, bands)| bands) {
        let (text_pixels, _) = plot
            .plotting_area()
            .estimate_text_size(&label(b.mean), &font(20.0))?;
        labels_fit &= text_pixels as f64 <= bar_pixels;
    }
    for (i, (variant, bands)) in series.iter().enumerate() {
        let color = palette.color(variant);
        for (c, b) in bands.iter().enumerate() {
            if !b.mean.is_finite() {
                continue;
            }
            let left = c as f64 - 0.4 + i as f64 * width;
            let mid = left + width * 0.46;
            plot.draw_series([Rectangle::new(
                [(left, 0.0), (left + width * 0.92, b.mean)],
                color.mix(0.85).filled(),
            )])?;
            let ink = RGBColor(0x22, 0x22, 0x22).stroke_width(3);
            let cap = width * 0.18;
            plot.draw_series([
                PathElement::new(vec![(mid, b.low), (mid, b.high)], ink),
                PathElement::new(vec![(mid - cap, b.low), (mid + cap, b.low)], ink),
                PathElement::new(vec![(mid - cap, b.high), (mid + cap, b.high)], ink),
            ])?;
            if labels_fit {
                let top = b.high.max(b.mean).max(0.0) + lift;
                let text = Text::new(label(b.mean), (mid, top), font(20.0).pos(on_top));
                plot.draw_series([text])?;
            }
        }
    }
    Ok(())
}

/// A panel with categories at 0, 1, 2, ... on the x axis.
fn category_axes<'a>(
    names: &'a dyn Fn(&f64) -> String,
    n: usize,
    y: std::ops::Range<f64>,
    x_label: &'a str,
    y_label: &'a str,
) -> Axes<'a> {
    let mut axes = Axes::new(-0.5..n as f64 - 0.5, y, x_label, y_label);
    axes.x_ticks = n;
    axes.x_format = names;
    axes
}

/// The y range of bars from zero, with room for the labels above them.
fn bar_range(series: &[(String, Vec<Band>)]) -> std::ops::Range<f64> {
    let values = series
        .iter()
        .flat_map(|(_, bands)| bands.iter().flat_map(|b| [b.low, b.high, b.mean]));
    let r = padded(values, true);
    r.start..r.end + (r.end - r.start) * 0.08
}

/// Bookings (and net poached deals) per team of ours, per variant.
struct TeamChart<'a> {
    data: &'a Breakdown<'a>,
}

impl TeamChart<'_> {
    fn series(&self, of: &dyn Fn(&str, &str) -> Band) -> Vec<(String, Vec<Band>)> {
        let d = self.data;
        d.variants()
            .iter()
            .map(|v| {
                let bands = d.teams.iter().map(|t| of(v, t)).collect();
                (v.clone(), bands)
            })
            .collect()
    }
}

impl Chart for TeamChart<'_> {
    fn name(&self) -> String {
        BREAKDOWN_CHARTS[0].into()
    }

    fn title(&self) -> String {
        if self.data.poaching_panel() {
            "Which team books what, and who loses deals to poaching?".into()
        } else {
            "Which team books what?".into()
        }
    }

    fn subtitle(&self) -> String {
        let d = self.data;
        let n = d.folder().manifest.replications;
        format!(
            "Mean per replication over {}, {n} replications; whisker = 95% CI{}",
            d.horizon_label(),
            d.view.point_note()
        )
    }

    fn caption(&self) -> String {
        let d = self.data;
        let reference = d.reference();
        let mut out = String::new();
        for variant in d.variants().iter().filter(|v| *v != reference) {
            let _ = write!(
                out,
                "Bookings under {variant} minus under {reference}, paired over replications: "
            );
            let parts: Vec<String> = d
                .teams
                .iter()
                .map(|team| {
                    let base = d.team_values(reference, team, "bookings");
                    let st = stated_difference(&d.team_values(variant, team, "bookings"), &base);
                    let diff = Band {
                        mean: st.mean,
                        low: st.low,
                        high: st.high,
                    };
                    format!("{team} {}", difference_words(&diff, &|x| st.show(x)))
                })
                .collect();
            let _ = write!(out, "{}. ", parts.join("; "));
        }
        if out.is_empty() {
            out.push_str("One variant: no team differences to compare. ");
        }
        if d.poaching_panel() {
            let parts: Vec<String> = d
                .variants()
                .iter()
                .map(|variant| {
                    let teams: Vec<String> = d
                        .teams
                        .iter()
                        .map(|team| {
                            let mean = band_of(&d.net_poached(variant, team)).mean;
                            format!("{team} {}", signed(mean, 2))
                        })
                        .collect();
                    format!("{variant} {}", teams.join(", "))
                })
                .collect();
            let _ = write!(
                out,
                "Net poached deals per replication (gained − lost; below zero, the team's accounts went to other reps): {}. ",
                parts.join("; ")
            );
        } else if d.any_poaching() {
            out.push_str("The poaching panel is left out: reps poached deals only within their own team, so every team's net poached deals (gained − lost) are 0. ");
        } else {
            out.push_str("The poaching panel is left out: no rep poached a deal here, so every team's net poached deals are 0. ");
        }
        out.push_str("teams.csv holds every team's bookings, deals, contacts, blocks, conflicts and poached deals per run.");
        out
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.data.view.palette.legend()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let d = self.data;
        let names = category_tick(&d.teams);
        let bookings =
            self.series(&|v, t| metric_band_of("bookings", &d.team_values(v, t, "bookings")));
        let y_label = format!("Bookings ($k, {})", d.horizon_label());
        let thousands = |v: f64| group_thousands(v, 0);
        let (left, right) = if d.poaching_panel() {
            let (l, r) = body.split_horizontally(body.dim_in_pixel().0 * 3 / 5);
            (l, Some(r))
        } else {
            (body.clone(), None)
        };
        let mut axes = category_axes(
            &names,
            d.teams.len(),
            bar_range(&bookings),
            "Team",
            &y_label,
        );
        axes.y_format = &plain_tick;
        axes.y_label_area = 120;
        let mut plot = panel(&left, &axes)?;
        grouped_bars(&mut plot, &d.view.palette, &bookings, &thousands)?;
        if let Some(right) = right {
            let poached = self.series(&|v, t| band_of(&d.net_poached(v, t)));
            let values = poached
                .iter()
                .flat_map(|(_, bands)| bands.iter().flat_map(|b| [b.low, b.high]));
            let y = padded(values, true);
            let y = y.start - (y.end - y.start) * 0.08..y.end + (y.end - y.start) * 0.08;
            // Two decimals for a few deals, one for more.
            let decimals = if y.end - y.start < 1.0 { 2 } else { 1 };
            let mut axes = category_axes(
                &names,
                d.teams.len(),
                y,
                "Team",
                "Net poached deals (gained − lost)",
            );
            axes.y_label_area = 90;
            let ticks = move |v: &f64| signed(*v, decimals);
            axes.y_format = &ticks;
            let mut plot = panel(&right, &axes)?;
            let n = d.teams.len() as f64;
            dashed_line(&mut plot, (-0.5, 0.0), (n - 0.5, 0.0))?;
            grouped_bars(&mut plot, &d.view.palette, &poached, &|v| {
                signed(v, decimals)
            })?;
        }
        Ok(())
    }
}

/// Each vendor's share of all vendors' bookings, per variant.
struct ShareChart<'a> {
    data: &'a Breakdown<'a>,
}

impl Chart for ShareChart<'_> {
    fn name(&self) -> String {
        BREAKDOWN_CHARTS[1].into()
    }

    fn title(&self) -> String {
        "What share of the market's bookings does each vendor win?".into()
    }

    fn subtitle(&self) -> String {
        let d = self.data;
        format!(
            "Share of all vendors' bookings over {}, mean of {} replications; whisker = 95% CI{}",
            d.horizon_label(),
            d.folder().manifest.replications,
            d.view.point_note()
        )
    }

    fn caption(&self) -> String {
        let d = self.data;
        let Some(us) = d.vendors.first() else {
            return "vendors.csv has no rows for this point.".into();
        };
        let reference = d.reference();
        let base = d.shares(reference, us);
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        let we = if us.eq_ignore_ascii_case("us") {
            "we".to_string()
        } else {
            format!("we ({us})")
        };
        let mut out = format!(
            "Under {reference}, {we} win {} of the market's bookings",
            pct(band_of(&base).mean)
        );
        for variant in d.variants().iter().filter(|v| *v != reference) {
            let mine = d.shares(variant, us);
            // A share stays within 0–100%: the difference's interval is cut where the
            // variant's would leave it.
            let bounds = (-band_of(&base).mean, 1.0 - band_of(&base).mean);
            let diff = super::stats::clamp_band(paired_band(&mine, &base), bounds).0;
            let points = |x: f64| format!("{} points", signed(100.0 * x, 1));
            let _ = write!(
                out,
                "; under {variant} {}, a paired difference of {}",
                pct(band_of(&mine).mean),
                difference_words(&diff, &points)
            );
        }
        out.push_str(
            ". The rivals' shares are what we do not win: their bars move opposite to ours.",
        );
        out
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.data.view.palette.legend()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let d = self.data;
        let series: Vec<(String, Vec<Band>)> = d
            .variants()
            .iter()
            .map(|v| {
                let bands = d
                    .vendors
                    .iter()
                    .map(|u| share_band_of(&d.shares(v, u)))
                    .collect();
                (v.clone(), bands)
            })
            .collect();
        let names = category_tick(&d.vendors);
        let mut axes = category_axes(
            &names,
            d.vendors.len(),
            bar_range(&series),
            "Vendor",
            "Share of the market's bookings",
        );
        axes.y_format = &percent_tick;
        let mut plot = panel(body, &axes)?;
        grouped_bars(&mut plot, &d.view.palette, &series, &|v| {
            format!("{:.1}%", 100.0 * v)
        })
    }
}

/// Our reps' attainment, quarter by quarter: median, middle half and p10–p90, one panel per
/// variant.
struct RepChart<'a> {
    data: &'a Breakdown<'a>,
}

impl Chart for RepChart<'_> {
    fn name(&self) -> String {
        BREAKDOWN_CHARTS[2].into()
    }

    fn title(&self) -> String {
        "How is quota attainment spread across our reps?".into()
    }

    fn subtitle(&self) -> String {
        format!(
            "Every rep of all replications; line = median rep, dark = middle half, light = 10th-90th percentile; dashed = quota{}",
            self.data.view.point_note()
        )
    }

    fn caption(&self) -> String {
        let d = self.data;
        let parts: Vec<String> = d
            .variants()
            .iter()
            .map(|v| {
                let rows: Vec<_> = d
                    .folder()
                    .reps
                    .iter()
                    .filter(|r| r.point == d.view.point && r.variant == *v)
                    .collect();
                let n = rows.len().max(1) as f64;
                let mean = |f: &dyn Fn(&super::input::RepRow) -> f64| {
                    rows.iter().map(|r| f(r)).sum::<f64>() / n
                };
                format!(
                    "{v}: middle half of reps at {:.0}%–{:.0}% of quota, {:.0}% of rep-quarters at or over quota",
                    100.0 * mean(&|r| r.quantiles[1]),
                    100.0 * mean(&|r| r.quantiles[3]),
                    100.0 * mean(&|r| r.share_at_quota),
                )
            })
            .collect();
        format!(
            "Averaged over the quarters, {}. A wide band means a few reps carry the team while others miss.",
            parts.join("; ")
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.data.view.palette.legend()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let d = self.data;
        let variants = d.variants().to_vec();
        // Side by side for up to three variants, else two columns.
        let columns = if variants.len() <= 3 {
            variants.len().max(1)
        } else {
            2
        };
        let rows_of_panels = variants.len().div_ceil(columns).max(1);
        let rows: Vec<Vec<(f64, [f64; 5])>> = variants.iter().map(|v| d.rep_rows(v)).collect();
        let y = padded(
            rows.iter()
                .flatten()
                .flat_map(|(_, q)| [q[0], q[4]])
                .chain([0.0, 1.1]),
            true,
        );
        let last = rows.iter().flatten().map(|(q, _)| *q).fold(1.0, f64::max);
        let panels = body.split_evenly((rows_of_panels, columns));
        for (i, ((area, variant), rows)) in panels.iter().zip(&variants).zip(&rows).enumerate() {
            let first_column = i % columns == 0;
            let y_label = match (first_column, rows_of_panels) {
                (false, _) => "",
                (true, 1) => "Quota attainment (1.0 = at quota)",
                (true, _) => "Attainment",
            };
            let mut axes = Axes::new(0.5..last + 0.5, y.clone(), "Quarter", y_label);
            axes.panel_title = Some(variant);
            axes.x_ticks = (last as usize).min(if columns > 2 { 6 } else { 12 });
            axes.y_label_area = if first_column { 110 } else { 70 };
            let mut plot = panel(area, &axes)?;
            let color = d.view.palette.color(variant);
            for (lo, hi, alpha) in [(0, 4, 0.15), (1, 3, 0.4)] {
                let outline: Vec<(f64, f64)> = rows
                    .iter()
                    .map(|(q, v)| (*q, v[hi]))
                    .chain(rows.iter().rev().map(|(q, v)| (*q, v[lo])))
                    .filter(|p| p.1.is_finite())
                    .collect();
                if outline.len() >= 3 {
                    plot.draw_series([Polygon::new(outline, color.mix(alpha).filled())])?;
                }
            }
            dashed_line(&mut plot, (0.5, 1.0), (last + 0.5, 1.0))?;
            let median: Vec<(f64, f64)> = rows
                .iter()
                .map(|(q, v)| (*q, v[2]))
                .filter(|p| p.1.is_finite())
                .collect();
            plot.draw_series(LineSeries::new(median.clone(), color.stroke_width(4)))?;
            plot.draw_series(
                median
                    .into_iter()
                    .map(|p| Circle::new(p, 5, color.filled())),
            )?;
            if rows.is_empty() {
                plot.draw_series([Text::new(
                    "no rows in reps.csv",
                    (1.0, 1.0),
                    font(24.0).color(&GREY),
                )])?;
            }
        }
        Ok(())
    }
}

/// How a table cell shows a value.
type Show<'a> = &'a dyn Fn(f64) -> String;

/// The report's "Teams, market share and reps" section: the three charts and a table of the
/// numbers behind the first two (mean per replication with its 95% CI).
pub(crate) fn section(folder: &OutputFolder, charts: &[Rendered]) -> String {
    let data = Breakdown::new(folder, Palette::new(folder.variants()));
    let esc = super::markup::esc;
    let variants = data.variants();
    let head: String = variants
        .iter()
        .map(|v| format!("<th>{}</th>", esc(v)))
        .collect();
    let cell = |b: Band, show: Show| -> String {
        if b.mean.is_finite() {
            format!(
                "<td>{} [{}, {}]</td>",
                show(b.mean),
                show(b.low),
                show(b.high)
            )
        } else {
            "<td>n/a</td>".into()
        }
    };
    let money = |v: f64| metric("bookings").format(v);
    let ratio = |v: f64| metric("quota_attainment").format(v);
    let count = |v: f64| format!("{:.2}", v);
    let share = |v: f64| format!("{:.1}%", 100.0 * v);
    let mut rows = String::new();
    for team in &data.teams {
        let mut metrics: Vec<(&str, &str, Show)> = vec![
            ("bookings", "bookings", &money),
            ("quota_attainment", "quota attainment", &ratio),
        ];
        if data.any_poaching() {
            metrics.push(("poached_deals_gained", "poached deals gained", &count));
            metrics.push(("poached_deals_lost", "poached deals lost", &count));
        }
        for (metric, label, show) in metrics {
            let cells: String = variants
                .iter()
                .map(|v| {
                    cell(
                        metric_band_of(metric, &data.team_values(v, team, metric)),
                        show,
                    )
                })
                .collect();
            let _ = writeln!(
                rows,
                "<tr><th scope=\"row\">team {}: {label}</th>{cells}</tr>",
                esc(team)
            );
        }
    }
    for vendor in &data.vendors {
        let cells: String = variants
            .iter()
            .map(|v| cell(share_band_of(&data.shares(v, vendor)), &share))
            .collect();
        let _ = writeln!(
            rows,
            "<tr><th scope=\"row\">vendor {}: market share</th>{cells}</tr>",
            esc(vendor)
        );
    }
    let figures: String = charts.iter().map(super::markup::figure).collect();
    format!(
        "<section id=\"breakdown\"><h2>Teams, market share and reps</h2>\n<p class=\"note\">Which team books what, what share of the market's bookings each vendor wins, and how quota attainment is spread across our reps. Files: teams.csv, vendors.csv, reps.csv. An interval stops at what its number can be (0 for bookings and counts, 0% to 100% for shares).</p>\n{figures}<table><thead><tr><th>Mean per replication [95% CI]</th>{head}</tr></thead><tbody>\n{rows}</tbody></table></section>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(mean: f64, low: f64, high: f64) -> Band {
        Band { mean, low, high }
    }

    #[test]
    fn a_difference_is_called_clear_only_when_its_interval_excludes_zero() {
        let pct = |x: f64| crate::shown::signed_percent(x);
        let words = |d| difference_words(&d, &pct);
        assert_eq!(
            words(b(2.0, 0.5, 3.5)),
            "+2.0% (95% CI +0.5% to +3.5%), clearly more"
        );
        assert!(words(b(-2.0, -3.5, -0.5)).ends_with("clearly less"));
        assert!(words(b(0.4, -1.0, 1.8)).ends_with("no clear difference"));
        assert!(words(b(0.4, f64::NAN, f64::NAN)).ends_with("no interval"));
    }

    #[test]
    fn differences_pair_the_same_replications() {
        let variant: ByReplication = [(0, 10.0), (1, 12.0), (2, 14.0)].into();
        let reference: ByReplication = [(0, 9.0), (1, 11.0), (3, 100.0)].into();
        let d = paired_band(&variant, &reference);
        assert_eq!((d.mean, d.low, d.high), (1.0, 1.0, 1.0));
    }
}
