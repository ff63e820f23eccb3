//! The red-team checks of issue 14, on the real binary, so anyone can run the attack again:
//! `cargo test --release --test red_team`. Each test is one defect the attacker found; each
//! failed before its fix.
//!
//! 1. a run into a folder salesim did not write deleted the user's files;
//! 2. a long sweep list made planning take memory as points × list length;
//! 3. paths and `--set` values reached the printed commands unquoted (shell injection);
//! 4. tables written as lists (`tests/bad_input/list_for_table_*.toml`, and `--set`);
//! 5. `--shard 1/1000000000` was accepted, and merging such a slice exhausted memory;
//! 6. temporary files followed links planted at their names;
//! 7. a scenario path starting with `<` was taken for the built-in lesson;
//! 8. control characters and huge names reached the terminal;
//! 9. a dangling `--out` link, SIGTERM while planning, a report that cannot be written, no lock on
//!    the output folder, and CSV cells a spreadsheet reads as formulas.

mod support;

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};
use support::{
    finish, manifest_dir, run_guarded, salesim, salesim_in, signal, spawn_in, stderr, stdout, SWEEP,
};

/// A lesson small enough to run in a moment.
const TINY: &[&str] = &["--replications", "2", "--set", "market.customers=200"];

/// The built-in lesson's file, for copies under hostile names.
fn lesson_text() -> String {
    std::fs::read_to_string(manifest_dir().join("scenarios/lesson.toml")).unwrap()
}

/// `salesim run FILE --out OUT -q` plus TINY and `extra`, from `cwd`.
fn run_tiny(cwd: &Path, file: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", file, "--out", out.to_str().unwrap(), "-q"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    salesim_in(cwd, &args)
}

/// `salesim run scenarios/lesson.toml --out OUT -q` plus TINY and `extra`.
fn run_lesson(out: &Path, extra: &[&str]) -> Output {
    run_tiny(manifest_dir(), "scenarios/lesson.toml", out, extra)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Runs a command line as printed by salesim through `sh`, with `salesim` defined as a shell
/// function that prints its arguments (NUL-separated): the words the shell would have passed.
fn words_through_sh(cwd: &Path, command: &str) -> Vec<String> {
    let script =
        format!("salesim() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{command}\n");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "sh failed on `{command}`: {}",
        stderr(&out)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_terminator('\0').map(str::to_string).collect()
}

/// Runs of a journal, read with the library (how far a run has got).
fn journaled(out: &Path) -> usize {
    salesim::experiment::journal::read(&out.join(salesim::experiment::journal::JOURNAL_FILE))
        .map_or(0, |c| c.entries.len())
}

/// Waits until the run has journaled more than `runs` runs, then sends `signal`; returns its
/// exit status and stderr.
fn signal_after(child: &mut Child, out: &Path, runs: usize, sig: &str) -> Output {
    let started = Instant::now();
    while journaled(out) <= runs {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be stopped"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    support::signal(child, sig);
    finish(child)
}

// 1. Output folders -----------------------------------------------------------------------------

#[test]
fn a_folder_salesim_did_not_write_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x");
    std::fs::create_dir_all(x.join("charts/sub")).unwrap();
    std::fs::write(x.join("charts/sub/thesis.png"), "mine").unwrap();
    std::fs::write(x.join("manifest.json"), "{\"app\":1}").unwrap();
    let o = run_lesson(&x, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(x.to_str().unwrap()), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(x.join("charts/sub/thesis.png")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(x.join("manifest.json")).unwrap(),
        "{\"app\":1}"
    );
    let names: Vec<_> = std::fs::read_dir(&x).unwrap().collect();
    assert_eq!(names.len(), 2, "nothing added to the folder: {names:?}");

    // Any file salesim did not write makes the folder foreign.
    let y = tmp.path().join("y");
    std::fs::create_dir_all(&y).unwrap();
    std::fs::write(y.join("notes.txt"), "mine").unwrap();
    let o = run_lesson(&y, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!y.join("runs.csv").exists());

    // An empty folder is fine.
    let z = tmp.path().join("z");
    std::fs::create_dir_all(&z).unwrap();
    let o = run_lesson(&z, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_run_into_its_own_folder_keeps_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    let o = run_lesson(&d, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::create_dir_all(d.join("charts/sub")).unwrap();
    std::fs::write(d.join("charts/sub/thesis.png"), "mine").unwrap();
    std::fs::write(d.join("charts/my-chart.svg"), "mine").unwrap();
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    let o = run_lesson(&d, &["--seed", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["charts/sub/thesis.png", "charts/my-chart.svg", "notes.txt"] {
        assert_eq!(std::fs::read_to_string(d.join(f)).unwrap(), "mine", "{f}");
    }
    assert_eq!(manifest(&d)["master_seed"], 5);
    assert!(d.join("charts/bookings_by_quarter.png").is_file());
}

// 2. Memory -------------------------------------------------------------------------------------

#[test]
fn a_sweep_of_60000_values_is_planned_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..60_000)
        .map(|i| format!("{}", i as f64 / 60_000.0))
        .collect();
    let text = format!(
        "{}\n[sweep]\nparameters = {{ \"customers.initial_trust\" = [{}] }}\n",
        lesson_text(),
        values.join(", ")
    );
    let file = tmp.path().join("long-sweep.toml");
    std::fs::write(&file, text).unwrap();
    let (code, err, overran) = run_guarded(
        &["validate", file.to_str().unwrap()],
        Duration::from_secs(180),
    );
    assert!(!overran, "validate still going after 180 s: {err}");
    assert_eq!(code, Some(0), "{err}");
}

// 3. Commands shown to users --------------------------------------------------------------------

/// A `--set` value and names that a shell would run if they were pasted unquoted.
const HOSTILE_SET: &str = "description=x' ; touch PWNED ; echo '";
const HOSTILE_FILE: &str = "x;touch PWNED;.toml";
const HOSTILE_OUT: &str = "out $(touch PWNED) `touch PWNED` 'q' \"d\"";

/// The words a command for HOSTILE_FILE and HOSTILE_SET must pass, after `salesim`.
fn hostile_words(replications: &str, customers: &str, more: &[&str]) -> Vec<String> {
    let set = format!("market.customers={customers}");
    let words = [
        "run",
        HOSTILE_FILE,
        "--seed",
        "20261126",
        "--replications",
        replications,
        "--set",
        &set,
        "--set",
        HOSTILE_SET,
    ];
    words.iter().chain(more).map(|w| w.to_string()).collect()
}

/// Asserts that `sh` runs a printed command as exactly `expected`, and nothing else.
fn assert_runs_as_written(cwd: &Path, command: &str, expected: &[String]) {
    assert_eq!(words_through_sh(cwd, command), expected, "{command}");
    assert!(
        !cwd.join("PWNED").exists(),
        "a printed command ran a command: {command}"
    );
}

#[test]
fn printed_commands_run_as_written_in_a_posix_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(cwd.join(HOSTILE_FILE), lesson_text()).unwrap();
    let out = cwd.join(HOSTILE_OUT);
    let o = run_tiny(cwd, HOSTILE_FILE, &out, &["--set", HOSTILE_SET]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = hostile_words("2", "200", &[]);
    assert_runs_as_written(cwd, manifest(&out)["command"].as_str().unwrap(), &expected);
    // The report shows the same command, HTML-escaped.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let start = html.find("<code id=\"command\">").unwrap() + "<code id=\"command\">".len();
    let shown = &html[start..start + html[start..].find("</code>").unwrap()];
    let unescaped = shown
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    assert_runs_as_written(cwd, &unescaped, &expected);
}

#[test]
fn the_continue_with_command_runs_as_written_in_a_posix_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let text = std::fs::read_to_string(manifest_dir().join(SWEEP[0])).unwrap();
    std::fs::write(cwd.join(HOSTILE_FILE), text).unwrap();
    let out = cwd.join(HOSTILE_OUT);
    let mut args = vec!["run", HOSTILE_FILE, "--out", out.to_str().unwrap(), "-q"];
    args.extend_from_slice(&SWEEP[1..]);
    args.extend(["--set", HOSTILE_SET]);
    let mut child = spawn_in(cwd, &args);
    let o = signal_after(&mut child, &out, 12, "-INT");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let err = stderr(&o);
    let command = err
        .split("Continue with: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no `Continue with:` in {err}"))
        .trim_end();
    let expected = hostile_words("6", "1500", &["--resume", "--out", out.to_str().unwrap()]);
    assert_runs_as_written(cwd, command, &expected);
}

// 4. Strict tables (the corpus files are in tests/bad_input.rs) ---------------------------------

#[test]
fn a_table_set_as_a_list_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for set in [
        "market.segment_mix=[0.3, 0.5, 0.2]",
        "reps=[10.0, 1.1, 0.0, 0.0, \"junk\"]",
        "customers.receptivity=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]",
    ] {
        let o = run_lesson(&out, &["--set", set]);
        assert_eq!(o.status.code(), Some(2), "--set {set}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("--set") && err.contains("table"), "{err}");
        assert!(!out.exists(), "--set {set}: the output folder was created");
    }
}

// 5. Slices -------------------------------------------------------------------------------------

#[test]
fn a_shard_count_above_the_runs_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = run_lesson(&out, &["--shard", "1/1000000000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--shard"), "{}", stderr(&o));
    assert!(!out.exists());
    // TINY has 2 replications × 2 variants: 4 runs, so at most 4 slices.
    let o = run_lesson(&out, &["--shard", "1/5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run_lesson(&out, &["--shard", "4/4"]);
    assert!(o.status.success(), "4 runs in 4 slices: {}", stderr(&o));
}

/// Rewrites the header frame of a journal with `edit` applied to its JSON (the format is
/// `SALESIMJ`, then `[u32 length][u32 CRC-32][payload]` frames).
fn edit_journal_header(path: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let bytes = std::fs::read(path).unwrap();
    let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
    edit(&mut header);
    let payload = serde_json::to_vec(&header).unwrap();
    let mut out = b"SALESIMJ".to_vec();
    out.extend((payload.len() as u32).to_le_bytes());
    out.extend(crc32fast::hash(&payload).to_le_bytes());
    out.extend(&payload);
    out.extend(&bytes[16 + len..]);
    std::fs::write(path, out).unwrap();
}

/// Sets every `slice` object's `count` in a JSON tree.
fn set_slice_count(v: &mut serde_json::Value, count: u64) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, inner) in map.iter_mut() {
                if k == "slice" {
                    inner["count"] = count.into();
                } else {
                    set_slice_count(inner, count);
                }
            }
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(|x| set_slice_count(x, count)),
        _ => {}
    }
}

#[test]
fn merging_a_slice_of_a_billion_is_refused_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("s");
    let o = run_lesson(&s, &["--shard", "1/2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    edit_journal_header(&s.join("journal.bin"), |h| {
        set_slice_count(h, 1_000_000_000)
    });
    let merged = tmp.path().join("merged");
    let (code, err, overran) = run_guarded(
        &[
            "merge",
            s.to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        Duration::from_secs(20),
    );
    assert!(!overran, "merge still going after 20 s");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.len() < 4000, "a message of {} bytes", err.len());
    assert!(!merged.exists());
}

// 6. Temporary files ----------------------------------------------------------------------------

#[test]
#[cfg(unix)]
fn temporary_files_never_follow_planted_links() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let d = tmp.path().join("d");
    let o = run_lesson(&d, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = salesim::output::FILES.iter().chain(&[
        "report.html",
        "journal.bin",
        "charts/bookings_by_quarter.png",
    ]);
    for name in names {
        for suffix in [".partial", ".tmp"] {
            symlink(&victim, d.join(format!("{name}{suffix}"))).unwrap();
        }
    }
    // A link at a final name is replaced, not written through.
    std::fs::remove_file(d.join("summary.csv")).unwrap();
    symlink(&victim, d.join("summary.csv")).unwrap();
    let o = run_lesson(&d, &["--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!d.join("summary.csv").is_symlink());

    // `init` too.
    let cwd = tmp.path().join("init");
    std::fs::create_dir_all(&cwd).unwrap();
    symlink(&victim, cwd.join("mine.toml.partial")).unwrap();
    symlink(&victim, cwd.join("mine.toml.tmp")).unwrap();
    let o = salesim_in(&cwd, &["init", "mine"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(cwd.join("mine.toml").is_file() && !cwd.join("mine.toml").is_symlink());
}

// 7. Scenario names -----------------------------------------------------------------------------

#[test]
fn a_scenario_path_starting_with_lt_is_named_in_the_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(cwd.join("<mine>.toml"), lesson_text()).unwrap();
    let out = cwd.join("out");
    let o = run_tiny(cwd, "<mine>.toml", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    let words = words_through_sh(cwd, m["command"].as_str().unwrap());
    assert_eq!(words[..2], ["run", "<mine>.toml"], "{words:?}");
    assert_eq!(m["scenario_file"], "<mine>.toml");
}

// 8. The terminal -------------------------------------------------------------------------------

/// Whether text holds a control character other than a line break (or a tab).
fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn control_characters_and_huge_names_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    let hostile = lesson_text().replace(
        "question = \"Over three years",
        "question = \"\\u001b[2J\\u0007\\u009b31m Over three years",
    );
    assert_ne!(hostile, lesson_text());
    std::fs::write(dir.join("clear.toml"), &hostile).unwrap();
    let o = salesim(&["list", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!has_control(&stdout(&o)), "list: {:?}", stdout(&o));
    assert!(stdout(&o).contains("Over three years"), "{}", stdout(&o));

    // The run summary.
    let out = tmp.path().join("out");
    let file = dir.join("clear.toml");
    let o = salesim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--replications",
        "2",
        "--set",
        "market.customers=200",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!has_control(&stdout(&o)), "summary: {:?}", stdout(&o));

    // Errors echo names, values and paths without their control characters.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"a\\u0000b\\u001b[2J\"\n").unwrap();
    for args in [
        vec!["validate", bad.to_str().unwrap()],
        vec!["run", bad.to_str().unwrap()],
        vec![
            "run",
            "scenarios/lesson.toml",
            "--set",
            "market.\u{1b}[2J=1",
        ],
        vec![
            "run",
            "scenarios/lesson.toml",
            "--set",
            "market.customers=\u{1b}[2J",
        ],
    ] {
        let o = salesim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!has_control(&stderr(&o)), "{args:?}: {:?}", stderr(&o));
    }

    // A 10 MB name is not echoed in full.
    std::fs::write(&bad, format!("name = \"{}!\"\n", "n".repeat(10 << 20))).unwrap();
    let o = salesim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        o.stderr.len() < 10_000,
        "an error of {} bytes",
        o.stderr.len()
    );
    assert!(stderr(&o).contains("Allowed:"), "{}", stderr(&o));
}

// 9. Small things -------------------------------------------------------------------------------

#[test]
#[cfg(unix)]
fn a_dangling_link_as_out_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &out).unwrap();
    let o = run_lesson(&out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(out.to_str().unwrap()), "{}", stderr(&o));
    assert!(stderr(&o).contains("Allowed:"), "{}", stderr(&o));
}

#[test]
#[cfg(unix)]
fn sigterm_while_planning_exits_130_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // 100,000 points: planning (every point is validated) takes seconds.
    let a: Vec<String> = (0..400).map(|i| format!("{}", i as f64 / 400.0)).collect();
    let b: Vec<String> = (0..250).map(|i| format!("{}", i as f64 / 250.0)).collect();
    let text = format!(
        "{}\n[sweep]\nparameters = {{ \"customers.initial_trust\" = [{}], \"customers.trust_gain\" = [{}] }}\n",
        lesson_text(),
        a.join(", "),
        b.join(", ")
    );
    let file = tmp.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let mut child = spawn_in(
        manifest_dir(),
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "ended within 0.3 s");
    assert!(
        !out.exists(),
        "planning took < 0.3 s: the signal would not come while planning"
    );
    signal(&child, "-TERM");
    let o = finish(&mut child);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(!out.exists(), "the output folder was created");
}

#[test]
fn a_report_that_cannot_be_written_says_how_to_build_it_later() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("my out");
    let o = run_lesson(&d, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A file (not salesim's) where the charts go: writing the charts fails, as on a full disk.
    std::fs::remove_dir_all(d.join("charts")).unwrap();
    std::fs::write(d.join("charts"), "in the way").unwrap();
    let o = run_lesson(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(manifest(&d)["complete"], true, "the runs did finish");
    assert!(!d.join("report.html").exists());
    let hint = err
        .split("salesim report")
        .nth(1)
        .unwrap_or_else(|| panic!("no `salesim report` hint: {err}"));
    let command = format!("salesim report{}", hint.lines().next().unwrap());
    let command = command.trim_end_matches(['.', ' ']);
    assert_eq!(
        words_through_sh(tmp.path(), command),
        ["report", d.to_str().unwrap()],
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("charts")).unwrap(),
        "in the way"
    );
}

#[test]
fn a_second_run_into_a_busy_folder_is_stopped_by_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("busy");
    let mut args = vec!["run", "--out", d.to_str().unwrap(), "-q"];
    args.extend_from_slice(SWEEP);
    let mut first = spawn_in(manifest_dir(), &args);
    let started = Instant::now();
    while journaled(&d) == 0 {
        assert!(first.try_wait().unwrap().is_none(), "the first run ended");
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    for extra in [&[][..], &["--resume"][..]] {
        let o = run_lesson(&d, extra);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("another salesim"), "{err}");
        assert!(
            !err.contains("Allowed: --resume"),
            "told to resume a running run: {err}"
        );
    }
    let o = salesim(&["report", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    signal(&first, "-KILL");
    finish(&mut first);
}

#[test]
fn text_cells_a_spreadsheet_would_run_are_guarded() {
    let tmp = tempfile::tempdir().unwrap();
    let text = lesson_text()
        .replace("reference = \"aggressive\"", "reference = \"-1-1\"")
        .replace(
            "name = \"aggressive\"\nstrategy = \"aggressive\"",
            "name = \"-1-1\"\nstrategy = \"aggressive\"",
        );
    let file = tmp.path().join("formula.toml");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let o = run_tiny(manifest_dir(), file.to_str().unwrap(), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, columns) in [
        ("runs.csv", &["variant"][..]),
        ("quarters.csv", &["variant"]),
        ("weeks.csv", &["variant"]),
        ("summary.csv", &["variant"]),
        ("comparison.csv", &["reference"]),
    ] {
        let mut reader = csv::Reader::from_path(out.join(name)).unwrap();
        let header = reader.headers().unwrap().clone();
        let mut seen = false;
        for row in reader.records() {
            let row = row.unwrap();
            for c in columns {
                let i = header.iter().position(|h| h == *c).unwrap();
                let cell = &row[i];
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "{name} {c}: `{cell}`"
                );
                seen |= cell == "'-1-1";
            }
        }
        assert!(seen, "{name}: the variant `-1-1` is not written as `'-1-1`");
    }
    // The report reads the guarded cells back as the variant's name, not as another variant.
    let o = salesim(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("-1-1"),
        "the variant is missing from the report"
    );
    assert!(
        !html.contains("&#39;-1-1"),
        "the guard leaked into the report"
    );
}

// --- serve (issue 29) ---
//
// `salesim serve` attacked as a web page on another site, a DNS-rebinding page, another page of
// the same server, and a client that opens connections it never finishes.

mod serving;

use serving::{Server, LONG, SMALL};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;

/// `host:port` of a server.
fn address(server: &Server) -> String {
    server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Sends `head` (request line and headers, without the blank line) and `body` on a new
/// connection: (status, body).
fn raw(server: &Server, head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address(server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The body of a JSON error, its message (panics if the body is not `{"error": "..."}`).
fn json_error(body: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{body:?} is JSON: {e}"));
    v["error"].as_str().expect("an error message").to_string()
}

/// Simulations the server runs now (stopped ones until they have ended).
fn running(server: &Server) -> u64 {
    let status: serde_json::Value = ureq::get(&server.at("api/status"))
        .call()
        .expect("GET /api/status answers")
        .into_json()
        .unwrap();
    status["running"].as_u64().expect("a running count")
}

#[test]
fn serve_a_foreign_host_gets_no_page_and_no_api() {
    let server = Server::start(&SMALL);
    let port = address(&server).rsplit(':').next().unwrap().to_string();
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1".to_string(),
        format!("localhost:{}", port.parse::<u32>().unwrap() + 1),
    ] {
        for path in ["/", "/api/knobs", "/api/status"] {
            let (status, body) = raw(&server, &format!("GET {path} HTTP/1.1\r\nHost: {host}"), "");
            assert_eq!(status, 421, "Host {host} {path}: {body}");
            assert!(
                !body.contains("<html") && !body.contains("sliders"),
                "{body}"
            );
            assert!(json_error(&body).contains("Allowed: localhost:"), "{body}");
        }
        let page = server.page("mine");
        let (status, body) = raw(
            &server,
            &format!(
                "POST /api/jobs HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\
                 Content-Type: application/json"
            ),
            &format!("{{\"page\": \"{page}\", \"values\": {{}}}}"),
        );
        assert_eq!(status, 421, "{body}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let (status, body) = raw(
            &server,
            &format!("GET /api/knobs HTTP/1.1\r\nHost: {host}"),
            "",
        );
        assert_eq!(status, 200, "{host}: {body}");
    }
    assert_eq!(running(&server), 0);
}

#[test]
fn serve_a_cross_site_post_starts_no_job() {
    let server = Server::start(&LONG);
    let host = address(&server);
    let page = server.page("victim");
    let job = format!("{{\"page\": \"{page}\", \"values\": {{}}}}");
    // What a form (text/plain), a no-cors fetch, a fetch that says JSON from another site, a
    // sandboxed frame and a same-site subdomain send; and a client that says nothing.
    for (headers, want) in [
        (
            "Origin: http://evil.example\r\nContent-Type: text/plain",
            403,
        ),
        (
            "Origin: http://evil.example\r\nContent-Type: application/json",
            403,
        ),
        ("Origin: null\r\nContent-Type: application/json", 403),
        (
            "Sec-Fetch-Site: cross-site\r\nContent-Type: application/x-www-form-urlencoded",
            403,
        ),
        (
            "Sec-Fetch-Site: same-site\r\nContent-Type: application/json",
            403,
        ),
        ("Content-Type: application/json", 403),
        // The page's own origin, but not JSON: a form of the page itself cannot start jobs.
        (
            &format!("Origin: http://{host}\r\nContent-Type: text/plain") as &str,
            415,
        ),
    ] {
        let (status, body) = raw(
            &server,
            &format!("POST /api/jobs HTTP/1.1\r\nHost: {host}\r\n{headers}"),
            &job,
        );
        assert_eq!(status, want, "{headers}: {body}");
        assert!(json_error(&body).contains("Allowed"), "{body}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(running(&server), 0, "no job started");
    // The page itself may.
    let (status, body) = raw(
        &server,
        &format!(
            "POST /api/jobs HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n\
             Content-Type: application/json"
        ),
        &job,
    );
    assert_eq!(status, 202, "{body}");
    assert_eq!(running(&server), 1);
}

#[test]
fn serve_job_ids_are_unguessable_and_only_their_page_follows_or_cancels_them() {
    let server = Server::start(&LONG);
    let id = server.start_job("teacher", serde_json::json!({}));
    assert_eq!(id.len(), 32, "128 random bits: {id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let next = server.start_job("other", serde_json::json!({}));
    assert_ne!(id[..16], next[..16], "ids do not follow each other");
    // Another page cannot cancel it or take its updates, nor can anyone without a secret.
    assert_eq!(server.cancel("other", &id), 404);
    for url in [
        server.at(&format!("api/jobs/{id}/events")),
        server.at(&format!(
            "api/jobs/{id}/events?page={}",
            server.page("other")
        )),
    ] {
        match ureq::get(&url).call() {
            Err(ureq::Error::Status(404, r)) => {
                json_error(&r.into_string().unwrap());
            }
            other => panic!("{url} is refused: {other:?}"),
        }
    }
    // A page secret the server never issued starts nothing.
    let (status, body) = server.post_job(&serde_json::json!({
        "page": "0123456789abcdef0123456789abcdef", "values": {}
    }));
    assert_eq!(status, 403, "{body}");
    // Its own page still can.
    let updates = serving::follow_live(&server, &id);
    updates
        .recv_timeout(Duration::from_secs(120))
        .expect("the teacher's page gets its update");
    assert_eq!(server.cancel("teacher", &id), 204);
    assert_eq!(server.cancel("other", &next), 204);
}

#[test]
fn serve_never_runs_more_simulations_than_jobs_even_when_jobs_are_replaced() {
    // Large markets, so that a world takes a while to build and replaced jobs are caught
    // building theirs.
    let temp = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_salesim"));
    command.env("TMPDIR", temp.path());
    let args = [
        "--jobs",
        "4",
        "--threads",
        "1",
        "--batch",
        "2",
        "--set",
        "market.customers=200000",
        "--set",
        "horizon_quarters=2",
    ];
    let server = std::sync::Arc::new(Server::start_command(command, &args));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Watch: the server's count and, independently, its job folders (each job's folder is
    // removed when its thread ends).
    let watcher = {
        let (server, done, temp) = (server.clone(), done.clone(), temp.path().to_path_buf());
        std::thread::spawn(move || {
            let (mut most_running, mut most_folders) = (0, 0);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                most_running = most_running.max(running(&server));
                let folders = walk_job_folders(&temp);
                most_folders = most_folders.max(folders);
                std::thread::sleep(Duration::from_millis(20));
            }
            (most_running, most_folders)
        })
    };
    let mut accepted = 0;
    for round in 0..8 {
        for page in ["a", "b", "c", "d", "e"] {
            let threshold = 4 + (round % 3);
            let (status, body) = server.post_job(&serde_json::json!({
                "client": page, "values": { "customers.block_threshold": threshold }
            }));
            assert!(status == 202 || status == 429, "{status}: {body}");
            accepted += usize::from(status == 202);
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (most_running, most_folders) = watcher.join().unwrap();
    assert!(
        accepted >= 8,
        "jobs were accepted and replaced ({accepted})"
    );
    assert!(most_running <= 4, "{most_running} simulations at once");
    assert!(most_folders <= 4, "{most_folders} job folders at once");
    assert!(most_folders >= 2, "the watch saw the jobs ({most_folders})");
}

/// Job folders under the servers' working folders in `temp`.
fn walk_job_folders(temp: &Path) -> usize {
    let Ok(servers) = std::fs::read_dir(temp) else {
        return 0;
    };
    servers
        .flatten()
        .filter_map(|s| std::fs::read_dir(s.path()).ok())
        .flat_map(|jobs| jobs.flatten())
        .filter(|j| j.file_name().to_string_lossy().starts_with("job-"))
        .count()
}

#[test]
fn serve_slow_connections_cannot_make_it_unreachable() {
    // The usual limit of open files on a teacher's laptop.
    let mut command = Command::new("sh");
    command.args([
        "-c",
        "ulimit -n 1024 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_salesim"),
    ]);
    let server = Server::start_command(command, &SMALL);
    let host = address(&server);
    let mut slow = Vec::new();
    for _ in 0..1100 {
        let Ok(mut s) =
            TcpStream::connect_timeout(&host.parse().unwrap(), Duration::from_millis(500))
        else {
            continue;
        };
        // A request head that never ends.
        let _ = s.write_all(format!("GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ").as_bytes());
        slow.push(s);
    }
    assert!(slow.len() > 1000, "{} slow connections", slow.len());
    let started = Instant::now();
    let knobs = ureq::get(&server.at("api/knobs"))
        .timeout(Duration::from_secs(5))
        .call();
    assert!(
        knobs.is_ok(),
        "the page's API answers with {} slow connections open: {knobs:?}",
        slow.len()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // A connection that does not finish its request head is closed (header-read timeout).
    let last = slow.last_mut().unwrap();
    last.set_read_timeout(Some(Duration::from_secs(25)))
        .unwrap();
    let mut buffer = [0u8; 64];
    let started = Instant::now();
    match last.read(&mut buffer) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "the slow connection is still open after {:?}: {e}",
            started.elapsed()
        ),
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn serve_a_slider_value_is_exactly_one_number_in_the_sliders_units() {
    let server = Server::start(&SMALL);
    for smuggled in ["6\nseed = 5", "6 # x", "[6]", "inf", "6, 7", "0x10"] {
        let (status, body) = server.post_job(&serde_json::json!({
            "client": "a", "values": { "customers.block_threshold": smuggled }
        }));
        assert_eq!(status, 400, "{smuggled:?}: {body}");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("is not a number"),
            "{smuggled:?}: {message}"
        );
        assert!(
            !message.contains('\n') || !message.contains("seed = 5\n"),
            "{message}"
        );
    }
    for fine in [
        serde_json::json!(6),
        serde_json::json!("6"),
        serde_json::json!(" 6.5 "),
    ] {
        let (status, body) = server.post_job(&serde_json::json!({
            "client": "a", "values": { "customers.block_threshold": fine }
        }));
        assert_eq!(status, 202, "{fine}: {body}");
    }
    // Accounts per rep: its limits in accounts per rep (the lesson has 10 reps of ours).
    let (status, body) = server.post_job(&serde_json::json!({
        "client": "a", "values": { "market.customers": 10_000_000 }
    }));
    assert_eq!(status, 400, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("to 500000 accounts per rep"), "{message}");
    assert!(!message.contains("100000000"), "{message}");
    drop(server);
    // And the memory limit, too.
    let mut command = Command::new(env!("CARGO_BIN_EXE_salesim"));
    command.env("SALESIM_MEMORY_LIMIT_GB", "0.05");
    let server = Server::start_command(command, &SMALL);
    let (status, body) = server.post_job(&serde_json::json!({
        "client": "a", "values": { "market.customers": 400_000 }
    }));
    assert_eq!(status, 400, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("400000 accounts per rep"), "{message}");
    assert!(message.contains("at most about"), "{message}");
    assert!(!message.contains("4000000 customers"), "{message}");
}

#[test]
fn serve_every_error_is_json() {
    let server = Server::start(&SMALL);
    let host = address(&server);
    let origin = format!("Origin: http://{host}\r\nContent-Type: application/json");
    for (head, body, want) in [
        (format!("GET /nothing HTTP/1.1\r\nHost: {host}"), "", 404),
        (
            format!("PUT /api/jobs HTTP/1.1\r\nHost: {host}\r\n{origin}"),
            "{}",
            405,
        ),
        (format!("GET /api/jobs HTTP/1.1\r\nHost: {host}"), "", 405),
        (
            format!("GET /api/jobs/1/2/3 HTTP/1.1\r\nHost: {host}"),
            "",
            404,
        ),
        (
            format!("GET /api/jobs/x/events HTTP/1.1\r\nHost: {host}"),
            "",
            404,
        ),
        (
            format!("POST /api/jobs HTTP/1.1\r\nHost: {host}\r\n{origin}"),
            "[",
            400,
        ),
        (
            format!("DELETE /api/jobs/x HTTP/1.1\r\nHost: {host}\r\n{origin}"),
            "{}",
            400,
        ),
        (
            format!("DELETE /api/jobs/x HTTP/1.1\r\nHost: {host}"),
            "",
            403,
        ),
        ("GET / HTTP/1.1\r\nHost: nowhere:1".to_string(), "", 421),
    ] {
        let (status, answer) = raw(&server, &head, body);
        assert_eq!(status, want, "{head}: {answer}");
        json_error(&answer);
    }
    let big = "x".repeat(70_000);
    let (status, answer) = raw(
        &server,
        &format!("POST /api/jobs HTTP/1.1\r\nHost: {host}\r\n{origin}"),
        &big,
    );
    assert_eq!(status, 413, "{answer}");
    json_error(&answer);
}

#[test]
fn serve_removes_the_folder_a_killed_server_left_and_nothing_else() {
    let temp = tempfile::tempdir().unwrap();
    let serve_in = |temp: &Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_salesim"));
        command.env("TMPDIR", temp);
        Server::start_command(command, &SMALL)
    };
    let mut killed = serve_in(temp.path());
    let left: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    killed.child.kill().unwrap(); // SIGKILL: no cleanup
    killed.child.wait().unwrap();
    assert!(left[0].exists(), "kill -9 leaves the folder");
    // Folders the next server cannot prove are a dead server's are left alone.
    let decoy = temp.path().join("salesim-serve-mine");
    std::fs::create_dir(&decoy).unwrap();
    std::fs::write(decoy.join("notes.txt"), "keep").unwrap();
    let next = serve_in(temp.path());
    assert!(
        !left[0].exists(),
        "the next server removed {}",
        left[0].display()
    );
    assert!(decoy.join("notes.txt").exists());
    drop(next);
}

// --- files, calibrate, pay (issue 29) ---
//
// The red-team checks of issue 29 that are not about `salesim serve`: calibrate never replaces
// a file it did not write, export cells never become settings, pay means something, runs and
// studies never delete each other's folders, and the low items (seeds, huge exports, UTF-16,
// identifiers read as amounts, plan messages, range conflicts, a stopped study's messages).

/// `salesim calibrate FILE ARGS` from `cwd`, quick: 200 resamples, no sensitivity study.
fn calibrate_in(cwd: &Path, file: &str, args: &[&str]) -> Output {
    let mut all = vec![
        "calibrate",
        file,
        "--resamples",
        "200",
        "--sensitivity-trajectories",
        "0",
    ];
    all.extend_from_slice(args);
    salesim_in(cwd, &all)
}

/// The custom export of tests/crm/ (read with [`support::CUSTOM_MAP`]).
const CUSTOM_EXPORT: &str = "tests/crm/custom.csv";

#[test]
fn calibrate_never_writes_over_the_export_it_reads() {
    // A CSV whose name ends in .toml: the default --out is the export itself.
    let tmp = tempfile::tempdir().unwrap();
    let export = std::fs::read(manifest_dir().join("tests/crm/hubspot.csv")).unwrap();
    std::fs::write(tmp.path().join("export.toml"), &export).unwrap();
    for extra in [&[][..], &["--force"], &["--out", "export.toml"]] {
        let out = calibrate_in(tmp.path(), "export.toml", extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("the export"), "{}", stderr(&out));
        assert_eq!(
            std::fs::read(tmp.path().join("export.toml")).unwrap(),
            export
        );
        assert!(!tmp.path().join("export.moments.csv").exists());
    }
    // Nor its moments file: an export called NAME.moments.csv beside --out NAME.toml.
    std::fs::write(tmp.path().join("x.moments.csv"), &export).unwrap();
    let out = calibrate_in(tmp.path(), "x.moments.csv", &["--out", "x.toml", "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(tmp.path().join("x.moments.csv")).unwrap(),
        export
    );
    assert!(!tmp.path().join("x.toml").exists());
}

#[test]
fn calibrate_keeps_an_existing_scenario_and_moments_file_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let export = manifest_dir().join("tests/crm/hubspot.csv");
    let export = export.to_str().unwrap();
    // A hand-made acme.toml beside acme.csv (the default --out), then each file alone.
    std::fs::copy(export, tmp.path().join("acme.csv")).unwrap();
    for existing in ["acme.toml", "acme.moments.csv"] {
        let path = tmp.path().join(existing);
        std::fs::write(&path, "# mine\n").unwrap();
        let out = calibrate_in(tmp.path(), "acme.csv", &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("acme.toml")
                && err.contains("acme.moments.csv")
                && err.contains("--force"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
        std::fs::remove_file(&path).unwrap();
        assert!(!tmp.path().join("acme.toml").exists());
        assert!(!tmp.path().join("acme.moments.csv").exists());
    }
    // --force replaces both.
    std::fs::write(tmp.path().join("acme.toml"), "# mine\n").unwrap();
    let out = calibrate_in(tmp.path(), "acme.csv", &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(tmp.path().join("acme.toml")).unwrap();
    assert!(written.starts_with("# A market like yours"), "{written}");
    assert!(tmp.path().join("acme.moments.csv").is_file());
}

#[test]
fn calibrate_writes_nothing_before_the_fit_succeeds() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("acme.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args([
            "calibrate",
            "tests/crm/salesforce.csv",
            "--out",
            scenario.to_str().unwrap(),
            "--sensitivity-trajectories",
            "0",
        ])
        .current_dir(manifest_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut fitting = false;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.contains("Fitting the market") {
            fitting = true;
            break;
        }
    }
    assert!(fitting, "calibrate never reached the fit");
    // The moments are known and printed, the fit has not finished: nothing is on disk yet.
    let moments = tmp.path().join("acme.moments.csv");
    assert!(
        !moments.exists(),
        "the moments file was written before the fit"
    );
    signal(&child, "-INT");
    let _ = child.wait();
    if !scenario.exists() {
        assert!(
            !moments.exists(),
            "a stopped calibration left its moments file"
        );
    }
}

#[test]
fn a_cell_cannot_write_settings_into_the_fitted_scenario() {
    // The same export twice, once with a segment label holding quoted line breaks, `#`, a
    // table header and `key = value` lines. Neither label is a simulator segment's name, so
    // the fit is the same; the written scenarios must parse to the same values.
    let custom = std::fs::read_to_string(manifest_dir().join(CUSTOM_EXPORT)).unwrap();
    let hostile = "\"small\n# x\n[customers]\nblock_threshold = 1.0\nkey = value\n\"";
    let with_label = |label: &str| -> String {
        custom
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(';').collect();
                if cells.len() > 8 && cells[8] == "smb" {
                    cells[8] = label;
                }
                cells.join(";") + "\n"
            })
            .collect()
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for (folder, label) in [("plain", "small"), ("hostile", hostile)] {
        let dir = tmp.path().join(folder);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("export.csv"), with_label(label)).unwrap();
        let mut args = vec!["--out", "market.toml"];
        args.extend_from_slice(&support::CUSTOM_MAP);
        let out = calibrate_in(&dir, "export.csv", &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // The terminal shows the label on one line too.
        let shown = stdout(&out);
        assert!(
            !shown.lines().any(|l| l.starts_with("[customers]")
                || l.starts_with("block_threshold")
                || l.starts_with("key = value")),
            "{shown}"
        );
        let text = std::fs::read_to_string(dir.join("market.toml")).unwrap();
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{folder}: the written scenario is not TOML: {e}\n{text}"));
        let ran = salesim(&["validate", dir.join("market.toml").to_str().unwrap()]);
        assert!(ran.status.success(), "{folder}: {}", stderr(&ran));
        written.push(value);
    }
    assert_eq!(written[0], written[1]);
}

/// A pay-driven team paid only salary under two plans that differ only in their accelerator.
const SALARY_ONLY: &str = r#"name = "salary-only"
horizon_quarters = 4
replications = 2
seed = 7

[market]
customers = 800

[strategies.driven]
base = "aggressive"
pay_driven = true

[plans.salary-accelerated]
base = "quarterly-accelerated"
base_share = 1.0

[plans.salary-linear]
base = "linear"
base_share = 1.0

[[variants]]
name = "accelerated"
strategy = "driven"
plan = "salary-accelerated"

[[variants]]
name = "linear"
strategy = "driven"
plan = "salary-linear"
"#;

#[test]
fn a_salary_only_plan_gives_pay_driven_reps_no_pay_driven_incentive() {
    // Without variable pay the plan's shape is a shape of nothing: pay-driven reps under an
    // accelerated and a linear salary-only plan sell alike, pull nothing in with discounts and
    // hold no deal back (before: the accelerator of a pay that does not exist drove them).
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("salary.toml");
    std::fs::write(&file, SALARY_ONLY).unwrap();
    let out = tmp.path().join("out");
    let o = salesim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (variant, replication) = (col("variant"), col("replication"));
    let mut rows: Vec<(String, String, Vec<String>)> = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        let values = [
            "bookings",
            "deals",
            "contacts",
            "discount_cost",
            "sandbagged_deals",
        ]
        .map(|m| row[col(m)].to_string())
        .to_vec();
        rows.push((
            row[variant].to_string(),
            row[replication].to_string(),
            values,
        ));
    }
    for (v, r, values) in &rows {
        assert_eq!(values[3].parse::<f64>().unwrap(), 0.0, "{v} {r}: discounts");
        assert_eq!(values[4].parse::<f64>().unwrap(), 0.0, "{v} {r}: held back");
        let twin = rows.iter().find(|(v2, r2, _)| v2 != v && r2 == r).unwrap();
        assert_eq!(values, &twin.2, "replication {r}: {v} against {}", twin.0);
    }
}

#[test]
fn plan_and_learning_settings_that_can_never_act_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let variant = "\n[[variants]]\nname = \"a\"\nstrategy = \"aggressive\"\nplan = \"mine\"\n";
    let one_rep_teams = "[[vendors]]\nname = \"us\"\n  [[vendors.teams]]\n  name = \"a\"\n  \
        reps = 1\n  [[vendors.teams]]\n  name = \"b\"\n  reps = 1\n[[vendors]]\nname = \"them\"\n  \
        [[vendors.teams]]\n  name = \"a\"\n  reps = 3\n";
    for (body, key) in [
        (
            "[plans.mine]\ncap = 1.0\naccelerator = 2.0\n",
            "plans.mine.accelerator",
        ),
        (
            "[plans.mine]\nbase_share = 1.0\nbonuses = [{ at = 1.0, share = 0.2 }]\n",
            "plans.mine.bonuses",
        ),
        (
            "[plans.mine]\non_target_rate = 0.0\naccelerator = 2.0\n",
            "plans.mine.accelerator",
        ),
        (
            "[plans.mine]\nbonuses = [{ at = 1.0, share = 0.0 }]\n",
            "plans.mine.bonuses.0.share",
        ),
        (
            "[plans.mine]\nclawback_window_days = 100\n",
            "plans.mine.clawback_window_days",
        ),
        (
            "learning = { intensity = 3.0 }\n[plans.mine]\n",
            "learning.intensity",
        ),
    ] {
        let file = tmp.path().join("idle.toml");
        std::fs::write(&file, format!("name = \"idle\"\n{body}{variant}")).unwrap();
        let out = salesim(&["validate", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{body}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("key `{key}`")) && err.contains("never acts"),
            "{body}: {err}"
        );
    }
    let file = tmp.path().join("teams.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"idle\"\nlearning = {{ rule = \"imitate\" }}\n{one_rep_teams}\n[[variants]]\n\
             name = \"a\"\nstrategy = \"aggressive\"\n"
        ),
    )
    .unwrap();
    let out = salesim(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("key `learning.peers`"),
        "{}",
        stderr(&out)
    );
    // Any of our reps as peers: learning acts.
    let out = salesim(&[
        "run",
        file.to_str().unwrap(),
        "--set",
        "learning.peers=\"vendor\"",
        "--out",
        tmp.path().join("o").to_str().unwrap(),
        "-q",
        "--replications",
        "1",
        "--set",
        "market.customers=200",
        "--set",
        "horizon_quarters=1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_study_and_a_run_never_delete_each_others_folders() {
    let tmp = tempfile::tempdir().unwrap();
    // A finished run's folder: a study refuses it, and its CSVs stay.
    let run_dir = tmp.path().join("run");
    assert!(run_lesson(&run_dir, &[]).status.success());
    let before = std::fs::read(run_dir.join("runs.csv")).unwrap();
    let out = salesim(&[
        "sensitivity",
        "scenarios/lesson.toml",
        "--out",
        run_dir.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("runs.csv") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(run_dir.join("runs.csv")).unwrap(), before);
    // A study's folder: a run refuses it unless --force.
    let study = tmp.path().join("study");
    std::fs::create_dir(&study).unwrap();
    std::fs::write(
        study.join("manifest.json"),
        r#"{"salesim_version": "0.1.0", "study": "sensitivity", "complete": true}"#,
    )
    .unwrap();
    std::fs::write(study.join("sensitivity.csv"), "output\n").unwrap();
    let out = run_lesson(&study, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sensitivity study") && err.contains("--force"),
        "{err}"
    );
    assert!(study.join("sensitivity.csv").is_file());
    let out = run_lesson(&study, &["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(study.join("runs.csv").is_file() && !study.join("sensitivity.csv").exists());
}

#[test]
fn a_merge_never_deletes_a_study_s_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let slice = tmp.path().join("slice");
    assert!(run_lesson(&slice, &["--shard", "1/1"]).status.success());
    let study = tmp.path().join("study");
    std::fs::create_dir(&study).unwrap();
    std::fs::write(
        study.join("manifest.json"),
        r#"{"salesim_version": "0.1.0", "study": "sensitivity", "complete": true}"#,
    )
    .unwrap();
    std::fs::write(study.join("sensitivity.csv"), "output\n").unwrap();
    let merge = |extra: &[&str]| {
        let mut args = vec![
            "merge",
            slice.to_str().unwrap(),
            "--out",
            study.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(extra);
        salesim(&args)
    };
    let out = merge(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sensitivity study") && err.contains("--force"),
        "{err}"
    );
    assert!(study.join("sensitivity.csv").is_file());
    let out = merge(&["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(study.join("runs.csv").is_file() && !study.join("sensitivity.csv").exists());
}

#[test]
fn a_seed_above_2_63_is_refused_at_once_naming_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let big = "9223372036854775808";
    let out = tmp.path().join("s.toml");
    for args in [
        vec![
            "calibrate",
            "tests/crm/hubspot.csv",
            "--out",
            out.to_str().unwrap(),
            "--seed",
            big,
        ],
        vec!["sensitivity", "scenarios/lesson.toml", "--seed", big],
        vec!["run", "scenarios/lesson.toml", "--seed", big],
    ] {
        let o = salesim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("--seed") && !err.contains(".toml:"),
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists() && !tmp.path().join("s.moments.csv").exists());
}

#[test]
fn an_export_with_more_reps_than_a_scenario_holds_is_refused_before_the_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("id,account,owner,created,closed,outcome,amount\n");
    for r in 0..12_501 {
        text.push_str(&format!("{r},a{r},rep{r},2024-01-02,2024-03-01,won,1000\n"));
    }
    std::fs::write(tmp.path().join("big.csv"), text).unwrap();
    let out = calibrate_in(tmp.path(), "big.csv", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("salesim: error: big.csv: has 12501 reps") && err.contains("12500"),
        "{err}"
    );
    assert!(!stdout(&out).contains("Fitting"), "{}", stdout(&out));
    assert!(!tmp.path().join("big.toml").exists());
}

#[test]
fn a_utf16_export_gets_a_readable_column_list() {
    let text = std::fs::read_to_string(manifest_dir().join("tests/crm/hubspot.csv")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (name, big_endian) in [("be.csv", true), ("le.csv", false)] {
        let mut bytes: Vec<u8> = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        std::fs::write(tmp.path().join(name), bytes).unwrap();
        // A map to a column that is not there: the message lists the columns there are.
        let out = calibrate_in(tmp.path(), name, &["--map", "amount=Nope"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("`Deal Stage`") && !err.contains("\\u{0}"),
            "{err}"
        );
    }
}

#[test]
fn an_identifier_mapped_as_the_amount_is_not_read_as_a_negative_amount() {
    // The Salesforce report with ids opp-1, opp-2, ...: `--map 'amount=Opportunity ID'` must
    // say the ids are not amounts, not that they are below zero.
    let report = std::fs::read_to_string(manifest_dir().join("tests/crm/salesforce.csv")).unwrap();
    let text = (1..=30).fold(report, |t, i| {
        t.replace(&format!("\"0065g00000A{i:02}\""), &format!("\"opp-{i}\""))
    });
    assert!(text.contains("\"opp-1\""));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ids.csv"), text).unwrap();
    let out = calibrate_in(tmp.path(), "ids.csv", &["--map", "amount=Opportunity ID"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`opp-1` is not an amount")
            && !err.contains("negative")
            && !err.contains("below zero"),
        "{err}"
    );
}

#[test]
fn plan_messages_show_numbers_short_name_the_full_key_and_the_allowed_names() {
    let tmp = tempfile::tempdir().unwrap();
    let variant = "\n[[variants]]\nname = \"a\"\nstrategy = \"aggressive\"\nplan = \"mine\"\n";
    for (plan, key, wanted) in [
        (
            "bonuses = [{ at = 1.0, share = 1e300 }]",
            "plans.mine.bonuses.0.share",
            "1e300 is out of range",
        ),
        (
            "bonuses = [{ at = 1.0, share = \"x\" }]",
            "plans.mine.bonuses.0.share",
            "a number",
        ),
        (
            "period = 3",
            "plans.mine.period",
            "\"quarter\", \"half\" or \"year\"",
        ),
        ("accelerator = 1e300", "plans.mine.accelerator", "1e300"),
    ] {
        let file = tmp.path().join("plan.toml");
        std::fs::write(
            &file,
            format!("name = \"p\"\n[plans.mine]\n{plan}\n{variant}"),
        )
        .unwrap();
        let out = salesim(&["validate", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{plan}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("plan.toml:3: key `{key}`")) && err.contains(wanted),
            "{plan}: {err}"
        );
        assert!(!err.contains("0000000000"), "{plan}: {err}");
    }
}

#[test]
fn a_range_conflict_names_the_ranges_not_a_sweep_the_file_lacks() {
    let out = salesim(&[
        "sensitivity",
        "scenarios/lesson.toml",
        "--range",
        "market.peers=30..40",
        "--range",
        "market.customers=20..30",
        "--knob",
        "market.peers",
        "--knob",
        "market.customers",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("[sweep]"), "{err}");
    assert!(
        err.contains("--range market.peers=30..40") && err.contains("design"),
        "{err}"
    );
}

#[test]
fn a_stopped_study_says_only_that_nothing_was_written() {
    use std::io::BufRead;
    use std::sync::{Arc, Mutex};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("study");
    let mut child = spawn_in(
        manifest_dir(),
        &[
            "sensitivity",
            "scenarios/lesson.toml",
            "--out",
            out.to_str().unwrap(),
            "--set",
            "market.customers=2000",
            "--trajectories",
            "4",
            "--replications",
            "2",
        ],
    );
    let pipe = child.stderr.take().unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let reader = {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = seen.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    let started = Instant::now();
    while !seen.lock().unwrap().contains("...") {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the study never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let err = seen.lock().unwrap().clone();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(!err.contains("finished runs are kept"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!out.join("sensitivity.csv").exists());
}
