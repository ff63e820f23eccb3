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
