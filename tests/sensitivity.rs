//! `salesim sensitivity` and the library's [`salesim::sensitivity::study`] on a tiny market:
//! a knob known to move an output ranks above one that cannot, a knob the scenario never uses has
//! no effect at all, the files' columns, the same bytes for the same seed whatever the thread
//! count, and bad input refused with exit 2 naming the argument.

mod support;

use salesim::scenario::ScenarioSource;
use salesim::sensitivity::{study, Output, Study, StudyOptions};
use std::path::Path;
use std::sync::OnceLock;
use support::{salesim, stderr};

/// A market small and short enough for tests: two reps of ours, one rival, no enterprise
/// accounts (so the enterprise segment's knobs cannot matter), two quarters after a warm-up
/// quarter.
const TINY: &str = r#"
name = "tiny"
question = "Does it flip?"
horizon_quarters = 2
warm_up_quarters = 1
replications = 2
seed = 7
reference = "aggressive"

[market]
customers = 300
peers = 4
[market.segment_mix]
smb = 0.4
mid_market = 0.6
enterprise = 0.0

[[vendors]]
name = "us"
  [[vendors.teams]]
  name = "west"
  reps = 1
  [[vendors.teams]]
  name = "east"
  reps = 1

[[vendors]]
name = "rival"
strategy = "aggressive"
  [[vendors.teams]]
  name = "field"
  reps = 1
"#;

/// The options of the tiny study: few trajectories and replications.
fn tiny_options() -> StudyOptions {
    StudyOptions {
        trajectories: 4,
        replications: 2,
        flip_replications: 2,
        bisection_steps: 2,
        bootstrap: 200,
        ..StudyOptions::default()
    }
}

/// The tiny study, run once for the library tests.
fn tiny_study() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| {
        let source = ScenarioSource::parse("tiny.toml", TINY).expect("the tiny scenario parses");
        study(&source, &[], &tiny_options()).expect("the tiny study runs")
    })
}

fn knob(study: &Study, path: &str) -> usize {
    study
        .knobs
        .iter()
        .position(|k| k.path == path)
        .unwrap_or_else(|| panic!("{path} is not a knob of the study"))
}

#[test]
fn deal_value_drives_bookings_and_an_unused_knob_has_no_effect() {
    let s = tiny_study();
    let bookings = s
        .effects_of(Output::Bookings { variant: 0 })
        .expect("bookings of the reference");
    let value = knob(s, "market.value_median_k");
    // No enterprise accounts: the enterprise cycle never enters a run, so every run with it
    // moved is the same run, and each of its elementary effects is exactly zero.
    let unused = knob(s, "market.segments.enterprise.cycle_days");
    let v = &bookings.knobs[value];
    let u = &bookings.knobs[unused];
    assert_eq!(
        v.rank, 1,
        "deal value (10 to 160 $k) moves bookings most: {v:?}"
    );
    assert!(v.measures.mu.ci_low > 0.0, "{v:?}");
    assert_eq!(
        (
            u.measures.mu_star.value,
            u.measures.mu_star.ci_low,
            u.measures.mu_star.ci_high
        ),
        (0.0, 0.0, 0.0),
        "{u:?}"
    );
    assert!(u.measures.mu.ci_low <= 0.0 && u.measures.mu.ci_high >= 0.0);
    assert!(u.rank > v.rank);
}

#[test]
fn money_cannot_move_the_paired_difference_in_percent() {
    // Scaling every money value scales bookings and nothing else (a tested invariant), so the
    // difference in % of the reference's bookings does not move with deal value, while the
    // knobs that change behaviour do.
    let s = tiny_study();
    let difference = s
        .effects_of(Output::Difference { variant: 1 })
        .expect("aligned − aggressive");
    let value = &difference.knobs[knob(s, "market.value_median_k")];
    assert!(value.measures.mu_star.value < 0.01, "{value:?}");
    let top = &difference.knobs[difference.ranked()[0]];
    assert!(top.measures.mu_star.value > 100.0 * value.measures.mu_star.value);
    assert!(value.rank > difference.knobs.len() / 2, "{value:?}");
}

#[test]
fn compared_strategies_move_our_teams_only() {
    let s = tiny_study();
    // The rival sells the aggressive preset: it keeps a copy of the scenario's values.
    assert_eq!(s.held.len(), 1);
    assert_eq!(s.held[0].strategy, "aggressive");
    assert_eq!(s.held[0].teams, ["vendors.1.teams.0"]);
    for strategy in ["aggressive", "aligned"] {
        knob(s, &format!("strategies.{strategy}.discount_max"));
    }
    // The aligned preset's discount is 0: its range starts at the knob's floor.
    let aligned = &s.knobs[knob(s, "strategies.aligned.discount_max")];
    assert_eq!((aligned.low, aligned.high), (0.0, 0.1));
    // Book size in accounts per rep of ours (two reps): 100 to 800 per rep.
    let book = &s.knobs[knob(s, "market.customers")];
    assert_eq!((book.low, book.high, book.whole), (200.0, 1600.0, true));
}

#[test]
fn flip_points_are_for_the_top_unobservable_knobs() {
    let s = tiny_study();
    let difference = s.effects_of(Output::Difference { variant: 1 }).unwrap();
    let expected: Vec<usize> = difference
        .ranked()
        .into_iter()
        .filter(|&k| !s.knobs[k].observable())
        .take(3)
        .collect();
    let got: Vec<usize> = s.flips.iter().map(|f| f.knob).collect();
    assert_eq!(got, expected);
    for f in &s.flips {
        let k = &s.knobs[f.knob];
        match f.flip_value {
            // A flip lies inside the range, and only where the ends differ in sign.
            Some(v) => {
                assert!(k.low <= v && v <= k.high, "{f:?}");
                assert!(f.at_low * f.at_high <= 0.0, "{f:?}");
            }
            None => assert!(f.at_low * f.at_high > 0.0, "{f:?}"),
        }
    }
}

/// Runs the CLI study of the tiny scenario into `out` with the given threads.
fn cli_study(dir: &Path, out: &str, threads: &str) -> std::process::Output {
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let path = dir.join(out);
    salesim(&[
        "sensitivity",
        scenario.to_str().unwrap(),
        "--out",
        path.to_str().unwrap(),
        "--trajectories",
        "3",
        "--replications",
        "2",
        "--flip-replications",
        "2",
        "--flip-knobs",
        "2",
        "--threads",
        threads,
        "--quiet",
    ])
}

fn header(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.headers().unwrap().iter().map(String::from).collect()
}

#[test]
fn the_files_have_the_contract_columns_and_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = cli_study(dir.path(), "one", "1");
    assert!(one.status.success(), "{}", stderr(&one));
    let two = cli_study(dir.path(), "two", "2");
    assert!(two.status.success(), "{}", stderr(&two));
    let (a, b) = (dir.path().join("one"), dir.path().join("two"));
    assert_eq!(
        header(&a.join("sensitivity.csv")),
        [
            "output",
            "variant",
            "reference",
            "parameter",
            "low",
            "high",
            "value",
            "observable",
            "mu_star",
            "mu_star_ci_low",
            "mu_star_ci_high",
            "mu",
            "mu_ci_low",
            "mu_ci_high",
            "sigma",
            "sigma_ci_low",
            "sigma_ci_high",
            "noise_floor",
            "rank"
        ]
    );
    assert_eq!(
        header(&a.join("flip_points.csv")),
        [
            "variant",
            "reference",
            "parameter",
            "low",
            "high",
            "flips",
            "flip_value",
            "difference_at_low",
            "difference_at_high",
            "value",
            "difference_at_value",
            "replications"
        ]
    );
    assert_eq!(
        header(&a.join("swings.csv"))[..4],
        ["variant", "reference", "parameter", "low"]
    );
    for file in [
        "sensitivity.csv",
        "swings.csv",
        "flip_points.csv",
        "report.html",
        "charts/tornado.svg",
        "charts/tornado.png",
    ] {
        let (x, y) = (
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
        );
        assert!(x == y, "{file} differs between --threads 1 and 2");
    }
    // Every knob once per output: the difference (one comparison) and two variants' bookings.
    let rows = std::fs::read_to_string(a.join("sensitivity.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let knobs = manifest["design"]["knobs"].as_u64().unwrap() as usize;
    assert_eq!(rows.lines().count(), 1 + 3 * knobs);
    for variant in ["aggressive", "aligned"] {
        let prefix = format!("bookings,{variant},,");
        assert_eq!(
            rows.lines().filter(|l| l.starts_with(&prefix)).count(),
            knobs
        );
    }
    assert_eq!(
        rows.lines()
            .filter(|l| l.starts_with("bookings_difference_pct,aligned,aggressive,"))
            .count(),
        knobs
    );
    assert_eq!(manifest["study"], "sensitivity");
    assert_eq!(manifest["design"]["trajectories"], 3);
    assert_eq!(manifest["replication_seeds"].as_array().unwrap().len(), 2);
    let command = manifest["command"].as_str().unwrap();
    assert!(command.contains("--trajectories 3") && command.contains("--seed 7"));
    let report = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(report.contains("id=\"what-decides\""));
    assert!(report.contains("What decides the answer"));
    assert!(!report.contains("http"), "the report is self-contained");
}

#[test]
fn bad_input_exits_2_naming_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let tiny = scenario.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["sensitivity", "builtin:nope", "--out", out],
            "builtin:nope",
        ),
        (
            &["sensitivity", "missing.toml", "--out", out],
            "missing.toml",
        ),
        (
            &[
                "sensitivity",
                tiny,
                "--set",
                "market.custmers=5",
                "--out",
                out,
            ],
            "--set market.custmers=5",
        ),
        (
            &["sensitivity", tiny, "--levels", "3", "--out", out],
            "--levels 3",
        ),
        (
            &["sensitivity", tiny, "--trajectories", "1", "--out", out],
            "--trajectories",
        ),
        (
            &["sensitivity", tiny, "--replications", "x", "--out", out],
            "--replications",
        ),
    ];
    for (args, named) in cases {
        let got = salesim(args);
        let err = stderr(&got);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("salesim: error: "), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?} should name {named}: {err}");
    }
    assert!(!Path::new(out).exists(), "nothing is written on bad input");
}
