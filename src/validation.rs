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

/// Which of the two kinds a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A fact a default was tuned to: the check confirms that the tuned default still
    /// reproduces it (it fails when the mechanism or the default drifts).
    Calibration,
    /// A fact no default was tuned to: the model's own prediction, tested.
    HeldOut,
}

impl Kind {
    /// The heading of the kind in the suite's table.
    pub fn heading(self) -> &'static str {
        match self {
            Kind::Calibration => "Calibration targets (facts a default was tuned to)",
            Kind::HeldOut => "Held-out checks (facts no default was tuned to)",
        }
    }
}

/// One validation check.
pub struct Check {
    /// Short name (also the scenario file stem, unless it shares another check's scenario).
    pub name: &'static str,
    /// Calibration target or held-out check.
    pub kind: Kind,
    /// The fact, in words.
    pub fact: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
    /// The defaults tuned to this fact (calibration targets), or what it tests (held-out).
    pub tuned: &'static str,
    /// The expected band, in words.
    pub band: &'static str,
    /// The scenario file stem.
    pub file: &'static str,
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
    /// Calibration target or held-out check.
    pub kind: Kind,
    /// Fact.
    pub fact: &'static str,
    /// Source.
    pub source: &'static str,
    /// Defaults tuned to it, or what it tests.
    pub tuned: &'static str,
    /// Band.
    pub band: &'static str,
    /// Replications used.
    pub replications: u32,
    /// The verdict.
    pub verdict: Verdict,
}

macro_rules! scenario {
    ($file:literal) => {
        (
            $file,
            include_str!(concat!("../scenarios/validation/", $file, ".toml")),
        )
    };
}

/// The suite, in the order of VALIDATION.md: calibration targets, then held-out checks.
pub fn checks() -> Vec<Check> {
    let check = |name,
                 kind,
                 fact,
                 source,
                 tuned,
                 band,
                 (file, scenario): (&'static str, &'static str),
                 evaluate| Check {
        name,
        kind,
        fact,
        source,
        tuned,
        band,
        file,
        scenario,
        evaluate,
    };
    use Kind::{Calibration, HeldOut};
    vec![
        check(
            "hockey-stick",
            Calibration,
            "Quarter-driven reps book a large share of their bookings in weeks 12-13; aligned reps do not",
            "Larkin 2014, J. Labor Econ; Larkin HBS case (Arck Systems); practitioner figure: 30-40% of bookings in the last 10 business days is common (docs/FIELD-FACTS.md [U])",
            "customers.pull_in_acceptance",
            "share of bookings in weeks 12-13: aggressive CI within 0.30-0.75; aligned below aggressive (CI of the paired difference below 0; an even spread is 0.154)",
            scenario!("hockey-stick"),
            hockey_stick,
        ),
        check(
            "timing-cost",
            Calibration,
            "Timing-driven mispricing costs about 6-8% of revenue in enterprise selling (net: the discounts given on deals that would have closed anyway)",
            "Larkin 2014, J. Labor Econ",
            "customers.discount_memory_half_life_days (how long buyers remember a vendor's discounts) and customers.price_weight (how much a discount sways the buyer's choice of vendor)",
            "net revenue loss, the same team without pull-in discounts and sandbagging (same effort) against the quarter-driven team, paired: CI within 0.04-0.10 (6-8% widened by 2 points each way: the market and contracts are not Larkin's vendor's)",
            scenario!("timing-cost"),
            timing_cost,
        ),
        check(
            "outcome-rates",
            Calibration,
            "No decision ends 40-60% of opportunities (counted as a CRM counts them); win rate 15-30%",
            "JOLT (Dixon & McKenna 2022); practitioner win rates (docs/FIELD-FACTS.md [U])",
            "customers.no_decision_utility",
            "no decision CI within 0.40-0.60 and win rate CI within 0.15-0.30, both variants",
            scenario!("outcome-rates"),
            outcome_rates,
        ),
        check(
            "contact-fatigue",
            Calibration,
            "Accounts contacted 7+ times in a short window respond about 45% less",
            "HubSpot, 3.5M leads (docs/FIELD-FACTS.md [S])",
            "customers.fatigue_per_contact",
            "response ratio (7+ vs 0-1 recent contacts): CI within 0.45-0.65 (45% less is 0.55)",
            scenario!("contact-fatigue"),
            contact_fatigue,
        ),
        check(
            "fiscal-year-end",
            Calibration,
            "Aligned deals concentrate at the customer's own fiscal year end (16.5% last month, 8.7% last week)",
            "Liebman & Mahoney 2017, AER",
            "customers.budget_year_end_boost, customers.budget_last_week_boost",
            "last month CI within 0.12-0.25 (uniform 0.081); last week CI within 0.04-0.13 (uniform 0.019)",
            scenario!("fiscal-year-end"),
            fiscal_year_end,
        ),
        check(
            "preferred-vendor",
            Calibration,
            "The vendor a buyer prefers after selecting suppliers wins about 8 journeys in 10",
            "6sense 2023 B2B buyer study, 3,500+ buyers (vendor research)",
            "customers.preference_weight",
            "share of purchases (all vendors) that go to the preferred vendor: CI within 0.75-0.85",
            scenario!("outcome-rates"),
            preferred_vendor,
        ),
        check(
            "quota-attainment",
            Calibration,
            "About half of reps make quota (49-59% a year, 2004-2015)",
            "CSO Insights sales performance studies ([V/S], docs/FIELD-FACTS.md)",
            "reps.quota_factor",
            "share of quarter-driven rep-quarters at quota: CI within 0.45-0.65",
            scenario!("quota-attainment"),
            quota_attainment,
        ),
        check(
            "selling-elasticity",
            Calibration,
            "Bookings respond to sales-force size with an elasticity around 0.34",
            "Albers, Mantrala & Sridhar 2010, JMR (meta-analysis, 506 estimates: mean 0.34); detailing estimates 0.1-0.28 (Fischer & Albers 2010 and others, in Ding, Eliashberg & Stremersch 2014)",
            "customers.no_decision_pressure (how much a vendor's own pressure counts against it in the decision)",
            "elasticity of our bookings to reps per team (5 to 6, lesson market): CI within 0.10-0.60, both variants",
            scenario!("selling-elasticity"),
            selling_elasticity,
        ),
        check(
            "bass",
            HeldOut,
            "Adoption follows Bass's closed form F(t) for (p,q) = (.03,.38), (.01,.5), (.05,.2)",
            "Bass 1969, Management Science",
            "the need mechanism reduces to Bass's model (nothing tuned)",
            "|F_sim(t) - F(t)| <= 3 SE + 0.01 at every year 1-10",
            scenario!("bass"),
            bass,
        ),
        check(
            "bass-unseen",
            HeldOut,
            "Adoption follows Bass's closed form at pairs never run before: (p,q) = (.02,.3), (.04,.55), (.008,.25)",
            "Bass 1969, Management Science",
            "the need mechanism at new parameters (nothing tuned)",
            "|F_sim(t) - F(t)| <= 3 SE + 0.01 at every year 1-10",
            scenario!("bass-unseen"),
            bass,
        ),
        check(
            "stationarity",
            HeldOut,
            "With every vendor silent, demand is stationary: deals per year stay level from year 2 on",
            "docs/MODEL.md (a model invariant): a market's needs come from renewals, p and q, not from the clock",
            "renewals, no decision and the day-0 contract spread (nothing tuned)",
            "market deals in each of years 3-6 over year 2: every CI within 0.95-1.05",
            scenario!("stationarity"),
            stationarity,
        ),
        check(
            "timing-direction",
            HeldOut,
            "Quarter-end timing games cost revenue in a mid-market book too, not only in Larkin's enterprise market",
            "Larkin 2014, J. Labor Econ (measured in enterprise software; the lesson market was not tuned to it)",
            "the direction of the timing games' net effect on the lesson market (price_weight was tuned on the enterprise market)",
            "net revenue loss of the quarter-driven team against the same team with the same effort but no pull-in discounts and no sandbagging, paired: CI above 0",
            scenario!("timing-direction"),
            timing_direction,
        ),
        check(
            "signal-timing",
            HeldOut,
            "Sellers who act on buying signals (trigger events, intent data, renewal dates) reach accounts that are buying more often",
            "6sense Buyer Experience research 2023-2025 (buyers are about 70% through their journey before their first contact with a seller [S]); no published figure for the size of the effect",
            "the signal channels and listening (engine/signals.rs; nothing tuned to on_journey_share)",
            "the aligned team's on_journey_share with no signals, the default signals and perfect ones: each paired rise CI above 0",
            scenario!("signal-timing"),
            signal_timing,
        ),
        check(
            "no-signal-baseline",
            HeldOut,
            "With nothing to go on, a rep's prospecting reaches buying accounts no more often than a random pick of its territory",
            "a model invariant (no agent reads another's hidden state; docs/MODEL.md, \"Signals\"): the baseline the signal checks are measured against",
            "target picking and the observer's territory draw (nothing tuned to these shares)",
            "each stage-blind team's prospecting_on_journey_share − territory_on_journey_share, paired: CI within ±0.01, one segment",
            scenario!("no-signal-baseline"),
            no_signal_baseline,
        ),
        check(
            "retention",
            HeldOut,
            "B2B vendors keep about 87-93% of their customers a year",
            "KBCM 2019 SaaS survey (gross dollar churn ~13%); Pacific Crest 2016 (median unit churn 10%); SaaS Capital 2023 (gross revenue retention 90-93%)",
            "incumbency: installed base, incumbent shortlisting and bonus, status quo (nothing tuned)",
            "annual logo retention of our installed base under aligned selling: CI within 0.85-0.95",
            scenario!("retention"),
            retention,
        ),
        check(
            "pay-spike",
            HeldOut,
            "Commissions that accelerate past a quarterly quota make reps time deals into the quarter's end",
            "Larkin 2014, J. Labor Econ (deals bunch at quarter end under accelerating commissions); Oyer 1998, QJE (non-linear contracts, spikes at period end)",
            "pay-driven reps' effort, pull-ins and sandbagging from their plan (nothing tuned to it)",
            "share of bookings in weeks 12-13, accelerated plan - linear plan (same pay-driven team): CI of the paired difference above 0",
            scenario!("pay-plans"),
            pay_spike,
        ),
        check(
            "pay-year-end",
            HeldOut,
            "A yearly quota moves the spike to the fiscal year's end",
            "Oyer 1998, QJE (sales peak in the last quarter of the fiscal year under annual non-linear contracts)",
            "the plan period (nothing tuned to it)",
            "share of bookings in the year's 4th quarter, yearly plan - quarterly plan (same accelerator): CI of the paired difference above 0",
            scenario!("pay-plans"),
            pay_year_end,
        ),
        check(
            "cap-removal",
            HeldOut,
            "Removing a cap on commissions raises revenue and reduces sandbagging past quota",
            "Misra & Nair 2011, QME (removing quota ceilings, with a shorter horizon, raised revenue about 9%)",
            "the cap and pay-driven sandbagging (nothing tuned to it)",
            "uncapped - capped plan: bookings CI of the paired relative difference above 0; deals held back by reps at or past quota CI below 0",
            scenario!("pay-plans"),
            cap_removal,
        ),
        check(
            "bonus-pacer",
            HeldOut,
            "A quarterly bonus at quota keeps reps pushing as they near it, and more of them make it",
            "Chung, Steenburgh & Sudhir 2014, Marketing Science (quarterly bonuses act as pacers)",
            "pay-driven effort from expected marginal pay (nothing tuned to it)",
            "bonus plan - linear plan: effort in the quarter's last third at attainment 0.7-1.0 CI above 0; share of rep-quarters at quota CI above 0",
            scenario!("pay-plans"),
            bonus_pacer,
        ),
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
        let file = format!("scenarios/validation/{}.toml", check.file);
        let source = ScenarioSource::parse(&file, check.scenario)?;
        let plan = experiment::plan(&source, overrides)?;
        let mut results = Vec::new();
        experiment::execute(&plan, threads, &|| {}, &mut |_, result| {
            results.push(result);
            Ok(())
        })?;
        rows.push(Row {
            name: check.name,
            kind: check.kind,
            tuned: check.tuned,
            fact: check.fact,
            source: check.source,
            band: check.band,
            replications: plan.base().replications,
            verdict: (check.evaluate)(&results),
        });
    }
    Ok(rows)
}

/// The suite's table as text: calibration targets, then held-out checks.
pub fn render(rows: &[Row]) -> String {
    let mut s = String::new();
    for kind in [Kind::Calibration, Kind::HeldOut] {
        s.push_str(&format!("{}\n\n", kind.heading()));
        for r in rows.iter().filter(|r| r.kind == kind) {
            let tuned_label = match kind {
                Kind::Calibration => "tuned:   ",
                Kind::HeldOut => "tests:   ",
            };
            s.push_str(&format!(
                "[{}] {}\n    fact:     {}\n    source:   {}\n    {} {}\n    expected: {}\n    measured: {} ({} replications)\n",
                if r.verdict.pass { "PASS" } else { "FAIL" },
                r.name,
                r.fact,
                r.source,
                tuned_label,
                r.tuned,
                r.band,
                r.verdict.measured,
                r.replications
            ));
        }
        s.push('\n');
    }
    let passed = rows.iter().filter(|r| r.verdict.pass).count();
    let held_out = rows.iter().filter(|r| r.kind == Kind::HeldOut).count();
    s.push_str(&format!(
        "{} passed, {} failed ({} calibration targets, {} held-out checks)\n",
        passed,
        rows.len() - passed,
        rows.len() - held_out,
        held_out
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

/// Whether the whole 95% CI lies within `[lo, hi]`.
fn within(s: &Summary, lo: f64, hi: f64) -> bool {
    s.ci_low >= lo && s.ci_high <= hi
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

/// The runs of variant `va` at point `a` and of variant `vb` at point `b`, paired by
/// replication (every variant and sweep point of a replication sells into the same market).
fn pairs<'a>(
    a: &'a PointResult,
    va: usize,
    b: &'a PointResult,
    vb: usize,
) -> impl Iterator<Item = (&'a RunRecord, &'a RunRecord)> {
    a.runs
        .iter()
        .filter(move |x| x.variant == va)
        .filter_map(move |x| {
            let y = b
                .runs
                .iter()
                .find(|y| y.variant == vb && y.replication == x.replication)?;
            Some((&x.record, &y.record))
        })
}

/// Summary over replications of `f` of paired runs (see [`pairs`]).
fn paired(
    a: &PointResult,
    va: usize,
    b: &PointResult,
    vb: usize,
    f: impl Fn(&RunRecord, &RunRecord) -> f64,
) -> Summary {
    let values: Vec<f64> = pairs(a, va, b, vb).map(|(x, y)| f(x, y)).collect();
    summarize(&values)
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
        parts.push(format!("p={p},q={q}: max |F_sim-F| {worst:.4}"));
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

/// Share of a run's bookings (of deals won) in weeks 12-13 of the quarter.
fn late_bookings_share(r: &RunRecord) -> f64 {
    let b = &r.weeks.bookings;
    (b[11] + b[12]) / b.iter().sum::<f64>()
}

fn hockey_stick(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (a, b) = (
        per_run(r, 0, late_bookings_share),
        per_run(r, 1, late_bookings_share),
    );
    let gap = paired(r, 1, r, 0, |aligned, aggressive| {
        late_bookings_share(aligned) - late_bookings_share(aggressive)
    });
    Verdict {
        measured: format!(
            "aggressive {}; aligned {}; aligned - aggressive {}",
            ci(&a),
            ci(&b),
            ci(&gap)
        ),
        pass: within(&a, 0.30, 0.75) && gap.ci_high < 0.0,
    }
}

/// The net revenue loss of the timing games: bookings of the same team without them (variant
/// 1: no pull-in discounts, no sandbagging, the same effort) less the quarter-driven team's
/// (variant 0), over the former, per replication: what the discounts cost on deals that would
/// have closed anyway, net of any deal they won. Also reported: the gross discounts as a share
/// of list value.
fn timing_cost(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (d, l) = (metric("discount_cost"), metric("list_value"));
    let gross = per_run(r, 0, |rec| {
        let m = rec.metrics();
        m[d] / m[l]
    });
    let loss = timing_loss(r);
    Verdict {
        measured: format!(
            "net revenue loss {}; gross discounts/list {}",
            ci(&loss),
            ci(&gross)
        ),
        pass: within(&loss, 0.04, 0.10),
    }
}

/// Net revenue loss of the timing games, paired: (variant 1 − variant 0) ÷ variant 1.
fn timing_loss(r: &PointResult) -> Summary {
    let b = metric("bookings");
    paired(r, 1, r, 0, |without, with| {
        (without.metrics()[b] - with.metrics()[b]) / without.metrics()[b]
    })
}

fn timing_direction(results: &[PointResult]) -> Verdict {
    let loss = timing_loss(&results[0]);
    Verdict {
        measured: format!("net revenue loss of the timing games {}", ci(&loss)),
        pass: loss.ci_low > 0.0,
    }
}

/// The aligned team's `on_journey_share` at three grades of signals (points: none, the
/// defaults, perfect): each CI of the paired rise above 0.
fn signal_timing(results: &[PointResult]) -> Verdict {
    let share = metric("on_journey_share");
    let mut pass = true;
    let mut parts = Vec::new();
    for (i, r) in results.iter().enumerate() {
        parts.push(format!(
            "point {}: {}",
            i + 1,
            ci(&run_metric(r, 0, "on_journey_share"))
        ));
        if i > 0 {
            let rise = paired(r, 0, &results[i - 1], 0, |x, y| {
                x.metrics()[share] - y.metrics()[share]
            });
            pass &= rise.ci_low > 0.0;
            parts.push(format!("rise {}", ci(&rise)));
        }
    }
    Verdict {
        measured: parts.join("; "),
        pass,
    }
}

/// Each team's prospecting picks against a random pick of the same territory (one segment, no
/// signals): the paired difference's CI within ±0.01.
fn no_signal_baseline(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (picked, random) = (
        metric("prospecting_on_journey_share"),
        metric("territory_on_journey_share"),
    );
    let mut pass = true;
    let mut parts = Vec::new();
    for (v, spec) in r.config.variants.iter().enumerate() {
        let edge = per_run(r, v, |x| x.metrics()[picked] - x.metrics()[random]);
        pass &= within(&edge, -0.01, 0.01);
        parts.push(format!(
            "{}: {} against a random pick's {}, edge {}",
            spec.name,
            ci(&run_metric(r, v, "prospecting_on_journey_share")),
            ci(&run_metric(r, v, "territory_on_journey_share")),
            ci(&edge)
        ));
    }
    Verdict {
        measured: parts.join("; "),
        pass,
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
        pass: within(&ratio, 0.45, 0.65),
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

fn preferred_vendor(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let share = |rec: &RunRecord| {
        let t = rec.total();
        t.preferred_won / t.preferred_purchases
    };
    each_variant(r, 0.75, 0.85, |v| per_run(r, v, share))
}

/// A verdict on one figure per variant: every variant's CI within `[lo, hi]`.
fn each_variant(
    result: &PointResult,
    lo: f64,
    hi: f64,
    figure: impl Fn(usize) -> Summary,
) -> Verdict {
    let mut pass = true;
    let mut parts = Vec::new();
    for (v, variant) in result.config.variants.iter().enumerate() {
        let s = figure(v);
        pass &= within(&s, lo, hi);
        parts.push(format!("{}: {}", variant.name, ci(&s)));
    }
    Verdict {
        measured: parts.join("; "),
        pass,
    }
}

fn quota_attainment(results: &[PointResult]) -> Verdict {
    let share = run_metric(&results[0], 0, "reps_at_quota_share");
    Verdict {
        measured: format!("rep-quarters at quota {}", ci(&share)),
        pass: within(&share, 0.45, 0.65),
    }
}

fn stationarity(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let year = |rec: &RunRecord, y: usize| -> f64 {
        rec.quarters[4 * (y - 1)..4 * y]
            .iter()
            .map(|t| t.market_deals)
            .sum()
    };
    let mut pass = true;
    let mut parts = Vec::new();
    for y in 3..=6 {
        let ratio = per_run(r, 0, |rec| year(rec, y) / year(rec, 2));
        pass &= within(&ratio, 0.95, 1.05);
        parts.push(format!("year {y} / year 2 {}", ci(&ratio)));
    }
    Verdict {
        measured: parts.join("; "),
        pass,
    }
}

fn selling_elasticity(results: &[PointResult]) -> Verdict {
    let (low, high) = (&results[0], &results[1]);
    let reps = |p: &PointResult| p.config.vendors[0].teams[0].reps as f64;
    let log_ratio = (reps(high) / reps(low)).ln();
    let b = metric("bookings");
    each_variant(low, 0.10, 0.60, |v| {
        paired(high, v, low, v, |h, l| {
            (h.metrics()[b] / l.metrics()[b]).ln() / log_ratio
        })
    })
}

fn retention(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let keep = |rec: &RunRecord| {
        let t = rec.total();
        let years = rec.quarters.len() as f64 / 4.0;
        let base = t.base_sum / rec.quarters.len() as f64;
        1.0 - (t.base_purchases - t.base_kept) / years / base
    };
    let aligned = r
        .config
        .variants
        .iter()
        .position(|v| v.name == "aligned")
        .unwrap_or(0);
    let kept = per_run(r, aligned, keep);
    let others: Vec<String> = r
        .config
        .variants
        .iter()
        .enumerate()
        .filter(|(v, _)| *v != aligned)
        .map(|(v, variant)| format!("{} {}", variant.name, ci(&per_run(r, v, keep))))
        .collect();
    Verdict {
        measured: format!(
            "annual logo retention: aligned {}{}",
            ci(&kept),
            others.iter().map(|o| format!("; {o}")).collect::<String>()
        ),
        pass: within(&kept, 0.85, 0.95),
    }
}

/// A variant's index by name (the pay-plans scenario names its plans).
fn variant(result: &PointResult, name: &str) -> usize {
    result
        .config
        .variants
        .iter()
        .position(|v| v.name == name)
        .unwrap_or_else(|| panic!("validation scenario has a variant `{name}`"))
}

/// A share of a run's bookings (`share`) under plan variant `higher` against `lower`: passes
/// when the paired difference is above zero with 95% confidence.
fn share_above(
    results: &[PointResult],
    what: &str,
    (higher, lower): (&str, &str),
    share: fn(&RunRecord) -> f64,
) -> Verdict {
    let r = &results[0];
    let (h, l) = (variant(r, higher), variant(r, lower));
    let gap = paired(r, h, r, l, |x, y| share(x) - share(y));
    Verdict {
        measured: format!(
            "{what}: {higher} {}; {lower} {}; difference {}",
            ci(&per_run(r, h, share)),
            ci(&per_run(r, l, share)),
            ci(&gap)
        ),
        pass: gap.ci_low > 0.0,
    }
}

fn pay_spike(results: &[PointResult]) -> Verdict {
    share_above(
        results,
        "weeks 12-13 share",
        ("accelerated", "linear"),
        late_bookings_share,
    )
}

/// Share of a run's bookings in the 4th quarter of each year of the horizon. Plan years run
/// from the first warm-up day in steps of four quarters, so with the pay-plans scenario's four
/// warm-up quarters (the default) the plan year starts with the horizon.
fn fourth_quarter_share(r: &RunRecord) -> f64 {
    let fourth: f64 = r
        .quarters
        .iter()
        .skip(3)
        .step_by(4)
        .map(|q| q.bookings)
        .sum();
    fourth / r.quarters.iter().map(|q| q.bookings).sum::<f64>()
}

fn pay_year_end(results: &[PointResult]) -> Verdict {
    share_above(
        results,
        "4th-quarter share (accelerated = quarterly quota)",
        ("yearly", "accelerated"),
        fourth_quarter_share,
    )
}

fn cap_removal(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (uncapped, capped) = (variant(r, "accelerated"), variant(r, "capped"));
    let b = metric("bookings");
    let lift = paired(r, uncapped, r, capped, |u, c| {
        u.metrics()[b] / c.metrics()[b] - 1.0
    });
    let held_back = |rec: &RunRecord| rec.total().sandbagged_past_quota;
    let fewer = paired(r, uncapped, r, capped, |u, c| held_back(u) - held_back(c));
    Verdict {
        measured: format!(
            "bookings, uncapped over capped {}; deals held back past quota: uncapped {}, capped {}, difference {}",
            ci(&lift),
            ci(&per_run(r, uncapped, held_back)),
            ci(&per_run(r, capped, held_back)),
            ci(&fewer)
        ),
        pass: lift.ci_low > 0.0 && fewer.ci_high < 0.0,
    }
}

/// Mean effort (share of capacity) in the quarter's last third at attainments in bins
/// `bins` (of width 0.1) of a run's effort curve.
fn effort_between(r: &RunRecord, bins: std::ops::Range<usize>) -> f64 {
    let e = &r.effort;
    let effort: f64 = bins.clone().map(|b| e.effort_sum[b]).sum();
    effort / bins.map(|b| e.rep_days[b]).sum::<f64>()
}

fn bonus_pacer(results: &[PointResult]) -> Verdict {
    let r = &results[0];
    let (paced, linear) = (variant(r, "paced"), variant(r, "linear"));
    let near = |rec: &RunRecord| effort_between(rec, 7..10);
    let push = paired(r, paced, r, linear, |p, l| near(p) - near(l));
    let q = metric("reps_at_quota_share");
    let made = paired(r, paced, r, linear, |p, l| p.metrics()[q] - l.metrics()[q]);
    Verdict {
        measured: format!(
            "effort near quota: bonus {}, linear {}, difference {}; rep-quarters at quota, difference {}",
            ci(&per_run(r, paced, near)),
            ci(&per_run(r, linear, near)),
            ci(&push),
            ci(&made)
        ),
        // Effort is a share of capacity: identical efforts can differ by a rounding error of
        // the order of 1e-16 when averaged, which must not pass for a push.
        pass: push.ci_low > EFFORT_TOLERANCE && made.ci_low > 0.0,
    }
}

/// Differences of mean effort (a share of capacity) below this are rounding, not a push.
const EFFORT_TOLERANCE: f64 = 1e-9;
