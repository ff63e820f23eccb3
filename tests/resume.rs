//! Interruption, resume and cluster slices, on the real binary (issue 7):
//! - Ctrl-C (SIGINT) and SIGTERM stop a sweep cleanly: exit 130, finished points' CSVs in place,
//!   the manifest says incomplete, no `.partial` file or stale report left looking complete;
//! - `--resume` (also after `kill -9`, also with a torn last journal frame) computes only the
//!   missing runs and ends with CSVs byte-identical to an uninterrupted run;
//! - `--shard K/N` slices merged by `salesim merge` equal one unsharded run byte for byte, and
//!   merge refuses slices of other scenarios, options, seeds or versions, missing, doubled or
//!   unfinished slices (exit 2, naming the folder);
//! - with `--deals` (issue 16), the journal carries every run's deal records: a resumed run's and
//!   merged slices' `deals.csv` are byte-identical to an uninterrupted run's, and a journal is
//!   never resumed or merged with the other setting of `--deals`.

mod support;

use salesim::experiment::journal;
use salesim::experiment::Slice;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};
use support::{csv_files, finish, manifest_dir, salesim, signal, spawn_in, stderr, SWEEP};

/// A small lesson for the slice tests: 5 replications × 2 variants = 10 runs, so 3 slices get
/// 4, 3 and 3 runs and slices split replications' variants.
const SMALL: &[&str] = &[
    "scenarios/lesson.toml",
    "--set",
    "market.customers=400",
    "--replications",
    "5",
];

fn run(base: &[&str], extra: &[&str]) -> Output {
    let mut args = vec!["run"];
    args.extend_from_slice(base);
    args.extend_from_slice(extra);
    args.push("-q");
    salesim(&args)
}

fn spawn(base: &[&str], out: &Path) -> Child {
    let mut args = vec!["run"];
    args.extend_from_slice(base);
    args.extend(["--out", out.to_str().unwrap(), "-q"]);
    spawn_in(manifest_dir(), &args)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The CSVs of both folders are byte-identical, `deals.csv` too when the expected folder has one
/// (and the actual folder has one exactly when the expected one does).
fn assert_same_csvs(expected: &Path, actual: &Path) {
    let deals = salesim::output::DEALS_FILE;
    assert_eq!(
        expected.join(deals).exists(),
        actual.join(deals).exists(),
        "{deals} in one folder only"
    );
    let mut files = csv_files();
    if expected.join(deals).exists() {
        files.push(deals);
    }
    for f in files {
        assert!(
            read(&expected.join(f)) == read(&actual.join(f)),
            "{f} differs between {} and {}",
            expected.display(),
            actual.display()
        );
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("manifest.json"))).expect("manifest is JSON")
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

/// Lines of the temporary file runs.csv is streamed to (`.salesim-runs.csv.XXXXXX.partial`).
fn streamed_runs_lines(out: &Path) -> usize {
    std::fs::read_dir(out).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with(".salesim-runs.csv.") && salesim::fsafe::is_temporary(&name)
            })
            .map(|e| lines(&e.path()))
            .max()
            .unwrap_or(0)
    })
}

/// Waits until at least one sweep point's rows have been streamed (the temporary runs.csv has
/// more than its header) and more runs are journaled, then signals the run.
fn stop_after_first_point(child: &mut Child, out: &Path, sig: &str) -> Output {
    let started = Instant::now();
    while streamed_runs_lines(out) < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be stopped: make SWEEP bigger"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no point ever finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(child, sig);
    finish(child)
}

fn uninterrupted(tmp: &Path) -> PathBuf {
    let dir = tmp.join("whole");
    let o = run(SWEEP, &["--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.join(journal::JOURNAL_FILE).exists(),
        "a finished run removes its journal"
    );
    dir
}

fn no_partial_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "{name} left behind");
    }
}

#[test]
fn a_stopped_sweep_keeps_finished_points_and_resumes_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = uninterrupted(tmp.path());
    for signal in ["-INT", "-TERM"] {
        let dir = tmp.path().join(format!("stopped{signal}"));
        // An earlier complete run in the same folder: its report must not survive next to the
        // stopped run's outputs.
        let o = run(SMALL, &["--out", dir.to_str().unwrap()]);
        assert!(o.status.success());
        let mut child = spawn(SWEEP, &dir);
        let o = stop_after_first_point(&mut child, &dir, signal);
        assert_eq!(o.status.code(), Some(130), "{signal}: {}", stderr(&o));
        assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
        no_partial_files(&dir);
        assert!(
            !dir.join("report.html").exists(),
            "stale report left behind"
        );
        let m = manifest(&dir);
        assert_eq!(m["complete"], false);
        let finished = m["finished_runs"].as_u64().unwrap();
        let total = m["total_runs"].as_u64().unwrap();
        assert!(0 < finished && finished < total, "{finished} of {total}");
        // The CSVs hold exactly the finished points, each whole, as in the full run.
        let kept = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
        let full = std::fs::read_to_string(whole.join("runs.csv")).unwrap();
        assert!(kept.lines().count() > 1, "no finished point kept");
        assert!(
            full.starts_with(&kept),
            "the kept rows are not the first points of the full run"
        );
        let points_kept = kept.lines().count() - 1;
        assert_eq!(points_kept % 12, 0, "a point's 6 × 2 runs are kept whole");
        let o = salesim(&["report", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "no report of a stopped run");
        assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
        let journaled = journal::read(&dir.join(journal::JOURNAL_FILE))
            .unwrap()
            .entries
            .len() as u64;
        assert_eq!(journaled, finished);

        let o = run(SWEEP, &["--out", dir.to_str().unwrap(), "--resume"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_same_csvs(&whole, &dir);
        let m = manifest(&dir);
        assert_eq!(m["complete"], true);
        assert_eq!(
            m["computed_runs"].as_u64().unwrap(),
            total - journaled,
            "resume recomputed finished runs"
        );
        assert!(dir.join("report.html").is_file());
        assert!(!dir.join(journal::JOURNAL_FILE).exists());
        no_partial_files(&dir);
    }
}

#[test]
fn resume_after_kill_9_and_a_torn_journal_is_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = uninterrupted(tmp.path());
    let dir = tmp.path().join("killed");
    let mut child = spawn(SWEEP, &dir);
    let o = stop_after_first_point(&mut child, &dir, "-KILL");
    assert_eq!(o.status.code(), None, "killed by a signal");
    assert!(!dir.join("runs.csv").exists(), "nothing looks complete");
    assert!(
        !dir.join("manifest.json").exists(),
        "nothing looks complete"
    );

    // Killed in a folder that held a finished run: its manifest and report do not survive
    // beside the outputs being replaced.
    let reused = tmp.path().join("reused");
    let o = run(SMALL, &["--out", reused.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(reused.join("manifest.json").exists());
    let mut child = spawn(SWEEP, &reused);
    let o = stop_after_first_point(&mut child, &reused, "-KILL");
    assert_eq!(o.status.code(), None);
    assert!(!reused.join("manifest.json").exists(), "old manifest left");
    assert!(!reused.join("report.html").exists(), "old report left");
    assert!(!reused.join("charts").exists(), "old charts left");

    // Tear the last frame, as a kill in the middle of a write would.
    let path = dir.join(journal::JOURNAL_FILE);
    let before = journal::read(&path).unwrap();
    assert!(before.entries.len() >= 2);
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len - 7).unwrap();
    drop(file);
    let torn = journal::read(&path).unwrap();
    assert_eq!(torn.entries.len(), before.entries.len() - 1);

    // A fresh run must not throw the stopped run's work away.
    let o = run(SWEEP, &["--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));

    let o = run(SWEEP, &["--out", dir.to_str().unwrap(), "--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &dir);
    let m = manifest(&dir);
    assert_eq!(
        m["computed_runs"].as_u64().unwrap(),
        m["total_runs"].as_u64().unwrap() - torn.entries.len() as u64
    );
}

#[test]
fn resume_refuses_another_scenario_or_nothing_to_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let o = run(SWEEP, &["--out", dir.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no stopped run"), "{}", stderr(&o));
    // A slice's journal stays; resuming it with other options is refused, naming what differs.
    let o = run(SMALL, &["--out", dir.to_str().unwrap(), "--shard", "1/2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        SMALL,
        &[
            "--out",
            dir.to_str().unwrap(),
            "--shard",
            "1/2",
            "--seed",
            "7",
            "--resume",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("master seed"), "{}", stderr(&o));
    let o = run(
        SMALL,
        &["--out", dir.to_str().unwrap(), "--shard", "2/2", "--resume"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("slice 1/2, not slice 2/2"),
        "{}",
        stderr(&o)
    );
}

fn slices(tmp: &Path, base: &[&str], n: u32) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let dir = tmp.join(format!("slice-{k}"));
            let shard = format!("{k}/{n}");
            let o = run(base, &["--out", dir.to_str().unwrap(), "--shard", &shard]);
            assert!(o.status.success(), "{}", stderr(&o));
            let m = manifest(&dir);
            assert_eq!(m["shard"]["index"], k);
            assert_eq!(
                m["files"],
                serde_json::json!(["journal.bin", "manifest.json"])
            );
            assert!(!dir.join("runs.csv").exists(), "a slice writes no CSVs");
            dir
        })
        .collect()
}

fn merge(dirs: &[&Path], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", out.to_str().unwrap(), "-q"]);
    salesim(&args)
}

#[test]
fn three_slices_merge_into_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let o = run(SMALL, &["--out", whole.to_str().unwrap()]);
    assert!(o.status.success());
    let dirs = slices(tmp.path(), SMALL, 3);
    let counts: Vec<usize> = dirs
        .iter()
        .map(|d| {
            journal::read(&d.join(journal::JOURNAL_FILE))
                .unwrap()
                .entries
                .len()
        })
        .collect();
    assert_eq!(counts, vec![4, 3, 3], "10 runs dealt out in turn");
    let merged = tmp.path().join("merged");
    // Any order of the folders.
    let o = merge(&[&dirs[2], &dirs[0], &dirs[1]], &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &merged);
    assert!(merged.join("report.html").is_file());
    let (a, b) = (manifest(&whole), manifest(&merged));
    for key in [
        "scenario",
        "seeds",
        "command",
        "total_runs",
        "finished_runs",
        "complete",
    ] {
        assert_eq!(a[key], b[key], "manifest {key}");
    }
    assert_eq!(b["computed_runs"], 0, "a merge computes nothing");
    assert_eq!(b["runs"], 0, "throughput counts only runs computed");
    let loud = tmp.path().join("loud");
    let o = salesim(&[
        "merge",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        dirs[2].to_str().unwrap(),
        "--out",
        loud.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("No runs computed"), "{stdout}");
    assert!(!stdout.contains("Throughput: 0.00M"), "{stdout}");
    // A merge runs no simulation threads: its first line says what it did instead.
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.contains("merged from 3 slices in "), "{stdout}");
    assert!(!first.contains("thread"), "{stdout}");
    let one = tmp.path().join("one");
    let mut args = SMALL.to_vec();
    args.extend(["--out", one.to_str().unwrap(), "--threads", "1"]);
    let o = salesim(&[&["run"], &args[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.ends_with(" s on 1 thread)"), "{stdout}");
}

#[test]
fn a_single_slice_keeps_its_journal_and_merges_into_the_unsharded_run() {
    // `--shard 1/1` is a slice like any other (a job array of one task), not a plain run: its
    // folder keeps journal.bin and gets no CSVs, and `merge` turns it into the run's files.
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let o = run(SMALL, &["--out", whole.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dirs = slices(tmp.path(), SMALL, 1);
    assert!(
        dirs[0].join(journal::JOURNAL_FILE).is_file(),
        "1/1 keeps its journal"
    );
    let m = manifest(&dirs[0]);
    assert!(
        m["command"].as_str().unwrap().ends_with("--shard 1/1"),
        "the slice's command reproduces the slice: {}",
        m["command"]
    );
    let merged = tmp.path().join("merged");
    let o = merge(&[&dirs[0]], &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &merged);
    assert_eq!(manifest(&merged)["command"], manifest(&whole)["command"]);
    // Nor is a slice a plain run: resuming its folder without --shard is refused.
    let stopped = tmp.path().join("stopped");
    let o = run(
        SMALL,
        &["--out", stopped.to_str().unwrap(), "--shard", "1/1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(SMALL, &["--out", stopped.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("slice 1/1"), "{}", stderr(&o));
}

#[test]
fn a_sweep_split_in_three_merges_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep: &[&str] = &[
        "scenarios/discount-sweep.toml",
        "--set",
        "market.customers=300",
        "--replications",
        "2",
    ];
    let whole = tmp.path().join("whole");
    let o = run(sweep, &["--out", whole.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dirs = slices(tmp.path(), sweep, 3);
    let merged = tmp.path().join("merged");
    let o = merge(&[&dirs[0], &dirs[1], &dirs[2]], &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &merged);
}

#[test]
fn merge_refuses_slices_that_do_not_belong_together() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = slices(tmp.path(), SMALL, 3);
    let out = tmp.path().join("merged");
    let refused = |dirs: &[&Path], expect: &str| {
        let o = merge(dirs, &out);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(expect),
            "wanted `{expect}`: {}",
            stderr(&o)
        );
        assert!(!out.join("runs.csv").exists(), "nothing written");
    };
    refused(&[&dirs[0], &dirs[1]], "missing slice(s): 3/3");
    refused(&[&dirs[0], &dirs[1], &dirs[1]], "and so is");
    refused(&[tmp.path()], "has no journal.bin");

    let other = |name: &str, extra: &[&str]| -> PathBuf {
        let dir = tmp.path().join(name);
        let mut args = extra.to_vec();
        let d = dir.to_str().unwrap().to_string();
        args.extend(["--out", &d, "--shard", "3/3"]);
        let o = run(SMALL, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        dir
    };
    let seed = other("seed", &["--seed", "99"]);
    refused(&[&dirs[0], &dirs[1], &seed], "master seed 99");
    let set = other("set", &["--set", "market.peers=3"]);
    refused(&[&dirs[0], &dirs[1], &set], "different scenario contents");
    let four = tmp.path().join("four");
    let o = run(SMALL, &["--out", four.to_str().unwrap(), "--shard", "3/4"]);
    assert!(o.status.success());
    refused(&[&dirs[0], &dirs[1], &four], "is slice 3/4");

    // The same journal with its header changed.
    let rewritten = |name: &str, change: &dyn Fn(&mut journal::Header)| -> PathBuf {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let contents = journal::read(&dirs[2].join(journal::JOURNAL_FILE)).unwrap();
        let mut header = contents.header.clone();
        change(&mut header);
        let w = journal::Writer::create(&dir.join(journal::JOURNAL_FILE), &header).unwrap();
        let mut reader = journal::EntryReader::open(&contents.path).unwrap();
        for loc in contents.entries.values() {
            w.append(&reader.entry(*loc).unwrap()).unwrap();
        }
        dir
    };
    let old = rewritten("old", &|h| h.salesim_version = "0.0.1".into());
    refused(&[&dirs[0], &dirs[1], &old], "salesim 0.0.1");
    // A stopped run without --shard is not a slice, not even of one.
    let plain = rewritten("plain", &|h| h.job.shard = None);
    refused(&[&plain], "without --shard, not a slice");

    // An unfinished slice: its last run lost.
    let path = dirs[2].join(journal::JOURNAL_FILE);
    let len = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len - 1).unwrap();
    drop(f);
    refused(
        &[&dirs[0], &dirs[1], &dirs[2]],
        "slice 3/3 has not finished",
    );
}

#[test]
fn bad_shard_arguments_exit_2() {
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"] {
        let arg = format!("--shard={bad}");
        let o = run(SMALL, &[&arg, "--out", "/nonexistent/never"]);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("K/N"), "--shard {bad}: {}", stderr(&o));
    }
}

#[test]
fn slices_deal_every_run_to_exactly_one_slice() {
    for n in 1..=7u32 {
        for total in [0u64, 1, 5, 10, 11, 100] {
            let slices: Vec<Slice> = (1..=n).map(|k| Slice { index: k, count: n }).collect();
            for run in 0..total {
                assert_eq!(slices.iter().filter(|s| s.owns(run)).count(), 1);
            }
            let counted: Vec<u64> = slices.iter().map(|s| s.runs_of(total)).collect();
            let owned: Vec<u64> = slices
                .iter()
                .map(|s| (0..total).filter(|r| s.owns(*r)).count() as u64)
                .collect();
            assert_eq!(counted, owned, "n={n} total={total}");
        }
    }
    assert_eq!("2/5".parse::<Slice>(), Ok(Slice { index: 2, count: 5 }));
}

/// `base` with `--deals`, and the folder (`whole` in `tmp`) of its uninterrupted run.
fn whole_with_deals<'a>(tmp: &Path, base: &[&'a str]) -> (Vec<&'a str>, PathBuf) {
    let args: Vec<&str> = [base, &["--deals"]].concat();
    let whole = tmp.join("whole");
    let o = run(&args, &["--out", whole.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(whole.join(salesim::output::DEALS_FILE).is_file());
    (args, whole)
}

#[test]
fn a_stopped_run_with_deals_resumes_byte_identical_and_only_with_deals() {
    let tmp = tempfile::tempdir().unwrap();
    let (sweep, whole) = whole_with_deals(tmp.path(), SWEEP);
    let dir = tmp.path().join("stopped");
    let mut child = spawn(&sweep, &dir);
    let o = stop_after_first_point(&mut child, &dir, "-INT");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--deals"),
        "the resume command keeps --deals: {}",
        stderr(&o)
    );
    // The finished points' deals are in place, as the full run's first rows.
    let kept = std::fs::read_to_string(dir.join("deals.csv")).unwrap();
    let full = std::fs::read_to_string(whole.join("deals.csv")).unwrap();
    assert!(kept.lines().count() > 1 && full.starts_with(&kept));
    let journaled = journal::read(&dir.join(journal::JOURNAL_FILE)).unwrap();
    assert!(journaled.header.job.deals);
    let mut reader = journal::EntryReader::open(&journaled.path).unwrap();
    let loc = journaled.entries.values().next().unwrap();
    assert!(
        !reader.entry(*loc).unwrap().deals.is_empty(),
        "deal records journaled"
    );

    // Without --deals the journal's runs lack nothing but cannot give deals.csv: refused.
    let o = run(SWEEP, &["--out", dir.to_str().unwrap(), "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds a run with --deals, not one without --deals"),
        "{}",
        stderr(&o)
    );
    let o = run(&sweep, &["--out", dir.to_str().unwrap(), "--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &dir);
    let m = manifest(&dir);
    assert_eq!(m["deals"], true);
    assert!(
        m["computed_runs"].as_u64().unwrap() < m["total_runs"].as_u64().unwrap(),
        "resume recomputed finished runs"
    );
}

#[test]
fn slices_with_deals_merge_into_the_unsharded_runs_deals() {
    let tmp = tempfile::tempdir().unwrap();
    let (small, whole) = whole_with_deals(tmp.path(), SMALL);
    let dirs = slices(&tmp.path().join("deals"), &small, 3);
    let merged = tmp.path().join("merged");
    let o = merge(&[&dirs[1], &dirs[2], &dirs[0]], &merged);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_csvs(&whole, &merged);
    assert_eq!(manifest(&merged)["command"], manifest(&whole)["command"]);
    assert_eq!(manifest(&merged)["deals"], true);

    // A slice without --deals does not belong with them.
    let plain = slices(&tmp.path().join("plain"), SMALL, 3);
    let out = tmp.path().join("mixed");
    let o = merge(&[&dirs[0], &dirs[1], &plain[2]], &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds a run without --deals, not one with --deals"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("runs.csv").exists(), "nothing written");
    // And merged without --deals, the slices give no deals.csv.
    let o = merge(&[&plain[0], &plain[1], &plain[2]], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("deals.csv").exists());
}
