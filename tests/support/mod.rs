//! Helpers for the tests that drive the real binary: run it (never letting a panic pass), read
//! its output, start it in the background and signal it, and run it under a memory limit and a
//! deadline.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The CSVs of an output folder, per-team, per-vendor and per-rep files included (the
/// contract's names are checked in tests/cli.rs).
pub fn csv_files() -> Vec<&'static str> {
    let files: Vec<&str> = salesim::output::FILES
        .into_iter()
        .filter(|f| f.ends_with(".csv"))
        .collect();
    assert!(files.contains(&"teams.csv") && files.contains(&"reps.csv"));
    files
}

/// A 7-point sweep (attention per month) of a reduced market: long enough (seconds) to be
/// stopped mid-way, with points that finish one after another (12 runs each): the scenario file,
/// then the options.
pub const SWEEP: &[&str] = &[
    "scenarios/attention-budget.toml",
    "--set",
    "market.customers=1500",
    "--replications",
    "6",
    "--threads",
    "2",
];

/// The crate root, where `scenarios/` and `tests/` are.
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `cwd`; stderr must never show a panic.
pub fn salesim_in(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the salesim binary starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "salesim {args:?} panicked:\n{stderr}"
    );
    out
}

/// Runs the binary in the crate root.
pub fn salesim(args: &[&str]) -> Output {
    salesim_in(manifest_dir(), args)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts the binary in `cwd` in the background, stderr piped (read it with [`finish`]).
pub fn spawn_in(cwd: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("salesim starts")
}

/// Sends a signal (`-INT`, `-TERM`, `-KILL`) to a child.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for a child started by [`spawn_in`]: its exit status and stderr.
pub fn finish(child: &mut Child) -> Output {
    let mut pipe = child.stderr.take().unwrap();
    let status = child.wait().unwrap();
    let mut err = Vec::new();
    std::io::Read::read_to_end(&mut pipe, &mut err).unwrap();
    Output {
        status,
        stdout: Vec::new(),
        stderr: err,
    }
}

/// Runs salesim in the crate root with `args` under a 4 GB address-space limit (on Unix) and a
/// deadline; kills it if it overruns. Returns exit code, stderr and whether it overran.
pub fn run_guarded(args: &[&str], deadline: Duration) -> (Option<i32>, String, bool) {
    let bin = env!("CARGO_BIN_EXE_salesim");
    let mut cmd = if cfg!(unix) {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("ulimit -v 4000000 2>/dev/null; exec \"$0\" \"$@\"")
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let mut child = cmd
        .args(args)
        .current_dir(manifest_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the salesim binary starts");
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut err).ok();
        err
    });
    let started = Instant::now();
    let mut overran = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            overran = true;
            child.kill().ok();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code(), reader.join().unwrap(), overran)
}

/// `--map` for every field of tests/crm/custom.csv (semicolons, day-first dotted dates, euro
/// amounts with spaces), with its own outcome values.
pub const CUSTOM_MAP: [&str; 24] = [
    "--map",
    "id=Ref",
    "--map",
    "account=Client",
    "--map",
    "owner=Rep",
    "--map",
    "created=Opened",
    "--map",
    "closed=Decided",
    "--map",
    "outcome=Status",
    "--map",
    "amount=Net",
    "--map",
    "list_amount=List",
    "--map",
    "segment=Tier",
    "--map",
    "team=Team",
    "--won",
    "Signed",
    "--lost",
    "Dropped",
];
