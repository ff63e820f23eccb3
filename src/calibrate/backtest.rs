//! `salesim calibrate EXPORT --holdout-quarters N`: a backtest on the user's own last quarters.
//!
//! The export is split at the start of its last `N` fiscal quarters (of created dates). The fit
//! sees only what the CRM showed at that cut: the opportunities created before it, those that
//! closed after it still open ([`split`]). The fitted market (the user's own way of selling, as
//! fitted: the `yours` variant) is then simulated over the fitted quarters and `N` more, for
//! [`REPLICATIONS`] replications, and each held-out quarter's moments ([`MOMENTS`]) are set
//! beside what the export shows for it: the simulated mean, the 90% prediction interval (the 5th
//! and 95th percentiles of the replications: where one more quarter of a market like the fitted
//! one falls) and a naive forecast, the fitted period's average per quarter. The model earns its
//! keep if the intervals cover the observed values about 90% of the time and its mean is closer
//! to them than the naive forecast.

use super::fit::{self, Fit};
use super::moments::Moments;
use super::{simulated, FiscalCalendar, Opportunity, Outcome};
use chrono::NaiveDate;
use rayon::prelude::*;

/// Columns of `NAME.backtest.csv`.
pub const BACKTEST_COLUMNS: [&str; 7] = [
    "quarter",
    "moment",
    "observed",
    "simulated_mean",
    "pi_low",
    "pi_high",
    "naive",
];

/// The moments compared per held-out quarter: won deals (closed won in the quarter), bookings
/// ($, their amounts), win rate (won ÷ closed in the quarter), opportunities (created in the
/// quarter) and the last-two-weeks share (of the quarter's won deals, those closed in its weeks
/// 12–13).
pub const MOMENTS: [&str; 5] = [
    "won_deals",
    "bookings",
    "win_rate",
    "opportunities",
    "last_two_weeks_share",
];

/// Replications of the fitted market the prediction intervals come from.
pub const REPLICATIONS: u32 = 40;

/// The export cut for a backtest.
#[derive(Debug, Clone)]
pub struct Split {
    /// What the CRM showed before the cut: created before it; closed after it still open.
    pub fitted: Vec<Opportunity>,
    /// The fiscal quarters (running indices) fitted on, first to last.
    pub fitted_quarters: Vec<i64>,
    /// The held-out quarters.
    pub held_out: Vec<i64>,
    /// The first day of each held-out quarter.
    pub held_out_starts: Vec<NaiveDate>,
}

/// The first day of the fiscal quarter `date` is in.
fn quarter_start(calendar: &FiscalCalendar, date: NaiveDate) -> NaiveDate {
    let q = calendar.locate(date).quarter;
    let mut d = date;
    while let Some(prev) = d.pred_opt() {
        if calendar.locate(prev).quarter != q {
            break;
        }
        d = prev;
    }
    d
}

/// Cuts the export before its last `holdout` quarters (of created dates); an error says why it
/// cannot (too few quarters: at least two must be left to fit).
pub fn split(
    opportunities: &[Opportunity],
    calendar: &FiscalCalendar,
    holdout: u32,
) -> Result<Split, String> {
    let quarters = |o: &Opportunity| calendar.locate(o.created).quarter;
    let (Some(first), Some(last)) = (
        opportunities.iter().map(quarters).min(),
        opportunities.iter().map(quarters).max(),
    ) else {
        return Err("the export has no opportunities".into());
    };
    let span = last - first + 1;
    if span < i64::from(holdout) + 2 {
        return Err(format!(
            "the export spans {span} quarter{} of created dates: holding out {holdout} leaves \
             fewer than 2 to fit",
            if span == 1 { "" } else { "s" }
        ));
    }
    let cut_quarter = last - i64::from(holdout) + 1;
    let fitted: Vec<Opportunity> = opportunities
        .iter()
        .filter(|o| quarters(o) < cut_quarter)
        .map(|o| {
            let closed_after = o
                .closed
                .is_some_and(|c| calendar.locate(c).quarter >= cut_quarter);
            if closed_after {
                Opportunity {
                    closed: None,
                    outcome: Outcome::Open,
                    ..o.clone()
                }
            } else {
                o.clone()
            }
        })
        .collect();
    let held_out: Vec<i64> = (cut_quarter..=last).collect();
    let held_out_starts = held_out
        .iter()
        .map(|&q| {
            let any = opportunities
                .iter()
                .find(|o| quarters(o) == q)
                .map_or(NaiveDate::MIN, |o| o.created);
            quarter_start(calendar, any)
        })
        .collect();
    Ok(Split {
        fitted,
        fitted_quarters: (first..cut_quarter).collect(),
        held_out,
        held_out_starts,
    })
}

/// [`MOMENTS`] of each quarter in `quarters`, from opportunities on `calendar`: NaN for a win
/// rate or share with nothing to divide by.
fn per_quarter(
    opportunities: &[Opportunity],
    calendar: &FiscalCalendar,
    quarters: &[i64],
) -> Vec<[f64; 5]> {
    let mut sums = vec![[0.0f64; 6]; quarters.len()];
    let at = |q: i64| quarters.iter().position(|&x| x == q);
    for o in opportunities {
        if let Some(i) = at(calendar.locate(o.created).quarter) {
            sums[i][3] += 1.0;
        }
        if let Some(c) = o.closed {
            let f = calendar.locate(c);
            if let Some(i) = at(f.quarter) {
                sums[i][4] += 1.0; // closed
                if o.outcome == Outcome::Won {
                    sums[i][0] += 1.0;
                    sums[i][1] += o.amount.unwrap_or(0.0);
                    if f.week >= 12 {
                        sums[i][5] += 1.0;
                    }
                }
            }
        }
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    sums.iter()
        .map(|s| [s[0], s[1], ratio(s[0], s[4]), s[3], ratio(s[5], s[0])])
        .collect()
}

/// One row of `NAME.backtest.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The held-out quarter, by its first day (`2017-07-01`).
    pub quarter: String,
    /// One of [`MOMENTS`].
    pub moment: &'static str,
    /// What the export shows for it.
    pub observed: f64,
    /// Mean over the replications of the fitted market.
    pub simulated_mean: f64,
    /// 5th percentile of the replications.
    pub pi_low: f64,
    /// 95th percentile.
    pub pi_high: f64,
    /// The fitted period's average per quarter.
    pub naive: f64,
}

impl Row {
    /// Whether the 90% prediction interval holds the observed value.
    pub fn covered(&self) -> bool {
        self.pi_low <= self.observed && self.observed <= self.pi_high
    }
}

/// The backtest: its rows, quarter by quarter.
#[derive(Debug, Clone)]
pub struct Backtest {
    /// Every (held-out quarter, moment) with a finite observed value and simulation.
    pub rows: Vec<Row>,
}

/// The `p` quantile (R's type 7) of finite values (NaN if none).
fn quantile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The mean of the finite values (NaN if none).
fn mean(values: &[f64]) -> f64 {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Runs the backtest of a fit made on `split.fitted` (see the module documentation): the whole
/// export gives the observed held-out quarters.
pub fn run(
    fitted: &Fit,
    export: &[Opportunity],
    calendar: &FiscalCalendar,
    split: &Split,
) -> Result<Backtest, String> {
    let mut structure = fitted.structure.clone();
    let fitted_span = structure.horizon_quarters;
    structure.horizon_quarters = fitted_span + split.held_out.len() as u32;
    let cfg = fit::config(&structure, &fitted.settings)?;
    let yours = cfg
        .variants
        .iter()
        .position(|v| v.name == "yours")
        .ok_or("the fitted scenario lacks the variant yours")?;
    let sim_calendar = simulated::calendar();
    let first = sim_calendar.locate(simulated::START).quarter;
    let sim_quarters: Vec<i64> = (0..split.held_out.len() as i64)
        .map(|k| first + i64::from(fitted_span) + k)
        .collect();
    let runs: Vec<Vec<[f64; 5]>> = (0..REPLICATIONS)
        .into_par_iter()
        .map(|r| {
            let run = crate::experiment::simulate_one(&cfg, yours, r);
            let opps = simulated::opportunities(&cfg, &run.deals, structure.shape);
            per_quarter(&opps, &sim_calendar, &sim_quarters)
        })
        .collect();
    let observed = per_quarter(export, calendar, &split.held_out);
    let history = per_quarter(export, calendar, &split.fitted_quarters);
    let mut rows = Vec::new();
    for (k, start) in split.held_out_starts.iter().enumerate() {
        for (m, moment) in MOMENTS.iter().enumerate() {
            let sims: Vec<f64> = runs.iter().map(|r| r[k][m]).collect();
            let row = Row {
                quarter: start.to_string(),
                moment,
                observed: observed[k][m],
                simulated_mean: mean(&sims),
                pi_low: quantile(&sims, 0.05),
                pi_high: quantile(&sims, 0.95),
                naive: mean(&history.iter().map(|h| h[m]).collect::<Vec<_>>()),
            };
            rows.push(row);
        }
    }
    Ok(Backtest { rows })
}

impl Backtest {
    /// Rows whose observed value and interval are finite.
    fn judged(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|r| r.observed.is_finite() && r.pi_low.is_finite() && r.pi_high.is_finite())
    }

    /// Share of rows whose 90% interval holds the observed value, and how many were judged.
    pub fn coverage(&self) -> (f64, usize) {
        let n = self.judged().count();
        let covered = self.judged().filter(|r| r.covered()).count();
        (
            if n == 0 {
                f64::NAN
            } else {
                covered as f64 / n as f64
            },
            n,
        )
    }

    /// Per moment: the model's and the naive forecast's mean absolute error over the held-out
    /// quarters.
    pub fn errors(&self) -> Vec<(&'static str, f64, f64)> {
        MOMENTS
            .iter()
            .map(|&m| {
                let rows: Vec<&Row> = self
                    .judged()
                    .filter(|r| r.moment == m && r.naive.is_finite())
                    .collect();
                let mae = |f: &dyn Fn(&Row) -> f64| {
                    mean(
                        &rows
                            .iter()
                            .map(|r| (f(r) - r.observed).abs())
                            .collect::<Vec<_>>(),
                    )
                };
                (m, mae(&|r| r.simulated_mean), mae(&|r| r.naive))
            })
            .collect()
    }

    /// `NAME.backtest.csv` ([`BACKTEST_COLUMNS`]).
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(BACKTEST_COLUMNS);
        for r in &self.rows {
            let _ = w.write_record([
                r.quarter.clone(),
                r.moment.to_string(),
                crate::output::num(r.observed),
                crate::output::num(r.simulated_mean),
                crate::output::num(r.pi_low),
                crate::output::num(r.pi_high),
                crate::output::num(r.naive),
            ]);
        }
        w.into_inner().unwrap_or_default()
    }
}

/// The moments of the fitted period (for the fit): the export as the CRM showed it at the cut.
pub fn fitted_moments(
    split: &Split,
    calendar: &FiscalCalendar,
    bootstrap: &super::Bootstrap,
) -> Moments {
    super::moments::observe(&split.fitted, calendar, bootstrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_cut_hides_what_the_crm_did_not_know_yet() {
        let cal = FiscalCalendar::months(1);
        let opps = vec![
            Opportunity::new("a", "x", "r", d(2024, 1, 10), Outcome::Won)
                .with_closed(Some(d(2024, 2, 1)))
                .with_amount(10.0),
            Opportunity::new("b", "x", "r", d(2024, 5, 10), Outcome::Won)
                .with_closed(Some(d(2024, 8, 1)))
                .with_amount(20.0),
            Opportunity::new("c", "y", "r", d(2024, 8, 10), Outcome::Lost)
                .with_closed(Some(d(2024, 9, 29))),
        ];
        let s = split(&opps, &cal, 1).unwrap();
        assert_eq!(s.fitted.len(), 2);
        // Closed after the cut: open as the CRM showed it then.
        assert_eq!(
            (s.fitted[1].outcome, s.fitted[1].closed),
            (Outcome::Open, None)
        );
        assert_eq!(s.held_out_starts, vec![d(2024, 7, 1)]);
        assert_eq!(s.fitted_quarters.len(), 2);
        let q = per_quarter(&opps, &cal, &s.held_out);
        // Q3: b won (closed Aug 1, week 5), c lost (closed Sep 29, week 13); c created.
        assert_eq!(q[0][0], 1.0);
        assert_eq!(q[0][1], 20.0);
        assert_eq!(q[0][2], 0.5);
        assert_eq!(q[0][3], 1.0);
        assert_eq!(q[0][4], 0.0);
        assert!(split(&opps, &cal, 2).is_err());
    }
}
