//! The rows of the per-team, per-vendor and per-rep files, one point at a time:
//!
//! - `teams.csv`: per run and team of ours (vendor 0), what the team's reps did
//!   ([`crate::metrics::TeamTally`] says whose each event is);
//! - `vendors.csv`: per run and vendor, bookings, deals and its share of all vendors' bookings;
//! - `reps.csv`: per variant and quarter, the distribution of our reps' quota attainment, pooled
//!   over the point's replications (quantiles, and the share at or over quota).
//!
//! `reps.csv` holds quantiles, not one row per rep: a rep's number means little on its own (reps
//! and territories are drawn afresh in every replication), its size stays that of a point's
//! quarters whatever the number of reps and replications, and the pooled quantiles are what a
//! leader reads ("the middle half of our reps made 70–95% of quota in Q8").

use super::{csv_text, num};
use crate::experiment::{Point, PointResult};
use crate::metrics::{TEAM_METRICS, VENDOR_METRICS};

/// Columns of `teams.csv` after `point`, `variant`, `replication` and any `param_*` columns.
pub const TEAM_COLUMNS: [&str; 1 + TEAM_METRICS.len()] = {
    let mut out = ["team"; 1 + TEAM_METRICS.len()];
    let mut i = 0;
    while i < TEAM_METRICS.len() {
        out[i + 1] = TEAM_METRICS[i];
        i += 1;
    }
    out
};

/// Columns of `vendors.csv` after `point`, `variant`, `replication` and any `param_*` columns.
pub const VENDOR_COLUMNS: [&str; 1 + VENDOR_METRICS.len()] = [
    "vendor",
    VENDOR_METRICS[0],
    VENDOR_METRICS[1],
    VENDOR_METRICS[2],
];

/// The attainment quantiles of `reps.csv`, as fractions.
pub const REP_QUANTILES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// Columns of `reps.csv` after `point` and any `param_*` columns.
pub const REP_COLUMNS: [&str; 9] = [
    "variant",
    "quarter",
    "rep_quarters",
    "p10",
    "p25",
    "p50",
    "p75",
    "p90",
    "share_at_quota",
];

/// The keys of a run's rows: point, variant, replication, then the point's parameter values.
pub(crate) fn run_key(point: &Point, variant: usize, replication: u32) -> Vec<String> {
    let mut key = vec![
        point.index.to_string(),
        csv_text(&point.config.variants[variant].name).into_owned(),
        replication.to_string(),
    ];
    key.extend(point.values.iter().map(|(_, v)| num(*v)));
    key
}

/// The `teams.csv` rows of a point: per run, one row per team of ours.
pub fn team_rows(point: &Point, result: &PointResult) -> Vec<Vec<String>> {
    let teams = &point.config.vendors[0].teams;
    let mut rows = Vec::with_capacity(result.runs.len() * teams.len());
    for run in &result.runs {
        let key = run_key(point, run.variant, run.replication);
        for (team, tally) in teams.iter().zip(&run.record.teams) {
            let mut row = key.clone();
            row.push(csv_text(&team.name).into_owned());
            row.extend(tally.metrics().into_iter().map(num));
            rows.push(row);
        }
    }
    rows
}

/// The `vendors.csv` rows of a point: per run, one row per vendor, with its share of all
/// vendors' bookings in that run (NaN if nobody booked anything).
pub fn vendor_rows(point: &Point, result: &PointResult) -> Vec<Vec<String>> {
    let vendors = &point.config.vendors;
    let mut rows = Vec::with_capacity(result.runs.len() * vendors.len());
    for run in &result.runs {
        let key = run_key(point, run.variant, run.replication);
        let totals = run.record.vendor_totals();
        let market: f64 = totals.iter().map(|t| t.bookings).sum();
        for (vendor, tally) in vendors.iter().zip(&totals) {
            let share = if market > 0.0 {
                tally.bookings / market
            } else {
                f64::NAN
            };
            let mut row = key.clone();
            row.push(csv_text(&vendor.name).into_owned());
            row.extend([tally.bookings, tally.deals, share].map(num));
            rows.push(row);
        }
    }
    rows
}

/// The `reps.csv` rows of a point: per variant and quarter, our reps' attainments of every
/// replication pooled: how many rep-quarters, the [`REP_QUANTILES`], and the share at or over
/// quota (attainment ≥ 1, as `reps_at_quota_share`).
pub fn rep_rows(point: &Point, result: &PointResult) -> Vec<Vec<String>> {
    let cfg = &point.config;
    let mut lead = vec![point.index.to_string()];
    lead.extend(point.values.iter().map(|(_, v)| num(*v)));
    let mut rows = Vec::new();
    for (v, variant) in cfg.variants.iter().enumerate() {
        for q in 0..cfg.horizon_quarters as usize {
            let mut pooled: Vec<f64> = result
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .filter_map(|r| r.record.rep_attainment.get(q))
                .flatten()
                .copied()
                .filter(|a| a.is_finite())
                .collect();
            pooled.sort_by(f64::total_cmp);
            let at_quota = pooled.iter().filter(|&&a| a >= 1.0).count();
            let share = if pooled.is_empty() {
                f64::NAN
            } else {
                at_quota as f64 / pooled.len() as f64
            };
            let mut row = lead.clone();
            row.push(csv_text(&variant.name).into_owned());
            row.push((q + 1).to_string());
            row.push(pooled.len().to_string());
            row.extend(REP_QUANTILES.map(|p| num(quantile(&pooled, p))));
            row.push(num(share));
            rows.push(row);
        }
    }
    rows
}

/// The `p` quantile of sorted values, interpolating linearly between order statistics (R's
/// type 7, numpy's default); NaN for no values.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let pos = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&xs, 0.5), 2.0);
        assert_eq!(quantile(&xs, 0.1), 0.4);
        assert_eq!(quantile(&xs, 0.75), 3.0);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn column_lists_name_every_metric() {
        assert_eq!(TEAM_COLUMNS[0], "team");
        assert_eq!(&TEAM_COLUMNS[1..], &TEAM_METRICS);
        assert_eq!(
            VENDOR_COLUMNS,
            ["vendor", "bookings", "deals", "market_share"]
        );
    }
}
