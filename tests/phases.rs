//! `phases.csv` (issue 28) on the real binary: the lesson's `steady` bookings difference is the
//! mean of quarters.csv's per-quarter paired differences over the steady quarters, its CI the
//! paired Student-t interval over replications of those means; `switch` is their sum over the
//! settling quarters; every (variant, metric) has the five phases.

mod support;

use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;
use std::path::Path;
use support::{salesim, stderr};

type Row = BTreeMap<String, String>;

fn rows(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Mean and 95% Student-t interval.
fn t_interval(xs: &[f64]) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.975);
    (mean, mean - t * sd / n.sqrt(), mean + t * sd / n.sqrt())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_lessons_steady_state_is_the_paired_mean_of_its_steady_quarters() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("lesson");
    let run = salesim(&[
        "run",
        "scenarios/lesson.toml",
        "--replications",
        "12",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let settle = manifest["scenario"]["settle_quarters"]
        .as_u64()
        .expect("the manifest's resolved scenario has settle_quarters") as usize;
    assert!((1..12).contains(&settle), "settle_quarters {settle}");

    // bookings[variant][replication][quarter - 1]
    let mut bookings: BTreeMap<String, BTreeMap<u32, Vec<f64>>> = BTreeMap::new();
    for r in rows(&out.join("quarters.csv")) {
        let q: usize = r["quarter"].parse().unwrap();
        let per = bookings
            .entry(r["variant"].clone())
            .or_default()
            .entry(r["replication"].parse().unwrap())
            .or_default();
        assert_eq!(per.len() + 1, q, "quarters in order");
        per.push(r["bookings"].parse().unwrap());
    }
    let (aligned, aggressive) = (&bookings["aligned"], &bookings["aggressive"]);
    let diffs: Vec<Vec<f64>> = aggressive
        .iter()
        .map(|(rep, base)| {
            let v = &aligned[rep];
            base.iter().zip(v).map(|(b, x)| x - b).collect()
        })
        .collect();
    assert_eq!(diffs.len(), 12);
    let steady: Vec<f64> = diffs
        .iter()
        .map(|d| d[settle..].iter().sum::<f64>() / (d.len() - settle) as f64)
        .collect();
    let switch: Vec<f64> = diffs.iter().map(|d| d[..settle].iter().sum()).collect();

    let header: Vec<String> = csv::Reader::from_path(out.join("phases.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
        ["point", "variant", "metric", "phase", "mean", "ci_low", "ci_high", "n"]
    );
    let phases = rows(&out.join("phases.csv"));
    let find = |metric: &str, phase: &str| -> &Row {
        phases
            .iter()
            .find(|r| r["variant"] == "aligned" && r["metric"] == metric && r["phase"] == phase)
            .unwrap_or_else(|| panic!("phases.csv has no aligned {metric} {phase} row"))
    };
    let num = |r: &Row, c: &str| -> f64 { r[c].parse().unwrap() };
    for (phase, values) in [("steady", &steady), ("switch", &switch)] {
        let row = find("bookings", phase);
        let (mean, lo, hi) = t_interval(values);
        assert!(
            close(num(row, "mean"), mean),
            "{phase}: {row:?} vs mean {mean}"
        );
        assert!(close(num(row, "ci_low"), lo), "{phase}: {row:?} vs {lo}");
        assert!(close(num(row, "ci_high"), hi), "{phase}: {row:?} vs {hi}");
        assert_eq!(row["n"], "12");
    }
    // The report's first screen states the same steady state, then the switch, then the total.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let verdict = html
        .find("<section id=\"verdict\">")
        .expect("a verdict section");
    assert!(verdict < html.find("<section id=\"headline\">").unwrap());
    let steady_li = format!(
        "data-phase=\"steady\" data-mean=\"{}\"",
        find("bookings", "steady")["mean"]
    );
    let switch_li = format!(
        "data-phase=\"switch\" data-mean=\"{}\"",
        find("bookings", "switch")["mean"]
    );
    let (at_steady, at_switch, at_total) = (
        html.find(&steady_li)
            .expect("the steady state in the report"),
        html.find(&switch_li).expect("the switch in the report"),
        html.find("data-phase=\"total\"")
            .expect("the total in the report"),
    );
    assert!(verdict < at_steady && at_steady < at_switch && at_switch < at_total);
    // The reference has no rows; every other variant has the five phases of every quarter metric.
    assert!(phases.iter().all(|r| r["variant"] == "aligned"));
    for metric in salesim::metrics::QUARTER_METRICS {
        for phase in ["switch", "steady", "steady_relative", "trend", "payback"] {
            find(metric, phase);
        }
    }
    // The payback, when there is one, is the first quarter of the horizon from which the
    // cumulative difference stays above zero: above zero from it on, not above zero in the
    // quarter before it (earlier quarters may be above zero for a while and fall back).
    let payback = find("bookings", "payback");
    if let Ok(q) = payback["mean"].parse::<usize>() {
        let mut cumulative = 0.0;
        for quarter in 1..=12 {
            cumulative += diffs.iter().map(|d| d[quarter - 1]).sum::<f64>() / 12.0;
            if quarter >= q {
                assert!(cumulative > 0.0, "quarter {quarter}: {cumulative}");
            } else if quarter + 1 == q {
                assert!(cumulative <= 0.0, "quarter {quarter}: {cumulative}");
            }
        }
    }
}

#[test]
fn lesson_md_states_the_steady_state_first_as_phases_csv_gives_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("quick");
    let run = salesim(&[
        "lesson",
        "--quick",
        "--replications",
        "40",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let phases = rows(&out.join("phases.csv"));
    let relative = phases
        .iter()
        .find(|r| r["metric"] == "bookings" && r["phase"] == "steady_relative")
        .expect("a steady_relative bookings row");
    let shown = salesim::output::summary::signed_percent(relative["mean"].parse().unwrap());
    let lesson = std::fs::read_to_string(out.join("lesson.md")).unwrap();
    let first = lesson
        .lines()
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert!(
        first.contains(&format!("{shown} of aggressive's a quarter")),
        "the first paragraph states the steady state ({shown}): {first}"
    );
    let (steady, total) = (
        first.find("steady state").unwrap(),
        first.find("switch included").unwrap(),
    );
    assert!(steady < total, "{first}");
    // The manifest says what the stopping rule judged, and how far the warm-up still drifts.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["stopping"]["method"]
        .as_str()
        .unwrap()
        .contains("steady state"));
    let drift = &manifest["warm_up_drift"]["points"][0]["metrics"];
    let metrics: Vec<&str> = drift
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    assert_eq!(metrics, ["bookings", "discount_share", "hockey_stick"]);
    for m in drift.as_array().unwrap() {
        let (lo, hi) = (
            m["ci_low"].as_f64().unwrap(),
            m["ci_high"].as_f64().unwrap(),
        );
        assert_eq!(m["within_noise"].as_bool().unwrap(), lo <= 0.0 && 0.0 <= hi);
    }
}

/// A market where a quarter-end discount cannot change the customer's choice (price is out of
/// it, and customers do not learn to wait for discounts): a pull-in only re-times a decision.
/// Quotas sit 60% above the territory's fair share, so reps are short at quarter end and pull
/// deals in often enough for the re-timing to show against the noise (at the default 1.05 the
/// aligned reps of issue 27's second session make quota often enough that the calendar credit,
/// +727 $k of list value, is inside its CI, −1,171 to +2,626; at 1.3, after the four-year
/// warm-up of issue 28, +1,263 $k, −554 to +3,080; at 1.6, +2,117 $k, +428 to +3,806).
const RE_TIMING: &str = r#"
name = "re-timing"
horizon_quarters = 8
replications = 30
seed = 20261207
reference = "no_pull_ins"

[market]
customers = 2000

[customers]
price_weight = 0.0
discount_learning = 0.0

[reps]
quota_factor = 1.6

[strategies.no_pull_ins]
base = "aligned"

[strategies.pull_ins]
base = "aligned"
discount_max = 0.25
discount_window_days = 10

[[variants]]
name = "no_pull_ins"
strategy = "no_pull_ins"

[[variants]]
name = "pull_ins"
strategy = "pull_ins"
"#;

#[test]
fn re_timing_alone_gains_nothing_by_cohort_or_in_the_steady_state() {
    let source = salesim::scenario::ScenarioSource::parse("re-timing.toml", RE_TIMING).unwrap();
    let plan = salesim::experiment::plan(&source, &[]).unwrap();
    let point = plan.point(0).unwrap();
    let result = salesim::experiment::run_point(&point, &|| {});
    let reps = result.config.replications as f64;
    // The variant does pull deals in.
    let pulled_in = result.pooled(1).pulled_in / reps;
    assert!(
        pulled_in >= 1.0,
        "{pulled_in} pulled-in deals a replication"
    );
    // By cohort (opportunities created within the horizon, wherever they close), the list value
    // won is the same, within its 95% CI.
    let cohort = |v: usize| -> Vec<f64> {
        let mut runs: Vec<_> = result.runs.iter().filter(|r| r.variant == v).collect();
        runs.sort_by_key(|r| r.replication);
        runs.iter().map(|r| r.record.cohort_list_value).collect()
    };
    let d = salesim::experiment::stats::paired(&cohort(1), &cohort(0), Some(true));
    assert!(
        d.diff.ci_low <= 0.0 && 0.0 <= d.diff.ci_high,
        "cohort list value: {:?}",
        d.diff
    );
    assert!(cohort(0).iter().all(|&x| x > 0.0));
    // The calendar total over the horizon, by contrast, credits the re-timing: the switch's
    // pull-ins borrow from later quarters, and the last quarter's from after the horizon.
    let list = salesim::metrics::run_metric("list_value");
    let calendar = |v: usize| -> Vec<f64> {
        let mut runs: Vec<_> = result.runs.iter().filter(|r| r.variant == v).collect();
        runs.sort_by_key(|r| r.replication);
        runs.iter().map(|r| r.record.metrics()[list]).collect()
    };
    let total = salesim::experiment::stats::paired(&calendar(1), &calendar(0), Some(true));
    assert!(
        total.diff.ci_low > 0.0,
        "calendar list value: {:?}",
        total.diff
    );
    // And the steady state's list value a quarter gains nothing either.
    let steady = salesim::output::phases::of(&result, 1, "list_value").steady;
    assert!(
        steady.ci_low <= 0.0 && 0.0 <= steady.ci_high,
        "steady list value a quarter: {steady:?}"
    );
}
