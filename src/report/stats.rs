//! Means and 95% Student-t confidence intervals across replications, for the chart bands, and
//! the cut of an interval at what its metric can be ([`crate::metrics::bounds`]): a t-interval
//! of a count that is often zero reaches below zero, which no count can; the report never shows
//! such an end.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// A mean with its 95% confidence interval. With one observation the interval collapses to the
/// mean; with none, everything is NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Band {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// Mean and 95% CI of the finite values in `values` (NaN values, e.g. an undefined growth rate,
/// are left out).
pub(crate) fn band(values: impl IntoIterator<Item = f64>) -> Band {
    let xs: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Band {
            mean: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Band {
            mean,
            low: mean,
            high: mean,
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n - 1) * (var / n as f64).sqrt();
    Band {
        mean,
        low: mean - half,
        high: mean + half,
    }
}

/// `b` with its ends (and mean) cut to `lo..=hi`, and whether anything was cut.
pub(crate) fn clamp_band(b: Band, (lo, hi): (f64, f64)) -> (Band, bool) {
    let cut = |x: f64| if x.is_nan() { x } else { x.clamp(lo, hi) };
    let out = Band {
        mean: cut(b.mean),
        low: cut(b.low),
        high: cut(b.high),
    };
    let changed = [(b.mean, out.mean), (b.low, out.low), (b.high, out.high)]
        .iter()
        .any(|(x, y)| x != y && !x.is_nan());
    (out, changed)
}

/// [`band`] of a metric's values, cut to what the metric can be ([`crate::metrics::bounds`]).
pub(crate) fn metric_band(metric: &str, values: impl IntoIterator<Item = f64>) -> Band {
    clamp_band(band(values), crate::metrics::bounds(metric)).0
}

/// The least and the most a paired mean difference `variant − reference` of `metric` can be,
/// given the reference's mean: the variant's mean stays within the metric's bounds.
pub(crate) fn difference_bounds(metric: &str, reference_mean: f64) -> (f64, f64) {
    let (lo, hi) = crate::metrics::bounds(metric);
    if reference_mean.is_finite() {
        (lo - reference_mean, hi - reference_mean)
    } else {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_964)
}

/// Five-number summary for a box plot: min, lower quartile, median, upper quartile, max.
pub(crate) fn quartiles(values: &[f64]) -> Option<[f64; 5]> {
    let mut xs: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (xs.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
    };
    Some([xs[0], q(0.25), q(0.5), q(0.75), xs[xs.len() - 1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_matches_textbook_t_interval() {
        // mean 3, sd sqrt(2.5), n 5, t(4, .975) = 2.776445
        let b = band([1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((b.mean - 3.0).abs() < 1e-12);
        let half = 2.776_445 * (2.5f64 / 5.0).sqrt();
        assert!((b.high - 3.0 - half).abs() < 1e-5, "{b:?}");
        assert!((3.0 - b.low - half).abs() < 1e-5);
    }

    #[test]
    fn band_skips_nan_and_handles_tiny_samples() {
        let b = band([f64::NAN, 2.0]);
        assert_eq!(
            b,
            Band {
                mean: 2.0,
                low: 2.0,
                high: 2.0
            }
        );
        assert!(band([f64::NAN]).mean.is_nan());
    }

    #[test]
    fn an_interval_never_leaves_its_metrics_bounds() {
        // Blocks of a team that rarely blocks: zero in most replications.
        let raw = band([0.0, 0.0, 0.0, 0.0, 3.0]);
        assert!(raw.low < 0.0, "{raw:?}");
        let b = metric_band("blocks", [0.0, 0.0, 0.0, 0.0, 3.0]);
        assert_eq!((b.mean, b.low), (raw.mean, 0.0));
        let share = metric_band("win_rate", [1.0, 1.0, 1.0, 0.2]);
        assert!(share.high <= 1.0 && share.low >= 0.0, "{share:?}");
        // A difference cannot take the variant below zero: at most −(the reference's mean).
        let (lo, hi) = difference_bounds("deals", 40.0);
        assert_eq!((lo, hi), (-40.0, f64::INFINITY));
        let (cut, changed) = clamp_band(
            Band {
                mean: -30.0,
                low: -55.0,
                high: -5.0,
            },
            (lo, hi),
        );
        assert!(changed && cut.low == -40.0 && cut.high == -5.0, "{cut:?}");
        assert!(!clamp_band(cut, (lo, hi)).1);
    }

    #[test]
    fn quartiles_interpolate() {
        assert_eq!(
            quartiles(&[4.0, 1.0, 3.0, 2.0, 5.0]),
            Some([1.0, 2.0, 3.0, 4.0, 5.0])
        );
        assert_eq!(quartiles(&[]), None);
    }
}
