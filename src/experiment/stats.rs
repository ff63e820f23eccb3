//! Statistics over replications: mean, sd, 95% Student-t confidence interval, paired differences.
//!
//! NaN values (a rate with no denominator in a replication) are left out; `n` counts the values
//! used. Paired differences use only replications where both values are finite.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, standard deviation and 95% CI of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    pub sd: f64,
    /// Lower end of the 95% CI of the mean.
    pub ci_low: f64,
    /// Upper end of the 95% CI of the mean.
    pub ci_high: f64,
    /// Number of finite values.
    pub n: usize,
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Summarises the finite values of a sample.
///
/// ```
/// let s = salesim::experiment::stats::summarize(&[1.0, 2.0, 3.0, f64::NAN]);
/// assert_eq!((s.mean, s.n), (2.0, 3));
/// assert!(s.ci_low < 2.0 && s.ci_high > 2.0);
/// ```
pub fn summarize(values: &[f64]) -> Summary {
    let xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Summary {
            mean: f64::NAN,
            sd: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            n,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Summary {
            mean,
            sd: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            n,
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_975(n - 1) * sd / (n as f64).sqrt();
    Summary {
        mean,
        sd,
        ci_low: mean - half,
        ci_high: mean + half,
        n,
    }
}

/// A paired comparison of a variant against the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Summary of the per-replication differences (variant − reference).
    pub diff: Summary,
    /// Share of replications in which the variant did better (ties count half).
    pub share_better: f64,
}

/// Paired differences `variant[i] − reference[i]`; `higher_is_better` sets what "better" means
/// (`None`: neither direction is better, and `share_better` is NaN).
pub fn paired(variant: &[f64], reference: &[f64], higher_is_better: Option<bool>) -> Paired {
    let diffs: Vec<f64> = variant
        .iter()
        .zip(reference)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| a - b)
        .collect();
    let better: f64 = diffs
        .iter()
        .map(|&d| {
            let d = if higher_is_better == Some(false) {
                -d
            } else {
                d
            };
            if d > 0.0 {
                1.0
            } else if d == 0.0 {
                0.5
            } else {
                0.0
            }
        })
        .sum();
    let share_better = if diffs.is_empty() || higher_is_better.is_none() {
        f64::NAN
    } else {
        better / diffs.len() as f64
    };
    Paired {
        diff: summarize(&diffs),
        share_better,
    }
}

/// The paired relative difference of `variant` against `reference`: the summary over
/// replications of `ln(variant[i] ÷ reference[i])`, which `100 × (e^x − 1)`
/// ([`super::phases::percent`]) turns into a percentage whose interval can never pass −100%.
/// Every relative difference salesim states (the horizon total, the steady state, a team's
/// bookings, the book sizes) is computed here. A ratio needs both sides positive in every
/// replication: one zero would make the interval infinite and leaving it out would bias the
/// mean, so then the summary is empty (`n` = 0) and the difference is stated in its own unit.
pub fn paired_log_ratio(variant: &[f64], reference: &[f64]) -> Summary {
    let mut logs = Vec::with_capacity(variant.len());
    for (v, r) in variant.iter().zip(reference) {
        if !(*v > 0.0 && *r > 0.0) {
            return summarize(&[]);
        }
        logs.push((v / r).ln());
    }
    summarize(&logs)
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
    fn a_log_ratio_needs_both_sides_positive_in_every_replication() {
        let s = paired_log_ratio(&[110.0, 90.0], &[100.0, 100.0]);
        assert_eq!(s.n, 2);
        assert!((s.mean - ((1.1f64).ln() + (0.9f64).ln()) / 2.0).abs() < 1e-15);
        assert_eq!(paired_log_ratio(&[110.0, 0.0], &[100.0, 100.0]).n, 0);
        assert_eq!(paired_log_ratio(&[110.0, f64::NAN], &[100.0, 100.0]).n, 0);
    }

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
    fn t_quantiles_match_tables() {
        assert!((t_975(1) - 12.706).abs() < 1e-3);
        assert!((t_975(10) - 2.228).abs() < 1e-3);
        assert!((t_975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn summary_of_known_sample() {
        let s = summarize(&[1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 2.5);
        assert!((s.sd - 1.2909944).abs() < 1e-6);
        let half = 3.182446 * 1.2909944 / 2.0;
        assert!((s.ci_low - (2.5 - half)).abs() < 1e-4);
    }

    #[test]
    fn paired_difference_and_share_better() {
        let p = paired(&[2.0, 3.0, 5.0, 1.0], &[1.0, 1.0, 1.0, 1.0], Some(true));
        assert_eq!(p.diff.mean, 1.75);
        assert_eq!(p.share_better, (3.0 + 0.5) / 4.0);
        let q = paired(&[2.0, 3.0, 5.0, 1.0], &[1.0, 1.0, 1.0, 1.0], Some(false));
        assert_eq!(q.share_better, 0.5 / 4.0);
        let neutral = paired(&[2.0, 3.0], &[1.0, 1.0], None);
        assert!(neutral.share_better.is_nan());
        assert_eq!(neutral.diff.mean, 1.5);
    }
}
