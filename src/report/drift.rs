//! "Do our reps drift toward aggressive selling?": where our reps' selling style lies between
//! the aligned preset (0) and the aggressive one (1), quarter by quarter, per variant, from
//! `strategy_mix.csv` (all teams together). Drawn only when some variant's mix moves, as it
//! does when reps learn from their pay (`learning = { rule = "imitate" }`).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{dashed_line, line_with_band, panel, Axes, Chart, DrawResult};
use super::stats::Band;
use crate::output::breakdown::ALL_TEAMS;

/// The chart's file stem.
pub(crate) const NAME: &str = "strategy_drift";

/// The knob charted.
const KNOB: &str = "aggressive_position";

/// One variant's style by quarter (1-based), all our reps together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Drift {
    pub variant: String,
    pub quarters: Vec<(u32, Band)>,
}

impl Drift {
    /// Whether the style moved at all over the horizon.
    fn moves(&self) -> bool {
        let means = self.quarters.iter().map(|(_, b)| b.mean);
        let (lo, hi) = means.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), m| {
            (lo.min(m), hi.max(m))
        });
        hi - lo > 1e-6
    }

    /// "aligned-start: 0.00 → 0.42, toward aggressive" (by the 95% intervals of the first and
    /// last quarters).
    fn words(&self) -> Option<String> {
        let (first, last) = (self.quarters.first()?.1, self.quarters.last()?.1);
        let way = if last.low > first.high {
            "clearly toward aggressive"
        } else if last.high < first.low {
            "clearly toward aligned"
        } else {
            "no clear drift"
        };
        Some(format!(
            "{}: {:.2} → {:.2}, {way}",
            self.variant, first.mean, last.mean
        ))
    }
}

/// Reads the drift of every variant at `point` from `strategy_mix.csv`, if there is one and
/// some variant's style moves (a missing or malformed file gives none: the chart is an extra).
pub(crate) fn read(dir: &Path, point: u32) -> Vec<Drift> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join("strategy_mix.csv")) else {
        return Vec::new();
    };
    let Ok(header) = reader.headers().cloned() else {
        return Vec::new();
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(p), Some(v), Some(q), Some(t), Some(k), Some(m), Some(lo), Some(hi)) = (
        col("point"),
        col("variant"),
        col("quarter"),
        col("team"),
        col("knob"),
        col("mean"),
        col("ci_low"),
        col("ci_high"),
    ) else {
        return Vec::new();
    };
    let mut drifts: Vec<Drift> = Vec::new();
    for record in reader.records() {
        let Ok(r) = record else { return Vec::new() };
        let text = |i: usize| crate::output::csv_text_value(r.get(i).unwrap_or(""));
        let num = |i: usize| r.get(i).and_then(|x| x.parse::<f64>().ok());
        if r.get(p).and_then(|x| x.parse::<u32>().ok()) != Some(point)
            || text(t) != ALL_TEAMS
            || text(k) != KNOB
        {
            continue;
        }
        let (Some(quarter), Some(mean)) = (r.get(q).and_then(|x| x.parse().ok()), num(m)) else {
            return Vec::new();
        };
        let band = Band {
            mean,
            low: num(lo).unwrap_or(f64::NAN),
            high: num(hi).unwrap_or(f64::NAN),
        };
        let variant = text(v).to_string();
        match drifts.iter_mut().find(|d| d.variant == variant) {
            Some(d) => d.quarters.push((quarter, band)),
            None => drifts.push(Drift {
                variant,
                quarters: vec![(quarter, band)],
            }),
        }
    }
    if drifts.iter().any(Drift::moves) {
        drifts
    } else {
        Vec::new()
    }
}

/// The chart: each variant's style by quarter, with its 95% band over replications.
pub(crate) struct StrategyDrift<'a> {
    pub drifts: &'a [Drift],
    pub palette: &'a super::frame::Palette,
}

impl Chart for StrategyDrift<'_> {
    fn name(&self) -> String {
        NAME.to_string()
    }

    fn title(&self) -> String {
        "Do our reps drift toward aggressive selling?".to_string()
    }

    fn subtitle(&self) -> String {
        "Our reps' selling style at each quarter's end: 0 = the aligned preset, 1 = the aggressive one; band = 95% CI over replications".to_string()
    }

    fn caption(&self) -> String {
        let words: Vec<String> = self.drifts.iter().filter_map(Drift::words).collect();
        format!(
            "First to last quarter: {}. Reps copy better-paid peers' knobs (strategy_mix.csv has each knob).",
            words.join("; ")
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.drifts
            .iter()
            .map(|d| (d.variant.clone(), self.palette.color(&d.variant)))
            .collect()
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let last = self
            .drifts
            .iter()
            .flat_map(|d| d.quarters.iter().map(|(q, _)| *q))
            .max()
            .unwrap_or(1);
        let x = 0.5..f64::from(last) + 0.5;
        let axes = Axes::new(x.clone(), -0.05..1.05, "Quarter", "Selling style (0-1)");
        let mut plot = panel(body, &axes)?;
        dashed_line(&mut plot, (x.start, 0.5), (x.end, 0.5))?;
        for d in self.drifts {
            let points: Vec<(f64, Band)> = d
                .quarters
                .iter()
                .map(|(q, b)| (f64::from(*q), *b))
                .collect();
            line_with_band(&mut plot, &points, self.palette.color(&d.variant))?;
        }
        Ok(())
    }
}
