//! `salesim run --trace R`: `trace.csv` agrees with runs.csv for replication R of every variant
//! (its contacts, blocks and won deals add up to the run's `contacts`, `blocks`, `deals` and
//! `bookings`, its welcome and on-journey contacts to `unwelcome_share` and `on_journey_share`),
//! it is the same whatever the thread count, it changes no other output, and a bad `--trace` is
//! the command line's error.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// A short lesson: 2 quarters, 3 replications.
const SHORT: [&str; 6] = [
    "--set",
    "horizon_quarters=2",
    "--set",
    "market.customers=2000",
    "--replications",
    "3",
];

fn run(out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(["run", "builtin:lesson", "--quiet", "--out"])
        .arg(out)
        .args(SHORT)
        .args(extra)
        .output()
        .unwrap()
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn the_trace_adds_up_to_the_runs_metrics_and_is_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two, plain) = (
        dir.path().join("one"),
        dir.path().join("two"),
        dir.path().join("plain"),
    );
    let out = run(&one, &["--trace", "1", "--threads", "1"]);
    assert!(out.status.success(), "{out:?}");
    let out = run(&two, &["--trace", "1", "--threads", "2"]);
    assert!(out.status.success(), "{out:?}");
    let out = run(&plain, &["--threads", "2"]);
    assert!(out.status.success(), "{out:?}");
    let trace = std::fs::read(one.join("trace.csv")).unwrap();
    assert_eq!(
        trace,
        std::fs::read(two.join("trace.csv")).unwrap(),
        "the same trace on 1 and 2 threads"
    );
    assert!(!plain.join("trace.csv").exists());
    for file in ["runs.csv", "teams.csv", "vendors.csv"] {
        assert_eq!(
            std::fs::read(one.join(file)).unwrap(),
            std::fs::read(plain.join(file)).unwrap(),
            "{file} is the same with and without --trace"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["trace_replication"], 1);

    let trace = rows(&one.join("trace.csv"));
    let runs = rows(&one.join("runs.csv"));
    let variants: Vec<&str> = runs
        .iter()
        .filter(|r| r["replication"] == "1")
        .map(|r| r["variant"].as_str())
        .collect();
    assert_eq!(variants.len(), 2);
    assert!(trace.iter().all(|r| r["replication"] == "1"));
    // Our vendor is the lesson's first.
    let us = "us";
    for variant in variants {
        let run = runs
            .iter()
            .find(|r| r["replication"] == "1" && r["variant"] == variant)
            .unwrap();
        let metric = |m: &str| run[m].parse::<f64>().unwrap();
        let ours: Vec<_> = trace
            .iter()
            .filter(|r| r["variant"] == variant && r["vendor"] == us)
            .collect();
        let of = |event: &str| -> Vec<&HashMap<String, String>> {
            ours.iter()
                .copied()
                .filter(|r| r["event"] == event)
                .collect()
        };
        let contacts = of("contact");
        assert_eq!(contacts.len() as f64, metric("contacts"), "{variant}");
        assert_eq!(of("block").len() as f64, metric("blocks"), "{variant}");
        let won: Vec<_> = of("deal")
            .into_iter()
            .filter(|r| r["outcome"] == "won")
            .collect();
        assert_eq!(won.len() as f64, metric("deals"), "{variant}");
        let booked: f64 = won.iter().map(|r| r["net_k"].parse::<f64>().unwrap()).sum();
        assert!(
            (booked - metric("bookings")).abs() < 1e-6 * metric("bookings").max(1.0),
            "{variant}: {booked} vs {}",
            metric("bookings")
        );
        let n = contacts.len() as f64;
        let unwelcome = contacts.iter().filter(|r| r["welcome"] == "false").count() as f64;
        assert!((unwelcome / n - metric("unwelcome_share")).abs() < 1e-12);
        let on_journey = contacts
            .iter()
            .filter(|r| !matches!(r["stage"].as_str(), "dormant" | "cool_off"))
            .count() as f64;
        assert!((on_journey / n - metric("on_journey_share")).abs() < 1e-12);
        // Our opportunities, closed: the win rate's denominator.
        let closed = of("deal").len() as f64;
        assert!((won.len() as f64 / closed - metric("win_rate")).abs() < 1e-12);
        // Each block warns the blocking account's peers.
        if !of("block").is_empty() {
            assert!(
                !of("peer_warning").is_empty(),
                "{variant}: peers are warned"
            );
        }
        // Days run through the horizon, quarters 1 and 2.
        let last = trace
            .iter()
            .filter(|r| r["variant"] == variant)
            .map(|r| r["day"].parse::<i32>().unwrap())
            .max()
            .unwrap();
        assert!((120..130).contains(&last), "{last}");
    }
    // Stage changes name real stages and move the account on.
    let stages = [
        "dormant",
        "problem_identification",
        "exploration",
        "supplier_selection",
        "validation",
        "decision",
        "cool_off",
    ];
    for r in trace.iter().filter(|r| r["event"] == "stage_change") {
        assert!(stages.contains(&r["stage"].as_str()), "{r:?}");
        assert!(stages.contains(&r["previous_stage"].as_str()), "{r:?}");
        assert_ne!(r["stage"], r["previous_stage"]);
    }
}

#[test]
fn a_bad_trace_replication_is_refused_with_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    for (value, says) in [
        ("3", "from 0 to 2"),
        ("-1", "not a replication number"),
        ("x", "not a replication number"),
        ("", "not a replication number"),
    ] {
        let out = run(&dir.path().join("bad"), &["--trace", value]);
        assert_eq!(out.status.code(), Some(2), "--trace {value:?}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.contains(says), "--trace {value:?}: {text}");
        assert!(text.contains("Allowed"), "{text}");
        assert!(!dir.path().join("bad").join("trace.csv").exists());
    }
}
