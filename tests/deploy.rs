//! The cluster examples under `deploy/`.
//!
//! Outside Slurm: the Slurm slice and merge scripts run with the array variables set by hand, as
//! deploy/README.md shows, and the merged outputs must be byte-identical to an unsharded
//! `salesim run` with the same options, for 3 slices and for 1. Also: a requeued slice (rerun of
//! a finished one) changes nothing, a missing slice makes the merge script exit 2, and the slice
//! script refuses a task number outside the array. The run is a reduced sweep (8 points × 2
//! variants × 3 replications, a small short market), so slices mix points and these tests take
//! a few seconds.
//!
//! On a real Slurm: a one-node cluster from deploy/slurm/ci-cluster.sh runs the documented
//! workflow (submit.sh, scancel of a slice, `submit.sh --resubmit`, `scontrol requeue` of the
//! running slice) and the merge must equal one unsharded run of the same binary. Where Slurm
//! cannot start, that test prints `SKIPPED:` and the reason; with SALESIM_REQUIRE_SLURM set (CI)
//! it fails instead.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::csv_files;

const SCENARIO: &str = "scenarios/discount-sweep.toml";
const SALESIM_ARGS: &str =
    "--replications 3 --seed 7 --set market.customers=800 --set horizon_quarters=4";
/// Rows of runs.csv for SALESIM_ARGS: 8 sweep points × 2 variants × 3 replications.
const RUNS: usize = 8 * 2 * 3;
const SLICES: usize = 3;

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
    settings_with(results, SALESIM_ARGS)
}

/// The settings, with other `salesim run` arguments.
fn settings_with(results: &Path, salesim_args: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SCENARIO", root().join(SCENARIO).display().to_string()),
        ("SALESIM", env!("CARGO_BIN_EXE_salesim").to_string()),
        ("RESULTS", results.display().to_string()),
        ("SALESIM_ARGS", salesim_args.to_string()),
    ]
}

/// Runs `bash deploy/slurm/<script>` in `cwd` with exactly `vars` set among SCRIPT_VARS.
fn script(name: &str, cwd: &Path, vars: &[(&str, String)]) -> Output {
    script_with(name, &[], cwd, vars)
}

/// Runs `bash deploy/slurm/<script> args...` in `cwd` with exactly `vars` set among SCRIPT_VARS
/// and no SBATCH_* variable.
fn script_with(name: &str, args: &[&str], cwd: &Path, vars: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("deploy/slurm").join(name))
        .args(args)
        .current_dir(cwd);
    for var in SCRIPT_VARS {
        cmd.env_remove(var);
    }
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("SBATCH_") {
            cmd.env_remove(var);
        }
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
    unsharded_with(cwd, SALESIM_ARGS)
}

/// One unsharded `salesim run` with these arguments into `cwd/whole`.
fn unsharded_with(cwd: &Path, salesim_args: &str) -> PathBuf {
    let whole = cwd.join("whole");
    let mut args = vec![
        "run".to_string(),
        root().join(SCENARIO).display().to_string(),
        "--out".to_string(),
        whole.display().to_string(),
        "--quiet".to_string(),
    ];
    args.extend(salesim_args.split_whitespace().map(String::from));
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
    for f in csv_files() {
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
        for f in csv_files().iter().chain(&["report.html"]) {
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

// On a real Slurm ----------------------------------------------------------------------------

/// The Slurm test's sweep: 8 points × 2 variants × 4 replications, big enough that a slice runs
/// for about a second on one thread (so it can be requeued while running), small enough that
/// the whole test computes for a few seconds.
const SLURM_ARGS: &str =
    "--replications 4 --seed 11 --set market.customers=8000 --set horizon_quarters=12";
/// The Slurm test's slices; the node runs two at a time (one CPU each).
const SLURM_SLICES: usize = 3;
/// The sbatch options the test gives submit.sh (and expects a resubmission to keep).
const SLURM_OPTIONS: [&str; 3] = ["--cpus-per-task=1", "--mem=300M", "--time=7"];
/// Longest wait for jobs to end.
const SLURM_PATIENCE: std::time::Duration = std::time::Duration::from_secs(180);

/// A one-node cluster from deploy/slurm/ci-cluster.sh, stopped on drop if this test started it,
/// with the jobs the test submitted cancelled.
struct Cluster {
    conf: String,
    started_here: bool,
    jobs: std::cell::RefCell<Vec<String>>,
}

impl Cluster {
    /// Starts the cluster (or finds it up); Err with the reason where Slurm cannot run.
    fn start() -> Result<Cluster, String> {
        let script = root().join("deploy/slurm/ci-cluster.sh");
        let was_up = Command::new("bash")
            .arg(&script)
            .arg("status")
            .status()
            .is_ok_and(|s| s.success());
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .output()
            .map_err(|e| format!("bash cannot start: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "deploy/slurm/ci-cluster.sh start exited {:?}: {}",
                out.status.code(),
                text(&out.stderr).trim()
            ));
        }
        let env = Command::new("bash")
            .arg(&script)
            .arg("env")
            .output()
            .map_err(|e| e.to_string())?;
        let conf = text(&env.stdout)
            .trim()
            .strip_prefix("export SLURM_CONF=")
            .ok_or("ci-cluster.sh env printed no SLURM_CONF")?
            .to_string();
        Ok(Cluster {
            conf,
            started_here: !was_up,
            jobs: Default::default(),
        })
    }

    /// Runs a Slurm client command against the cluster.
    fn run(&self, cmd: &str, args: &[&str]) -> Output {
        Command::new(cmd)
            .args(args)
            .env("SLURM_CONF", &self.conf)
            .output()
            .unwrap_or_else(|e| panic!("{cmd} starts: {e}"))
    }

    /// A field of `scontrol show job` (for an array, of its first task listed).
    fn job_field(&self, job: &str, field: &str) -> String {
        self.job_field_if_known(job, field)
            .unwrap_or_else(|| panic!("scontrol show job {job} has no {field}"))
    }

    /// A field of `scontrol show job`, None if Slurm has no record of the job (an array task
    /// cancelled before it started leaves none).
    fn job_field_if_known(&self, job: &str, field: &str) -> Option<String> {
        let out = self.run("scontrol", &["show", "job", job]);
        text(&out.stdout)
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{field}=")))
            .map(String::from)
    }

    /// Waits until none of `jobs` is pending, running or finishing.
    fn wait_for_end(&self, jobs: &[&str]) {
        let started = std::time::Instant::now();
        loop {
            let out = self.run("squeue", &["-h", "-o", "%i %T", "-j", &jobs.join(",")]);
            if text(&out.stdout).trim().is_empty() {
                return;
            }
            assert!(
                started.elapsed() < SLURM_PATIENCE,
                "jobs {jobs:?} still queued after {SLURM_PATIENCE:?}:\n{}",
                text(&out.stdout)
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Runs submit.sh (with `args`) against the cluster; returns its output and the slice
    /// array's and the merge's job ids.
    fn submit(
        &self,
        args: &[&str],
        cwd: &Path,
        vars: &[(&str, String)],
    ) -> (Output, Option<(String, String)>) {
        let mut vars = vars.to_vec();
        vars.push(("SLURM_CONF", self.conf.clone()));
        let out = script_with("submit.sh", args, cwd, &vars);
        let stdout = text(&out.stdout);
        // "slices: job 12 (array 1-3 of 3); merge: job 13, after they all succeed"
        let ids = stdout.lines().find_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                ["slices:", "job", array, _, _, _, _, "merge:", "job", merge, ..] => {
                    Some((array.to_string(), merge.trim_end_matches(',').to_string()))
                }
                _ => None,
            }
        });
        if let Some((a, m)) = &ids {
            self.jobs.borrow_mut().extend([a.clone(), m.clone()]);
        }
        (out, ids)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let jobs = self.jobs.borrow();
        if !jobs.is_empty() {
            let ids: Vec<&str> = jobs.iter().map(String::as_str).collect();
            self.run("scancel", &ids);
        }
        if self.started_here {
            let _ = Command::new("bash")
                .arg(root().join("deploy/slurm/ci-cluster.sh"))
                .arg("stop")
                .status();
        }
    }
}

/// Says, past the test harness's capture, that a test did not run and why.
fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
}

#[test]
fn on_slurm_a_cancelled_resubmitted_and_requeued_array_merges_to_one_run() {
    const TEST: &str =
        "deploy::on_slurm_a_cancelled_resubmitted_and_requeued_array_merges_to_one_run";
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(why) if std::env::var_os("SALESIM_REQUIRE_SLURM").is_some() => {
            panic!("SALESIM_REQUIRE_SLURM is set, but Slurm cannot start here: {why}")
        }
        Err(why) => return skipped(TEST, &why),
    };
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    let mut vars = settings_with(&results, SLURM_ARGS);
    vars.push(("SLICES", SLURM_SLICES.to_string()));

    // A request no node can meet is refused before anything is queued.
    let cpus = text(&cluster.run("sinfo", &["-h", "-o", "%c"]).stdout);
    let cpus: usize = cpus
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .max()
        .expect("sinfo %c");
    let too_many = format!("--cpus-per-task={}", cpus + 1);
    let (out, ids) = cluster.submit(&[&too_many], tmp.path(), &vars);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(ids.is_none(), "submitted: {}", text(&out.stdout));
    let said = text(&out.stderr);
    assert!(
        said.contains("nothing was submitted") && said.contains("--cpus-per-task="),
        "{said}"
    );
    assert!(
        !results.join("submit.env").exists(),
        "a refused submission saved its settings"
    );

    // Submit, cancel slice 3 at once, and resubmit it from the saved settings alone (none in
    // the environment) while slices 1 and 2 still run.
    let (out, ids) = cluster.submit(&SLURM_OPTIONS, tmp.path(), &vars);
    assert_success(&out, "submit.sh");
    let (array, first_merge) =
        ids.unwrap_or_else(|| panic!("no job ids in: {}", text(&out.stdout)));
    let cancelled = format!("{array}_3");
    assert_success(&cluster.run("scancel", &[&cancelled]), "scancel");
    let resubmit = |tasks: &str| {
        cluster.submit(
            &["--resubmit", results.to_str().unwrap(), tasks],
            tmp.path(),
            &[],
        )
    };
    let (out, ids) = resubmit("4");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(ids.is_none(), "submitted: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("slices 1-3"),
        "{}",
        text(&out.stderr)
    );
    let queued = |job: &str| {
        !text(&cluster.run("squeue", &["-h", "-j", job]).stdout)
            .trim()
            .is_empty()
    };
    let array_was_queued = queued(&array);
    let (out, ids) = resubmit("3");
    assert_success(&out, "submit.sh --resubmit");
    let (again, merge) = ids.unwrap_or_else(|| panic!("no job ids in: {}", text(&out.stdout)));
    let task = format!("{again}_3");
    let dependency = cluster.job_field(&merge, "Dependency");
    assert!(
        dependency.starts_with(&format!("afterok:{again}_*")),
        "{dependency}"
    );
    if array_was_queued {
        // The new merge also waits for slices 1 and 2.
        assert!(
            dependency.contains(&format!("afterany:{array}_*")),
            "{dependency}"
        );
    }

    // Requeue it once it is running and has journaled a run: Slurm stops it and starts it again
    // (the same job), and the slice script continues its journal.
    let log = results.join("logs").join(format!("slice-{again}_3.out"));
    let journal = results.join("slice-3-of-3").join("journal.bin");
    let started = std::time::Instant::now();
    while !(cluster.job_field(&task, "JobState") == "RUNNING"
        && salesim::experiment::journal::read(&journal).is_ok_and(|j| !j.entries.is_empty()))
    {
        assert!(started.elapsed() < SLURM_PATIENCE, "slice 3 never ran");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_success(
        &cluster.run("scontrol", &["requeue", &task]),
        "scontrol requeue",
    );
    cluster.wait_for_end(&[&array, &first_merge, &again, &merge]);

    // Slurm cancelled the first merge (or --resubmit did); the new one ran.
    let state = cluster.job_field_if_known(&cancelled, "JobState");
    assert!(
        matches!(state.as_deref(), None | Some("CANCELLED")),
        "slice 3: {state:?}"
    );
    assert_eq!(
        cluster.job_field(&format!("{array}_1"), "JobState"),
        "COMPLETED"
    );
    assert_eq!(cluster.job_field(&first_merge, "JobState"), "CANCELLED");
    assert_eq!(cluster.job_field(&task, "JobState"), "COMPLETED");
    assert_eq!(cluster.job_field(&task, "Restarts"), "1");
    assert_eq!(cluster.job_field(&merge, "JobState"), "COMPLETED");
    // The resubmission kept the options given to the first submission, and logged to
    // RESULTS/logs/, as did its merge.
    assert_eq!(cluster.job_field(&task, "TimeLimit"), "00:07:00");
    assert_eq!(cluster.job_field(&task, "MinCPUsNode"), "1");
    assert_eq!(cluster.job_field(&task, "MinMemoryNode"), "300M");
    assert_eq!(
        cluster.job_field(&task, "StdOut"),
        log.display().to_string()
    );
    assert_eq!(
        cluster.job_field(&merge, "StdOut"),
        results
            .join("logs")
            .join(format!("merge-{merge}.out"))
            .display()
            .to_string()
    );
    // The requeued slice started twice, the second time from its journal.
    let logged = std::fs::read_to_string(&log).unwrap();
    let starts: Vec<&str> = logged
        .lines()
        .filter(|l| l.starts_with("salesim slice 3/3"))
        .collect();
    assert_eq!(
        starts.len(),
        2,
        "slice 3 should have started twice:\n{logged}"
    );
    assert!(
        starts[1].ends_with(", continuing its journal)"),
        "the requeued slice started over:\n{logged}"
    );
    let slice3 = manifest(&results.join("slice-3-of-3"));
    let (computed, finished) = (&slice3["computed_runs"], &slice3["finished_runs"]);
    assert!(
        computed.as_u64() < finished.as_u64(),
        "the requeued slice computed {computed} of its {finished} runs again"
    );
    eprintln!(
        "slice 3 was resubmitted while slices 1-2 were {}queued (merge: {dependency}); after the requeue it computed {computed} of its {finished} runs",
        if array_was_queued { "" } else { "no longer " },
    );

    let merged = results.join("merged");
    assert_eq!(manifest(&merged)["complete"], true);
    assert_same_csvs(&unsharded_with(tmp.path(), SLURM_ARGS), &merged);
}
