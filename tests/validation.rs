//! The model-validation suite, reduced for CI: every check of `salesim check-model` (VALIDATION.md)
//! runs with fewer replications than the full suite and must still pass its band.
//!
//! The bands are the full suite's bands, not widened. Replication counts are chosen so that the
//! 95% CI half-width of each measured figure (from the full runs in VALIDATION.md, scaled by
//! 1/√n) stays well inside the distance between the full-run mean and the nearest band edge; the
//! Bass check's tolerance (3 SE + 0.01) scales with the replication count by construction.

use salesim::scenario::Override;
use salesim::validation::run_suite;

fn check(name: &str, replications: u32) {
    let overrides = [Override {
        path: "replications".into(),
        value: toml::Value::Integer(replications as i64),
        origin: format!("--replications {replications}"),
    }];
    let rows = run_suite(&overrides, Some(2), Some(name)).expect("validation scenario runs");
    assert_eq!(rows.len(), 1, "check {name} exists");
    let row = &rows[0];
    assert!(
        row.verdict.pass,
        "{name}: expected {}, measured {}",
        row.band, row.verdict.measured
    );
}

/// Full run: max gap 0.007 at 20 replications; tolerance is 3 SE + 0.01 at any count.
#[test]
fn bass_diffusion_follows_the_closed_form() {
    check("bass", 8);
}

/// Full run: aggressive 0.373 ± 0.006 (100 runs); at 20 runs ± 0.013, band edge 0.30 is 5× away.
#[test]
fn quarter_end_hockey_stick() {
    check("hockey-stick", 20);
}

/// Full run: 0.082 ± 0.0015 (40 runs); at 10 runs ± 0.003, band edges 0.04/0.10 ≥ 6× away.
#[test]
fn timing_discounts_cost_about_eight_percent() {
    check("timing-cost", 10);
}

/// Full run: ends 0.089/0.111 vs mid 0.013 (60 runs); the ratio is far from the 2× threshold.
#[test]
fn discount_by_week_is_u_shaped() {
    check("discount-by-week", 15);
}

/// Full run: no decision 0.544, win 0.259 and 0.217 (60 runs, ± 0.003); at 15 runs ± 0.006.
#[test]
fn no_decision_and_win_rates_at_defaults() {
    check("outcome-rates", 15);
}

/// Full run: 0.538 vs 0.644 (30 runs, ± 0.004); at 10 runs ± 0.007, the gap is 0.1.
#[test]
fn pressure_raises_no_decision() {
    check("pressure-no-decision", 10);
}

/// Full run: 0.606 ± 0.067 (40 runs); kept at 40 runs (a small market, cheap) because the
/// per-run spread is wide.
#[test]
fn heavily_contacted_accounts_respond_less() {
    check("contact-fatigue", 40);
}

/// Full run: effort 0.35 / 0.88 / 0.77 / 0.42 by attainment (40 runs); pooled over rep-days.
#[test]
fn effort_against_distance_to_quota() {
    check("quota-effort", 10);
}

/// Full run: last month 0.183 ± 0.004, last week 0.055 ± 0.002 (60 runs); at 15 runs ± 0.008
/// and ± 0.004; nearest band edge (0.04 for the last week) is 4 SE away.
#[test]
fn deals_concentrate_at_the_customers_fiscal_year_end() {
    check("fiscal-year-end", 15);
}
