//! "You are here": the lesson's paired difference of bookings against book size (accounts per
//! rep), from `book_size.csv`, with the lesson's own book size marked. Drawn only when the
//! output folder has that file (the full lesson writes it).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{dashed_line, line_with_band, padded, panel, Axes, Chart, DrawResult, GREY};
use super::stats::Band;

/// The chart's file stem.
pub(crate) const NAME: &str = "you_are_here";

/// One row of `book_size.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BookSizeRow {
    pub accounts_per_rep: f64,
    pub variant: String,
    pub reference: String,
    pub pct: Band,
    pub here: f64,
}

/// Reads `book_size.csv`, if there is one (a malformed file is left out, not an error: the chart
/// is an extra).
pub(crate) fn read(dir: &Path) -> Vec<BookSizeRow> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join(crate::output::book_size::FILE)) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(r) = record else { return Vec::new() };
        let num = |i: usize| r.get(i).and_then(|x| x.parse::<f64>().ok());
        let (Some(x), Some(mean), Some(low), Some(high), Some(here)) =
            (num(0), num(5), num(6), num(7), num(8))
        else {
            return Vec::new();
        };
        rows.push(BookSizeRow {
            accounts_per_rep: x,
            variant: crate::output::csv_text_value(r.get(2).unwrap_or("")).to_string(),
            reference: crate::output::csv_text_value(r.get(3).unwrap_or("")).to_string(),
            pct: Band { mean, low, high },
            here,
        });
    }
    rows
}

/// The chart: the rows, and the lesson's own accounts per rep.
pub(crate) struct YouAreHere<'a> {
    pub rows: &'a [BookSizeRow],
    pub here: f64,
    pub color: RGBColor,
}

impl Chart for YouAreHere<'_> {
    fn name(&self) -> String {
        NAME.to_string()
    }

    fn title(&self) -> String {
        "You are here: does the answer change with the size of the book?".to_string()
    }

    fn subtitle(&self) -> String {
        let (v, r) = self
            .rows
            .first()
            .map(|x| (x.variant.as_str(), x.reference.as_str()))
            .unwrap_or(("", ""));
        format!(
            "Bookings of {v} against {r} (%, from paired log ratios), by accounts per rep; band = 95% CI; grey = the lesson's book"
        )
    }

    fn caption(&self) -> String {
        let words: Vec<String> = self
            .rows
            .iter()
            .map(|x| {
                let who = if x.pct.low > 0.0 {
                    format!("{} ahead", x.variant)
                } else if x.pct.high < 0.0 {
                    format!("{} ahead", x.reference)
                } else {
                    "level".to_string()
                };
                format!("{:.0} accounts per rep: {who}", x.accounts_per_rep)
            })
            .collect();
        format!(
            "{} (the lesson's own book: {:.0} per rep; a few replications per size, so only clear gaps count).",
            words.join("; "),
            self.here
        )
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        match self.rows.first() {
            Some(x) => vec![(format!("{} vs {}", x.variant, x.reference), self.color)],
            None => Vec::new(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> DrawResult {
        let points: Vec<(f64, Band)> = self
            .rows
            .iter()
            .map(|x| (x.accounts_per_rep, x.pct))
            .collect();
        let x = padded(points.iter().map(|(x, _)| *x).chain([self.here]), false);
        let y = padded(points.iter().flat_map(|(_, b)| [b.low, b.high]), true);
        let axes = Axes::new(
            x.clone(),
            y.clone(),
            "accounts per rep",
            "difference in bookings (%)",
        );
        let mut plot = panel(body, &axes)?;
        dashed_line(&mut plot, (x.start, 0.0), (x.end, 0.0))?;
        plot.draw_series(std::iter::once(PathElement::new(
            vec![(self.here, y.start), (self.here, y.end)],
            GREY.stroke_width(3),
        )))?;
        line_with_band(&mut plot, &points, self.color)?;
        Ok(())
    }
}
