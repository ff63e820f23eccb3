//! Morris elementary effects, apart from the simulator: the trajectory design in the unit
//! hypercube and the estimator of μ*, μ and σ with bootstrap intervals.
//!
//! - **Design** (Morris 1991, "Factorial sampling plans for preliminary computational
//!   experiments", *Technometrics* 33(2)): `r` trajectories on a grid of `p` levels
//!   (0, 1/(p−1), …, 1). Each starts at a random grid point and moves every factor once, in a
//!   random order, by Δ = p / (2(p − 1)) up or down, so `k` factors cost `r (k + 1)` points.
//! - **Elementary effect** of factor `i` in a trajectory: the change of the output over the change
//!   of `x_i` between the two points that differ in `x_i` only. The change of `x_i` is the one
//!   realised (a whole-number knob is rounded, which moves it off the grid), so an effect is always
//!   "output per whole plausible range".
//! - **Measures**: μ, the mean effect (its sign says which way the knob pushes); μ*, the mean
//!   absolute effect, which effects of opposite signs cannot cancel (Campolongo, Cariboni &
//!   Saltelli 2007, "An effective screening design for sensitivity analysis of large models",
//!   *Environmental Modelling & Software* 22(10)); σ, the standard deviation of the effects
//!   (non-linearity and interactions). Each has a 95% percentile bootstrap interval over the
//!   trajectories (the trajectories are the independent units of the design).
//!
//! The crate `salib` (a young port of Python's SALib) offers the same design; it is not used
//! because the study needs the realised steps of rounded knobs and per-replication outputs for
//! the noise floor, which its model-callback estimator does not take, and the design is a few
//! lines.

use crate::rng::Rng;
use rand::seq::SliceRandom;
use rand::Rng as _;

/// One trajectory: where it starts, the order in which factors move, and each factor's step.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The first point, one grid coordinate per factor.
    pub start: Vec<f64>,
    /// The factors in the order they move: point `j + 1` differs from point `j` in
    /// `order[j]` only.
    pub order: Vec<usize>,
    /// Each factor's signed step, +Δ or −Δ.
    pub steps: Vec<f64>,
}

impl Trajectory {
    /// The trajectory's `k + 1` points, in order.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut at = self.start.clone();
        let mut out = Vec::with_capacity(self.order.len() + 1);
        out.push(at.clone());
        for &factor in &self.order {
            at[factor] += self.steps[factor];
            // A step lands on the grid; keep it exactly there, within [0, 1].
            at[factor] = at[factor].clamp(0.0, 1.0);
            out.push(at.clone());
        }
        out
    }
}

/// The step Δ = p / (2(p − 1)) of a grid of `levels` levels (even, at least 2).
pub fn delta(levels: u32) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `trajectories` Morris trajectories of `factors` factors on a grid of `levels` levels (even,
/// at least 2): each factor starts at a level from which a step of Δ stays in [0, 1], and moves
/// up or down with equal chance, in a random order.
pub fn design(factors: usize, trajectories: usize, levels: u32, rng: &mut Rng) -> Vec<Trajectory> {
    let delta = delta(levels);
    let gap = 1.0 / (levels as f64 - 1.0);
    // Levels l with l·gap + Δ ≤ 1: l = 0 … p/2 − 1.
    let lower_levels = (levels / 2).max(1);
    (0..trajectories)
        .map(|_| {
            let mut start = Vec::with_capacity(factors);
            let mut steps = Vec::with_capacity(factors);
            for _ in 0..factors {
                let low = rng.random_range(0..lower_levels) as f64 * gap;
                if rng.random_bool(0.5) {
                    start.push(low);
                    steps.push(delta);
                } else {
                    start.push((low + delta).min(1.0));
                    steps.push(-delta);
                }
            }
            let mut order: Vec<usize> = (0..factors).collect();
            order.shuffle(rng);
            Trajectory {
                start,
                order,
                steps,
            }
        })
        .collect()
}

/// The elementary effects of one trajectory, indexed by factor: `at[j]` are the coordinates of
/// point `j` as realised (in the unit of each factor's range), `y[j]` the output there, and
/// `order[j]` the factor that moves between points `j` and `j + 1`. NaN where a factor's
/// realised step is zero (a rounded knob that did not move).
pub fn elementary_effects(order: &[usize], at: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let mut effects = vec![f64::NAN; order.len()];
    for (j, &factor) in order.iter().enumerate() {
        let step = at[j + 1][factor] - at[j][factor];
        if step != 0.0 {
            effects[factor] = (y[j + 1] - y[j]) / step;
        }
    }
    effects
}

/// An estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate from all trajectories.
    pub value: f64,
    /// 2.5% quantile of the bootstrap estimates.
    pub ci_low: f64,
    /// 97.5% quantile of the bootstrap estimates.
    pub ci_high: f64,
}

/// The Morris measures of one factor for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Mean absolute elementary effect (Campolongo et al. 2007): how much the factor matters.
    pub mu_star: Estimate,
    /// Mean elementary effect: which way it pushes.
    pub mu: Estimate,
    /// Standard deviation of the elementary effects: non-linearity and interactions.
    pub sigma: Estimate,
}

/// Bootstrap resamples of `trajectories` trajectories (indices drawn with replacement), shared by
/// every factor and output so that their intervals come from the same resamples.
pub fn resamples(trajectories: usize, count: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    (0..count)
        .map(|_| {
            (0..trajectories)
                .map(|_| rng.random_range(0..trajectories))
                .collect()
        })
        .collect()
}

/// (μ*, μ, σ) of some elementary effects (NaN effects left out).
fn point_measures(effects: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let xs: Vec<f64> = effects.filter(|e| e.is_finite()).collect();
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mu = xs.iter().sum::<f64>() / n;
    let mu_star = xs.iter().map(|e| e.abs()).sum::<f64>() / n;
    let sigma = if xs.len() < 2 {
        f64::NAN
    } else {
        (xs.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    (mu_star, mu, sigma)
}

/// μ*, μ and σ of one factor's elementary effects (one per trajectory), each with its 95%
/// percentile interval over the bootstrap `resamples` of the trajectories.
pub fn measures(effects: &[f64], resamples: &[Vec<usize>]) -> Measures {
    let (mu_star, mu, sigma) = point_measures(effects.iter().copied());
    let mut boot: [Vec<f64>; 3] = Default::default();
    for sample in resamples {
        let (s, m, d) = point_measures(sample.iter().map(|&t| effects[t]));
        for (list, v) in boot.iter_mut().zip([s, m, d]) {
            if v.is_finite() {
                list.push(v);
            }
        }
    }
    let interval = |value: f64, mut list: Vec<f64>| -> Estimate {
        if list.is_empty() {
            return Estimate {
                value,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
            };
        }
        list.sort_by(f64::total_cmp);
        Estimate {
            value,
            ci_low: crate::experiment::stats::quantile(&list, 0.025),
            ci_high: crate::experiment::stats::quantile(&list, 0.975),
        }
    };
    let [s, m, d] = boot;
    Measures {
        mu_star: interval(mu_star, s),
        mu: interval(mu, m),
        sigma: interval(sigma, d),
    }
}

/// The noise floor of one factor's μ*: what a factor without any effect would show, from the
/// standard errors of its elementary effects (one per trajectory, from the replications).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseFloor {
    /// The mean μ* of a factor without effect: each of its effects is noise of standard error
    /// `e_t`, whose absolute value averages √(2/π) e_t.
    pub floor: f64,
    /// The floor plus two standard deviations of such a μ* (√(1 − 2/π) √(Σ e_t²) / r): a μ*
    /// at or below it is not told from no effect (a one-sided test at about 2.3%).
    pub limit: f64,
}

impl NoiseFloor {
    /// From the standard errors of a factor's elementary effects (non-finite ones left out).
    pub fn of(errors: &[f64]) -> NoiseFloor {
        let finite: Vec<f64> = errors.iter().copied().filter(|e| e.is_finite()).collect();
        if finite.is_empty() {
            return NoiseFloor {
                floor: f64::NAN,
                limit: f64::NAN,
            };
        }
        let r = finite.len() as f64;
        let half_normal = 2.0 / std::f64::consts::PI;
        let floor = half_normal.sqrt() * finite.iter().sum::<f64>() / r;
        let spread =
            (1.0 - half_normal).sqrt() * finite.iter().map(|e| e * e).sum::<f64>().sqrt() / r;
        NoiseFloor {
            floor,
            limit: floor + 2.0 * spread,
        }
    }

    /// Whether a μ* is within the noise: not above the limit (a NaN μ* or floor is, too: no
    /// effect was measured).
    pub fn holds(&self, mu_star: f64) -> bool {
        mu_star.partial_cmp(&self.limit) != Some(std::cmp::Ordering::Greater)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::study_stream;

    /// The effects of every trajectory of a design on a function of the unit cube.
    fn effects_of(design: &[Trajectory], f: impl Fn(&[f64]) -> f64) -> Vec<Vec<f64>> {
        design
            .iter()
            .map(|t| {
                let points = t.points();
                let y: Vec<f64> = points.iter().map(|x| f(x)).collect();
                elementary_effects(&t.order, &points, &y)
            })
            .collect()
    }

    /// Factor `i`'s effects over the trajectories.
    fn column(effects: &[Vec<f64>], i: usize) -> Vec<f64> {
        effects.iter().map(|e| e[i]).collect()
    }

    #[test]
    fn trajectories_move_each_factor_once_by_delta_on_the_grid() {
        let mut rng = study_stream(1, 1);
        for levels in [2, 4, 6, 8] {
            let d = delta(levels);
            for t in design(5, 50, levels, &mut rng) {
                let points = t.points();
                assert_eq!(points.len(), 6);
                let mut sorted = t.order.clone();
                sorted.sort();
                assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
                for (j, &factor) in t.order.iter().enumerate() {
                    for (i, (after, before)) in points[j + 1].iter().zip(&points[j]).enumerate() {
                        let change = after - before;
                        if i == factor {
                            assert!((change.abs() - d).abs() < 1e-12, "levels {levels}");
                        } else {
                            assert_eq!(change, 0.0);
                        }
                    }
                }
                for x in points.iter().flatten() {
                    let level = x * (levels as f64 - 1.0);
                    assert!((0.0..=1.0).contains(x));
                    assert!((level - level.round()).abs() < 1e-9, "{x} off the grid");
                }
            }
        }
    }

    #[test]
    fn a_linear_function_has_its_coefficients_as_effects() {
        // f = 3 x0 − 2 x1 + 0 x2: every effect of x0 is 3, of x1 −2, of x2 0.
        let mut rng = study_stream(2, 1);
        let design = design(3, 12, 4, &mut rng);
        let effects = effects_of(&design, |x| 3.0 * x[0] - 2.0 * x[1]);
        let samples = resamples(12, 500, &mut rng);
        let m: Vec<Measures> = (0..3)
            .map(|i| measures(&column(&effects, i), &samples))
            .collect();
        assert!((m[0].mu.value - 3.0).abs() < 1e-12 && (m[0].mu_star.value - 3.0).abs() < 1e-12);
        assert!((m[1].mu.value + 2.0).abs() < 1e-12 && (m[1].mu_star.value - 2.0).abs() < 1e-12);
        assert!(m[0].sigma.value.abs() < 1e-12);
        // A factor with no effect: μ* is 0 and so is its whole interval.
        assert_eq!(
            (
                m[2].mu_star.value,
                m[2].mu_star.ci_low,
                m[2].mu_star.ci_high
            ),
            (0.0, 0.0, 0.0)
        );
        assert!(m[2].mu.ci_low <= 0.0 && m[2].mu.ci_high >= 0.0);
    }

    #[test]
    fn known_morris_measures_of_a_function_with_an_interaction() {
        // f = x0² + x0·x1 on the 4-level grid. An effect of x0 between x0 = a and x0 = b (b − a =
        // ±2/3) is a + b + x1, where a + b is 2/3 or 4/3 with equal chance and x1 is uniform on the
        // four levels (variance (0 + 1/9 + 4/9 + 1)/4 − 1/4 = 5/36), independently: μ0 = μ*0 = 1 + 1/2
        // = 1.5, σ0² = 1/9 + 5/36 = 1/4. An effect of x1 is x0, uniform on the levels: μ1 = μ*1 =
        // 1/2, σ1² = 5/36.
        let mut rng = study_stream(3, 1);
        let r = 20_000;
        let design = design(2, r, 4, &mut rng);
        let effects = effects_of(&design, |x| x[0] * x[0] + x[0] * x[1]);
        // Each effect is what the formula says, trajectory by trajectory.
        for (t, e) in design.iter().zip(&effects) {
            let points = t.points();
            let j0 = t.order.iter().position(|&f| f == 0).unwrap();
            let (a, b, x1) = (points[j0][0], points[j0 + 1][0], points[j0][1]);
            assert!((e[0] - (a + b + x1)).abs() < 1e-9);
            let j1 = t.order.iter().position(|&f| f == 1).unwrap();
            assert!((e[1] - points[j1][0]).abs() < 1e-9);
        }
        let samples = resamples(r, 200, &mut rng);
        let m0 = measures(&column(&effects, 0), &samples);
        let m1 = measures(&column(&effects, 1), &samples);
        assert!((m0.mu.value - 1.5).abs() < 0.02, "{m0:?}");
        assert_eq!(m0.mu.value, m0.mu_star.value);
        assert!((m0.sigma.value - 0.5).abs() < 0.01, "{m0:?}");
        assert!((m1.mu_star.value - 0.5).abs() < 0.02, "{m1:?}");
        assert!(
            (m1.sigma.value - (5.0f64 / 36.0).sqrt()).abs() < 0.01,
            "{m1:?}"
        );
        // The intervals hold the true values.
        assert!(m0.mu.ci_low < 1.5 && 1.5 < m0.mu.ci_high, "{m0:?}");
        assert!(
            m1.mu_star.ci_low < 0.5 && 0.5 < m1.mu_star.ci_high,
            "{m1:?}"
        );
    }

    #[test]
    fn a_realised_step_is_the_denominator() {
        // A rounded knob moved by 0.5 of its range instead of 2/3: the effect is per whole range.
        let at = vec![vec![0.0, 0.0], vec![0.5, 0.0], vec![0.5, 1.0]];
        let effects = elementary_effects(&[0, 1], &at, &[1.0, 2.0, 2.0]);
        assert_eq!(effects, vec![2.0, 0.0]);
        // A step rounded away is no effect at all (NaN), not an infinite one.
        let still = vec![vec![0.0], vec![0.0]];
        assert!(elementary_effects(&[0], &still, &[1.0, 2.0])[0].is_nan());
    }

    #[test]
    fn a_factor_without_effect_stays_within_its_noise_floor() {
        // Pure noise: every elementary effect is N(0, e_t) with errors e_t that differ by
        // trajectory. The floor is the mean μ* such a factor shows, and μ* exceeds the limit
        // in about 2.3% of studies (a one-sided two-sigma test), not more.
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = study_stream(4, 1);
        let errors: Vec<f64> = (0..8).map(|t| 0.5 + 0.25 * t as f64).collect();
        let floor = NoiseFloor::of(&errors);
        let studies = 20_000;
        let (mut above, mut sum) = (0, 0.0);
        for _ in 0..studies {
            let mu_star = errors
                .iter()
                .map(|e| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    (e * z).abs()
                })
                .sum::<f64>()
                / errors.len() as f64;
            sum += mu_star;
            if !floor.holds(mu_star) {
                above += 1;
            }
        }
        let mean = sum / studies as f64;
        assert!(
            (mean - floor.floor).abs() < 0.01 * floor.floor,
            "{mean} vs {floor:?}"
        );
        let share = above as f64 / studies as f64;
        assert!(share < 0.04, "{share} of studies rank pure noise");
        // A factor whose effect is five errors clears the limit in nearly every study.
        let strong = errors.iter().map(|e| 5.0 * e).sum::<f64>() / errors.len() as f64;
        assert!(!floor.holds(strong));
        // No effect measured at all, or a μ* exactly at the floor: within the noise.
        assert!(NoiseFloor::of(&[0.0, 0.0]).holds(0.0));
        assert!(NoiseFloor::of(&[f64::NAN]).holds(1.0));
        assert!(floor.holds(floor.floor));
    }
}
