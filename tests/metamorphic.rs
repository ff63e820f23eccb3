//! Metamorphic properties of the model (docs/MODEL.md, "Invariants every model change keeps"): runs
//! that must agree with each other whatever the figures are, so they hold without any expected
//! value being written down.
//!
//! - Scaling every money value scales bookings and nothing else.
//! - Identical variants give identical runs; so do identical sweep points.
//! - The order of the variants does not change any variant's runs.
//! - Doubling the horizon leaves its first quarters unchanged.
//! - A market with no demand books nothing.
//! - More defending means more defending: contacts to defended accounts and the internal
//!   conflicts they bring grow with the knob.
//!
//! Stationarity and the selling elasticity are checks of the validation suite
//! (`tests/validation.rs`, VALIDATION.md). All runs use the library directly on a small version
//! of the built-in lesson.

mod lesson_market;

use lesson_market::{points, records, LESSON};
use salesim::experiment::PointResult;
use salesim::metrics::RUN_METRICS;

/// Every point's results of a scenario text with `--set`-style overrides, on the built-in lesson
/// made small: 600 accounts, 4 quarters, 6 replications.
fn run(text: &str, extra: &[&str]) -> Vec<PointResult> {
    let mut all = vec![
        "market.customers=600",
        "horizon_quarters=4",
        "replications=6",
        "seed=11",
    ];
    all.extend_from_slice(extra);
    points(text, &all)
}

fn metric(name: &str) -> usize {
    RUN_METRICS.iter().position(|m| *m == name).unwrap()
}

/// The lesson with a third variant and a sweep appended to it.
fn lesson_with(extra_toml: &str) -> String {
    format!("{LESSON}\n{extra_toml}\n")
}

#[test]
fn scaling_every_money_value_scales_bookings_and_nothing_else() {
    let base = run(LESSON, &[]);
    // Every money value: account values (the median); quotas and so pay follow them. By 8, a
    // power of two, so that every product and quotient of money is scaled exactly in binary
    // floating point and the runs must agree to the last bit. By 10 they agree only to rounding:
    // after the 28-quarter warm-up one of the six replications (seed 11, replication 2) took one
    // comparison the other way on a last-bit difference and then went its own way (bookings ×8.1
    // for aggressive, ×8.98 for aligned, the other eleven runs ×10 within 3e-8), as a chaotic
    // market does; by 8 all twelve are ×8 exactly.
    let scaled = run(LESSON, &["market.value_median_k=320"]);
    let money = [
        "bookings",
        "list_value",
        "discount_cost",
        "commission_cost",
        "rep_cost",
        "contribution",
        "cohort_bookings",
    ];
    for variant in ["aggressive", "aligned"] {
        for (a, b) in records(&base[0], variant)
            .iter()
            .zip(records(&scaled[0], variant))
        {
            let (ma, mb) = (a.metrics(), b.metrics());
            for (i, name) in RUN_METRICS.iter().enumerate() {
                if money.contains(name) {
                    assert!(
                        mb[i] == 8.0 * ma[i],
                        "{variant} {name}: {} → {} (ratio {})",
                        ma[i],
                        mb[i],
                        mb[i] / ma[i]
                    );
                } else {
                    // Counts, shares and ratios of money (quota attainment) are unchanged, to
                    // the last bit.
                    let same = ma[i] == mb[i] || ma[i].is_nan() && mb[i].is_nan();
                    assert!(
                        same,
                        "{variant} {name}: {} → {} should not change",
                        ma[i], mb[i]
                    );
                }
            }
        }
    }
}

#[test]
fn identical_variants_give_identical_runs() {
    let text =
        lesson_with("[[variants]]\nname = \"aggressive-again\"\nstrategy = \"aggressive\"\n");
    let results = run(&text, &[]);
    let (a, b) = (
        records(&results[0], "aggressive"),
        records(&results[0], "aggressive-again"),
    );
    assert_eq!(a.len(), 6);
    assert_eq!(a, b);
    // Control: a different strategy gives different runs.
    assert_ne!(a, records(&results[0], "aligned"));
}

#[test]
fn identical_sweep_points_give_identical_runs() {
    let text = lesson_with(
        "[sweep]\nparameters = { \"strategies.aggressive.discount_max\" = [0.25, 0.25, 0.1] }\n",
    );
    let results = run(&text, &[]);
    assert_eq!(results.len(), 3);
    for variant in ["aggressive", "aligned"] {
        assert_eq!(
            records(&results[0], variant),
            records(&results[1], variant),
            "{variant}: points 0 and 1 sweep the same value"
        );
    }
    // Control: another value of the knob gives other runs for the variant that uses it.
    assert_ne!(
        records(&results[0], "aggressive"),
        records(&results[2], "aggressive")
    );
}

#[test]
fn the_order_of_the_variants_does_not_matter() {
    let swapped = LESSON.replace(
        "[[variants]]\nname = \"aggressive\"\nstrategy = \"aggressive\"\n\n[[variants]]\nname = \"aligned\"\nstrategy = \"aligned\"",
        "[[variants]]\nname = \"aligned\"\nstrategy = \"aligned\"\n\n[[variants]]\nname = \"aggressive\"\nstrategy = \"aggressive\"",
    );
    assert_ne!(swapped, LESSON, "the variants were swapped");
    let (a, b) = (run(LESSON, &[]), run(&swapped, &[]));
    assert_eq!(b[0].config.variants[0].name, "aligned");
    for variant in ["aggressive", "aligned"] {
        assert_eq!(
            records(&a[0], variant),
            records(&b[0], variant),
            "{variant}"
        );
    }
}

#[test]
fn doubling_the_horizon_leaves_its_first_quarters_unchanged() {
    let short = run(LESSON, &[]);
    let long = run(LESSON, &["horizon_quarters=8"]);
    for variant in ["aggressive", "aligned"] {
        for (a, b) in records(&short[0], variant)
            .iter()
            .zip(records(&long[0], variant))
        {
            assert_eq!(a.quarters[..], b.quarters[..4], "{variant}");
        }
    }
}

#[test]
fn a_market_with_no_demand_books_nothing() {
    let results = run(
        LESSON,
        &[
            "market.repeat_purchases=false",
            "market.spontaneous_need_rate=0",
            "market.imitation_rate=0",
            "customers.insight_spark=0",
        ],
    );
    let bookings = metric("bookings");
    for variant in ["aggressive", "aligned"] {
        for r in records(&results[0], variant) {
            assert_eq!(r.metrics()[bookings], 0.0, "{variant}");
            assert_eq!(r.total().market_deals, 0.0, "{variant}: nobody buys");
        }
    }
    // Not because nobody sells: the stage-blind reps keep calling.
    for r in records(&results[0], "aggressive") {
        assert!(r.total().contacts > 0.0);
    }
}

#[test]
fn more_defending_means_more_defence_and_more_conflict() {
    // Our aggressive teams defend with 0, 0.5 and 1; the rivals' settings stay put.
    let text = lesson_with(
        "[strategies.turf]\nbase = \"aggressive\"\n\n[[variants]]\nname = \"turf\"\nstrategy = \"turf\"\n\n\
         [sweep]\nparameters = { \"strategies.turf.defending\" = [0.0, 0.5, 1.0] }\n",
    );
    // At the lesson's own book size (400 accounts a rep): on the small market of the other
    // tests (60 a rep) our poaching reps already meet on nearly every account within the conflict
    // window, conflicts saturate, and a defence adds none (measured with issue 27's poaching:
    // 94,746 / 94,243 / 94,627).
    let results = run(
        &text,
        &[
            "replications=12",
            "horizon_quarters=8",
            "market.customers=4000",
        ],
    );
    let conflicts = metric("conflicts");
    let totals: Vec<f64> = results
        .iter()
        .map(|p| {
            records(p, "turf")
                .iter()
                .map(|r| r.metrics()[conflicts])
                .sum()
        })
        .collect();
    assert!(
        totals[0] < totals[1] && totals[1] < totals[2],
        "internal conflicts by defending 0 / 0.5 / 1: {totals:?}"
    );
    // The runs differ at every step of the knob (a knob that moved nothing would fail here).
    assert_ne!(records(&results[0], "turf"), records(&results[1], "turf"));
    assert_ne!(records(&results[1], "turf"), records(&results[2], "turf"));
}
