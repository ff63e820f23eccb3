//! `phases.csv`: the switch, the steady state, its trend and the payback of every quarter
//! metric, for every variant against the reference, at every point ([`crate::experiment::phases`]
//! defines them).
//!
//! One row per (point, variant, metric, phase). Units are the metric's own, per quarter for
//! `steady` and summed over the settling quarters for `switch` (for a share, a sum of
//! percentage-point differences: read `steady` there); `steady_relative` is a percentage of the
//! reference's steady-state level; `trend` is the change of the per-quarter difference per year;
//! `payback` is a quarter of the horizon (1-based): `mean` from the mean cumulative difference,
//! `ci_low` and `ci_high` the earliest and latest plausible (from the ends of its 95% CI), empty
//! when there is none.

use super::{csv_text, num};
use crate::experiment::phases::{percent, phases, Phases};
use crate::experiment::stats::Summary;
use crate::experiment::{Point, PointResult};
use crate::metrics::{direction, QUARTER_METRICS};
use std::collections::BTreeMap;

/// File name.
pub const FILE: &str = "phases.csv";

/// Columns after `point` and any `param_*` columns.
pub const COLUMNS: [&str; 7] = [
    "variant", "metric", "phase", "mean", "ci_low", "ci_high", "n",
];

/// Phase names, in row order.
pub const PHASES: [&str; 5] = ["switch", "steady", "steady_relative", "trend", "payback"];

/// Per-quarter values of one metric, one vector per replication, keyed by replication.
fn quarterly(result: &PointResult, variant: usize, metric: usize) -> BTreeMap<u32, Vec<f64>> {
    result
        .runs
        .iter()
        .filter(|r| r.variant == variant)
        .map(|r| {
            let values = r.record.quarters.iter().map(|t| t.metrics()[metric]);
            (r.replication, values.collect())
        })
        .collect()
}

/// The phases of one metric of one variant against the point's reference, paired by
/// replication.
pub fn of(result: &PointResult, variant: usize, metric: &str) -> Phases {
    let cfg = &result.config;
    let m = QUARTER_METRICS
        .iter()
        .position(|x| *x == metric)
        .unwrap_or_else(|| panic!("`{metric}` is not a quarter metric"));
    let base = quarterly(result, cfg.reference, m);
    let other = quarterly(result, variant, m);
    let (mut v, mut r) = (Vec::new(), Vec::new());
    for (rep, b) in base {
        if let Some(x) = other.get(&rep) {
            v.push(x.clone());
            r.push(b);
        }
    }
    phases(&v, &r, cfg.settle_quarters, direction(metric))
}

/// Every row of one point, and each variant's bookings phases (`None` for the reference).
pub fn rows(point: &Point, result: &PointResult) -> (Vec<Vec<String>>, Vec<Option<Phases>>) {
    let cfg = &point.config;
    let lead: Vec<String> = std::iter::once(point.index.to_string())
        .chain(point.values.iter().map(|(_, v)| num(*v)))
        .collect();
    let mut rows = Vec::new();
    let mut bookings = Vec::new();
    for (v, variant) in cfg.variants.iter().enumerate() {
        if v == cfg.reference {
            bookings.push(None);
            continue;
        }
        for metric in QUARTER_METRICS {
            let p = of(result, v, metric);
            if metric == "bookings" {
                bookings.push(Some(p));
            }
            let relative = Summary {
                mean: percent(p.steady_log_ratio.mean),
                ci_low: percent(p.steady_log_ratio.ci_low),
                ci_high: percent(p.steady_log_ratio.ci_high),
                ..p.steady_log_ratio
            };
            let quarter = |q: Option<u32>| q.map_or(String::new(), |q| q.to_string());
            let cells: [(&str, [String; 4]); 5] = [
                ("switch", summary_cells(&p.switch)),
                ("steady", summary_cells(&p.steady)),
                ("steady_relative", summary_cells(&relative)),
                ("trend", summary_cells(&p.trend)),
                (
                    "payback",
                    [
                        quarter(p.payback.quarter),
                        quarter(p.payback.earliest),
                        quarter(p.payback.latest),
                        p.payback.n.to_string(),
                    ],
                ),
            ];
            for (phase, [mean, lo, hi, n]) in cells {
                let mut row = lead.clone();
                row.extend([
                    csv_text(&variant.name).into_owned(),
                    metric.to_string(),
                    phase.to_string(),
                    mean,
                    lo,
                    hi,
                    n,
                ]);
                rows.push(row);
            }
        }
    }
    (rows, bookings)
}

fn summary_cells(s: &Summary) -> [String; 4] {
    [num(s.mean), num(s.ci_low), num(s.ci_high), s.n.to_string()]
}

/// Quarters over which [`warm_up_drift`] measures the reference's drift: the first two years
/// after the warm-up.
pub const DRIFT_QUARTERS: usize = 8;

/// How the drift is measured, for the manifest.
pub const DRIFT_MEASURED_OVER: &str = "the reference variant (it goes on selling as in the \
     warm-up): the change of its yearly mean from horizon year 1 to year 2, per quarter (a \
     quarter-of-year pattern, such as a fourth-quarter dip, cancels out); with fewer than 8 \
     horizon quarters, the least-squares slope per quarter over those there are; 95% CI over \
     replications";

/// How far the market still moves at the end of the warm-up: for one metric, the reference
/// variant's change per quarter over its first [`DRIFT_QUARTERS`] horizon quarters (it goes on
/// selling as in the warm-up, so any trend there is the warm-up's unfinished drift), over
/// replications: the difference of its means over horizon years 2 and 1, divided by four. A
/// least-squares slope over the first four quarters (the measure before) reads a seasonal
/// pattern as drift: on the lesson the reference's hockey stick dips in every fourth quarter,
/// and the slope called that a fall of 0.4 points a quarter. With fewer than eight horizon
/// quarters it is that slope, over the quarters there are.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// `bookings` ($k), `discount_share` (discount cost ÷ list value) or `hockey_stick`.
    pub metric: &'static str,
    /// Slope per quarter, with its 95% CI over replications.
    pub per_quarter: Summary,
    /// The metric's mean level over those quarters, to read the slope against.
    pub level: f64,
}

impl Drift {
    /// Whether the slope's 95% CI includes zero (the drift is within noise).
    pub fn within_noise(&self) -> bool {
        !(self.per_quarter.ci_low > 0.0 || self.per_quarter.ci_high < 0.0)
    }

    /// As JSON for the manifest.
    pub fn json(&self) -> serde_json::Value {
        let finite = |x: f64| x.is_finite().then_some(x);
        serde_json::json!({
            "metric": self.metric,
            "slope_per_quarter": finite(self.per_quarter.mean),
            "ci_low": finite(self.per_quarter.ci_low),
            "ci_high": finite(self.per_quarter.ci_high),
            "n": self.per_quarter.n,
            "level": finite(self.level),
            "within_noise": self.within_noise(),
        })
    }
}

/// One quarter's value of a drift metric.
type Measure = fn(&crate::metrics::Tally) -> f64;

/// Change per quarter of a series of quarterly values (see [`Drift`]): year-over-year when there
/// are two years of them, else the least-squares slope.
fn change_per_quarter(ys: &[f64]) -> f64 {
    if ys.len() >= 8 {
        let mean = |q: &[f64]| q.iter().sum::<f64>() / q.len() as f64;
        return (mean(&ys[4..8]) - mean(&ys[..4])) / 4.0;
    }
    let n = ys.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        sxy += (i as f64 - mean_x) * (y - mean_y);
        sxx += (i as f64 - mean_x).powi(2);
    }
    sxy / sxx
}

/// The reference's drift at the end of the warm-up (see [`Drift`]); empty for a horizon under
/// two quarters.
pub fn warm_up_drift(result: &PointResult) -> Vec<Drift> {
    let reference = result.config.reference;
    let runs: Vec<_> = result
        .runs
        .iter()
        .filter(|r| r.variant == reference)
        .collect();
    let quarters = runs
        .iter()
        .map(|r| r.record.quarters.len())
        .min()
        .unwrap_or(0)
        .min(DRIFT_QUARTERS);
    if quarters < 2 {
        return Vec::new();
    }
    let series: [(&'static str, Measure); 3] = [
        ("bookings", |t| t.bookings),
        ("discount_share", |t| {
            if t.list_value > 0.0 {
                (t.list_value - t.bookings) / t.list_value
            } else {
                f64::NAN
            }
        }),
        ("hockey_stick", |t| {
            if t.deals > 0.0 {
                t.late_deals / t.deals
            } else {
                f64::NAN
            }
        }),
    ];
    series
        .iter()
        .map(|(metric, of)| {
            let mut slopes = Vec::new();
            let mut level = (0.0, 0usize);
            for r in &runs {
                let ys: Vec<f64> = r.record.quarters[..quarters].iter().map(of).collect();
                for y in ys.iter().filter(|y| y.is_finite()) {
                    level.0 += y;
                    level.1 += 1;
                }
                slopes.push(change_per_quarter(&ys));
            }
            Drift {
                metric,
                per_quarter: crate::experiment::stats::summarize(&slopes),
                level: level.0 / level.1.max(1) as f64,
            }
        })
        .collect()
}
