//! The scenario reference in `docs/SCENARIOS.md` is generated from the code and must match it.
//!
//! After changing a scenario key, a default, a doc comment, a range or a strategy preset, rewrite
//! the generated block with `SALESIM_BLESS=1 cargo test --release --test reference`.

use salesim::scenario::reference::{doc_comments, markdown, KEY_NOTES};
use std::path::PathBuf;
use std::sync::OnceLock;

const BEGIN: &str = "<!-- BEGIN GENERATED REFERENCE -->\n";
const END: &str = "<!-- END GENERATED REFERENCE -->";

fn docs_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/SCENARIOS.md")
}

/// The generated reference, computed once for all tests.
fn reference() -> &'static str {
    static MD: OnceLock<String> = OnceLock::new();
    MD.get_or_init(markdown)
}

/// Splits the docs into (before and BEGIN, generated block, END and after).
fn split(text: &str) -> (&str, &str, &str) {
    let begin = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("docs/SCENARIOS.md has no `{}` line", BEGIN.trim()))
        + BEGIN.len();
    let end = begin
        + text[begin..]
            .find(END)
            .unwrap_or_else(|| panic!("docs/SCENARIOS.md has no `{END}` line"));
    (&text[..begin], &text[begin..end], &text[end..])
}

#[test]
fn docs_hold_the_generated_reference() {
    let path = docs_path();
    let text = std::fs::read_to_string(&path).expect("docs/SCENARIOS.md exists");
    let (head, block, tail) = split(&text);
    let expected = reference();
    if block == expected {
        return;
    }
    if std::env::var_os("SALESIM_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{expected}{tail}")).expect("docs/SCENARIOS.md writes");
        return;
    }
    let first_diff = block
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| block.lines().count().min(expected.lines().count()));
    panic!(
        "the generated reference in docs/SCENARIOS.md is out of date (first difference at line {} \
         of the block:\n  docs: {:?}\n  code: {:?}).\nRegenerate it with:\n  SALESIM_BLESS=1 cargo \
         test --release --test reference",
        first_diff + 1,
        block.lines().nth(first_diff).unwrap_or(""),
        expected.lines().nth(first_diff).unwrap_or(""),
    );
}

/// Every key path of a TOML tree, list positions written `<i>`, `<j>` as in the reference.
fn key_paths(value: &toml::Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
    const INDEX: [&str; 2] = ["<i>", "<j>"];
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(path.clone());
                // Maps keyed by user names (variant team overrides, sweep parameters) end here.
                let user_map =
                    (path.ends_with(".teams") && v.is_table()) || path.ends_with("parameters");
                if !user_map {
                    key_paths(v, &path, depth, out);
                }
            }
        }
        toml::Value::Array(a) => {
            if let Some(first) = a.first().filter(|v| v.is_table()) {
                key_paths(first, &format!("{prefix}.{}", INDEX[depth]), depth + 1, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_scenario_key_is_in_the_reference() {
    let md = reference();
    // The default scenario, plus every optional key set, so Option fields appear too.
    let text = r#"
name = "x"
reference = "aggressive"
[[vendors]]
name = "us"
strategy = "aligned"
  [[vendors.teams]]
  name = "west"
  reps = 1
  strategy = "aligned"
[strategies.NAME]
base = "aggressive"
[plans.NAME]
base = "linear"
cap = 2.0
[[variants]]
name = "aggressive"
strategy = "aggressive"
teams = { west = "aligned" }
[sweep]
parameters = { "market.customers" = [100.0] }
"#;
    let mut paths = Vec::new();
    for t in ["name = \"x\"", text] {
        let scenario = salesim::scenario::ScenarioSource::parse("t.toml", t)
            .expect("parses")
            .scenario;
        let tree = toml::Value::try_from(&scenario).expect("serializes");
        key_paths(&tree, "", 0, &mut paths);
    }
    for path in &paths {
        let heading = md.lines().any(|l| {
            l.starts_with("### ")
                && (l.contains(&format!("`[{path}]`")) || l.contains(&format!("`[[{path}]]`")))
        });
        assert!(
            heading || md.contains(&format!("| `{path}` |")),
            "scenario key `{path}` has no row (or section) in the reference"
        );
    }
    assert!(paths.contains(&"vendors.<i>.teams.<j>.region_weight".to_string()));
    assert!(paths.contains(&"sweep.mode".to_string()));

    // Every field of every scenario struct appears as the last segment of a row's path.
    let model = doc_comments(include_str!("../src/params/settings.rs"));
    assert!(
        model.len() >= 12,
        "the doc-comment parser found the structs"
    );
    for (name, docs) in &model {
        if name == "StrategySpec" {
            continue; // `knobs` is flattened: its keys are the Strategy knobs, checked below
        }
        for (field, _) in &docs.fields {
            assert!(
                md.contains(&format!(".{field}` |")) || md.contains(&format!("| `{field}` |")),
                "field `{name}.{field}` has no row in the reference"
            );
        }
    }
}

#[test]
fn every_strategy_knob_is_in_the_reference_with_both_presets() {
    let md = reference();
    let aggressive =
        serde_json::to_value(salesim::params::presets::aggressive()).expect("serializes");
    let aligned = serde_json::to_value(salesim::params::presets::aligned()).expect("serializes");
    let knobs = aggressive.as_object().expect("an object");
    assert!(knobs.len() >= 10);
    for (knob, value) in knobs {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| `strategies.NAME.{knob}` |")))
            .unwrap_or_else(|| panic!("strategy knob `{knob}` has no row in the reference"));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells[1], format!("`{value}`"), "aggressive value of {knob}");
        assert_eq!(
            cells[2],
            format!("`{}`", aligned[knob]),
            "aligned value of {knob}"
        );
    }
    // The overridable knobs of a user strategy are exactly the Strategy knobs.
    let model = doc_comments(include_str!("../src/params/settings.rs"));
    let overridable: Vec<&str> = model["StrategyOverrides"]
        .fields
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    let mut known: Vec<&str> = knobs.keys().map(String::as_str).collect();
    let mut over = overridable.clone();
    known.sort_unstable();
    over.sort_unstable();
    assert_eq!(
        over, known,
        "StrategyOverrides and Strategy have the same knobs"
    );
}

/// The row of a key.
fn row(key: &str) -> &'static str {
    reference()
        .lines()
        .find(|l| l.starts_with(&format!("| `{key}` |")))
        .unwrap_or_else(|| panic!("no row for `{key}`"))
}

#[test]
fn known_defaults_and_ranges_appear() {
    assert!(row("customers.inbound_discovery").contains("a finite number from 0 to 1"));
    assert!(row("customers.inbound_discovery").contains("`0.5`"));
    assert!(row("market.customers").contains("a whole number from 1 to 5000000"));
    assert!(row("market.segment_mix.smb").contains("shares that sum to 1"));
    assert!(row("horizon_quarters").contains("a whole number from 1 to 200"));
    assert!(row("name").contains("| required |"));
    assert!(row("name").contains("letters, digits"));
    assert!(row("vendors.<i>.teams.<j>.reps").contains("| required |"));
    assert!(row("vendors.<i>.name").contains("unique names"));
    assert!(row("market.peers").contains("20000 customers"));
    assert!(row("vendors.<i>.teams.<j>.region_weight").contains("`1.0`"));
    assert!(row("market.segments.enterprise.cycle_days").contains("`200.0` when"));
    assert!(row("market.segments.smb.stage_cv").contains("`0.5`"));
    assert!(row("sweep.mode").contains("`\"grid\"`") && row("sweep.mode").contains("grid, zip"));
    assert!(row("strategies.NAME.discount_max").contains("a number from 0 to 0.9"));
    assert!(row("strategies.NAME.discount_window_days").contains("from 1 to 65"));
    assert!(row("strategies.NAME.sandbagging").contains("true or false"));
    assert!(row("seed").contains("a whole number (not negative)"));
    let md = reference();
    assert!(
        !md.contains("(undocumented)"),
        "every key has a doc comment"
    );
}

#[test]
fn cross_key_notes_name_existing_keys() {
    for (path, _) in KEY_NOTES {
        assert!(
            reference().contains(&format!("| `{path}` |")),
            "KEY_NOTES names `{path}`, which has no row"
        );
    }
}

/// Every numeric key of a scenario with list positions as numbers: the default scenario's, and
/// each strategy knob of a user strategy `NAME`.
fn numeric_keys() -> Vec<String> {
    fn walk(value: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match value {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| walk(v, &join(k), out)),
            toml::Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(v, &join(&i.to_string()), out)),
            toml::Value::Integer(_) | toml::Value::Float(_) => out.push(prefix.to_string()),
            _ => {}
        }
    }
    let scenario = salesim::scenario::ScenarioSource::parse("t.toml", "name = \"x\"")
        .expect("parses")
        .scenario;
    let mut out = Vec::new();
    walk(
        &toml::Value::try_from(&scenario).expect("serializes"),
        "",
        &mut out,
    );
    let knobs = serde_json::to_value(salesim::params::presets::aggressive()).expect("serializes");
    for (knob, value) in knobs.as_object().expect("an object") {
        if value.is_number() {
            out.push(format!("strategies.NAME.{knob}"));
        }
    }
    out
}

#[test]
fn every_numeric_key_has_a_plausible_range_or_a_reason_for_none() {
    use salesim::scenario::ranges::{matches, NOT_COVERED, PLAUSIBLE_RANGES};
    let patterns: Vec<&str> = PLAUSIBLE_RANGES
        .iter()
        .map(|r| r.pattern)
        .chain(NOT_COVERED.iter().map(|n| n.pattern))
        .collect();
    let keys = numeric_keys();
    assert!(keys.len() > 80, "the walk found the keys: {keys:?}");
    for key in &keys {
        let found: Vec<&&str> = patterns.iter().filter(|p| matches(p, key)).collect();
        assert_eq!(
            found.len(),
            1,
            "`{key}` must be in exactly one of the plausible-range and not-covered tables \
             (src/scenario/ranges.rs), found in {found:?}"
        );
    }
    // And no row of the tables is about a key that does not exist.
    for pattern in patterns {
        assert!(
            keys.iter().any(|k| matches(pattern, k)),
            "`{pattern}` is no numeric key of a scenario"
        );
    }
    // The reference shows the table, every row.
    let md = reference();
    assert!(md.contains("### Plausible ranges (`salesim sensitivity`)"));
    for r in PLAUSIBLE_RANGES {
        assert!(
            md.lines()
                .filter(|l| l.starts_with(&format!("| `{}` |", r.pattern)))
                .any(|l| l.contains(if r.observable() { "| yes: " } else { "| no |" })),
            "`{}` has no row saying whether it is observable",
            r.pattern
        );
    }
    for n in NOT_COVERED {
        assert!(md.contains(&format!("| `{}` | {} |", n.pattern, n.reason)));
    }
    // And each key's own row shows its range in the plausible-range column.
    let (key_tables, _) = md
        .split_once("### Plausible ranges")
        .expect("the key tables come first");
    for r in PLAUSIBLE_RANGES {
        let range = salesim::scenario::ranges::describe(&r.span).replace('|', "\\|");
        let shown = key_tables.lines().any(|l| {
            l.strip_prefix("| `")
                .and_then(|rest| rest.split_once('`'))
                .is_some_and(|(key, rest)| matches(r.pattern, key) && rest.contains(&range))
        });
        assert!(
            shown,
            "`{}`'s row does not show its range {range}",
            r.pattern
        );
    }
}

#[test]
fn every_plausible_range_is_one_the_validator_accepts() {
    use salesim::scenario::{build, Override, ScenarioSource, LESSON};
    for (file, text) in [("default", "name = \"x\""), ("lesson", LESSON)] {
        let source = ScenarioSource::parse(file, text).expect("parses");
        let cfg = build(&source, &[]).expect("validates");
        let compared = ["aggressive".to_string(), "aligned".to_string()];
        let knobs = salesim::sensitivity::knobs_of(&cfg, &compared);
        assert!(knobs.len() > 80, "{file}: {} knobs", knobs.len());
        for knob in &knobs {
            assert!(knob.low < knob.high, "{file}: {knob:?}");
            for end in [knob.low, knob.high] {
                let set = Override {
                    path: knob.path.clone(),
                    value: toml::Value::Float(end),
                    origin: format!("{} = {end}", knob.path),
                };
                if let Err(e) = build(&source, &[set]) {
                    panic!("{file}: {} at {end} does not validate: {e}", knob.path);
                }
            }
        }
    }
}
