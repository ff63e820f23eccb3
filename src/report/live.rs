//! The live lesson's charts (`salesim serve`): the report's own run charts for what a class
//! watches (cumulative bookings, the customers' side with its blocks, the hockey stick), drawn as
//! SVG text from the output folder of the replications so far, and one chart of its own: the
//! paired difference of bookings after each batch, its interval narrowing.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{RunChart, RunChartKind, RunView};
use super::frame::{
    dashed_line, line_with_band, padded, panel, svg_sized, Axes, Chart, DrawResult,
};
use super::frame::{Palette, GREY};
use super::input::OutputFolder;
use super::stats::Band;
use super::ReportError;

/// The report's run charts the live page shows, in its order after the narrowing difference.
const SHOWN: [RunChartKind; 3] = [
    RunChartKind::CumulativeBookings,
    RunChartKind::DealsByWeek,
    RunChartKind::CustomerSide,
];

/// The live charts' canvas, pixels: smaller than the report's 1280 × 720 with the same fonts, so
/// that on a 1024 × 768 projector, where the page shows a chart about 980 px wide, its smallest
/// text (the ticks) is still 15 px.
const LIVE_SIZE: (u32, u32) = (1100, 660);

/// One chart of the live page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LiveChart {
    /// The chart's name (the report's file stem, or `difference_by_batch`).
    pub name: String,
    /// The question it answers.
    pub title: String,
    /// What to look at.
    pub caption: String,
    /// The chart, as SVG text.
    pub svg: String,
}

/// The paired difference of bookings (variant − reference) after one batch, as a share of the
/// reference's mean bookings: its mean and 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchDifference {
    /// Replications reached.
    pub replications: u32,
    /// Mean difference, share of the reference's bookings.
    pub mean: f64,
    /// Lower end of its 95% CI.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// The live page's charts from the output folder `dir` (the replications so far) and the
/// difference after each batch, `batches` (the variant is `variant`, the reference `reference`).
pub fn live_charts(
    dir: &Path,
    batches: &[BatchDifference],
    variant: &str,
    reference: &str,
) -> Result<Vec<LiveChart>, ReportError> {
    let folder = OutputFolder::read(dir)?;
    let palette = Palette::new(folder.variants());
    let view = RunView::new(&folder, palette.clone());
    let narrowing = Narrowing {
        batches,
        variant,
        reference,
        color: palette.color(variant),
    };
    let mut out = vec![shown(&narrowing)?];
    for kind in SHOWN {
        out.push(shown(&RunChart { kind, view: &view })?);
    }
    Ok(out)
}

fn shown<C: Chart>(chart: &C) -> Result<LiveChart, ReportError> {
    Ok(LiveChart {
        name: chart.name(),
        title: chart.title(),
        caption: chart.caption(),
        svg: svg_sized(chart, LIVE_SIZE)?,
    })
}

/// The paired difference of bookings batch by batch.
struct Narrowing<'a> {
    batches: &'a [BatchDifference],
    variant: &'a str,
    reference: &'a str,
    color: RGBColor,
}

impl Chart for Narrowing<'_> {
    fn name(&self) -> String {
        "difference_by_batch".into()
    }

    fn title(&self) -> String {
        format!(
            "Does {} book more than {}? Is it decided yet?",
            self.variant, self.reference
        )
    }

    fn subtitle(&self) -> String {
        format!(
            "Paired difference of bookings, % of {}'s; shaded band = 95% CI after each batch",
            self.reference
        )
    }

    fn caption(&self) -> String {
        "The band narrows as replications are added; once it clears the dashed zero line, the \
         difference is real (the verdict waits for the Bonferroni-adjusted interval)."
            .into()
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        vec![(format!("{} − {}", self.variant, self.reference), self.color)]
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let last = self.batches.last().map_or(1, |b| b.replications) as f64;
        let first = self.batches.first().map_or(0, |b| b.replications) as f64;
        let span = (last - first).max(1.0);
        let y = padded(
            self.batches
                .iter()
                .flat_map(|b| [b.low, b.high])
                .map(|v| 100.0 * v),
            true,
        );
        let mut axes = Axes::new(
            (first - 0.08 * span)..(last + 0.08 * span),
            y,
            "Replications",
            "Difference (% of bookings)",
        );
        axes.x_ticks = self.batches.len().clamp(2, 10);
        let mut plot = panel(body, &axes)?;
        dashed_line(&mut plot, (axes.x.start, 0.0), (axes.x.end, 0.0))?;
        let points: Vec<(f64, Band)> = self
            .batches
            .iter()
            .map(|b| {
                (
                    b.replications as f64,
                    Band {
                        mean: 100.0 * b.mean,
                        low: 100.0 * b.low,
                        high: 100.0 * b.high,
                    },
                )
            })
            .collect();
        line_with_band(&mut plot, &points, self.color)?;
        // Each batch's interval as an error bar too: a single batch has no band to shade.
        plot.draw_series(
            points
                .iter()
                .filter(|(_, b)| b.low.is_finite())
                .map(|(x, b)| {
                    PathElement::new(vec![(*x, b.low), (*x, b.high)], GREY.stroke_width(3))
                }),
        )?;
        Ok(())
    }
}
