//! The scenario-file reference (`docs/SCENARIOS.md`), generated from the code so it cannot drift.
//!
//! Every part of the reference comes from the code itself:
//!
//! - **keys and meanings**: the `///` doc comments of the serde structs in `model.rs` and of
//!   [`Strategy`] in `params/strategy.rs`, read from the sources with `include_str!` (doc comments
//!   do not exist at run time) by a small line parser, [`doc_comments`];
//! - **defaults**: the default scenario (the file `name = "x"`) serialized to TOML; for a key
//!   inside a list entry or a segment table, the key is left out of a written entry and the
//!   scenario deserialized again, so the value shown is the one serde fills in (or the key is
//!   reported as required);
//! - **strategy presets**: [`super::presets::aggressive`] and [`super::presets::aligned`]
//!   serialized with serde_json;
//! - **allowed values**: the validator is probed. Each key is set to a handful of values (negative,
//!   zero, fractional, huge, NaN, empty, an invalid name, an unknown name, a sibling's name) with
//!   the same overrides `--set` uses, and the `Allowed:` text of every error the validator raises
//!   for that key (or its table) is reported. Where the validator accepts every probe, what the
//!   deserializer accepts (the value's type) is reported instead.
//!
//! - **plausible ranges**: the one table of [`super::ranges`], which `salesim sensitivity`
//!   varies: a column of every key table, and a section of its own with the reasons.
//!
//! `tests/reference.rs` checks that `docs/SCENARIOS.md` holds exactly [`markdown`]; run
//! `SALESIM_BLESS=1 cargo test --release --test reference` to rewrite it after changing a knob.

use super::{validate, Locator, Override, ScenarioSource};
use crate::params::settings::Scenario;
use crate::params::strategy::Strategy;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The scenario structs' source, parsed for doc comments.
const MODEL_SRC: &str = include_str!("../params/settings.rs");
/// The strategy knobs' source, parsed for doc comments.
const STRATEGY_SRC: &str = include_str!("../params/strategy.rs");

/// Name of the user strategy the strategy knobs are probed on.
const PROBE_STRATEGY: &str = "NAME";

/// Notes on keys whose allowed values depend on other keys or on names defined elsewhere in
/// the file, which probing one key at a time shows only for the default scenario: `(path,
/// template)`, where `{allowed}` stands for the probed text. The tests check that every path has
/// a row.
pub const KEY_NOTES: [(&str, &str); 10] = [
    (
        "reference",
        "the name of one of the `[[variants]]` (by default: {allowed})",
    ),
    (
        "vendors.<i>.strategy",
        "a preset ({allowed}) or a strategy defined under `[strategies]`",
    ),
    (
        "vendors.<i>.teams.<j>.strategy",
        "a preset ({allowed}) or a strategy defined under `[strategies]`",
    ),
    (
        "variants.<i>.strategy",
        "a preset ({allowed}) or a strategy defined under `[strategies]`",
    ),
    (
        "variants.<i>.teams",
        "keys: the first vendor's team names (by default: {allowed}); values: a preset or a \
         strategy defined under `[strategies]`",
    ),
    ("strategies.NAME.base", "a preset: {allowed}"),
    (
        "vendors.<i>.plan",
        "a plan preset ({allowed}) or a plan defined under `[plans]`",
    ),
    (
        "vendors.<i>.teams.<j>.plan",
        "a plan preset ({allowed}) or a plan defined under `[plans]`",
    ),
    (
        "variants.<i>.plan",
        "a plan preset ({allowed}) or a plan defined under `[plans]`",
    ),
    (
        "variants.<i>.team_plans",
        "keys: the first vendor's team names (by default: {allowed}); values: a plan preset or \
         a plan defined under `[plans]`",
    ),
];

/// Extra probes of a key with another key changed first, for checks that only show in
/// combination: `(probed path, other path, its value)`.
fn extra_contexts() -> Vec<(&'static str, &'static str, toml::Value)> {
    vec![
        ("market.peers", "market.customers", toml::Value::Integer(1)),
        (
            "market.peers",
            "market.customers",
            toml::Value::Integer(1_000_000),
        ),
        (
            "sweep.parameters",
            "sweep.mode",
            toml::Value::String("zip".into()),
        ),
    ]
}

/// Doc comments of one struct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StructDocs {
    /// The struct's own doc comment, lines joined by spaces.
    pub doc: String,
    /// Fields in source order: `(name, doc comment)`; the doc is empty for an undocumented field.
    pub fields: Vec<(String, String)>,
}

/// Parses Rust source for `pub struct` definitions with named fields: struct name → its doc and
/// its `pub` fields' doc comments (`///` lines joined by spaces; attributes between a doc comment
/// and its item are skipped).
pub fn doc_comments(src: &str) -> BTreeMap<String, StructDocs> {
    let mut out: BTreeMap<String, StructDocs> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut pending: Vec<String> = Vec::new();
    for raw in src.lines() {
        let line = raw.trim();
        if let Some(text) = line.strip_prefix("///") {
            pending.push(
                text.strip_prefix(' ')
                    .unwrap_or(text)
                    .trim_end()
                    .to_string(),
            );
            continue;
        }
        if line.starts_with("#[") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("pub struct ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let named_fields = rest.trim_end().ends_with('{');
            let docs = out.entry(name.clone()).or_default();
            docs.doc = join(&pending);
            current = named_fields.then_some(name);
        } else if raw.starts_with('}') {
            current = None;
        } else if let Some(name) = &current {
            let field = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "));
            if let Some((field, _)) = field.and_then(|f| f.split_once(':')) {
                let doc = join(&pending);
                if let Some(docs) = out.get_mut(name) {
                    docs.fields.push((field.trim().to_string(), doc));
                }
            }
        }
        pending.clear();
    }
    out
}

fn join(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One table of the scenario file.
struct Section {
    /// Heading, e.g. `[[vendors.teams]]`.
    heading: &'static str,
    /// Struct in `model.rs` whose fields are the table's keys.
    structure: &'static str,
    /// Path prefixes of the table as displayed and as probed (several for the segments).
    paths: Vec<(String, String)>,
}

/// The sections in file order: `(heading, struct, [(display prefix, probe prefix)])`.
fn sections() -> Vec<Section> {
    let one = |d: &str, p: &str| vec![(d.to_string(), p.to_string())];
    vec![
        Section {
            heading: "Top level",
            structure: "Scenario",
            paths: one("", ""),
        },
        Section {
            heading: "`[market]`",
            structure: "Market",
            paths: one("market", "market"),
        },
        Section {
            heading: "`[market.segment_mix]`",
            structure: "SegmentMix",
            paths: one("market.segment_mix", "market.segment_mix"),
        },
        Section {
            heading: "`[market.segments.smb]`, `[market.segments.mid_market]`, `[market.segments.enterprise]`",
            structure: "SegmentSpec",
            paths: ["smb", "mid_market", "enterprise"]
                .iter()
                .map(|s| {
                    let p = format!("market.segments.{s}");
                    (p.clone(), p)
                })
                .collect(),
        },
        Section {
            heading: "`[customers]`",
            structure: "CustomerBehaviour",
            paths: one("customers", "customers"),
        },
        Section {
            heading: "`[customers.receptivity]`",
            structure: "Receptivity",
            paths: one("customers.receptivity", "customers.receptivity"),
        },
        Section {
            heading: "`[customers.signals]`",
            structure: "Signals",
            paths: one("customers.signals", "customers.signals"),
        },
        Section {
            heading: "`[reps]`",
            structure: "RepSettings",
            paths: one("reps", "reps"),
        },
        Section {
            heading: "`[[vendors]]`",
            structure: "VendorSpec",
            paths: one("vendors.<i>", "vendors.0"),
        },
        Section {
            heading: "`[[vendors.teams]]`",
            structure: "TeamSpec",
            paths: one("vendors.<i>.teams.<j>", "vendors.0.teams.0"),
        },
        Section {
            heading: "`[strategies.NAME]`",
            structure: "StrategySpec",
            paths: one(
                &format!("strategies.{PROBE_STRATEGY}"),
                &format!("strategies.{PROBE_STRATEGY}"),
            ),
        },
        Section {
            heading: "`[plans.NAME]`",
            structure: "PlanSpec",
            paths: one(
                &format!("plans.{PROBE_STRATEGY}"),
                &format!("plans.{PROBE_STRATEGY}"),
            ),
        },
        Section {
            heading: "`[learning]`",
            structure: "LearningSpec",
            paths: one("learning", "learning"),
        },
        Section {
            heading: "`[[variants]]`",
            structure: "VariantSpec",
            paths: one("variants.<i>", "variants.0"),
        },
        Section {
            heading: "`[sweep]`",
            structure: "SweepSpec",
            paths: one("sweep", "sweep"),
        },
    ]
}

/// Joins a prefix and a key into a dotted path.
fn dotted(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Looks up a dotted path (list entries by index) in a TOML tree.
fn lookup<'a>(tree: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(tree, |node, seg| match node {
        toml::Value::Table(t) => t.get(seg),
        toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Removes the key at a dotted path from a TOML tree; false if it is not there.
fn remove(tree: &mut toml::Value, path: &str) -> bool {
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (Some(p), k),
        None => (None, path),
    };
    let node = match parent {
        None => Some(tree),
        Some(p) => p.split('.').try_fold(tree, |node, seg| match node {
            toml::Value::Table(t) => t.get_mut(seg),
            toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }),
    };
    match node {
        Some(toml::Value::Table(t)) => t.remove(key).is_some(),
        _ => false,
    }
}

/// The value a left-out key takes.
enum LeftOut {
    /// This value.
    Value(toml::Value),
    /// Nothing (an optional key).
    NotSet,
    /// The key must be given.
    Required,
    /// Required in a written table; the value when the whole table is left out.
    RequiredInTable(toml::Value, String),
}

/// Probes the validator and the deserializer around a base scenario.
struct Prober {
    source: ScenarioSource,
}

impl Prober {
    fn new() -> Prober {
        let source = ScenarioSource::parse("<reference>", "name = \"x\"\n")
            .expect("the minimal scenario parses");
        Prober { source }
    }

    fn origin(path: &str) -> String {
        format!("<reference probe {path}>")
    }

    fn set(path: &str, value: toml::Value) -> Override {
        Override {
            path: path.to_string(),
            origin: Prober::origin(path),
            value,
        }
    }

    /// The overrides that make a section's keys exist in the probed scenario (a user strategy
    /// for `[strategies.NAME]`, a sweep for `[sweep]`).
    fn context(probe_prefix: &str) -> Vec<Override> {
        let mut out = Vec::new();
        if probe_prefix.starts_with("strategies") {
            // Every knob set (to the aggressive preset's values), so each has a value to probe.
            let mut strategy = match toml::Value::try_from(crate::params::presets::aggressive()) {
                Ok(toml::Value::Table(t)) => t,
                _ => panic!("reference: a Strategy serializes to a table"),
            };
            strategy.insert("base".into(), toml::Value::String("aggressive".into()));
            out.push(Prober::set(
                &format!("strategies.{PROBE_STRATEGY}"),
                toml::Value::Table(strategy),
            ));
        }
        if probe_prefix.starts_with("plans") {
            // A plan with every term set (to the default preset's values), so each has a value
            // to probe.
            let mut plan = match toml::Value::try_from(crate::params::pay::Plan::default()) {
                Ok(toml::Value::Table(t)) => t,
                _ => panic!("reference: a Plan serializes to a table"),
            };
            plan.insert(
                "base".into(),
                toml::Value::String(crate::params::presets::PLAN_PRESETS[0].into()),
            );
            out.push(Prober::set(
                &format!("plans.{PROBE_STRATEGY}"),
                toml::Value::Table(plan),
            ));
        }
        if probe_prefix.starts_with("sweep") {
            let mut params = toml::Table::new();
            params.insert(
                "market.customers".into(),
                toml::Value::Array(vec![toml::Value::Float(100.0)]),
            );
            out.push(Prober::set("sweep.parameters", toml::Value::Table(params)));
        }
        out
    }

    /// The scenario (with a section's context overrides) as a TOML tree.
    fn tree(&self, context: &[Override]) -> toml::Value {
        let scenario = self
            .source
            .with_overrides(context)
            .expect("the probe context deserializes");
        toml::Value::try_from(&scenario).expect("a scenario serializes")
    }

    /// What a key takes when it is left out (of its written table or list entry).
    fn default_of(&self, path: &str, context: &[Override]) -> LeftOut {
        let reparse = |tree: &toml::Value| -> Result<toml::Value, String> {
            let text = toml::to_string(tree).map_err(|e| e.to_string())?;
            let scenario: Scenario = toml::from_str(&text).map_err(|e| e.message().to_string())?;
            toml::Value::try_from(&scenario).map_err(|e| e.to_string())
        };
        let mut tree = self.tree(context);
        remove(&mut tree, path);
        match reparse(&tree) {
            Ok(t) => match lookup(&t, path) {
                Some(v) => LeftOut::Value(v.clone()),
                None => LeftOut::NotSet,
            },
            Err(e) if e.contains("missing field") => {
                // A table (not a list entry) may have a default as a whole.
                if let Some((parent, _)) = path.rsplit_once('.') {
                    let in_list = parent
                        .rsplit('.')
                        .next()
                        .is_some_and(|s| s.parse::<usize>().is_ok());
                    let mut tree = self.tree(context);
                    if !in_list && remove(&mut tree, parent) {
                        if let Some(v) = reparse(&tree).ok().and_then(|t| lookup(&t, path).cloned())
                        {
                            return LeftOut::RequiredInTable(v, parent.to_string());
                        }
                    }
                }
                LeftOut::Required
            }
            Err(e) => panic!("reference: leaving out `{path}` gives an unexpected error: {e}"),
        }
    }

    /// Values to try for a key, by the kind of its current value (`None`: an unset optional key).
    fn candidates(
        &self,
        path: &str,
        current: Option<&toml::Value>,
        tree: &toml::Value,
    ) -> Vec<toml::Value> {
        use toml::Value as V;
        let strings = || -> Vec<V> {
            let mut v = vec![
                V::String(String::new()),
                V::String("bad name!".into()),
                V::String("zz-unknown".into()),
            ];
            // A sibling list entry's value, to find uniqueness checks.
            let segs: Vec<&str> = path.split('.').collect();
            if let Some(pos) = segs.iter().rposition(|s| s.parse::<usize>().is_ok()) {
                let mut sibling: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
                sibling[pos] = (segs[pos].parse::<usize>().unwrap_or(0) + 1).to_string();
                if let Some(x) = lookup(tree, &sibling.join(".")) {
                    v.push(x.clone());
                }
            }
            v.push(V::Integer(1));
            v
        };
        match current {
            Some(V::Integer(_)) => vec![
                V::Integer(-1),
                V::Integer(0),
                V::Integer(1),
                V::Integer(1_000_000_000),
                V::Float(1.5),
                V::String("x".into()),
            ],
            Some(V::Float(_)) => [
                -1e9,
                -1.0,
                0.0,
                0.5,
                1.0,
                1.5,
                2.5,
                1e9,
                f64::NAN,
                f64::INFINITY,
            ]
            .into_iter()
            .map(V::Float)
            .chain([V::String("x".into())])
            .collect(),
            Some(V::Boolean(_)) => vec![V::String("x".into())],
            Some(V::String(_)) => strings(),
            None => {
                let mut all = strings();
                all.extend([V::Float(-1.0), V::Float(1e9), V::Boolean(true)]);
                all
            }
            Some(V::Array(_)) => vec![V::Array(Vec::new())],
            Some(V::Table(_)) => {
                let one = |v: V| {
                    let mut t = toml::Table::new();
                    t.insert("zz-unknown".into(), v);
                    V::Table(t)
                };
                let mut bad_name = toml::Table::new();
                let mut strategy = toml::Table::new();
                strategy.insert("base".into(), V::String("aggressive".into()));
                bad_name.insert("bad name!".into(), V::Table(strategy));
                vec![
                    V::Table(toml::Table::new()),
                    one(V::String("zz-unknown".into())),
                    one(V::Array(Vec::new())),
                    one(V::Array(vec![V::Float(f64::NAN)])),
                    V::Table(toml::Table::from_iter([
                        ("zz-a".to_string(), V::Array(vec![V::Float(1.0)])),
                        (
                            "zz-b".to_string(),
                            V::Array(vec![V::Float(1.0), V::Float(2.0)]),
                        ),
                    ])),
                    V::Table(bad_name),
                ]
            }
            Some(V::Datetime(_)) => Vec::new(),
        }
    }

    /// The `Allowed:` texts for a key: from the validator when it rejects a probe at this key, its
    /// table or inside it; otherwise (for single values) from the deserializer.
    fn allowed(&self, path: &str, context: &[Override], single_value: bool) -> Vec<String> {
        let tree = self.tree(context);
        let current = lookup(&tree, path);
        let mut by_validator: Vec<String> = Vec::new();
        let mut by_type: Vec<String> = Vec::new();
        let mut contexts = vec![context.to_vec()];
        for (probed, other, value) in extra_contexts() {
            if probed == path {
                let mut c = context.to_vec();
                c.push(Prober::set(other, value));
                contexts.push(c);
            }
        }
        let candidates = self.candidates(path, current, &tree);
        let probes = contexts
            .iter()
            .flat_map(|c| candidates.iter().map(move |v| (c, v.clone())));
        for (context, value) in probes {
            let mut overrides = context.clone();
            overrides.push(Prober::set(path, value));
            let scenario = match self.source.with_overrides(&overrides) {
                Ok(s) => s,
                Err(e) => {
                    push_new(&mut by_type, e.allowed);
                    continue;
                }
            };
            let at = Locator {
                source: &self.source,
                overrides: &overrides,
            };
            if let Err(e) = validate(&scenario, &at) {
                let key = e.key.clone().unwrap_or_default();
                let related = shape(&key) == shape(path)
                    || path.starts_with(&format!("{key}."))
                    || key.starts_with(&format!("{path}."));
                if related && !e.allowed.is_empty() {
                    push_new(&mut by_validator, e.allowed);
                }
            }
        }
        if by_validator.is_empty() && single_value {
            by_type
        } else {
            by_validator
        }
    }
}

/// A path with list positions blanked, so `vendors.1.name` matches `vendors.0.name` (a probe with
/// a sibling's value is rejected at the sibling).
fn shape(path: &str) -> String {
    path.split('.')
        .map(|s| if s.parse::<usize>().is_ok() { "#" } else { s })
        .collect::<Vec<_>>()
        .join(".")
}

fn push_new(list: &mut Vec<String>, s: String) {
    if !s.is_empty() && !list.contains(&s) {
        list.push(s);
    }
}

/// A value as written in TOML, in a code span.
fn code(v: &toml::Value) -> String {
    format!("`{v}`")
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The Markdown reference of every scenario key: a section per table, each key with its full
/// path, default, allowed values and meaning (with unit and field source), and every strategy
/// knob with both presets' values.
///
/// # Panics
///
/// If the scenario structs, their sources and this generator disagree (a section's struct is
/// missing from `model.rs`, a default cannot be left out); `tests/reference.rs` shows it.
pub fn markdown() -> String {
    let model = doc_comments(MODEL_SRC);
    let strategy_docs = doc_comments(STRATEGY_SRC);
    let prober = Prober::new();
    let section_paths: Vec<(String, &str)> = sections()
        .iter()
        .flat_map(|s| s.paths.iter().map(|(_, p)| (p.clone(), s.heading)))
        .collect();
    let notes: BTreeMap<&str, &str> = KEY_NOTES.iter().copied().collect();

    let mut out = String::new();
    out.push_str("## Scenario file reference\n\n");
    out.push_str(
        "Generated from the code by `salesim::scenario::reference::markdown()`: the meanings are the \
         doc comments of `src/params/settings.rs` and `src/params/strategy.rs`, the defaults are the \
         default scenario's values, and the allowed values are what the validator answers when \
         probed with out-of-range values (the `Allowed:` text of its error messages). Do not edit \
         this part by hand; `SALESIM_BLESS=1 cargo test --release --test reference` regenerates \
         it.\n\n",
    );
    out.push_str(
        "A key's path is what `--set` and `[sweep]` take: `<i>` and `<j>` are 0-based positions in \
         a list (`vendors.0.teams.1.reps` is the second team of the first vendor) and `NAME` is a \
         strategy's name. *Default* is the value a left-out key takes; *allowed* is what \
         `salesim validate` accepts. Days are business days (5 a week, 65 a quarter, 260 a year); \
         money is in $k.\n",
    );

    for section in sections() {
        let docs = model
            .get(section.structure)
            .cloned()
            .unwrap_or_else(|| panic!("reference: struct `{}` not in model.rs", section.structure));
        let _ = write!(out, "\n### {}\n\n", section.heading);
        if !docs.doc.is_empty() {
            let _ = writeln!(out, "{}\n", docs.doc);
        }
        section_intro(&mut out, &section, &model, &prober);
        let strategies = section.structure == "StrategySpec";
        if strategies {
            out.push_str(
                "| key | aggressive | aligned | allowed | plausible range | meaning |\n|---|---|---|---|---|---|\n",
            );
        } else {
            out.push_str(
                "| key | default | allowed | plausible range | meaning |\n|---|---|---|---|---|\n",
            );
        }
        for (display_prefix, probe_prefix) in &section.paths {
            let context = Prober::context(probe_prefix);
            for (field, doc) in &docs.fields {
                if strategies && field == "knobs" {
                    knob_rows(&mut out, &strategy_docs, &prober, &context);
                    continue;
                }
                let display = dotted(display_prefix, field);
                let probe = dotted(probe_prefix, field);
                let meaning = if doc.is_empty() {
                    "(undocumented)"
                } else {
                    doc
                };
                let section_of = section_paths
                    .iter()
                    .find(|(p, _)| *p == probe || p.starts_with(&format!("{probe}.")));
                let is_section = section_of.is_some();
                let allowed = prober.allowed(&probe, &context, !is_section);
                let mut allowed = if allowed.is_empty() {
                    if is_section {
                        "see its section".to_string()
                    } else {
                        "—".to_string()
                    }
                } else {
                    allowed.join("; ")
                };
                if let Some(note) = notes.get(display.as_str()) {
                    allowed = note.replace("{allowed}", &allowed);
                }
                let default = if let Some((_, heading)) = section_of {
                    match prober.default_of(&probe, &context) {
                        LeftOut::NotSet => "none".to_string(),
                        LeftOut::Value(toml::Value::Table(t)) if t.is_empty() => "none".to_string(),
                        LeftOut::Required => format!("required, see {heading}"),
                        _ => format!("see {heading}"),
                    }
                } else {
                    render_default(prober.default_of(&probe, &context))
                };
                let default = if strategies {
                    "— | —".to_string()
                } else if section.structure == "PlanSpec" && field != "base" {
                    "the base preset's (above)".to_string()
                } else {
                    cell(&default)
                };
                let _ = writeln!(
                    out,
                    "| `{display}` | {default} | {} | {} | {} |",
                    cell(&allowed),
                    cell(&super::ranges::range_cell(&display)),
                    cell(meaning)
                );
            }
        }
    }
    out.push_str(&super::ranges::markdown());
    out
}

fn render_default(d: LeftOut) -> String {
    match d {
        LeftOut::Value(v) => code(&v),
        LeftOut::NotSet => "not set".to_string(),
        LeftOut::Required => "required".to_string(),
        LeftOut::RequiredInTable(v, table) => format!(
            "{} when `[{table}]` is left out; required when it is written",
            code(&v)
        ),
    }
}

/// Extra text under a section heading: the defaults of list sections, the segment tables, the
/// strategy name rule.
fn section_intro(
    out: &mut String,
    section: &Section,
    model: &BTreeMap<String, StructDocs>,
    prober: &Prober,
) {
    let tree = prober.tree(&[]);
    let snippet = |out: &mut String, key: &str| {
        if let Some(v) = lookup(&tree, key) {
            let mut t = toml::Table::new();
            t.insert(key.to_string(), without_empty_tables(v.clone()));
            let text = toml::to_string(&t).expect("defaults serialize");
            let _ = write!(out, "```toml\n{}\n```\n\n", text.trim_end());
        }
    };
    match section.structure {
        "SegmentSpec" => {
            if let Some(segments) = model.get("Segments") {
                for (name, doc) in &segments.fields {
                    let _ = writeln!(out, "- `{name}`: {doc}");
                }
                out.push('\n');
            }
        }
        "VendorSpec" => {
            out.push_str("Without any `[[vendors]]` the scenario has these:\n\n");
            snippet(out, "vendors");
        }
        "VariantSpec" => {
            out.push_str("Without any `[[variants]]` the scenario compares these:\n\n");
            snippet(out, "variants");
        }
        "StrategySpec" => {
            let name = prober.allowed("strategies", &[], false).join("; ");
            let _ = write!(
                out,
                "`NAME` is the strategy's name ({name}); the presets are `aggressive` and \
                 `aligned`, with the rivals' copies `rival-aggressive` and `rival-aligned` (the \
                 same knobs under names of their own, so that a table or `--set` aimed at our \
                 variants leaves the rivals alone). A knob left out keeps the base preset's value, shown in the two \
                 columns below.\n\n"
            );
        }
        "PlanSpec" => plan_presets(out),
        _ => {}
    }
}

/// The plan presets' terms, one row each, for the `[plans.NAME]` intro.
fn plan_presets(out: &mut String) {
    out.push_str(
        "`NAME` is the plan's name. A plan starts from a preset (`base`, or the preset it is \
         named after) and a term left out keeps the preset's value. The presets (every team's \
         default is the first; sources in docs/MODEL.md, \"Pay\"):\n\n\
         | preset | period | on_target_rate | base_share | accelerator | cap | bonuses | \
         clawback_discounted | clawback_churn | clawback_window_days |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for name in crate::params::presets::PLAN_PRESETS {
        let plan = crate::params::presets::plan(name).expect("every listed preset exists");
        let bonuses = if plan.bonuses.is_empty() {
            "none".to_string()
        } else {
            plan.bonuses
                .iter()
                .map(|b| format!("{} of target at {}", b.share, b.at))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let cap = if plan.cap == 0.0 {
            "none".to_string()
        } else {
            plan.cap.to_string()
        };
        let _ = writeln!(
            out,
            "| `{name}` | {} | {} | {} | {} | {cap} | {bonuses} | {} | {} | {} |",
            plan.period.name(),
            plan.on_target_rate,
            plan.base_share,
            plan.accelerator,
            plan.clawback_discounted,
            plan.clawback_churn,
            plan.clawback_window_days
        );
    }
    out.push('\n');
}

/// A TOML value with empty tables (maps left at their empty default) removed.
fn without_empty_tables(v: toml::Value) -> toml::Value {
    match v {
        toml::Value::Table(t) => toml::Value::Table(
            t.into_iter()
                .filter(|(_, v)| !matches!(v, toml::Value::Table(t) if t.is_empty()))
                .map(|(k, v)| (k, without_empty_tables(v)))
                .collect(),
        ),
        toml::Value::Array(a) => {
            toml::Value::Array(a.into_iter().map(without_empty_tables).collect())
        }
        other => other,
    }
}

/// The meaning of a scenario key, as the reference states it (its doc comment), in plain text:
/// code marks and intra-doc links taken out. `None` for a path no documented key has. A strategy
/// knob is found under any strategy's name (`strategies.aggressive.discount_max`).
pub fn meaning(path: &str) -> Option<String> {
    let (table, key) = path.rsplit_once('.')?;
    let (src, structure) = if table.starts_with("strategies.") && table.matches('.').count() == 1 {
        (STRATEGY_SRC, "Strategy")
    } else {
        let section = sections().into_iter().find(|s| {
            s.paths
                .iter()
                .any(|(shown, probe)| shown == table || probe == table)
        })?;
        (MODEL_SRC, section.structure)
    };
    let docs = doc_comments(src);
    let doc = &docs
        .get(structure)?
        .fields
        .iter()
        .find(|(name, _)| name == key)?
        .1;
    (!doc.is_empty()).then(|| plain(doc))
}

/// Doc-comment text as plain words: `` [`x`] `` and `` `x` `` become `x`.
fn plain(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(i) = rest.find("[`") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("`]") {
            Some(j) => {
                let inner = &after[..j];
                out.push_str(inner.rsplit("::").next().unwrap_or(inner));
                rest = &after[j + 2..];
            }
            None => {
                out.push_str("[`");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// One row per strategy knob, in source order, with both presets' values.
fn knob_rows(
    out: &mut String,
    strategy_docs: &BTreeMap<String, StructDocs>,
    prober: &Prober,
    context: &[Override],
) {
    let presets = |s: Strategy| match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => panic!("reference: a Strategy serializes to an object"),
    };
    let aggressive = presets(crate::params::presets::aggressive());
    let aligned = presets(crate::params::presets::aligned());
    let knobs = strategy_docs
        .get("Strategy")
        .expect("reference: struct `Strategy` not in strategy.rs");
    for (knob, doc) in &knobs.fields {
        let probe = format!("strategies.{PROBE_STRATEGY}.{knob}");
        let allowed = prober.allowed(&probe, context, true).join("; ");
        let value = |m: &serde_json::Map<String, serde_json::Value>| {
            m.get(knob).map_or("—".to_string(), |v| format!("`{v}`"))
        };
        let meaning = if doc.is_empty() {
            "(undocumented)"
        } else {
            doc
        };
        let _ = writeln!(
            out,
            "| `{probe}` | {} | {} | {} | {} | {} |",
            value(&aggressive),
            value(&aligned),
            cell(if allowed.is_empty() { "—" } else { &allowed }),
            cell(&super::ranges::range_cell(&probe)),
            cell(meaning)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_meaning_is_its_doc_comment_in_plain_words() {
        let discount = meaning("strategies.aggressive.discount_max").unwrap();
        assert!(
            discount.starts_with("Largest quarter-end discount"),
            "{discount}"
        );
        assert_eq!(
            meaning("strategies.aligned.discount_max").unwrap(),
            discount
        );
        let customers = meaning("market.customers").unwrap();
        assert!(!customers.contains('`'), "{customers}");
        assert!(meaning("customers.block_threshold").is_some());
        assert_eq!(meaning("market.no_such_key"), None);
        assert_eq!(meaning("nothing"), None);
        assert_eq!(
            plain("see [`crate::engine::selling`] and `x`"),
            "see selling and x"
        );
    }
}
