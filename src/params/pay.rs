//! Pay: compensation plans, what a rep earns in a plan period, and the expected marginal pay
//! that drives a pay-driven rep's quarter-end behaviour.
//!
//! A plan pays a base salary and variable pay. The variable pay of a period is a function of the
//! period's *credited attainment* A (bookings credited to the rep ÷ the period's quota): a
//! commission that grows linearly up to quota, `accelerator` times as fast above it, nothing more
//! past the `cap`, plus lump-sum bonuses at thresholds. Amounts are in units of the period's
//! target variable pay V (what a rep earns in commission at exactly 100%), so a plan reads the
//! same whatever the market's money scale.
//!
//! A pay-driven rep does not know how its period will end. It forecasts its end-of-period
//! attainment as a normal distribution ([`Forecast`]): mean = attainment so far plus its pace
//! for the time left, spread shrinking as the period runs out. Its quarter-end behaviours
//! follow from that forecast:
//!
//! - effort follows the *expected marginal pay* of one more unit of attainment
//!   ([`Plan::marginal`]): 1 on a linear plan, up to `accelerator` near and above quota, 0 past
//!   the cap, and a peak just below a bonus threshold late in the period; far below a threshold
//!   it cannot reach, it falls (giving up);
//! - a deal ready at the period's end is asked to wait when booking it next period pays more
//!   (sandbagging past a cap, or when this period is lost anyway and next period's accelerator
//!   beckons);
//! - a quarter-end discount is offered when the pay from booking the discounted deal now beats
//!   the pay from booking it at full price next period ([`Plan::gain`]).
//!
//! Sources: Oyer 1998 (fiscal-year-end spikes from non-linear contracts), Larkin 2014 (timing
//! games under accelerating commissions), Misra & Nair 2011 (effort drops after a quota
//! ceiling), Chung, Steenburgh & Sudhir 2014 (bonuses as pacers, giving up far from quota,
//! overachievement commissions), docs/FIELD-FACTS.md.

use serde::{Deserialize, Serialize};

/// How long a plan period is: quota and pay are settled at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanPeriod {
    /// A fiscal quarter (13 weeks).
    Quarter,
    /// Half a fiscal year (quarters 1–2, 3–4).
    Half,
    /// A fiscal year (4 quarters).
    Year,
}

impl PlanPeriod {
    /// Quarters in a period.
    pub fn quarters(self) -> u32 {
        match self {
            PlanPeriod::Quarter => 1,
            PlanPeriod::Half => 2,
            PlanPeriod::Year => 4,
        }
    }

    /// The name written in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            PlanPeriod::Quarter => "quarter",
            PlanPeriod::Half => "half",
            PlanPeriod::Year => "year",
        }
    }
}

/// A lump-sum bonus for reaching a credited attainment in a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bonus {
    /// Credited attainment that earns it (e.g. 1.0 = quota).
    pub at: f64,
    /// Its size, as a share of the period's target variable pay V.
    pub share: f64,
}

/// A compensation plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Quota and pay period.
    pub period: PlanPeriod,
    /// On-target earnings (base + variable at 100% of quota) per year ÷ the rep's annual quota
    /// when hired. Quotas run at about 5× OTE in B2B SaaS (BenchSights, 83 companies: mean
    /// quota-to-OTE 4.8×; practitioner guides 4–6×; docs/FIELD-FACTS.md [S/U]); default 0.2.
    pub on_target_rate: f64,
    /// Base salary ÷ OTE. A 50/50 pay mix is standard for quota-carrying account executives
    /// (practitioner guides, docs/FIELD-FACTS.md [U]); default 0.5.
    pub base_share: f64,
    /// Commission multiplier on credited bookings above quota (1 = linear). SaaS plans pay 1.5–2.5×
    /// past quota (practitioner guides, docs/FIELD-FACTS.md [U]); default 1.5.
    pub accelerator: f64,
    /// Credited attainment past which no more commission is paid (0 = no cap). Misra & Nair's
    /// firm capped commissions at a quota multiple; removing the cap raised revenue about 9%
    /// (docs/FIELD-FACTS.md [V]). Default 0.
    pub cap: f64,
    /// Lump-sum bonuses at attainment thresholds (Chung, Steenburgh & Sudhir 2014: quarterly
    /// bonuses act as pacers). Default none.
    pub bonuses: Vec<Bonus>,
    /// Share of a deal's commission credit withdrawn when it was pulled in with a quarter-end
    /// discount (0–1). Default 0.
    pub clawback_discounted: f64,
    /// Share of a deal's commission credit clawed back when the account leaves for a rival at a
    /// renewal within `clawback_window_days` of the sale (0–1). Default 0.
    pub clawback_churn: f64,
    /// How long after a sale a churn clawback applies, business days. Default 520 (two years,
    /// which covers the first renewal of the model's 1–2 year contracts).
    pub clawback_window_days: u32,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            period: PlanPeriod::Quarter,
            on_target_rate: 0.2,
            base_share: 0.5,
            accelerator: 1.5,
            cap: 0.0,
            bonuses: Vec::new(),
            clawback_discounted: 0.0,
            clawback_churn: 0.0,
            clawback_window_days: 520,
        }
    }
}

/// The spread (standard deviation) of a rep's quarterly attainment, seen from the quarter's
/// start: the middle half of the lesson's reps made 0.69–1.45 of quota in a quarter (reps.csv),
/// an interquartile range of 0.76, about 0.56 standard deviations for a normal; rounded to 0.5.
/// A period of n quarters sums n quarters, so its attainment spreads 1/√n as much. A model
/// assumption read off the model's own output, not a field figure.
pub const QUARTER_SPREAD: f64 = 0.5;

/// Weight of the on-target pace in a rep's forecast of its own pace, in periods: a rep that has
/// sold for half a period at twice the target pace expects (2 × 0.5 + 1 × 0.5) ÷ (0.5 + 0.5) =
/// 1.5 times target for the rest. Model assumption.
pub const PACE_PRIOR_PERIODS: f64 = 0.5;

/// Smallest forecast spread (attainment): even on the period's last day a rep is not sure which
/// of its deals will sign. Keeps a bonus threshold's pull finite.
pub const MIN_SPREAD: f64 = 0.05;

/// A rep's forecast of its credited attainment at the end of the period: normal, with this mean
/// and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Expected end-of-period attainment.
    pub mean: f64,
    /// Its standard deviation.
    pub spread: f64,
}

impl Forecast {
    /// The forecast of a rep whose credited attainment so far is `attainment`, with a share
    /// `elapsed` (0–1) of a period of `quarters` quarters gone.
    pub fn new(attainment: f64, elapsed: f64, quarters: u32) -> Forecast {
        let elapsed = elapsed.clamp(0.0, 1.0);
        let left = 1.0 - elapsed;
        let pace = (attainment + PACE_PRIOR_PERIODS) / (elapsed + PACE_PRIOR_PERIODS);
        Forecast {
            mean: attainment + pace * left,
            spread: (QUARTER_SPREAD / f64::from(quarters.max(1)).sqrt() * left.sqrt())
                .max(MIN_SPREAD),
        }
    }

    /// The forecast of the next period, seen from its start: on target, with a whole period's
    /// spread.
    pub fn next_period(quarters: u32) -> Forecast {
        Forecast::new(0.0, 0.0, quarters)
    }

    /// The same forecast with `x` more attainment booked for sure.
    fn plus(self, x: f64) -> Forecast {
        Forecast {
            mean: self.mean + x,
            ..self
        }
    }
}

/// Standard normal cumulative distribution.
fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal density.
fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

impl Plan {
    /// Quarters in a plan period.
    pub fn quarters(&self) -> u32 {
        self.period.quarters()
    }

    /// Whether the plan pays anything variable: on-target earnings above zero
    /// (`on_target_rate` > 0) of which some part is not salary (`base_share` < 1).
    ///
    /// A pay-driven rep on a plan without variable pay has no pay-driven incentive: its plan's
    /// shape (accelerator, cap, bonuses) is a shape of nothing, so it neither ramps its effort
    /// nor gives up (it works at its steady `effort_base`), never asks a deal to wait, and
    /// offers no pull-in discount. The period-end spikes and timing games a pay-driven rep
    /// reproduces are those of non-linear commission contracts (Oyer 1998: sales spike at the
    /// end of the fiscal year under non-linear contracts; Larkin 2014: timing games under
    /// accelerating commissions; docs/FIELD-FACTS.md [V]); a salary has no period end to game.
    /// What a salaried rep does beyond that, the hand-set strategies (`pay_driven = false`)
    /// describe.
    pub fn has_variable_pay(&self) -> bool {
        self.on_target_rate > 0.0 && self.base_share < 1.0
    }

    /// The cap as an attainment (infinite when there is none).
    fn cap_at(&self) -> f64 {
        if self.cap > 0.0 {
            self.cap
        } else {
            f64::INFINITY
        }
    }

    /// Variable pay for a period ended at credited attainment `a`, in units of the period's
    /// target variable pay: commission (linear to quota, accelerated above, none past the cap)
    /// plus the bonuses reached.
    pub fn variable(&self, a: f64) -> f64 {
        let a = a.max(0.0);
        let commission =
            a.min(1.0) + self.accelerator * (a.min(self.cap_at()).max(1.0) - 1.0).max(0.0);
        let bonuses: f64 = self
            .bonuses
            .iter()
            .filter(|b| a >= b.at)
            .map(|b| b.share)
            .sum();
        commission + bonuses
    }

    /// Expected pay for one more unit of credited attainment, in units of the period's target
    /// variable pay per unit of attainment, under a forecast: the commission rate weighted by
    /// where the period may end, plus each bonus's density at its threshold.
    pub fn marginal(&self, f: Forecast) -> f64 {
        let z = |x: f64| (x - f.mean) / f.spread;
        let below_quota = normal_cdf(z(1.0));
        let below_cap = if self.cap > 0.0 {
            normal_cdf(z(self.cap.max(1.0)))
        } else {
            1.0
        };
        let bonuses: f64 = self
            .bonuses
            .iter()
            .map(|b| b.share * normal_pdf(z(b.at)) / f.spread)
            .sum();
        below_quota + self.accelerator * (below_cap - below_quota).max(0.0) + bonuses
    }

    /// Expected pay gained by booking `x` more credited attainment for sure, under a forecast:
    /// the marginal pay integrated over [mean, mean + x] (Simpson's rule; the marginal pay is
    /// smooth, the forecast having a spread of at least [`MIN_SPREAD`]).
    pub fn gain(&self, f: Forecast, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let m = |dx: f64| self.marginal(f.plus(dx));
        x / 6.0 * (m(0.0) + 4.0 * m(x / 2.0) + m(x))
    }
}

/// What a rep's pay plan makes of a deal at its period's end.
impl Plan {
    /// Whether a rep with forecast `now` asks a deal worth `x` attainment to wait for the next
    /// period: it pays more there, even after the chance `wait_risk` of losing it by waiting.
    /// Never without variable pay ([`Plan::has_variable_pay`]).
    pub fn prefers_next_period(&self, now: Forecast, x: f64, wait_risk: f64) -> bool {
        if !self.has_variable_pay() {
            return false;
        }
        let next = Forecast::next_period(self.quarters());
        self.gain(now, x) < (1.0 - wait_risk) * self.gain(next, x)
    }

    /// The pull-in discount that maximizes a rep's expected pay, and that pay's gain, for a
    /// deal worth `x` attainment at list that would otherwise sign next period: `accept(d)` is
    /// the chance the buyer signs now at discount `d`. Discounts from `max / steps` to `max` in
    /// `steps` steps are weighed; `None` when none pays more than waiting, and always without
    /// variable pay ([`Plan::has_variable_pay`]).
    pub fn best_pull_in(
        &self,
        now: Forecast,
        x: f64,
        max: f64,
        steps: u32,
        accept: impl Fn(f64) -> f64,
    ) -> Option<(f64, f64)> {
        if max <= 0.0 || x <= 0.0 || !self.has_variable_pay() {
            return None;
        }
        let later = self.gain(Forecast::next_period(self.quarters()), x);
        let credit = 1.0 - self.clawback_discounted;
        (1..=steps.max(1))
            .map(|i| {
                let d = max * f64::from(i) / f64::from(steps.max(1));
                let now_pay = self.gain(now, x * (1.0 - d) * credit);
                (d, accept(d) * (now_pay - later))
            })
            .filter(|&(_, value)| value > 0.0)
            .fold(None, |best: Option<(f64, f64)>, (d, value)| match best {
                Some((_, v)) if v >= value => best,
                _ => Some((d, value)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear() -> Plan {
        Plan {
            accelerator: 1.0,
            ..Plan::default()
        }
    }

    #[test]
    fn variable_pay_is_linear_to_quota_accelerated_above_and_stops_at_the_cap() {
        let p = Plan {
            accelerator: 2.0,
            cap: 1.5,
            bonuses: vec![Bonus {
                at: 1.0,
                share: 0.2,
            }],
            ..Plan::default()
        };
        assert_eq!(p.variable(0.5), 0.5);
        assert!((p.variable(0.999) - 0.999).abs() < 1e-12);
        assert!((p.variable(1.0) - 1.2).abs() < 1e-12);
        assert!((p.variable(1.25) - (1.0 + 0.5 + 0.2)).abs() < 1e-12);
        assert!((p.variable(3.0) - (1.0 + 1.0 + 0.2)).abs() < 1e-12);
        assert_eq!(p.variable(-1.0), 0.0);
    }

    #[test]
    fn a_linear_plan_pays_the_same_at_the_margin_wherever_the_period_ends() {
        for (a, elapsed) in [(0.0, 0.9), (0.5, 0.5), (1.4, 0.95), (3.0, 0.1)] {
            let m = linear().marginal(Forecast::new(a, elapsed, 1));
            assert!((m - 1.0).abs() < 1e-9, "{a} {elapsed}: {m}");
        }
    }

    #[test]
    fn the_marginal_pay_is_the_derivative_of_the_expected_pay() {
        // Check against a numerical derivative of E[variable(A)] by brute-force integration.
        let p = Plan {
            accelerator: 1.8,
            cap: 1.6,
            bonuses: vec![Bonus {
                at: 1.0,
                share: 0.3,
            }],
            ..Plan::default()
        };
        let f = Forecast {
            mean: 0.9,
            spread: 0.2,
        };
        let expected = |mean: f64| {
            let n = 200_000;
            (0..n)
                .map(|i| {
                    let z = -8.0 + 16.0 * (i as f64 + 0.5) / n as f64;
                    p.variable(mean + f.spread * z) * normal_pdf(z) * 16.0 / n as f64
                })
                .sum::<f64>()
        };
        // A step of 0.02 in attainment: wide against the integration grid (8e-5 of
        // attainment), so the bonus step's grid error stays small in the difference quotient.
        let h = 0.02;
        let numeric = (expected(f.mean + h) - expected(f.mean - h)) / (2.0 * h);
        assert!(
            (p.marginal(f) - numeric).abs() < 2e-3,
            "{} vs {numeric}",
            p.marginal(f)
        );
        let gain = expected(f.mean + 0.3) - expected(f.mean);
        assert!((p.gain(f, 0.3) - gain).abs() < 5e-3, "{}", p.gain(f, 0.3));
    }

    #[test]
    fn the_marginal_pay_rises_near_quota_with_an_accelerator_and_vanishes_past_a_cap() {
        let p = Plan {
            cap: 1.5,
            ..Plan::default()
        };
        let late = |a: f64| p.marginal(Forecast::new(a, 0.95, 1));
        assert!((late(0.2) - 1.0).abs() < 0.01, "far below quota: base rate");
        assert!(late(1.2) > 1.4, "past quota: accelerated");
        assert!(late(2.0) < 0.01, "past the cap: nothing");
    }

    #[test]
    fn a_bonus_out_of_reach_late_in_the_period_pulls_no_effort() {
        let p = Plan {
            accelerator: 1.0,
            bonuses: vec![Bonus {
                at: 1.0,
                share: 0.5,
            }],
            ..Plan::default()
        };
        let near = p.marginal(Forecast::new(0.9, 0.9, 1));
        let far = p.marginal(Forecast::new(0.2, 0.9, 1));
        assert!(near > 2.0, "{near}");
        assert!((far - 1.0).abs() < 0.01, "{far}");
    }

    #[test]
    fn the_forecast_narrows_as_the_period_runs_out_and_longer_periods_spread_less() {
        let early = Forecast::new(0.0, 0.0, 1);
        let late = Forecast::new(0.9, 0.95, 1);
        assert!((early.mean - 1.0).abs() < 1e-12 && (early.spread - QUARTER_SPREAD).abs() < 1e-12);
        assert!(late.spread < early.spread && late.spread >= MIN_SPREAD);
        assert!(Forecast::new(0.0, 0.0, 4).spread < early.spread);
    }

    #[test]
    fn a_capped_rep_sandbags_and_a_linear_one_does_not() {
        let capped = Plan {
            cap: 1.2,
            ..Plan::default()
        };
        let past_cap = Forecast::new(1.4, 0.98, 1);
        assert!(capped.prefers_next_period(past_cap, 0.1, 0.1));
        assert!(!linear().prefers_next_period(past_cap, 0.1, 0.1));
        assert!(!linear().prefers_next_period(Forecast::new(0.3, 0.98, 1), 0.1, 0.1));
    }

    #[test]
    fn without_variable_pay_the_plans_shape_asks_for_nothing() {
        let shaped = Plan {
            accelerator: 3.0,
            cap: 1.2,
            ..Plan::default()
        };
        let accept = |d: f64| 1.0 - 0.1f64.powf(d / 0.1);
        let (near, past_cap) = (Forecast::new(0.95, 0.97, 1), Forecast::new(1.4, 0.98, 1));
        assert!(shaped.has_variable_pay());
        assert!(shaped.prefers_next_period(past_cap, 0.1, 0.1));
        assert!(shaped.best_pull_in(near, 0.2, 0.25, 10, accept).is_some());
        for no_variable in [
            Plan {
                base_share: 1.0,
                ..shaped.clone()
            },
            Plan {
                on_target_rate: 0.0,
                ..shaped.clone()
            },
        ] {
            assert!(!no_variable.has_variable_pay());
            assert!(!no_variable.prefers_next_period(past_cap, 0.1, 0.1));
            assert!(no_variable
                .best_pull_in(near, 0.2, 0.25, 10, accept)
                .is_none());
        }
    }

    #[test]
    fn pull_in_discounts_pay_under_an_accelerator_near_quota_and_never_under_a_linear_plan() {
        let accept = |d: f64| 1.0 - 0.1f64.powf(d / 0.1);
        let near = Forecast::new(0.95, 0.97, 1);
        let accelerated = Plan {
            accelerator: 2.0,
            ..Plan::default()
        };
        let (d, gain) = accelerated
            .best_pull_in(near, 0.2, 0.25, 10, accept)
            .expect("an accelerator near quota makes a pull-in pay");
        assert!(d > 0.0 && d <= 0.25 && gain > 0.0);
        assert!(linear().best_pull_in(near, 0.2, 0.25, 10, accept).is_none());
        let clawed = Plan {
            clawback_discounted: 1.0,
            ..accelerated
        };
        assert!(clawed.best_pull_in(near, 0.2, 0.25, 10, accept).is_none());
    }
}
