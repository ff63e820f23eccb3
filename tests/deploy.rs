//! The cluster examples under `deploy/`: the Slurm slice and merge scripts run outside Slurm (the
//! array variables set by hand, as deploy/README.md shows), and the merged outputs must be
//! byte-identical to an unsharded `salesim run` with the same options. Also: a requeued slice
//! (rerun of a finished one) changes nothing, a missing slice makes the merge script exit 2, and the
//! slice script refuses a task number outside the array.
//!
//! The run is a reduced sweep (8 points × 2 variants × 3 replications, a small short market), so
//! slices mix points and the whole test takes a few seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = "scenarios/discount-sweep.toml";
const SALESIM_ARGS: &str =
    "--replications 3 --seed 7 --set market.customers=800 --set horizon_quarters=4";
/// Rows of runs.csv for SALESIM_ARGS: 8 sweep points × 2 variants × 3 replications.
const RUNS: usize = 8 * 2 * 3;
const SLICES: usize = 3;

/// The CSVs of an output folder (the contract's names are checked in tests/cli.rs).
const CSV_FILES: [&str; 5] = {
    let f = salesim::output::FILES;
    [f[0], f[1], f[2], f[3], f[4]]
};

/// Every variable the scripts read; cleared before each run so the host's cannot leak in.
const SCRIPT_VARS: [&str; 11] = [
    "SCENARIO",
    "SLICES",
    "RESULTS",
    "MERGED",
    "SALESIM",
    "SALESIM_ARGS",
    "THREADS",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_CPUS_PER_TASK",
    "SLURM_JOB_ID",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The settings shared by every script run: scenario, binary, results folder, extra arguments.
fn settings(results: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("SCENARIO", root().join(SCENARIO).display().to_string()),
        ("SALESIM", env!("CARGO_BIN_EXE_salesim").to_string()),
        ("RESULTS", results.display().to_string()),
        ("SALESIM_ARGS", SALESIM_ARGS.to_string()),
    ]
}

/// Runs `bash deploy/slurm/<script>` in `cwd` with exactly `vars` set among SCRIPT_VARS.
fn script(name: &str, cwd: &Path, vars: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("deploy/slurm").join(name))
        .current_dir(cwd);
    for var in SCRIPT_VARS {
        cmd.env_remove(var);
    }
    for (var, value) in vars {
        cmd.env(var, value);
    }
    let out = cmd.output().expect("bash starts");
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{name} {vars:?}: salesim panicked:\n{}",
        text(&out.stderr)
    );
    out
}

fn assert_success(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed:\nstdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Runs array task `k` of SLICES, as Slurm would with `--array=1-SLICES --cpus-per-task=threads`.
fn slice(k: usize, cwd: &Path, results: &Path, threads: usize) -> Output {
    slice_of(k, SLICES, cwd, results, threads)
}

/// Runs array task `k` of an array `1-n`.
fn slice_of(k: usize, n: usize, cwd: &Path, results: &Path, threads: usize) -> Output {
    let mut vars = settings(results);
    vars.push(("SLURM_ARRAY_TASK_ID", k.to_string()));
    vars.push(("SLURM_ARRAY_TASK_COUNT", n.to_string()));
    vars.push(("SLURM_CPUS_PER_TASK", threads.to_string()));
    script("slice.sbatch", cwd, &vars)
}

fn merge(cwd: &Path, results: &Path) -> Output {
    merge_of(SLICES, cwd, results)
}

/// The merge job of an array of `n` slices.
fn merge_of(n: usize, cwd: &Path, results: &Path) -> Output {
    let mut vars = settings(results);
    vars.push(("SLICES", n.to_string()));
    script("merge.sbatch", cwd, &vars)
}

fn slice_dir(results: &Path, k: usize) -> PathBuf {
    results.join(format!("slice-{k}-of-{SLICES}"))
}

/// One unsharded `salesim run` of the reduced sweep into `cwd/whole`.
fn unsharded(cwd: &Path) -> PathBuf {
    let whole = cwd.join("whole");
    let mut args = vec![
        "run".to_string(),
        root().join(SCENARIO).display().to_string(),
        "--out".to_string(),
        whole.display().to_string(),
        "--quiet".to_string(),
    ];
    args.extend(SALESIM_ARGS.split_whitespace().map(String::from));
    let out = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(&args)
        .current_dir(cwd)
        .output()
        .expect("salesim starts");
    assert_success(&out, &format!("unsharded salesim {args:?}"));
    whole
}

/// Every CSV of `merged` is byte-identical to the one in `whole`.
fn assert_same_csvs(whole: &Path, merged: &Path) {
    for f in CSV_FILES {
        let (a, b) = (
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap_or_else(|e| panic!("merged {f} is readable: {e}")),
        );
        assert!(
            a == b,
            "merged {f} differs from the unsharded run's ({} vs {} bytes)",
            b.len(),
            a.len()
        );
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    let path = dir.join("manifest.json");
    let raw = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display()));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{} is JSON: {e}", path.display()))
}

#[test]
fn slurm_array_slices_merge_to_the_files_of_an_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");

    for k in 1..=SLICES {
        // Thread counts differ between tasks: they must not change the outputs.
        let out = slice(k, tmp.path(), &results, k);
        assert_success(&out, &format!("slice.sbatch, task {k}"));
        let dir = slice_dir(&results, k);
        assert!(
            dir.join("journal.bin").is_file(),
            "slice {k} wrote no journal.bin in {}",
            dir.display()
        );
        let m = manifest(&dir);
        assert_eq!(m["shard"]["index"], k, "slice {k}: manifest {m}");
        assert_eq!(m["shard"]["count"], SLICES, "slice {k}: manifest {m}");
        assert_eq!(m["complete"], true, "slice {k}: manifest {m}");
        for f in CSV_FILES.iter().chain(&["report.html"]) {
            assert!(
                !dir.join(f).exists(),
                "a slice must not write {f}, found in {}",
                dir.display()
            );
        }
    }

    // A requeued task: the slice folder has a journal, so the script resumes a finished slice,
    // which must succeed and recompute nothing.
    let journal = slice_dir(&results, 2).join("journal.bin");
    let before = std::fs::read(&journal).unwrap();
    let out = slice(2, tmp.path(), &results, 2);
    assert_success(&out, "slice.sbatch, task 2 run again");
    assert!(
        std::fs::read(&journal).unwrap() == before,
        "rerunning a finished slice changed its journal.bin"
    );
    assert_eq!(manifest(&slice_dir(&results, 2))["complete"], true);

    let out = merge(tmp.path(), &results);
    assert_success(&out, "merge.sbatch");
    let merged = results.join("merged");

    assert_same_csvs(&unsharded(tmp.path()), &merged);
    let runs = std::fs::read_to_string(merged.join("runs.csv")).unwrap();
    assert_eq!(
        runs.lines().count(),
        1 + RUNS,
        "merged runs.csv: a header and one row per point × variant × replication"
    );
    assert!(merged.join("manifest.json").is_file(), "no merged manifest");
    assert!(merged.join("report.html").is_file(), "no merged report");
    let charts = std::fs::read_dir(merged.join("charts"))
        .expect("merged charts/ exists")
        .count();
    assert!(charts > 0, "merged charts/ is empty");
}

#[test]
fn a_one_task_array_merges_too() {
    // SLICES=1: the one slice keeps its journal (it is a slice, not a plain run), so the merge
    // job finds it and writes RESULTS/merged/.
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    assert_success(
        &slice_of(1, 1, tmp.path(), &results, 2),
        "slice.sbatch, task 1 of 1",
    );
    let dir = results.join("slice-1-of-1");
    assert!(
        dir.join("journal.bin").is_file(),
        "slice 1 of 1 wrote no journal.bin in {}",
        dir.display()
    );
    assert!(
        !dir.join("runs.csv").exists(),
        "slice 1 of 1 wrote the CSVs of a plain run in {}",
        dir.display()
    );
    assert_success(
        &merge_of(1, tmp.path(), &results),
        "merge.sbatch of 1 slice",
    );
    assert_same_csvs(&unsharded(tmp.path()), &results.join("merged"));
}

#[test]
fn merge_script_exits_2_when_a_slice_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    for k in [1, 3] {
        assert_success(
            &slice(k, tmp.path(), &results, 1),
            &format!("slice.sbatch, task {k}"),
        );
    }
    let out = merge(tmp.path(), &results);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "merge without slice 2 must exit 2:\nstdout: {}\nstderr: {stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains("slice-2-of-3"),
        "the message should name the missing slice:\n{stderr}"
    );
    assert!(
        !results.join("merged").join("runs.csv").exists(),
        "a refused merge must not write runs.csv"
    );
}

#[test]
fn slice_script_refuses_a_task_outside_the_array() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    let out = slice(SLICES + 1, tmp.path(), &results, 1);
    assert_eq!(
        out.status.code(),
        Some(2),
        "task {} of {SLICES}: stderr {}",
        SLICES + 1,
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains(&format!("there are {SLICES} slices")),
        "stderr: {}",
        text(&out.stderr)
    );
    assert!(!results.exists(), "a refused task must write nothing");
}
