//! The shipped scenario library (`scenarios/*.toml`), driven through the real binary.
//!
//! 1. Every shipped scenario is well formed (header comment, `name` = file stem, a question and a
//!    description), validates, and runs at reduced size (`--replications 2 --set
//!    market.customers=300`) producing the whole output contract; sweeps have their `param_<path>`
//!    columns and points 0..n-1. The runs go in parallel threads; the whole test takes a few
//!    seconds in release mode.
//! 2. The library stays honest: at least one shipped scenario shows aggressive ahead on bookings and
//!    another shows aligned ahead, each with the 95% CI of the paired difference aligned −
//!    aggressive (comparison.csv) excluding zero. Every head-to-head scenario (no sweep, variants
//!    `aggressive` and `aligned`, reference `aggressive`) runs at full market size with
//!    [`HONEST_REPLICATIONS`] replications, two at a time, and the test prints their differences.
//!    The library was written so that `transactional-short-cycles` shows aggressive ahead and
//!    `no-cicadas` and `crowded-territory` show aligned ahead. The answers moved with the model:
//!    on the build of issue 27's second session (2026-12-07), over the horizon,
//!    `transactional-short-cycles` (−1,807 $k over the horizon on the issue 28 build) and `one-quarter-view` show
//!    aggressive ahead, and every other head-to-head scenario, `no-cicadas` and
//!    `competitor-swarm` among them, aligned (docs/LIBRARY.md). Scanning the library rather than
//!    pinning two files keeps the test about the library's property while the engine is
//!    recalibrated.
//! 3. `salesim list` shows every shipped scenario (as `builtin:NAME`) with its question.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::process::Output;
use std::sync::Mutex;
use support::{manifest_dir, salesim};

/// Files of the output contract (README.md, "Reading the outputs").
const OUTPUT_FILES: [&str; 10] = [
    "runs.csv",
    "quarters.csv",
    "weeks.csv",
    "summary.csv",
    "comparison.csv",
    "teams.csv",
    "vendors.csv",
    "reps.csv",
    "manifest.json",
    "report.html",
];

/// Replications for the honesty runs (full market size).
const HONEST_REPLICATIONS: &str = "30";

/// The shipped counter-example, designed to show pressure winning (aggressive books more).
const AGGRESSIVE_AHEAD: &str = "scenarios/transactional-short-cycles.toml";

/// A shipped scenario that shows aligned booking more (a book of 50 accounts per rep).
const ALIGNED_AHEAD: &str = "scenarios/crowded-territory.toml";

/// Asserts a successful exit and returns stdout.
fn ok(out: Output, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The shipped scenario files, as paths relative to the crate root, sorted.
fn shipped() -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(manifest_dir().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            format!(
                "scenarios/{}",
                p.file_name().unwrap().to_str().expect("UTF-8 file name")
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected the lesson and the shipped library in scenarios/, found {files:?}"
    );
    files
}

fn parse(file: &str) -> toml::Table {
    let text = fs::read_to_string(manifest_dir().join(file)).expect("scenario readable");
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("{file}: not TOML: {e}"))
}

fn stem(file: &str) -> &str {
    Path::new(file).file_stem().unwrap().to_str().unwrap()
}

fn str_key<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(|v| v.as_str())
}

/// The sweep of a scenario: the parameter paths and the number of points (1 without a sweep).
fn sweep_of(t: &toml::Table) -> (Vec<String>, usize) {
    let Some(sweep) = t.get("sweep").and_then(|v| v.as_table()) else {
        return (Vec::new(), 1);
    };
    let mode = sweep.get("mode").and_then(|v| v.as_str()).unwrap_or("grid");
    let params = sweep["parameters"].as_table().expect("sweep.parameters");
    let lens: Vec<usize> = params
        .values()
        .map(|v| v.as_array().expect("a list of values").len())
        .collect();
    let points = match mode {
        "zip" => lens[0],
        _ => lens.iter().product(),
    };
    (params.keys().cloned().collect(), points)
}

/// A CSV file as header + rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut r =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header = r
            .headers()
            .expect("a header")
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.expect("a record").iter().map(String::from).collect())
            .collect();
        Table { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }
}

// 1. Every shipped scenario validates and runs --------------------------------------------------

#[test]
fn every_shipped_scenario_is_documented_and_validates() {
    let files = shipped();
    for file in &files {
        let text = fs::read_to_string(manifest_dir().join(file)).unwrap();
        assert!(
            text.starts_with('#'),
            "{file}: should open with a header comment"
        );
        assert!(
            !text.contains("OBSERVED"),
            "{file}: the header still has an unfilled OBSERVED placeholder"
        );
        let t = parse(file);
        assert_eq!(str_key(&t, "name"), Some(stem(file)), "{file}: name");
        for key in ["question", "description"] {
            assert!(
                str_key(&t, key).is_some_and(|s| !s.trim().is_empty()),
                "{file}: needs a non-empty {key}"
            );
        }
    }
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    ok(salesim(&args), "validate of every shipped scenario");
}

/// Runs one scenario at reduced size into `out` and checks the output contract.
fn run_small_and_check(file: &str, out: &Path) {
    let out_s = out.to_str().unwrap();
    ok(
        salesim(&[
            "run",
            file,
            "--replications",
            "2",
            "--set",
            "market.customers=300",
            "--threads",
            "1",
            "--out",
            out_s,
            "--quiet",
        ]),
        &format!("reduced run of {file}"),
    );
    for f in OUTPUT_FILES {
        let p = out.join(f);
        let len = fs::metadata(&p)
            .unwrap_or_else(|_| panic!("{file}: {f} was not written"))
            .len();
        assert!(len > 0, "{file}: {f} is empty");
    }

    let t = parse(file);
    let variants = t["variants"].as_array().expect("variants").len();
    let (params, points) = sweep_of(&t);
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(
        runs.rows.len(),
        points * variants * 2,
        "{file}: runs.csv rows = points × variants × replications"
    );
    let param_cols: BTreeSet<&str> = runs
        .header
        .iter()
        .filter_map(|h| h.strip_prefix("param_"))
        .collect();
    let expected: BTreeSet<&str> = params.iter().map(String::as_str).collect();
    assert_eq!(param_cols, expected, "{file}: param_<path> columns");
    let p = runs.col("point");
    let seen: BTreeSet<usize> = runs
        .rows
        .iter()
        .map(|r| r[p].parse().expect("integer point"))
        .collect();
    assert_eq!(
        seen,
        (0..points).collect::<BTreeSet<_>>(),
        "{file}: points 0..n-1"
    );

    let horizon = t
        .get("horizon_quarters")
        .and_then(|v| v.as_integer())
        .unwrap_or(12) as usize;
    let quarters = Table::read(&out.join("quarters.csv"));
    assert_eq!(
        quarters.rows.len(),
        runs.rows.len() * horizon,
        "{file}: quarters.csv rows = runs × horizon_quarters"
    );
    let variants = t
        .get("variants")
        .and_then(|v| v.as_array())
        .map_or(2, |v| v.len());
    for f in ["weeks.csv", "summary.csv", "comparison.csv"] {
        let table = Table::read(&out.join(f));
        if f == "comparison.csv" && variants == 1 {
            assert!(
                table.rows.is_empty(),
                "{file}: one variant, nothing to compare"
            );
            continue;
        }
        assert!(!table.rows.is_empty(), "{file}: {f} has no rows");
        let col = table.col("point");
        let pts: BTreeSet<usize> = table.rows.iter().map(|r| r[col].parse().unwrap()).collect();
        assert_eq!(pts.len(), points, "{file}: {f} covers every point");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap())
            .unwrap_or_else(|e| panic!("{file}: manifest.json is not JSON: {e}"));
    assert!(manifest.is_object(), "{file}: manifest.json is an object");
}

#[test]
fn every_shipped_scenario_runs_at_reduced_size() {
    let files = shipped();
    let dir = tempfile::tempdir().unwrap();
    let queue = Mutex::new(files.clone());
    let failures = Mutex::new(Vec::<String>::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 6);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(file) = queue.lock().unwrap().pop() else {
                    break;
                };
                let out = dir.path().join(stem(&file));
                let result = std::panic::catch_unwind(|| run_small_and_check(&file, &out));
                if let Err(e) = result {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.lock().unwrap().push(format!("{file}: {msg}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// 2. The library stays honest -------------------------------------------------------------------

/// The paired bookings difference (aligned − aggressive) of a full-size run: (mean, ci_low, ci_high).
fn bookings_difference(file: &str, out: &Path) -> (f64, f64, f64) {
    ok(
        salesim(&[
            "run",
            file,
            "--replications",
            HONEST_REPLICATIONS,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]),
        &format!("run of {file}"),
    );
    let cmp = Table::read(&out.join("comparison.csv"));
    let (point, variant, reference, metric) = (
        cmp.col("point"),
        cmp.col("variant"),
        cmp.col("reference"),
        cmp.col("metric"),
    );
    let rows: Vec<&Vec<String>> = cmp
        .rows
        .iter()
        .filter(|r| {
            r[point] == "0"
                && r[variant] == "aligned"
                && r[reference] == "aggressive"
                && r[metric] == "bookings"
        })
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "{file}: one aligned-vs-aggressive bookings row"
    );
    let f = |c: &str| -> f64 { rows[0][cmp.col(c)].parse().expect("a number") };
    let (mean, lo, hi) = (f("mean_diff"), f("ci_low"), f("ci_high"));
    assert!(lo <= mean && mean <= hi, "{file}: CI brackets the mean");

    // The paired mean difference agrees with the variant means in summary.csv.
    let summary = Table::read(&out.join("summary.csv"));
    let (sv, sm, smean) = (
        summary.col("variant"),
        summary.col("metric"),
        summary.col("mean"),
    );
    let means: HashMap<&str, f64> = summary
        .rows
        .iter()
        .filter(|r| r[sm] == "bookings")
        .map(|r| (r[sv].as_str(), r[smean].parse().unwrap()))
        .collect();
    let from_means = means["aligned"] - means["aggressive"];
    assert!(
        (from_means - mean).abs() <= 1e-6 * (1.0 + mean.abs()),
        "{file}: comparison mean_diff {mean} vs summary means {from_means}"
    );
    (mean, lo, hi)
}

/// Shipped scenarios without a sweep whose variants include `aggressive` and `aligned` with
/// `aggressive` as the reference: the head-to-head comparisons of the library.
fn head_to_head() -> Vec<String> {
    shipped()
        .into_iter()
        .filter(|file| {
            let t = parse(file);
            let names: Vec<&str> = t["variants"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.get("name").and_then(|n| n.as_str()))
                .collect();
            let reference = str_key(&t, "reference").or(names.first().copied());
            !t.contains_key("sweep")
                && names.contains(&"aggressive")
                && names.contains(&"aligned")
                && reference == Some("aggressive")
        })
        .collect()
}

#[test]
fn the_library_shows_each_strategy_ahead_somewhere() {
    let files = head_to_head();
    // The two that show each side (at the time of writing) must be among them.
    for designed in [AGGRESSIVE_AHEAD, ALIGNED_AHEAD] {
        assert!(
            files.iter().any(|f| f == designed),
            "{designed} should be a head-to-head scenario"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let queue = Mutex::new(files.clone());
    let results = Mutex::new(Vec::<(String, (f64, f64, f64))>::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(file) = queue.lock().unwrap().pop() else {
                    break;
                };
                let diff = bookings_difference(&file, &dir.path().join(stem(&file)));
                results.lock().unwrap().push((file, diff));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    assert_eq!(
        results.len(),
        files.len(),
        "every head-to-head scenario ran"
    );
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let table: String = results
        .iter()
        .map(|(f, (m, lo, hi))| {
            format!("  {f}: aligned − aggressive {m:.0} $k, 95% CI [{lo:.0}, {hi:.0}]\n")
        })
        .collect();
    eprintln!("bookings, {HONEST_REPLICATIONS} replications each:\n{table}");
    assert!(
        results.iter().any(|(_, (_, _, hi))| *hi < 0.0),
        "no shipped scenario shows aggressive ahead on bookings with the 95% CI excluding zero \
         (expected at least {AGGRESSIVE_AHEAD}):\n{table}"
    );
    assert!(
        results.iter().any(|(_, (_, lo, _))| *lo > 0.0),
        "no shipped scenario shows aligned ahead on bookings with the 95% CI excluding zero \
         (expected at least {ALIGNED_AHEAD}):\n{table}"
    );
}

// 3. salesim list -------------------------------------------------------------------------------

#[test]
fn list_shows_every_shipped_scenario_with_its_question() {
    let text = ok(salesim(&["list"]), "list");
    for file in shipped() {
        let question = str_key(&parse(&file), "question").unwrap().to_string();
        // Built into the binary: listed by name, whether or not the files are at hand.
        let name = file
            .trim_start_matches("scenarios/")
            .trim_end_matches(".toml");
        let builtin = format!("builtin:{name} ");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&builtin) && l.contains(question.as_str())),
            "salesim list should show {builtin} with its question {question:?}; got:\n{text}"
        );
    }
}
