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

use crate::experiment::stats::quantile;

use super::{csv_text, num};
use crate::experiment::stats::summarize;
use crate::experiment::{Point, PointResult};
use crate::metrics::{KnobTally, STRATEGY_MIX_KNOBS, TEAM_METRICS, VENDOR_METRICS};

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

/// The `team` of `strategy_mix.csv`'s rows for all our reps together (a team's name cannot
/// hold a space).
pub const ALL_TEAMS: &str = "all teams";

/// Columns of `strategy_mix.csv` after `point` and any `param_*` columns.
pub const STRATEGY_MIX_COLUMNS: [&str; 10] = [
    "variant",
    "quarter",
    "team",
    "knob",
    "rep_quarters",
    "mean",
    "sd",
    "replications",
    "ci_low",
    "ci_high",
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

/// The first cells of a point's rows: its index, then its swept values.
fn point_lead(point: &Point) -> Vec<String> {
    let mut lead = vec![point.index.to_string()];
    lead.extend(point.values.iter().map(|(_, v)| num(*v)));
    lead
}

/// The `reps.csv` rows of a point: per variant and quarter, our reps' attainments of every
/// replication pooled: how many rep-quarters, the [`REP_QUANTILES`], and the share at or over
/// quota (attainment ≥ 1, as `reps_at_quota_share`).
pub fn rep_rows(point: &Point, result: &PointResult) -> Vec<Vec<String>> {
    let cfg = &point.config;
    let lead = point_lead(point);
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

/// The `strategy_mix.csv` rows of a point: per variant, quarter, team of ours and learned knob
/// (then `aggressive_position`), over the team's reps at the quarter's end pooled over the
/// point's replications: how many rep-quarters, the mean and the standard deviation across
/// reps (the spread of styles in the team), and a 95% Student-t interval of the mean over
/// replications (each replication's team mean counted once). After a variant's teams come the
/// rows of all our reps together, team [`ALL_TEAMS`]. Without learning the mix stays as the
/// variant set it; with it, the rows show the team's drift.
pub fn strategy_mix_rows(point: &Point, result: &PointResult) -> Vec<Vec<String>> {
    let cfg = &point.config;
    let lead = point_lead(point);
    let mut rows = Vec::new();
    for (v, variant) in cfg.variants.iter().enumerate() {
        for q in 0..cfg.horizon_quarters as usize {
            let teams = cfg.vendors[0].teams.len();
            let names = cfg.vendors[0].teams.iter().map(|t| t.name.as_str());
            for (t, team) in names.chain([ALL_TEAMS]).enumerate() {
                let mut pooled = KnobTally::default();
                let mut per_run = Vec::new();
                for run in result.runs.iter().filter(|r| r.variant == v) {
                    let Some(mix) = run.record.strategy_mix.get(q) else {
                        continue;
                    };
                    let mut k = KnobTally::default();
                    for (i, team_mix) in mix.iter().enumerate() {
                        if t == teams || i == t {
                            k += *team_mix;
                        }
                    }
                    pooled += k;
                    per_run.push(k);
                }
                for (i, knob) in STRATEGY_MIX_KNOBS.iter().enumerate() {
                    let means: Vec<f64> = per_run
                        .iter()
                        .filter(|k| k.reps > 0.0)
                        .map(|k| k.sum[i] / k.reps)
                        .collect();
                    let over_runs = summarize(&means);
                    let n = pooled.reps;
                    let mean = if n > 0.0 { pooled.sum[i] / n } else { f64::NAN };
                    let sd = if n > 1.0 {
                        ((pooled.sum_sq[i] - n * mean * mean) / (n - 1.0))
                            .max(0.0)
                            .sqrt()
                    } else {
                        f64::NAN
                    };
                    let mut row = lead.clone();
                    row.push(csv_text(&variant.name).into_owned());
                    row.push((q + 1).to_string());
                    row.push(csv_text(team).into_owned());
                    row.push((*knob).to_string());
                    row.push(num(n));
                    row.push(num(mean));
                    row.push(num(sd));
                    row.push(over_runs.n.to_string());
                    row.push(num(over_runs.ci_low));
                    row.push(num(over_runs.ci_high));
                    rows.push(row);
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

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
