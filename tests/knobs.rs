//! No dead knob (issue 27): every numeric knob of the scenario reference that has a plausible
//! range (docs/SCENARIOS.md, "Plausible ranges"; the knobs `salesim sensitivity` varies) is moved
//! from the low to the high end of its range on a small copy of the lesson's market, and must move
//! at least one of the run metrics (runs.csv) of some variant. A knob that moves nothing there is
//! either dead (a defect) or acts only in settings the small lesson market lacks: those are listed
//! in [`EXEMPT`], each with its reason, and each exemption is checked to move the outputs in the
//! setting its reason names.

mod lesson_market;

use lesson_market::{points, LESSON};
use salesim::experiment::PointResult;
use salesim::scenario::{self, Override, ScenarioSource};
use salesim::sensitivity::{compared_strategies, knobs_of};

/// The small market: 800 accounts (80 per rep of ours), six quarters after a two-quarter warm-up,
/// two replications.
const SMALL: [&str; 5] = [
    "market.customers=800",
    "horizon_quarters=6",
    "warm_up_quarters=2",
    "replications=2",
    "seed=2027",
];

/// Knobs that act only outside the small lesson market, why, and the extra settings under which
/// the test checks that they do move the outputs.
const EXEMPT: &[(&str, &str, &[&str])] = &[
    (
        "strategies.aligned.give_up_effort",
        "the effort of a rep that has given up on its quarter, which an aligned rep never does \
         (its give_up_below is 0)",
        &["strategies.aligned.give_up_below=0.3"],
    ),
    (
        "strategies.aggressive.min_receptivity",
        "a stage-blind rep (listening 0) ranks accounts by value, never by the receptivity it \
         believes, so it has no floor to apply",
        &["strategies.aggressive.listening=0.5"],
    ),
    (
        "strategies.aggressive.listening_cost",
        "listening costs capacity in proportion to how much a rep listens, and the aggressive \
         preset does not",
        &["strategies.aggressive.listening=0.5"],
    ),
    (
        "strategies.aggressive.nurture",
        "a nurture programme's engagement reaches a rep as a lead, and a stage-blind rep \
         (listening 0) works no leads",
        &["strategies.aggressive.listening=0.5"],
    ),
    (
        "strategies.aligned.poach_neighbour_share",
        "which fence a poaching rep looks over, and an aligned rep does not poach (poaching 0)",
        &["strategies.aligned.poaching=0.5"],
    ),
    (
        "strategies.aligned.discount_window_days",
        "the last days of the quarter in which a rep offers pull-in discounts, and an aligned \
         rep offers none (discount_max 0)",
        &["strategies.aligned.discount_max=0.2"],
    ),
];

fn run(extra: &[String]) -> PointResult {
    let mut sets: Vec<&str> = SMALL.to_vec();
    sets.extend(extra.iter().map(String::as_str));
    points(LESSON, &sets).remove(0)
}

/// Every run metric of every run, in run order.
fn outputs(point: &PointResult) -> Vec<u64> {
    let mut runs: Vec<_> = point.runs.iter().collect();
    runs.sort_by_key(|r| (r.variant, r.replication));
    runs.iter()
        .flat_map(|r| r.record.metrics().into_iter().map(f64::to_bits))
        .collect()
}

fn format_value(x: f64, whole: bool) -> String {
    if whole {
        format!("{}", x.round() as i64)
    } else {
        format!("{x}")
    }
}

#[test]
fn every_knob_with_a_plausible_range_moves_some_output() {
    let source = ScenarioSource::parse("lesson.toml", LESSON).unwrap();
    let sets: Vec<Override> = SMALL.iter().map(|s| Override::parse(s).unwrap()).collect();
    let cfg = scenario::build(&source, &sets).unwrap();
    let knobs = knobs_of(&cfg, &compared_strategies(&cfg));
    assert!(knobs.len() > 60, "{} knobs", knobs.len());
    let mut dead = Vec::new();
    for knob in &knobs {
        let exempt = EXEMPT.iter().find(|(path, _, _)| *path == knob.path);
        let extra: Vec<String> = exempt
            .map(|(_, _, settings)| settings.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        let at = |x: f64| {
            let mut e = extra.clone();
            e.push(format!("{}={}", knob.path, format_value(x, knob.whole)));
            outputs(&run(&e))
        };
        let (low, high) = (at(knob.low), at(knob.high));
        if low == high {
            dead.push(format!("{} ({} to {})", knob.path, knob.low, knob.high));
        }
    }
    assert!(
        dead.is_empty(),
        "knobs that move no output of the small lesson market across their plausible range:\n{}",
        dead.join("\n")
    );
}
