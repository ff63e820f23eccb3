//! Replicating until the comparison is decided (`--until-decided`): replications run in batches,
//! and after each batch the paired difference of bookings (every variant against the reference,
//! at every sweep point) is looked at. The run stops when every comparison is decided, or at the
//! cap.
//!
//! The rule is a group-sequential test with Bonferroni-adjusted repeated confidence intervals:
//! with at most `K` looks, each look uses a two-sided `1 − α/K` Student-t interval (α = 0.05), so
//! the chance that any look declares a difference that is not there is at most α, however many
//! looks are taken (Bonferroni's inequality; Jennison & Turnbull 2000, *Group Sequential Methods*,
//! ch. 9, repeated confidence intervals). A comparison is decided when that interval excludes
//! zero (the two differ, in its direction) or when it is narrower than ± `precision` × the
//! reference's mean (the two are level within that margin). The outputs then report the usual 95%
//! intervals at the replications reached: the same files as `--replications N`, which reproduces
//! them.

use super::stats::summarize;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The overall error rate of the repeated looks.
pub const ALPHA: f64 = 0.05;

/// How `--until-decided` replicates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StoppingRule {
    /// Replications added per look.
    pub batch: u32,
    /// Most replications (the scenario's or `--replications`).
    pub cap: u32,
    /// A comparison whose interval is narrower than ± this share of the reference's mean
    /// bookings is decided as level.
    pub precision: f64,
}

/// What one look says of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The variant booked more than the reference (its interval is above zero).
    Ahead,
    /// The variant booked less (its interval is below zero).
    Behind,
    /// The interval straddles zero but is narrower than the precision: level.
    Level,
    /// Not decided yet.
    Open,
}

impl StoppingRule {
    /// The most looks the rule can take.
    pub fn looks(&self) -> u32 {
        self.cap.div_ceil(self.batch.max(1)).max(1)
    }

    /// The replications of each look: a batch more each time, ending at the cap.
    pub fn schedule(&self) -> Vec<u32> {
        (1..=self.looks())
            .map(|k| (k * self.batch).min(self.cap))
            .collect()
    }

    /// The two-sided confidence level of each look's interval, `1 − α/K`.
    pub fn level(&self) -> f64 {
        1.0 - ALPHA / self.looks() as f64
    }

    /// Decides one comparison from its per-replication differences (variant − reference) and
    /// the reference's mean.
    pub fn decide(&self, differences: &[f64], reference_mean: f64) -> Decision {
        let s = summarize(differences);
        if s.n < 2 || !s.sd.is_finite() {
            return Decision::Open;
        }
        let t = StudentsT::new(0.0, 1.0, (s.n - 1) as f64)
            .map(|t| t.inverse_cdf(1.0 - (1.0 - self.level()) / 2.0))
            .unwrap_or(f64::INFINITY);
        let half = t * s.sd / (s.n as f64).sqrt();
        if s.mean - half > 0.0 {
            Decision::Ahead
        } else if s.mean + half < 0.0 {
            Decision::Behind
        } else if half <= self.precision * reference_mean.abs() {
            Decision::Level
        } else {
            Decision::Open
        }
    }
}

/// What the run of `--until-decided` did, for the manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stopping {
    /// The rule.
    pub rule: StoppingRule,
    /// The method, in words.
    pub method: &'static str,
    /// Looks taken.
    pub looks: u32,
    /// Replications reached.
    pub replications: u32,
    /// Whether every comparison was decided (false: stopped at the cap, undecided).
    pub decided: bool,
    /// Each comparison's last decision: (point, variant, decision).
    pub decisions: Vec<(u32, String, Decision)>,
}

/// The method, as the manifest and the README state it.
pub const METHOD: &str = "group-sequential repeated confidence intervals, Bonferroni-adjusted, on the steady state: each of at most K looks uses a two-sided 1 - 0.05/K Student-t interval of the paired difference of mean bookings per quarter over the quarters after settle_quarters (the horizon total when none follow them); a comparison is decided when that interval excludes zero or is narrower than +/- precision x the reference's mean per quarter there";

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> StoppingRule {
        StoppingRule {
            batch: 20,
            cap: 200,
            precision: 0.01,
        }
    }

    #[test]
    fn looks_add_a_batch_each_and_end_at_the_cap() {
        assert_eq!(rule().looks(), 10);
        assert_eq!(rule().schedule().last(), Some(&200));
        let odd = StoppingRule {
            batch: 30,
            cap: 100,
            precision: 0.01,
        };
        assert_eq!(odd.schedule(), vec![30, 60, 90, 100]);
        assert!((rule().level() - 0.995).abs() < 1e-12);
    }

    #[test]
    fn a_clear_difference_is_decided_and_noise_is_not() {
        // Differences around +5 with sd 1 against a reference of 100: clearly ahead.
        let ahead: Vec<f64> = (0..20)
            .map(|i| 5.0 + ((i % 5) as f64 - 2.0) * 0.7)
            .collect();
        assert_eq!(rule().decide(&ahead, 100.0), Decision::Ahead);
        let behind: Vec<f64> = ahead.iter().map(|x| -x).collect();
        assert_eq!(rule().decide(&behind, 100.0), Decision::Behind);
        // Noise of sd about 14 around zero: open at this precision (±1 on a mean of 100)...
        let noise: Vec<f64> = (0..20).map(|i| ((i * 7 % 11) as f64 - 5.0) * 4.0).collect();
        assert_eq!(rule().decide(&noise, 100.0), Decision::Open);
        // ... and level when the margin allowed is wide.
        let loose = StoppingRule {
            precision: 0.5,
            ..rule()
        };
        assert_eq!(loose.decide(&noise, 100.0), Decision::Level);
    }

    #[test]
    fn the_adjusted_interval_is_wider_than_the_plain_95_percent_one() {
        // A difference the plain 95% interval would call (t ≈ 2.1 at 19 df) but the look's
        // 99.5% interval (t ≈ 3.2) does not.
        let diffs: Vec<f64> = (0..20)
            .map(|i| 0.6 + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let plain = summarize(&diffs);
        assert!(plain.ci_low > 0.0, "the plain interval excludes zero");
        assert_eq!(rule().decide(&diffs, 1.0), Decision::Open);
    }
}
