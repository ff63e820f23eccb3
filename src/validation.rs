//! Model validation: checks the model against published field facts (`salesim check-model`).
//!
//! Each check runs one scenario of `scenarios/validation/` (embedded, so the suite runs anywhere),
//! measures one figure over its replications with a 95% CI, and compares it with a band derived
//! from the published fact. See VALIDATION.md for each fact, its source and why its band is what
//! it is. Nothing here feeds back into the model: checks only read run records.

use crate::error::SalesimError;
use crate::experiment::stats::{summarize, Summary};
use crate::experiment::{self, PointResult};
use crate::metrics::RunRecord;
use crate::scenario::{Override, ScenarioSource};

/// One validation check.
pub struct Check {
    /// Short name (also the scenario file stem).
    pub name: &'static str,
    /// The fact, in words.
    pub fact: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
    /// The expected band, in words.
    pub band: &'static str,
    /// The scenario text.
    pub scenario: &'static str,
    evaluate: fn(&[PointResult]) -> Verdict,
}

/// What a check measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The measured figure(s), with 95% CIs.
    pub measured: String,
    /// Whether it lies in the band.
    pub pass: bool,
}

/// One row of the suite's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Check name.
    pub name: &'static str,
    /// Fact.
    pub fact: &'static str,
    /// Source.
    pub source: &'static str,
    /// Band.
    pub band: &'static str,
    /// Replications used.
    pub replications: u32,
    /// The verdict.
    pub verdict: Verdict,
}

/// The suite, in the order of VALIDATION.md.
pub fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "bass",
            fact: "Adoption follows Bass's closed form F(t) for (p,q) = (.03,.38), (.01,.5), (.05,.2)",
            source: "Bass 1969, Management Science",
            band: "|F_sim(t) - F(t)| <= 3 SE + 0.01 at every year 1-10",
            scenario: include_str!("../scenarios/validation/bass.toml"),
            evaluate: bass,
        },
        Check {
            name: "hockey-stick",
            fact: "Quarter-driven reps close a large share of deals in weeks 12-13; aligned reps do not",
            source: "Larkin 2014, J. Labor Econ; Larkin HBS case (Arck Systems)",
            band: "aggressive 0.30-0.75; aligned 0.10-0.22 (even spread 0.154)",
            scenario: include_str!("../scenarios/validation/hockey-stick.toml"),
            evaluate: hockey_stick,
        },
        Check {
            name: "timing-cost",
            fact: "Timing-driven discounts cost about 6-8% of revenue in enterprise selling",
            source: "Larkin 2014, J. Labor Econ",
            band: "discounts 0.04-0.10 of list value",
            scenario: include_str!("../scenarios/validation/timing-cost.toml"),
            evaluate: timing_cost,
        },
        Check {
            name: "discount-by-week",
            fact: "Discount by week of quarter is U-shaped for quarter-driven reps",
            source: "Larkin HBS case (Arck Systems); Oyer 1998, QJE",
            band: "week 1 and week 13 each > 2 x mean of weeks 5-9",
            scenario: include_str!("../scenarios/validation/discount-by-week.toml"),
            evaluate: discount_u_shape,
        },
        Check {
            name: "outcome-rates",
            fact: "No decision ends 40-60% of qualified opportunities; win rate 15-30%",
            source: "JOLT (Dixon & McKenna 2022); practitioner win rates (FIELD-FACTS [U])",
            band: "no decision 0.40-0.60 and win rate 0.15-0.30, both variants",
            scenario: include_str!("../scenarios/validation/outcome-rates.toml"),
            evaluate: outcome_rates,
        },
        Check {
            name: "pressure-no-decision",
            fact: "Sales pressure raises no decision",
            source: "JOLT (Dixon & McKenna 2022)",
            band: "no decision higher with 20 aggressive rival reps than with 2 (CIs apart)",
            scenario: include_str!("../scenarios/validation/pressure-no-decision.toml"),
            evaluate: pressure_no_decision,
        },
        Check {
            name: "contact-fatigue",
            fact: "Accounts contacted 7+ times in a short window respond about 45% less",
            source: "HubSpot, 3.5M leads (FIELD-FACTS [S])",
            band: "response ratio (7+ vs 0-1 recent contacts) 0.40-0.70",
            scenario: include_str!("../scenarios/validation/contact-fatigue.toml"),
            evaluate: contact_fatigue,
        },
        Check {
            name: "quota-effort",
            fact: "Effort rises as quota comes within reach, collapses out of reach, falls after quota",
            source: "Chung, Steenburgh & Sudhir 2014, Mkt Sci; Misra & Nair 2011, QME",
            band: "effort(0.5-1.0) > effort(<0.3) and effort(>=1.0) < effort(0.8-1.0)",
            scenario: include_str!("../scenarios/validation/quota-effort.toml"),
            evaluate: quota_effort,
        },
        Check {
            name: "fiscal-year-end",
            fact: "Aligned deals concentrate at the customer's own fiscal year end (16.5% last month, 8.7% last week)",
            source: "Liebman & Mahoney 2017, AER",
            band: "last month 0.12-0.25 (uniform 0.081); last week 0.04-0.13 (uniform 0.019)",
            scenario: include_str!("../scenarios/validation/fiscal-year-end.toml"),
            evaluate: fiscal_year_end,
        },
    ]
}

/// Runs every check (with `overrides` applied to each scenario, e.g. `replications`) and returns
/// the table.
pub fn run_suite(
    overrides: &[Override],
    threads: Option<usize>,
    only: Option<&str>,
) -> Result<Vec<Row>, SalesimError> {
    let mut rows = Vec::new();
    for check in checks()
        .into_iter()
        .filter(|c| only.is_none_or(|o| o == c.name))
    {
        let file = format!("scenarios/validation/{}.toml", check.name);
        let source = ScenarioSource::parse(&file, check.scenario)?;
        let plan = experiment::plan(&source, overrides)?;
        let mut results = Vec::new();
        experiment::execute(&plan, threads, &|| {}, &mut |_, result| {
            results.push(result);
            Ok(())
        })?;
        rows.push(Row {
            name: check.name,
            fact: check.fact,
            source: check.source,
            band: check.band,
            replications: plan.base().replications,
            verdict: (check.evaluate)(&results),
        });
    }
    Ok(rows)
}

/// The suite's table as text.
pub fn render(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&format!(
            "[{}] {}\n    fact:     {}\n    source:   {}\n    expected: {}\n    measured: {} ({} replications)\n",
            if r.verdict.pass { "PASS" } else { "FAIL" },
            r.name,
            r.fact,
            r.source,
            r.band,
            r.verdict.measured,
            r.replications
        ));
    }
    let passed = rows.iter().filter(|r| r.verdict.pass).count();
    s.push_str(&format!(
        "\n{} passed, {} failed\n",
        passed,
        rows.len() - passed
    ));
    s
}

/// Per-replication values of one variant.
fn per_run(result: &PointResult, variant: usize, f: impl Fn(&RunRecord) -> f64) -> Summary {
    let values: Vec<f64> = result
        .runs
        .iter()
        .filter(|r| r.variant == variant)
        .map(|r| f(&r.record))
        .collect();
    summarize(&values)
}

fn ci(s: &Summary) -> String {
    format!("{:.3} [{:.3}, {:.3}]", s.mean, s.ci_low, s.ci_high)
}

fn within(s: &Summary, lo: f64, hi: f64) -> bool {
    s.mean >= lo && s.mean <= hi
}

fn metric(name: &str) -> usize {
    crate::metrics::RUN_METRICS
        .iter()
        .position(|m| *m == name)
        .expect("known metric")
}

fn run_metric(result: &PointResult, variant: usize, name: &str) -> Summary {
    let m = metric(name);
    per_run(result, variant, |r| r.metrics()[m])
}

/// Bass's closed-form cumulative adoption at time `t` (years).
pub fn bass_f(p: f64, q: f64, t: f64) -> f64 {
    let e = (-(p + q) * t).exp();
    (1.0 - e) / (1.0 + (q / p) * e)
}

fn bass(results: &[PointResult]) -> Verdict {
    let mut pass = true;
    let mut parts = Vec::new();
    for result in results {
        let (p, q, n) = bass_parameters(result);
        let mut worst: f64 = 0.0;
        for year in 1..=(result.runs[0].record.adoptions.len() / 4) {
            let s = per_run(result, 0, |r| {
                r.adoptions[..year * 4].iter().sum::<f64>() / n
            });
            let se = (s.ci_high - s.ci_low) / 2.0 / crate::experiment::stats::t_975(s.n - 1);
            let gap = (s.mean - bass_f(p, q, year as f64)).abs();
            pass &= gap <= 3.0 * se + 0.01;
            worst = worst.max(gap);
        }
        let at_peak = per_run(result, 0, |r| {
            r.adoptions[..25.min(r.adoptions.len())].iter().sum::<f64>() / n
        });
        parts.push(format!(
            "p={p},q={q}: max |F_sim-F| {worst:.4}; F(6.25y) {} vs {:.4}",
            ci(&at_peak),
            bass_f(p, q, 6.25)
        ));
    }
    Verdict {
        measured: parts.join("; "),
        pass,
    }
}

/// (p, q, customers) of a Bass point, from the records' configuration echo.
fn bass_parameters(result: &PointResult) -> (f64, f64, f64) {
    let c = &result.config;
    (
        c.market.spontaneous_need_rate,
        c.market.imitation_rate,
        c.market.customers as f64,
    )
}

fn hockey_stick(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (a, b) = (
        run_metric(r, 0, "hockey_stick"),
        run_metric(r, 1, "hockey_stick"),
    );
    Verdict {
        measured: format!("aggressive {}; aligned {}", ci(&a), ci(&b)),
        pass: within(&a, 0.30, 0.75) && within(&b, 0.10, 0.22),
    }
}

fn timing_cost(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (d, l) = (metric("discount_cost"), metric("list_value"));
    let share = per_run(r, 0, |rec| {
        let m = rec.metrics();
        m[d] / m[l]
    });
    let b = metric("bookings");
    let diffs: Vec<f64> = (0..r.config.replications)
        .map(|i| {
            let get = |v: usize| {
                r.runs
                    .iter()
                    .find(|x| x.variant == v && x.replication == i)
                    .map(|x| x.record.metrics()[b])
                    .unwrap_or(f64::NAN)
            };
            (get(0) - get(1)) / get(1)
        })
        .collect();
    let rel = summarize(&diffs);
    Verdict {
        measured: format!(
            "discounts/list {}; bookings vs no-pressure variant {}",
            ci(&share),
            ci(&rel)
        ),
        pass: within(&share, 0.04, 0.10),
    }
}

fn discount_u_shape(results: &[PointResult]) -> Verdict {
    let w = results[0].weeks_of(0);
    let mean = |i: usize| {
        if w.deals[i] > 0.0 {
            w.discount_sum[i] / w.deals[i]
        } else {
            f64::NAN
        }
    };
    let mid = (4..9).map(mean).sum::<f64>() / 5.0;
    let (first, last) = (mean(0), mean(12));
    Verdict {
        measured: format!("week 1 {first:.3}, weeks 5-9 {mid:.3}, week 13 {last:.3}"),
        pass: first > 2.0 * mid && last > 2.0 * mid,
    }
}

fn outcome_rates(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let mut pass = true;
    let mut parts = Vec::new();
    for (v, name) in r
        .config
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| (i, v.name.clone()))
    {
        let nd = run_metric(r, v, "no_decision_rate");
        let win = run_metric(r, v, "win_rate");
        pass &= within(&nd, 0.40, 0.60) && within(&win, 0.15, 0.30);
        parts.push(format!("{name}: no decision {}, win {}", ci(&nd), ci(&win)));
    }
    Verdict {
        measured: parts.join("; "),
        pass,
    }
}

fn pressure_no_decision(results: &[PointResult]) -> Verdict {
    let low = run_metric(&results[0], 0, "no_decision_rate");
    let high = run_metric(&results[results.len() - 1], 0, "no_decision_rate");
    Verdict {
        measured: format!("2 rival reps {}; 20 rival reps {}", ci(&low), ci(&high)),
        pass: high.ci_low > low.ci_high,
    }
}

fn contact_fatigue(results: &[PointResult]) -> Verdict {
    let ratio = per_run(&results[0], 0, |rec| {
        let r = &rec.response;
        let rate = |bins: std::ops::Range<usize>| {
            let w: f64 = bins.clone().map(|b| r.welcome[b]).sum();
            let e: f64 = bins.map(|b| r.expected[b]).sum();
            w / e
        };
        rate(7..16) / rate(0..2)
    });
    Verdict {
        measured: format!("response ratio {}", ci(&ratio)),
        pass: within(&ratio, 0.40, 0.70),
    }
}

fn quota_effort(results: &[PointResult]) -> Verdict {
    let e = results[0].effort_of(0);
    let mean = |bins: std::ops::Range<usize>| {
        let s: f64 = bins.clone().map(|b| e.effort_sum[b]).sum();
        let n: f64 = bins.map(|b| e.rep_days[b]).sum();
        s / n
    };
    let (out_of_reach, within_reach, near, after) =
        (mean(0..3), mean(5..10), mean(8..10), mean(10..16));
    Verdict {
        measured: format!(
            "effort (share of capacity) by attainment: <0.3 {out_of_reach:.2}, 0.5-1.0 {within_reach:.2}, 0.8-1.0 {near:.2}, >=1.0 {after:.2}"
        ),
        pass: within_reach > out_of_reach && after < near,
    }
}

fn fiscal_year_end(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let month = per_run(r, 0, |rec| rec.fiscal.last_month / rec.fiscal.deals);
    let week = per_run(r, 0, |rec| rec.fiscal.last_week / rec.fiscal.deals);
    Verdict {
        measured: format!("last month {}; last week {}", ci(&month), ci(&week)),
        pass: within(&month, 0.12, 0.25) && within(&week, 0.04, 0.13),
    }
}
