//! The phases of a comparison: what a switch costs, what the steady state gives, and where it is
//! heading, each with its own interval (`phases.csv`).
//!
//! A variant starts from a market warmed up under the reference's strategy, so its first
//! quarters mix two things: the cost (or windfall) of switching, and the difference the new way
//! of selling makes once it has settled. Quarter-end pull-ins re-time deals by a quarter, so
//! whoever starts pulling in collects one extra quarter right after the switch. A single horizon
//! total mixes both; the phases keep them apart. Every phase is computed per replication from
//! the per-quarter paired difference `d[q] = variant[q] − reference[q]` (same market, common
//! random numbers) and summarised over replications with a Student-t interval:
//!
//! - `switch`: `Σ d[q]` over the first `settle_quarters` quarters of the horizon;
//! - `steady`: the mean of `d[q]` over the quarters after them;
//! - `steady_relative`: `ln(mean variant ÷ mean reference)` over the steady quarters (reported
//!   as a percentage, as the other relative intervals: `100 × (e^x − 1)`);
//! - `trend`: the least-squares slope of `d[q]` against the quarter over the steady quarters,
//!   per year (× 4);
//! - `payback`: the first quarter from which the cumulative mean difference stays on the
//!   variant's better side to the end of the horizon (none for a metric that is neither better
//!   nor worse, or when it never does).

use super::stats::{paired_log_ratio, summarize, Summary};

/// Quarters per year, for the trend's unit.
const QUARTERS_PER_YEAR: f64 = 4.0;

/// The first quarter from which the cumulative difference stays on the variant's better side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Payback {
    /// From the mean cumulative difference (1-based quarter of the horizon), if any.
    pub quarter: Option<u32>,
    /// From the favourable end of the cumulative difference's 95% CI: the earliest plausible.
    pub earliest: Option<u32>,
    /// From the unfavourable end: the latest plausible (`None` when the whole interval never
    /// stays on the better side within the horizon).
    pub latest: Option<u32>,
    /// Replications used.
    pub n: usize,
}

/// Every phase of one metric of one variant against the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phases {
    /// Cumulative difference over the settling quarters.
    pub switch: Summary,
    /// Mean per-quarter difference over the steady quarters.
    pub steady: Summary,
    /// Paired mean of ln(variant ÷ reference) over the steady quarters (log points, not %).
    pub steady_log_ratio: Summary,
    /// Slope of the per-quarter difference over the steady quarters, per year.
    pub trend: Summary,
    /// Payback quarter.
    pub payback: Payback,
}

/// `100 × (e^x − 1)`: a log ratio as a percentage.
pub fn percent(log_ratio: f64) -> f64 {
    100.0 * (log_ratio.exp() - 1.0)
}

/// The phases from per-quarter values, `variant[r][q]` and `reference[r][q]` for replication
/// `r` (paired by index) and quarter `q` of the horizon. `higher_is_better` decides the side a
/// payback is on (`None`: no payback). A replication with a missing (NaN) quarter is left out
/// of the phases that use that quarter.
pub fn phases(
    variant: &[Vec<f64>],
    reference: &[Vec<f64>],
    settle_quarters: u32,
    higher_is_better: Option<bool>,
) -> Phases {
    let quarters = variant
        .iter()
        .chain(reference)
        .map(Vec::len)
        .min()
        .unwrap_or(0);
    let settle = (settle_quarters as usize).min(quarters);
    let diffs: Vec<Vec<f64>> = variant
        .iter()
        .zip(reference)
        .map(|(v, r)| (0..quarters).map(|q| v[q] - r[q]).collect())
        .collect();
    let switch: Vec<f64> = diffs.iter().map(|d| d[..settle].iter().sum()).collect();
    let steady_of = |d: &[f64]| -> f64 {
        let s = &d[settle..];
        if s.is_empty() {
            f64::NAN
        } else {
            s.iter().sum::<f64>() / s.len() as f64
        }
    };
    let steady: Vec<f64> = diffs.iter().map(|d| steady_of(d)).collect();
    let steady_means = |side: &[Vec<f64>]| -> Vec<f64> {
        side.iter().map(|x| steady_of(&x[..quarters])).collect()
    };
    let steady_log_ratio = paired_log_ratio(&steady_means(variant), &steady_means(reference));
    let trend: Vec<f64> = diffs.iter().map(|d| slope(&d[settle..])).collect();
    Phases {
        switch: summarize(&switch),
        steady: summarize(&steady),
        steady_log_ratio,
        trend: summarize(&trend),
        payback: payback(&diffs, quarters, higher_is_better),
    }
}

/// Least-squares slope of `d` against its index, per year; NaN under two points.
fn slope(d: &[f64]) -> f64 {
    let n = d.len() as f64;
    if d.len() < 2 {
        return f64::NAN;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = d.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in d.iter().enumerate() {
        let x = i as f64 - mean_x;
        sxy += x * (y - mean_y);
        sxx += x * x;
    }
    QUARTERS_PER_YEAR * sxy / sxx
}

/// One end (or the middle) of a summary.
type Bound = fn(&Summary) -> f64;

/// The payback quarters of the cumulative difference (see [`Payback`]).
fn payback(diffs: &[Vec<f64>], quarters: usize, higher_is_better: Option<bool>) -> Payback {
    let finite: Vec<&Vec<f64>> = diffs
        .iter()
        .filter(|d| d[..quarters].iter().all(|x| x.is_finite()))
        .collect();
    let n = finite.len();
    let Some(up) = higher_is_better else {
        return Payback {
            quarter: None,
            earliest: None,
            latest: None,
            n,
        };
    };
    let mut cumulative = vec![0.0; finite.len()];
    let mut sums = Vec::with_capacity(quarters);
    for q in 0..quarters {
        for (c, d) in cumulative.iter_mut().zip(&finite) {
            *c += d[q];
        }
        sums.push(summarize(&cumulative));
    }
    let better = |x: f64| if up { x > 0.0 } else { x < 0.0 };
    let first_staying = |value: &dyn Fn(&Summary) -> f64| -> Option<u32> {
        let mut first = None;
        for (q, s) in sums.iter().enumerate().rev() {
            if better(value(s)) {
                first = Some(q as u32 + 1);
            } else {
                break;
            }
        }
        first
    };
    let (favourable, unfavourable): (Bound, Bound) = if up {
        (|s| s.ci_high, |s| s.ci_low)
    } else {
        (|s| s.ci_low, |s| s.ci_high)
    };
    Payback {
        quarter: first_staying(&|s| s.mean),
        earliest: first_staying(&favourable),
        latest: first_staying(&unfavourable),
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps(rows: &[&[f64]]) -> Vec<Vec<f64>> {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    #[test]
    fn switch_steady_and_trend_split_the_quarters() {
        // Difference per quarter: -5, -3 (switch), then 1, 2, 3 (steady, rising by 1 a quarter).
        let reference = reps(&[&[10.0; 5], &[20.0; 5]]);
        let variant = reps(&[
            &[5.0, 7.0, 11.0, 12.0, 13.0],
            &[15.0, 17.0, 21.0, 22.0, 23.0],
        ]);
        let p = phases(&variant, &reference, 2, Some(true));
        assert_eq!(p.switch.mean, -8.0);
        assert_eq!(p.steady.mean, 2.0);
        assert!(
            (p.trend.mean - 4.0).abs() < 1e-12,
            "1 a quarter is 4 a year"
        );
        // Cumulative: -5, -8, -7, -5, -2: never back on the better side.
        assert_eq!(p.payback.quarter, None);
        let ratio = ((12.0f64 / 10.0).ln() + (22.0f64 / 20.0).ln()) / 2.0;
        assert!((p.steady_log_ratio.mean - ratio).abs() < 1e-12);
    }

    #[test]
    fn payback_is_where_the_cumulative_difference_stays_ahead() {
        let reference = reps(&[&[10.0; 4], &[10.0; 4], &[10.0; 4]]);
        // Cumulative means: -2, -1, +1, +3 → payback in quarter 3.
        let variant = reps(&[
            &[8.0, 11.0, 12.0, 12.0],
            &[7.0, 11.0, 12.0, 12.0],
            &[9.0, 11.0, 12.0, 12.0],
        ]);
        let p = phases(&variant, &reference, 1, Some(true));
        assert_eq!(p.payback.quarter, Some(3));
        assert!(p.payback.earliest.unwrap() <= 3 && p.payback.latest.unwrap() >= 3);
        // Lower is better: the same numbers never pay back.
        let lower = phases(&variant, &reference, 1, Some(false));
        assert_eq!(lower.payback.quarter, None);
        // Neither better nor worse: no side, no payback.
        assert_eq!(phases(&variant, &reference, 1, None).payback.quarter, None);
    }

    #[test]
    fn a_zero_makes_the_ratio_undefined_and_a_long_settle_leaves_no_steady_state() {
        let reference = reps(&[&[0.0, 0.0], &[1.0, 1.0]]);
        let variant = reps(&[&[1.0, 1.0], &[2.0, 2.0]]);
        let p = phases(&variant, &reference, 0, Some(true));
        assert_eq!(p.steady_log_ratio.n, 0);
        assert_eq!(p.steady.mean, 1.0);
        let all_switch = phases(&variant, &reference, 5, Some(true));
        assert_eq!(all_switch.switch.mean, 2.0);
        assert_eq!(all_switch.steady.n, 0);
        assert_eq!(all_switch.trend.n, 0);
    }
}
