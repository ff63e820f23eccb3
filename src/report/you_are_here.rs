//! "You are here": the lesson's paired difference of bookings against book size (accounts per
//! rep), from `book_size.csv`, with the lesson's own book size marked. Drawn only when the
//! output folder has that file (the full lesson writes it).
//!
//! It draws the verdict's first number, the steady-state difference per quarter (as a
//! percentage, from the paired log ratio), and at the lesson's own book size it draws the
//! lesson's own run, the very numbers the verdict states ([`with_own_run`], [`OwnRun`]): the chart and the
//! headline agree there by construction. An older `book_size.csv` without the steady-state
//! columns is drawn as the horizon total, and the chart says so (a total includes the switch,
//! which the verdict states apart).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{dashed_line, line_with_band, padded, panel, Axes, Chart, DrawResult, GREY};
use super::stats::Band;
use crate::shown::signed_percent;

/// The chart's file stem.
pub(crate) const NAME: &str = "you_are_here";

/// One row of `book_size.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BookSizeRow {
    pub accounts_per_rep: f64,
    pub variant: String,
    pub reference: String,
    /// Replications compared.
    pub replications: u32,
    /// The horizon total's difference, % of the reference's bookings.
    pub pct: Band,
    /// The steady state's difference per quarter, % of the reference's (`None` in a file
    /// written before it was kept).
    pub steady: Option<Band>,
    pub here: f64,
    /// Whether this row is the lesson's own run (the verdict's numbers).
    pub own: bool,
}

/// Reads `book_size.csv`, if there is one (a malformed file is left out, not an error: the chart
/// is an extra).
pub(crate) fn read(dir: &Path) -> Vec<BookSizeRow> {
    let Ok(mut reader) = csv::Reader::from_path(dir.join(crate::output::book_size::FILE)) else {
        return Vec::new();
    };
    let Ok(header) = reader.headers().cloned() else {
        return Vec::new();
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(x), Some(v), Some(r), Some(n), Some(m), Some(lo), Some(hi), Some(h)) = (
        col("accounts_per_rep"),
        col("variant"),
        col("reference"),
        col("replications"),
        col("bookings_ratio_pct"),
        col("ci_low_pct"),
        col("ci_high_pct"),
        col("lesson_accounts_per_rep"),
    ) else {
        return Vec::new();
    };
    let steady_cols = (
        col("steady_ratio_pct"),
        col("steady_ci_low_pct"),
        col("steady_ci_high_pct"),
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(rec) = record else { return Vec::new() };
        let num = |i: usize| rec.get(i).and_then(|x| x.parse::<f64>().ok());
        let (Some(x), Some(mean), Some(low), Some(high), Some(here)) =
            (num(x), num(m), num(lo), num(hi), num(h))
        else {
            return Vec::new();
        };
        let steady = match steady_cols {
            (Some(a), Some(b), Some(c)) => match (num(a), num(b), num(c)) {
                (Some(mean), Some(low), Some(high)) => Some(Band { mean, low, high }),
                _ => return Vec::new(),
            },
            _ => None,
        };
        rows.push(BookSizeRow {
            accounts_per_rep: x,
            variant: crate::output::csv_text_value(rec.get(v).unwrap_or("")).to_string(),
            reference: crate::output::csv_text_value(rec.get(r).unwrap_or("")).to_string(),
            replications: rec.get(n).and_then(|x| x.parse().ok()).unwrap_or(0),
            pct: Band { mean, low, high },
            steady,
            here,
            own: false,
        });
    }
    rows
}

/// The lesson's own run at its own book size, as the verdict states it ([`super::verdict`]):
/// each difference of bookings relative from the paired log ratio, in percent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OwnRun {
    /// The variant compared with the reference.
    pub variant: String,
    /// The steady state per quarter.
    pub steady: Band,
    /// The horizon total.
    pub total: Band,
    /// Replications.
    pub replications: u32,
}

/// The rows with the lesson's own book size taken from the folder's own run `own`: the row at
/// the lesson's book size is replaced (or added, when the file has none there); without the
/// run's own numbers (or for another variant) the rows stay as read.
pub(crate) fn with_own_run(rows: &[BookSizeRow], own: Option<&OwnRun>) -> Vec<BookSizeRow> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let Some(own) = own.filter(|o| o.variant == first.variant) else {
        return rows.to_vec();
    };
    let here = first.here;
    let mut out: Vec<BookSizeRow> = rows
        .iter()
        .filter(|r| (r.accounts_per_rep - here).abs() > 0.5)
        .cloned()
        .collect();
    out.push(BookSizeRow {
        accounts_per_rep: here,
        variant: first.variant.clone(),
        reference: first.reference.clone(),
        replications: own.replications,
        pct: own.total,
        steady: Some(own.steady),
        here,
        own: true,
    });
    out.sort_by(|a, b| a.accounts_per_rep.total_cmp(&b.accounts_per_rep));
    out
}

/// The chart: the rows, and the lesson's own accounts per rep.
pub(crate) struct YouAreHere<'a> {
    pub rows: &'a [BookSizeRow],
    pub here: f64,
    pub color: RGBColor,
}

impl YouAreHere<'_> {
    /// Whether every row has the steady state (then it is drawn; else the horizon total).
    fn steady(&self) -> bool {
        self.rows.iter().all(|r| r.steady.is_some())
    }

    /// The difference drawn for a row.
    fn shown(&self, row: &BookSizeRow) -> Band {
        if self.steady() {
            row.steady.unwrap_or(row.pct)
        } else {
            row.pct
        }
    }
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
        let what = if self.steady() {
            "Steady state per quarter"
        } else {
            "Horizon total, switch included"
        };
        format!(
            "{what}, {v} against {r} (% from paired log ratios); band = 95% CI; grey = the lesson's book"
        )
    }

    fn caption(&self) -> String {
        let words: Vec<String> = self
            .rows
            .iter()
            .map(|x| {
                let b = self.shown(x);
                let who = if b.low > 0.0 {
                    format!("{} ahead", x.variant)
                } else if b.high < 0.0 {
                    format!("{} ahead", x.reference)
                } else {
                    "level".to_string()
                };
                let per = if self.steady() { " a quarter" } else { "" };
                let numbers = format!(
                    "{}{per}, 95% CI {} to {}",
                    signed_percent(b.mean),
                    signed_percent(b.low),
                    signed_percent(b.high)
                );
                if x.own {
                    format!(
                        "{:.0} accounts per rep, the lesson's own book and its own {} replications: {who} ({} − {} {numbers}, as the verdict states it)",
                        x.accounts_per_rep, x.replications, x.variant, x.reference
                    )
                } else {
                    format!("{:.0} accounts per rep: {who} ({numbers})", x.accounts_per_rep)
                }
            })
            .collect();
        let what = if self.steady() {
            "The steady-state difference per quarter, the verdict's first number, at each book size"
        } else {
            "The difference over the whole horizon, switch included (book_size.csv predates the steady state; the verdict's steady state may differ), at each book size"
        };
        let others = self
            .rows
            .iter()
            .find(|r| !r.own)
            .map(|r| {
                format!(
                    " The other book sizes have {} replications each, so only clear gaps count.",
                    r.replications
                )
            })
            .unwrap_or_default();
        let own = if self.rows.iter().any(|r| r.own) {
            String::new()
        } else {
            format!(
                " The lesson's own book: {:.0} accounts per rep (grey).",
                self.here
            )
        };
        format!("{what}: {}.{own}{others}", words.join("; "))
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
            .map(|x| (x.accounts_per_rep, self.shown(x)))
            .collect();
        let x = padded(points.iter().map(|(x, _)| *x).chain([self.here]), false);
        let y = padded(points.iter().flat_map(|(_, b)| [b.low, b.high]), true);
        let y_label = if self.steady() {
            "difference per quarter (%)"
        } else {
            "difference over the horizon (%)"
        };
        let axes = Axes::new(x.clone(), y.clone(), "accounts per rep", y_label);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn band(mean: f64) -> Band {
        Band {
            mean,
            low: mean - 2.0,
            high: mean + 2.0,
        }
    }

    fn row(accounts_per_rep: f64, pct: f64, steady: Option<f64>) -> BookSizeRow {
        BookSizeRow {
            accounts_per_rep,
            variant: "aligned".into(),
            reference: "aggressive".into(),
            replications: 12,
            pct: band(pct),
            steady: steady.map(band),
            here: 400.0,
            own: false,
        }
    }

    #[test]
    fn the_lessons_own_book_is_the_lessons_own_run() {
        let rows = [
            row(100.0, 40.0, Some(41.0)),
            row(400.0, -55.0, Some(-55.0)),
            row(800.0, -8.0, Some(-7.0)),
        ];
        let own = OwnRun {
            variant: "aligned".into(),
            steady: band(1.7),
            total: band(0.6),
            replications: 20,
        };
        let merged = with_own_run(&rows, Some(&own));
        assert_eq!(merged.len(), 3);
        let at = merged.iter().find(|r| r.accounts_per_rep == 400.0).unwrap();
        assert!(at.own && at.replications == 20);
        assert_eq!((at.steady, at.pct), (Some(own.steady), own.total));
        // Another variant's numbers are not taken; without them the rows stay as read.
        let other = OwnRun {
            variant: "yours".into(),
            ..own
        };
        assert_eq!(with_own_run(&rows, Some(&other)), rows.to_vec());
        assert_eq!(with_own_run(&rows, None), rows.to_vec());
        // A lesson whose book size is not among the sizes gets a point of its own.
        let mut off = rows.to_vec();
        off.retain(|r| r.accounts_per_rep != 400.0);
        assert_eq!(with_own_run(&off, Some(&own)).len(), 3);
    }

    #[test]
    fn a_file_without_the_steady_state_is_drawn_and_captioned_as_the_horizon_total() {
        let rows = [row(100.0, 40.0, None), row(400.0, 1.0, None)];
        let chart = YouAreHere {
            rows: &rows,
            here: 400.0,
            color: GREY,
        };
        let c = chart.caption();
        assert!(
            c.starts_with("The difference over the whole horizon, switch included"),
            "{c}"
        );
        assert!(chart
            .subtitle()
            .starts_with("Horizon total, switch included"));
        let rows = [row(100.0, 40.0, Some(41.0)), row(400.0, 1.0, Some(2.0))];
        let chart = YouAreHere {
            rows: &rows,
            here: 400.0,
            color: GREY,
        };
        assert!(chart
            .caption()
            .starts_with("The steady-state difference per quarter"));
        assert!(chart
            .caption()
            .contains("+41.0% a quarter, 95% CI +39.0% to +43.0%"));
    }
}
