//! The bad-input contract (issue 7), checked against the real binary on a corpus of malformed
//! scenario files in `tests/bad_input/`.
//!
//! For every file, `salesim run FILE --out <tmp>/out --quiet` and `salesim validate FILE` must:
//! exit with code 2; name the file; name the key and the line where there is one (the table
//! below, written by reading each file, not by copying the program's output);
//! state the problem and say what is allowed ("Allowed:"); never panic; write nothing to stdout;
//! and create no output folder. A missing file and a directory are checked the same way.
//!
//! Files whose message once failed the contract carry a `bug` note saying how (the defects are
//! fixed): the main test checks exit code, file, "Allowed:", no panic and no output for them, and
//! `known_bugs_are_fixed` checks them in full, so a regression names the old defect.
//!
//! Absurd sizes (memory-exhausting scenarios, `tests/bad_input/size/`) and special files (a FIFO,
//! `/dev/zero`) have their own tests at the end.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use support::{manifest_dir, run_guarded};

/// One corpus file: what the message must name.
struct Case {
    /// File name in `tests/bad_input/`.
    file: &'static str,
    /// The key the message must name (alternatives separated by `|`), or `None` where the problem
    /// has no key (broken syntax, bad bytes). Checked by [`names_key`], so that a key is really
    /// named, not merely a word in the prose.
    key: Option<&'static str>,
    /// The 1-based line the message must point at (`FILE:LINE`), or `None` where no line holds
    /// the problem (a required key that is not written).
    line: Option<usize>,
    /// A defect the message had (fixed); key/line are then checked by `known_bugs_are_fixed`.
    bug: Option<&'static str>,
}

const fn case(file: &'static str, key: Option<&'static str>, line: Option<usize>) -> Case {
    Case {
        file,
        key,
        line,
        bug: None,
    }
}

const fn known(
    file: &'static str,
    key: Option<&'static str>,
    line: Option<usize>,
    bug: &'static str,
) -> Case {
    Case {
        file,
        key,
        line,
        bug: Some(bug),
    }
}

const FLATTEN_BUG: &str = "strategy knobs are #[serde(flatten)]ed: the error loses the knob's \
                           key and points at the [strategies.X] header line";

const EMPTY_PROBLEM_BUG: &str = "the toml crate gives an empty message for some syntax errors and \
                                 salesim passes it on: `FILE:4: key `customers`: . Allowed: ...`";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Broken TOML.
    case("toml_unclosed_table_header.toml", None, Some(3)),
    case("toml_unterminated_string.toml", None, Some(1)),
    case("toml_missing_value.toml", Some("customers"), Some(4)),
    case("toml_bare_word_value.toml", Some("customers"), Some(4)),
    case("toml_duplicate_key.toml", Some("customers"), Some(6)),
    case("toml_duplicate_table.toml", Some("market"), Some(6)),
    case("toml_unclosed_inline_table.toml", None, Some(6)),
    known("toml_value_missing_at_end_of_file.toml", Some("customers"), Some(4), EMPTY_PROBLEM_BUG),
    known("toml_stray_carriage_return.toml", None, Some(2), EMPTY_PROBLEM_BUG),
    // Wrong types.
    case("type_customers_string.toml", Some("customers"), Some(4)),
    case("type_horizon_float.toml", Some("horizon_quarters"), Some(2)),
    case("type_seed_bool.toml", Some("seed"), Some(2)),
    case("type_name_number.toml", Some("name"), Some(1)),
    case("type_vendors_string.toml", Some("vendors"), Some(2)),
    case("type_repeat_purchases_string.toml", Some("repeat_purchases"), Some(4)),
    case("type_market_not_table.toml", Some("market"), Some(2)),
    case("type_team_reps_string.toml", Some("reps"), Some(7)),
    case("type_variant_teams_list.toml", Some("teams"), Some(6)),
    case("type_sweep_values_strings.toml", Some("parameters|market.peers"), Some(4)),
    known("type_strategy_knob_string.toml", Some("discount_max"), Some(5), FLATTEN_BUG),
    known("type_strategy_sandbagging_number.toml", Some("sandbagging"), Some(5), FLATTEN_BUG),
    // Unknown keys at every level.
    case("unknown_key_top.toml", Some("colour"), Some(2)),
    case("unknown_key_market.toml", Some("customerz"), Some(5)),
    case("unknown_key_market_segment_mix.toml", Some("startup"), Some(5)),
    case("unknown_key_market_segments.toml", Some("startup"), Some(3)),
    case("unknown_key_market_segments_smb.toml", Some("cycle_dayz"), Some(6)),
    case("unknown_key_customers.toml", Some("patience"), Some(5)),
    case("unknown_key_customers_receptivity.toml", Some("negotiation"), Some(5)),
    case("unknown_key_reps.toml", Some("salary"), Some(5)),
    case("unknown_key_vendor.toml", Some("colour"), Some(14)),
    case("unknown_key_team.toml", Some("quota"), Some(11)),
    known("unknown_key_strategy.toml", Some("discount_maxx"), Some(5), FLATTEN_BUG),
    case("unknown_key_variant.toml", Some("colour"), Some(10)),
    case("unknown_key_sweep.toml", Some("step"), Some(5)),
    // Out-of-range and non-finite numbers.
    case("nan_market_value_median_k.toml", Some("market.value_median_k"), Some(4)),
    case("inf_customers_block_threshold.toml", Some("customers.block_threshold"), Some(4)),
    case("neg_inf_customers_no_decision_utility.toml", Some("customers.no_decision_utility"), Some(4)),
    case("inf_reps_capacity_per_day.toml", Some("reps.capacity_per_day"), Some(4)),
    case("nan_receptivity_exploration.toml", Some("customers.receptivity.exploration"), Some(4)),
    case("nan_segment_mix_smb.toml", Some("market.segment_mix.smb"), Some(4)),
    case("nan_team_region_weight.toml", Some("vendors.0.teams.0.region_weight"), Some(8)),
    case("nan_strategy_discount_max.toml", Some("strategies.gentle.discount_max"), Some(5)),
    case("inf_segment_cycle_days.toml", Some("market.segments.enterprise.cycle_days"), Some(4)),
    case("nan_sweep_value.toml", Some("strategies.aggressive.discount_max"), Some(4)),
    case("inf_sweep_value.toml", Some("customers.trust_gain"), Some(4)),
    case("range_probability_above_one.toml", Some("customers.trust_gain"), Some(4)),
    case("range_negative_probability.toml", Some("reps.ratchet_up"), Some(4)),
    case("range_attention_per_month_too_big.toml", Some("customers.attention_per_month"), Some(4)),
    case("range_renewal_max_below_min.toml", Some("market.renewal_years_max"), Some(5)),
    case("range_segment_cycle_days_negative.toml", Some("market.segments.smb.cycle_days"), Some(4)),
    case("range_horizon_too_long.toml", Some("horizon_quarters"), Some(2)),
    case("range_replications_too_many.toml", Some("replications"), Some(2)),
    case("range_peers_too_many.toml", Some("market.peers"), Some(4)),
    case("range_customers_above_limit.toml", Some("market.customers"), Some(4)),
    case("range_strategy_effort_ramp.toml", Some("strategies.gentle.effort_ramp"), Some(5)),
    case("range_strategy_discount_window_zero.toml", Some("strategies.aggressive.discount_window_days"), Some(4)),
    case("range_team_reps_too_many.toml", Some("vendors.0.teams.0.reps"), Some(7)),
    case("range_vendor_reps_too_many.toml", Some("vendors.0.teams"), Some(5)),
    case("range_integer_overflow_u32.toml", Some("customers"), Some(4)),
    case("range_integer_overflow_toml.toml", Some("seed"), Some(2)),
    // Negative or zero counts, empty lists.
    case("zero_customers.toml", Some("market.customers"), Some(4)),
    case("zero_replications.toml", Some("replications"), Some(2)),
    case("zero_horizon.toml", Some("horizon_quarters"), Some(2)),
    case("zero_team_reps.toml", Some("vendors.0.teams.0.reps"), Some(7)),
    case("zero_block_days.toml", Some("customers.block_days"), Some(4)),
    case("zero_attention_per_month.toml", Some("customers.attention_per_month"), Some(4)),
    case("negative_customers.toml", Some("customers"), Some(4)),
    case("negative_team_reps.toml", Some("reps"), Some(7)),
    case("negative_horizon.toml", Some("horizon_quarters"), Some(2)),
    case("negative_seed.toml", Some("seed"), Some(2)),
    known("negative_strategy_min_contact_gap.toml", Some("min_contact_gap_days"), Some(5), FLATTEN_BUG),
    case("no_vendors.toml", Some("vendors"), Some(2)),
    case("no_teams.toml", Some("vendors.0.teams"), Some(5)),
    case("no_variants.toml", Some("variants"), Some(2)),
    // Empty, duplicate and invalid names.
    case("name_empty_scenario.toml", Some("name"), Some(1)),
    case("name_invalid_chars_scenario.toml", Some("name"), Some(1)),
    case("name_path_traversal_scenario.toml", Some("name"), Some(1)),
    case("name_empty_vendor.toml", Some("vendors.0.name"), Some(4)),
    case("name_duplicate_vendor.toml", Some("vendors.1.name"), Some(13)),
    case("name_non_ascii_vendor.toml", Some("vendors.0.name"), Some(4)),
    case("name_empty_team.toml", Some("vendors.0.teams.0.name"), Some(6)),
    case("name_duplicate_team.toml", Some("vendors.0.teams.1.name"), Some(9)),
    case("name_invalid_chars_team.toml", Some("vendors.0.teams.0.name"), Some(6)),
    case("name_empty_variant.toml", Some("variants.0.name"), Some(4)),
    case("name_duplicate_variant.toml", Some("variants.1.name"), Some(8)),
    case("name_too_long_variant.toml", Some("variants.0.name"), Some(4)),
    case("name_invalid_chars_strategy.toml", Some("strategies.soft touch"), Some(3)),
    case("name_control_characters.toml", Some("name"), Some(1)),
    // Unknown strategies, teams and variants.
    case("unknown_strategy_vendor.toml", Some("vendors.1.strategy"), Some(14)),
    case("unknown_strategy_team.toml", Some("vendors.0.teams.0.strategy"), Some(8)),
    case("unknown_strategy_variant.toml", Some("variants.1.strategy"), Some(9)),
    case("unknown_strategy_variant_team_override.toml", Some("variants.0.teams.east"), Some(15)),
    case("unknown_strategy_base.toml", Some("strategies.gentle.base"), Some(4)),
    case("missing_strategy_base.toml", Some("strategies.gentle.base"), Some(3)),
    case("unknown_team_in_variant_override.toml", Some("variants.0.teams.north"), Some(15)),
    case("unknown_reference_variant.toml", Some("reference"), Some(2)),
    // Sweeps.
    case("sweep_path_unknown_key.toml", Some("customerz"), Some(4)),
    case("sweep_path_unknown_section.toml", Some("nosuch"), Some(4)),
    case("sweep_path_index_past_end.toml", Some("vendors.7"), Some(4)),
    case("sweep_path_through_value.toml", Some("market.customers"), Some(4)),
    known("sweep_path_unknown_strategy.toml", Some("strategies.nope"), Some(4),
          "the error blames `strategies.nope.base` as `a default or derived value`, with no line \
           and no mention of the sweep"),
    case("sweep_path_string_key.toml", Some("name"), Some(4)),
    case("sweep_value_out_of_range.toml", Some("market.customers"), Some(4)),
    case("sweep_value_fraction_for_count.toml", Some("market.customers"), Some(4)),
    case("sweep_empty_list.toml", Some("market.peers"), Some(4)),
    case("sweep_no_parameters.toml", Some("sweep.parameters"), Some(4)),
    case("sweep_missing_parameters.toml", Some("parameters"), Some(3)),
    case("sweep_zip_lengths_differ.toml", Some("market.peers"), Some(5)),
    case("sweep_bad_mode.toml", Some("sweep.mode"), Some(4)),
    // Tables written as lists (issue 14: serde built structs from sequences, extra elements were
    // dropped and the file validated).
    case("list_for_table_reps.toml", Some("reps"), Some(2)),
    case("list_for_table_segment_mix.toml", Some("market.segment_mix"), Some(4)),
    case("list_for_table_segments.toml", Some("market.segments"), Some(4)),
    case("list_for_table_receptivity.toml", Some("customers.receptivity"), Some(4)),
    case("list_for_table_variants.toml", Some("variants|variants.0"), Some(2)),
    case("list_for_table_vendors.toml", Some("vendors|vendors.0"), Some(2)),
    case("list_for_table_team.toml", Some("vendors.0.teams|vendors.0.teams.0"), Some(5)),
    case("list_for_table_sweep.toml", Some("sweep"), Some(2)),
    // Cross-field checks.
    case("segment_mix_sum_not_one.toml", Some("market.segment_mix"), Some(3)),
    case("segment_mix_negative_share.toml", Some("market.segment_mix.smb"), Some(4)),
    case("peers_equal_customers.toml", Some("market.peers"), Some(5)),
    case("peers_more_than_customers.toml", Some("market.peers"), Some(5)),
    case("peers_complete_network_too_big.toml", Some("market.peers"), Some(5)),
    // Required keys that are not written: the key is named, there is no line to point at.
    case("missing_name.toml", Some("name"), None),
    case("empty_file.toml", Some("name"), None),
    case("missing_team_reps.toml", Some("reps"), Some(5)),
    // Bad bytes: the line of the first bad byte.
    case("not_utf8_latin1.toml", None, Some(2)),
    case("not_utf8_truncated_sequence.toml", None, Some(4)),
    case("binary_png_header.toml", None, Some(1)),
    case("binary_utf16.toml", None, Some(1)),
    case("binary_control_bytes.toml", None, Some(2)),
];

fn corpus_dir() -> PathBuf {
    manifest_dir().join("tests/bad_input")
}

/// Runs the binary in the crate root (paths in messages are then `tests/bad_input/...`).
fn salesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_salesim"))
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("the salesim binary starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Checks the contract for one file (a path relative to the crate root); returns the problems
/// found (empty when the file passes). `strict` also checks the key and the line.
fn check(path: &str, key: Option<&str>, line: Option<usize>, strict: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let run = salesim(&["run", path, "--out", out_dir.to_str().unwrap(), "--quiet"]);
    let err = stderr(&run);
    let mut fail = |what: String| problems.push(format!("{path}: {what}\n    stderr: {err}"));
    if run.status.code() != Some(2) {
        fail(format!("run exited with {:?}, not 2", run.status.code()));
    }
    if err.contains("panicked") {
        fail("run panicked".into());
    }
    if !err.contains(path) {
        fail("the message does not name the file".into());
    }
    if !err.contains("Allowed:") {
        fail("the message does not say what is allowed (`Allowed:`)".into());
    }
    if out_dir.exists() {
        fail("the output folder was created".into());
    }
    if err
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        fail("the message holds raw control characters".into());
    }
    if !run.stdout.is_empty() {
        fail(format!(
            "run wrote to stdout: {}",
            String::from_utf8_lossy(&run.stdout)
        ));
    }
    if strict {
        // The problem is stated: the message does not go straight from `FILE:LINE:` or
        // `key `k`:` to `. Allowed:`.
        let first = err.lines().next().unwrap_or("");
        let before_allowed = first.split(". Allowed:").next().unwrap_or("").trim_end();
        if before_allowed.ends_with(':') {
            fail("the message does not state the problem".into());
        }
        if let Some(line) = line {
            if !err.contains(&format!("{path}:{line}")) {
                fail(format!("the message does not point at line {line}"));
            }
        }
        if let Some(keys) = key {
            let named = keys.split('|').any(|k| names_key(&err, k));
            if !named {
                fail(format!("the message does not name the key `{keys}`"));
            }
        }
    }
    let validate = salesim(&["validate", path]);
    let verr = stderr(&validate);
    if validate.status.code() != Some(2) {
        problems.push(format!(
            "{path}: validate exited with {:?}, not 2\n    stderr: {verr}",
            validate.status.code()
        ));
    }
    if verr.contains("panicked") {
        problems.push(format!("{path}: validate panicked\n    stderr: {verr}"));
    }
    problems
}

/// Whether `err` names `key` as a key: quoted (`` `key ``, `"key`) or as the end of a dotted
/// path (`sweep.parameters.key`), not merely as a word of the prose.
fn names_key(err: &str, key: &str) -> bool {
    err.match_indices(key)
        .any(|(i, _)| matches!(err[..i].chars().last(), Some('`' | '"' | '.')))
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_corpus_and_the_table_match() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let in_table: BTreeSet<String> = CASES.iter().map(|c| c.file.to_string()).collect();
    assert_eq!(in_table.len(), CASES.len(), "a file is listed twice");
    let untested: Vec<_> = on_disk.difference(&in_table).collect();
    let missing: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(untested.is_empty(), "files not in the table: {untested:?}");
    assert!(
        missing.is_empty(),
        "table entries without a file: {missing:?}"
    );
    assert!(CASES.len() >= 40, "the issue asks for at least 40 files");
}

#[test]
fn bad_bytes_fixtures_really_are_bad() {
    for f in [
        "not_utf8_latin1.toml",
        "not_utf8_truncated_sequence.toml",
        "binary_png_header.toml",
        "binary_utf16.toml",
    ] {
        let bytes = std::fs::read(corpus_dir().join(f)).unwrap();
        assert!(String::from_utf8(bytes).is_err(), "{f} must not be UTF-8");
    }
    let bytes = std::fs::read(corpus_dir().join("binary_control_bytes.toml")).unwrap();
    assert!(
        bytes.contains(&0),
        "binary_control_bytes.toml must hold NUL bytes"
    );
}

#[test]
fn every_bad_file_exits_2_names_file_key_line_and_what_is_allowed() {
    let mut problems = Vec::new();
    for c in CASES {
        let path = format!("tests/bad_input/{}", c.file);
        problems.extend(check(&path, c.key, c.line, c.bug.is_none()));
    }
    report(problems);
}

#[test]
fn known_bugs_are_fixed() {
    let mut problems = Vec::new();
    for c in CASES.iter().filter(|c| c.bug.is_some()) {
        let path = format!("tests/bad_input/{}", c.file);
        problems.extend(check(&path, c.key, c.line, true));
    }
    report(problems);
}

#[test]
fn a_missing_file_is_refused() {
    let path = "tests/bad_input/does_not_exist.toml";
    assert!(!manifest_dir().join(path).exists());
    report(check(path, None, None, true));
}

#[test]
fn a_directory_is_refused() {
    let path = "tests/bad_input";
    report(check(path, None, None, true));
    let out = salesim(&["validate", path]);
    assert!(stderr(&out).contains("directory"), "{}", stderr(&out));
}

#[test]
fn validate_reports_every_bad_file_and_exits_2() {
    let paths: Vec<String> = CASES
        .iter()
        .map(|c| format!("tests/bad_input/{}", c.file))
        .collect();
    let mut args = vec!["validate"];
    args.extend(paths.iter().map(String::as_str));
    let out = salesim(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for p in &paths {
        assert!(
            err.contains(p.as_str()),
            "validate said nothing about {p}:\n{err}"
        );
    }
}

// Absurd sizes ---------------------------------------------------------------------------------
//
// Scenarios that pass every per-key check but would need far more memory than a machine has:
// each needs more than 16 GB even with a single run in flight. The desired behaviour: refused up
// front, exit 2, with a memory estimate and the limit in the message, nothing written, within
// seconds. While the limit is pending the binary would allocate until it crashes (or compute for
// hours), so the processes are run under a 4 GB address-space limit (on Unix) and a deadline.

/// The size fixtures in `tests/bad_input/size/`: file, and the key(s) the message should name
/// (alternatives separated by `|`).
const SIZE_CASES: &[(&str, &str)] = &[
    ("customers_5m_vendors_64.toml", "market.customers|vendors"),
    (
        "customers_5m_reps_1m_vendors_50.toml",
        "market.customers|vendors|reps",
    ),
    (
        "replications_1m_long_horizon.toml",
        "replications|horizon_quarters",
    ),
    (
        "replications_1m_sweep_100k_points.toml",
        "replications|sweep",
    ),
    ("sweep_grid_10_to_the_9_points.toml", "sweep"),
];

#[test]
fn size_fixtures_are_well_formed() {
    // They are only absurd in combination: the TOML is valid, every key is known and every value
    // is within its own range, so a size limit, not a per-key check, has to catch them.
    for (file, _) in SIZE_CASES {
        let src = std::fs::read_to_string(corpus_dir().join("size").join(file)).unwrap();
        salesim::scenario::ScenarioSource::parse(file, &src)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn absurd_sizes_are_refused_up_front_with_an_estimate_and_the_limit() {
    let mut problems = Vec::new();
    for (file, keys) in SIZE_CASES {
        let path = format!("tests/bad_input/size/{file}");
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        let args = ["run", &path, "--out", out_dir.to_str().unwrap(), "--quiet"];
        let (code, err, overran) = run_guarded(&args, Duration::from_secs(10));
        let mut fail = |what: &str| problems.push(format!("{path}: {what}\n    stderr: {err}"));
        if overran {
            fail("run still going after 10 s (not refused up front)");
        } else if code != Some(2) {
            fail(&format!("run exited with {code:?}, not 2"));
        }
        if out_dir.exists() {
            fail("the output folder was created");
        }
        if err.contains("panicked") || err.contains("memory allocation") {
            fail("crashed");
        }
        if !err.contains(path.as_str()) {
            fail("the message does not name the file");
        }
        if !keys.split('|').any(|k| names_key(&err, k)) {
            fail(&format!("the message does not name the key ({keys})"));
        }
        if !err.contains("Allowed:") {
            fail("the message does not say what is allowed");
        }
        // An estimate and a limit: two sizes with units ("about 59.6 GB ... limit of 16 GB").
        let sizes = err
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| {
                matches!(
                    *w,
                    "KB" | "MB" | "GB" | "TB" | "PB" | "KiB" | "MiB" | "GiB" | "TiB" | "PiB"
                )
            })
            .count();
        if sizes < 2 {
            fail("the message does not give a memory estimate and the limit");
        }
        let (vcode, verr, voverran) = run_guarded(&["validate", &path], Duration::from_secs(10));
        if voverran || vcode != Some(2) {
            problems.push(format!(
                "{path}: validate {} (wanted exit 2)\n    stderr: {verr}",
                if voverran {
                    "still going after 10 s".to_string()
                } else {
                    format!("exited with {vcode:?}")
                }
            ));
        }
    }
    report(problems);
}

// Special files -------------------------------------------------------------------------------

/// A FIFO blocks `salesim` forever (it waits for a writer), and a device such as `/dev/zero` is
/// read until memory runs out (then "cannot be read (out of memory)", after gigabytes). Desired:
/// refused at once as "not a regular file", exit 2, without reading it.
#[test]
#[cfg(unix)]
fn special_files_are_refused_without_reading_them() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("scenario.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut paths = vec!["/dev/zero".to_string()];
    if made.is_ok_and(|s| s.success()) {
        paths.push(fifo.to_str().unwrap().to_string());
    }
    let mut problems = Vec::new();
    for path in &paths {
        for cmd in ["validate", "run"] {
            let (code, err, overran) = run_guarded(&[cmd, path], Duration::from_secs(5));
            if overran || code != Some(2) || !err.contains(path.as_str()) {
                problems.push(format!(
                    "salesim {cmd} {path}: exit {code:?}, overran {overran}\n    stderr: {err}"
                ));
            } else if err.contains("out of memory") || !err.contains("Allowed:") {
                problems.push(format!("salesim {cmd} {path}: read it\n    stderr: {err}"));
            }
        }
    }
    report(problems);
}
