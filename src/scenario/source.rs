//! Reading scenario text: parse errors with file and line, key paths to lines, `--set` overrides.
//!
//! A scenario travels as a [`ScenarioSource`]: the file's name and text plus the fully
//! defaulted TOML tree. Overrides (`--set path=value`, sweep points) are applied to that tree, so
//! every path a user can name is a path in the file format, and errors can point back either to
//! the line in the file or to the override that set the value.

use crate::error::InputError;
use crate::params::settings::Scenario;
use std::ops::Range;

/// Largest scenario file read (16 MB): a scenario is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// A parsed scenario with everything needed to report errors against its source.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// File name as the user gave it (or `<built-in lesson>`, or `builtin:NAME`).
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The scenario as written, all defaults filled in.
    pub scenario: Scenario,
}

/// One `path=value` override, remembered with how the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path, array elements by index: `vendors.0.teams.1.reps`.
    pub path: String,
    /// The new value.
    pub value: toml::Value,
    /// Where it came from, for error messages (`--set market.customers=10`, `[sweep] ...`).
    pub origin: String,
}

impl ScenarioSource {
    /// Parses scenario text; errors name the file, the key and the line.
    pub fn parse(file: &str, text: &str) -> Result<ScenarioSource, InputError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let source = ScenarioSource {
            file: file.to_string(),
            text: text.to_string(),
            scenario,
        };
        // serde builds a table's struct from a list too (dropping extra elements), so a list
        // written where a table belongs is looked for in the text as written.
        let written: toml::Value = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let shape = toml::Value::try_from(&source.scenario).ok();
        if let Some(path) = shape.and_then(|shape| list_for_table(&written, &shape, "")) {
            return Err(InputError::at(
                file,
                source.line_of_path(&path),
                Some(&path),
                LIST_FOR_TABLE,
                &table_allowed(&path),
            ));
        }
        Ok(source)
    }

    /// Reads and parses a scenario file, or the built-in scenario `builtin:NAME`
    /// ([`super::shipped`]).
    pub fn read(path: &std::path::Path) -> Result<ScenarioSource, InputError> {
        if let Some(name) = super::shipped::named(path) {
            return super::shipped::open(name);
        }
        let file = path.display().to_string();
        if path.exists() && !path.is_dir() && !path.is_file() {
            return Err(InputError::file(
                &file,
                "is not a regular file",
                "a scenario .toml file",
            ));
        }
        if path
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() > MAX_FILE_BYTES)
        {
            return Err(InputError::file(
                &file,
                "is too large for a scenario",
                &format!("a scenario file of at most {MAX_FILE_BYTES} bytes"),
            ));
        }
        if path.is_dir() {
            return Err(InputError::file(
                &file,
                "is a directory",
                "a scenario .toml file",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => super::shipped::hint_for_missing(path),
                _ => String::new(),
            };
            InputError::file(
                &file,
                &format!("cannot be read ({e}){hint}"),
                "a readable .toml file, or builtin:NAME for a scenario built into salesim \
                 (`salesim list`)",
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = line_of(
                std::str::from_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]).unwrap_or(""),
                usize::MAX,
            );
            InputError::at(
                &file,
                Some(line),
                None,
                "is not valid UTF-8 text",
                "a UTF-8 TOML file",
            )
        })?;
        ScenarioSource::parse(&file, &text)
    }

    /// The 1-based line where a key path is written, if it is written in the file; for a path
    /// only partly written, the line of its deepest written part.
    pub fn line_of_path(&self, path: &str) -> Option<usize> {
        locate(&self.text, path).map(|(span, _)| line_of(&self.text, span.start))
    }

    /// Whether the whole key path is written in the file (not only a table above it).
    pub fn is_written(&self, path: &str) -> bool {
        locate(&self.text, path).is_some_and(|(_, whole)| whole)
    }

    /// The scenario with overrides applied, deserialized again (unknown keys and wrong types in
    /// overrides are reported against the override).
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Scenario, InputError> {
        if overrides.is_empty() {
            return Ok(self.scenario.clone());
        }
        let reencode = |e: &dyn std::fmt::Display| {
            InputError::at(
                &self.file,
                None,
                None,
                &format!("cannot be re-encoded ({e})"),
                "",
            )
        };
        let mut tree = toml::Value::try_from(&self.scenario).map_err(|e| reencode(&e))?;
        // The scenario's shape, to find a list set where a table belongs (which serde would
        // take); only overrides that set a list or a table can do that.
        let nested = |v: &toml::Value| matches!(v, toml::Value::Array(_) | toml::Value::Table(_));
        let shape = overrides
            .iter()
            .any(|o| nested(&o.value))
            .then(|| tree.clone());
        for o in overrides {
            set_path(&mut tree, &o.path, o.value.clone()).map_err(|(problem, allowed)| {
                InputError::at(&o.origin, None, Some(&o.path), &problem, &allowed)
            })?;
        }
        if let Some(path) = shape.and_then(|shape| list_for_table(&tree, &shape, "")) {
            let by = overrides
                .iter()
                .rev()
                .find(|o| path == o.path || path.starts_with(&format!("{}.", o.path)))
                .map_or(self.file.as_str(), |o| o.origin.as_str());
            return Err(InputError::at(
                by,
                None,
                Some(&path),
                LIST_FOR_TABLE,
                &table_allowed(&path),
            ));
        }
        // Straight from the tree: no spans to keep (errors point at the overrides), and no
        // round trip through text, which dominated planning a large sweep.
        tree.try_into()
            .map_err(|e: toml::de::Error| self.override_error(overrides, &e))
    }

    /// The error for overrides that together do not deserialize: against the first override
    /// after which the scenario no longer deserializes (not every override given, nor the
    /// file), with the full key path (`market.custmers`, not `custmers`). Only a failure pays
    /// for the search.
    fn override_error(&self, overrides: &[Override], e: &toml::de::Error) -> InputError {
        let fails = |n: usize| -> Option<toml::de::Error> {
            let mut tree = toml::Value::try_from(&self.scenario).ok()?;
            for o in &overrides[..n] {
                set_path(&mut tree, &o.path, o.value.clone()).ok()?;
            }
            tree.try_into::<Scenario>().err()
        };
        let (culprit, e) = (1..=overrides.len())
            .find_map(|n| fails(n).map(|e| (&overrides[n - 1], e)))
            .unwrap_or_else(|| (overrides.last().expect("an override failed"), e.clone()));
        let named = key_in_message(e.message());
        let key = override_key(culprit, named.as_deref(), e.message());
        let (problem, allowed) = describe_de_error(e.message(), Some(&key));
        InputError::at(&culprit.origin, None, Some(&key), &problem, &allowed)
    }
}

/// The full key path an override's deserialization error is about: the override's own path,
/// down to the unknown key it names (`market.custmers` for `--set market.custmers.x=1`, or
/// inside a table it sets), or the missing key of a table it sets.
fn override_key(o: &Override, named: Option<&str>, message: &str) -> String {
    let Some(name) = named else {
        return o.path.clone();
    };
    if message.starts_with("missing field") {
        return match &o.value {
            toml::Value::Table(_) => join_path(&o.path, name),
            _ => o
                .path
                .rsplit_once('.')
                .map_or_else(|| name.to_string(), |(parent, _)| join_path(parent, name)),
        };
    }
    let segments: Vec<&str> = o.path.split('.').collect();
    if let Some(i) = segments.iter().position(|s| *s == name) {
        return segments[..=i].join(".");
    }
    fn find(value: &toml::Value, name: &str, path: &str) -> Option<String> {
        match value {
            toml::Value::Table(t) => t.iter().find_map(|(k, v)| {
                let here = join_path(path, k);
                if k == name {
                    Some(here)
                } else {
                    find(v, name, &here)
                }
            }),
            toml::Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, name, &join_path(path, &i.to_string()))),
            _ => None,
        }
    }
    find(&o.value, name, &o.path).unwrap_or_else(|| o.path.clone())
}

/// The problem when a list is written where a table belongs.
const LIST_FOR_TABLE: &str = "is a list, but a table is expected here";

/// What is allowed where a list was written for a table at `path`.
fn table_allowed(path: &str) -> String {
    let header: Vec<&str> = path
        .split('.')
        .filter(|s| s.parse::<usize>().is_err())
        .collect();
    let header = header.join(".");
    let section = match path
        .rsplit('.')
        .next()
        .is_some_and(|s| s.parse::<usize>().is_ok())
    {
        true => format!("[[{header}]]"),
        false => format!("[{header}]"),
    };
    format!(
        "a table whose keys are named: a `{section}` section of `key = value` lines, or \
         `{{ key = value, ... }}` (see `salesim init`)"
    )
}

/// The key path of the first list in `written` where `shaped` (a scenario serialized, so every
/// struct and map is a table) has a table; `path` is `written`'s own path.
fn list_for_table(written: &toml::Value, shaped: &toml::Value, path: &str) -> Option<String> {
    use toml::Value::{Array, Table};
    match (written, shaped) {
        (Array(_), Table(_)) => Some(path.to_string()),
        (Table(w), Table(s)) => w
            .iter()
            .find_map(|(key, inner)| list_for_table(inner, s.get(key)?, &join_path(path, key))),
        (Array(w), Array(s)) => w
            .iter()
            .zip(s)
            .enumerate()
            .find_map(|(i, (a, b))| list_for_table(a, b, &join_path(path, &i.to_string()))),
        _ => None,
    }
}

impl Override {
    /// Parses `path=value` as given to `--set`; the value is read as TOML (`10`, `0.5`, `true`,
    /// `"text"`), and as a plain string if it is not valid TOML.
    pub fn parse(arg: &str) -> Result<Override, InputError> {
        let origin = format!("--set {arg}");
        let (path, raw) = arg.split_once('=').ok_or_else(|| {
            InputError::at(
                &origin,
                None,
                None,
                "has no `=`",
                "path=value, e.g. market.customers=500",
            )
        })?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(|s| s.is_empty()) {
            return Err(InputError::at(
                &origin,
                None,
                Some(path),
                "is not a parameter path",
                "a dotted path such as market.customers or vendors.0.teams.1.reps",
            ));
        }
        let raw = raw.trim();
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(raw.to_string()));
        Ok(Override {
            path: path.to_string(),
            value,
            origin,
        })
    }
}

/// Sets `path` in a TOML tree. Tables along the way are created (so a strategy knob can be
/// overridden even if the file does not set it); array indices must exist. A float with an
/// integral value sets an integer key (or a key not written yet) as an integer, so sweeps can
/// step integer knobs.
pub fn set_path(
    tree: &mut toml::Value,
    path: &str,
    mut value: toml::Value,
) -> Result<(), (String, String)> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = tree;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        node = match node {
            toml::Value::Table(t) => {
                if last {
                    // An integral float may set an integer key (sweep values are floats); when
                    // the key is not written yet its type is unknown, and an integer also
                    // deserializes into a float key.
                    let integer_ok = matches!(t.get(*seg), None | Some(toml::Value::Integer(_)));
                    if let toml::Value::Float(f) = value {
                        if integer_ok && f.fract() == 0.0 && f.abs() < 9.0e15 {
                            value = toml::Value::Integer(f as i64);
                        }
                    }
                    t.insert(seg.to_string(), value);
                    return Ok(());
                }
                t.entry(seg.to_string())
                    .or_insert_with(|| toml::Value::Table(Default::default()))
            }
            toml::Value::Array(a) => {
                let len = a.len();
                let idx: usize = seg.parse().map_err(|_| {
                    (
                        format!("`{seg}` is not an index into a list of {len}"),
                        format!("0 to {}", len.saturating_sub(1)),
                    )
                })?;
                if idx >= len {
                    return Err((
                        format!("index {idx} is past the end of a list of {len}"),
                        format!("0 to {}", len.saturating_sub(1)),
                    ));
                }
                if last {
                    a[idx] = value;
                    return Ok(());
                }
                &mut a[idx]
            }
            _ => {
                let parent = segments[..i].join(".");
                return Err((
                    format!("`{parent}` is a single value, it has no `{seg}`"),
                    "a path that ends at a scenario key".to_string(),
                ));
            }
        };
    }
    Ok(())
}

/// The byte span of the key (or array-of-tables entry) at a dotted path, as deep as it exists,
/// and whether the whole path exists.
fn locate(text: &str, path: &str) -> Option<(Range<usize>, bool)> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let segments: Vec<&str> = path.split('.').collect();
    walk(doc.as_table(), &segments, None)
}

/// Follows `segments` down from a table, remembering the deepest span found (and whether the
/// path was followed to its end).
fn walk(
    table: &dyn toml_edit::TableLike,
    segments: &[&str],
    best: Option<Range<usize>>,
) -> Option<(Range<usize>, bool)> {
    let partial = |best: Option<Range<usize>>| best.map(|b| (b, false));
    let Some((seg, rest)) = segments.split_first() else {
        return best.map(|b| (b, true));
    };
    let Some((key, item)) = table.get_key_value(seg) else {
        return partial(best);
    };
    let best = key.span().or_else(|| item.span()).or(best);
    match (item, rest.split_first()) {
        (_, None) => best.map(|b| (b, true)),
        (toml_edit::Item::ArrayOfTables(list), Some((idx, after))) => {
            match idx.parse::<usize>().ok().and_then(|i| list.get(i)) {
                Some(entry) => walk(entry, after, entry.span().or(best)),
                None => partial(best),
            }
        }
        (toml_edit::Item::Value(toml_edit::Value::Array(list)), Some((idx, after))) => {
            // An inline list (`bonuses = [{ at = 1.0, share = 0.25 }]`): its entries by index.
            match idx.parse::<usize>().ok().and_then(|i| list.get(i)) {
                Some(entry) => {
                    let best = entry.span().or(best);
                    match (entry.as_inline_table(), after.is_empty()) {
                        (_, true) => best.map(|b| (b, true)),
                        (Some(inner), false) => walk(inner, after, best),
                        (None, false) => partial(best),
                    }
                }
                None => partial(best),
            }
        }
        (item, Some(_)) => match item.as_table_like() {
            Some(inner) => walk(inner, rest, best),
            None => partial(best),
        },
    }
}

/// One key of a parsed document, for mapping an error's span back to a key path.
struct Entry {
    /// Dotted key path, array-of-tables entries by index: `vendors.0.teams.1.reps`.
    path: String,
    /// Span of the key as written (absent for an array-of-tables entry).
    key: Option<Range<usize>>,
    /// Span of the value, or of the whole table (header and body).
    item: Option<Range<usize>>,
    /// Whether the item is a table (standard, inline or an array-of-tables entry).
    table: bool,
}

/// Every key of the text, depth first; `None` if the text is not valid TOML.
fn entries(text: &str) -> Option<Vec<Entry>> {
    fn collect(table: &dyn toml_edit::TableLike, prefix: &str, out: &mut Vec<Entry>) {
        for (name, _) in table.iter() {
            let Some((key, item)) = table.get_key_value(name) else {
                continue;
            };
            let path = join_path(prefix, name);
            out.push(Entry {
                path: path.clone(),
                key: key.span(),
                item: item.span(),
                table: item.is_table_like(),
            });
            if let Some(list) = item.as_array_of_tables() {
                for (i, entry) in list.iter().enumerate() {
                    let path = format!("{path}.{i}");
                    out.push(Entry {
                        path: path.clone(),
                        key: None,
                        item: entry.span(),
                        table: true,
                    });
                    collect(entry, &path, out);
                }
            } else if let Some(list) = item.as_array() {
                // An inline list: its entries by index, and the keys of its inline tables.
                for (i, entry) in list.iter().enumerate() {
                    let path = format!("{path}.{i}");
                    out.push(Entry {
                        path: path.clone(),
                        key: None,
                        item: entry.span(),
                        table: entry.is_inline_table(),
                    });
                    if let Some(inner) = entry.as_inline_table() {
                        collect(inner, &path, out);
                    }
                }
            } else if let Some(inner) = item.as_table_like() {
                collect(inner, &path, out);
            }
        }
    }
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut out = Vec::new();
    collect(doc.as_table(), "", &mut out);
    Some(out)
}

/// The key path of the deepest key, value or table whose span holds byte `offset`
/// (`strategies.gentle.discount_max` for an error in that value); `None` if there is none or
/// the text is not valid TOML.
fn path_at(text: &str, offset: usize) -> Option<String> {
    let holds = |span: &Option<Range<usize>>| {
        span.as_ref()
            .is_some_and(|s| s.contains(&offset) || (s.is_empty() && s.start == offset))
    };
    entries(text)?
        .into_iter()
        .filter(|e| holds(&e.key) || holds(&e.item))
        .max_by_key(|e| e.path.split('.').count())
        .map(|e| e.path)
}

/// The key path of the table spanning exactly `span` (errors about a whole table, such as a
/// missing key, carry its span); `""` for the top level.
fn table_with_span(text: &str, span: &Range<usize>) -> String {
    entries(text)
        .into_iter()
        .flatten()
        .filter(|e| e.table && e.item.as_ref() == Some(span))
        .max_by_key(|e| e.path.split('.').count())
        .map_or_else(String::new, |e| e.path)
}

/// 1-based line number of a byte offset (clamped to the text).
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Turns a toml/serde error into an input error with file, line and key.
///
/// The key is the full path of what the error's span points at (`market.customers`,
/// `strategies.gentle.discount_max`; for a missing key, the table's path and the key). When the
/// text is not valid TOML there are no paths, and the key is the one written on the error's line.
fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> InputError {
    let line = e.span().map(|s| line_of(text, s.start));
    let named = key_in_message(e.message());
    let key = match (&named, e.span()) {
        (Some(missing), Some(span)) if e.message().starts_with("missing field") => {
            Some(join_path(&table_with_span(text, &span), missing))
        }
        _ => e
            .span()
            .and_then(|s| path_at(text, s.start))
            .or(named)
            .or_else(|| {
                let span = e.span()?;
                let (k, _) = line_text(text, span.start).split_once('=')?;
                Some(k.trim().to_string())
            }),
    };
    let (problem, allowed) = match e.message().trim() {
        "" => (
            syntax_problem(text, e.span().map_or(text.len(), |s| s.start)),
            SYNTAX_ALLOWED.to_string(),
        ),
        message => describe_de_error(message, key.as_deref()),
    };
    InputError::at(file, line, key.as_deref(), &problem, &allowed)
}

/// `table.key`, or `key` at the top level.
fn join_path(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

/// The text of the line holding byte `offset`.
fn line_text(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    text[start..].lines().next().unwrap_or("")
}

/// What is wrong at byte `offset` of text that is not valid TOML, for the syntax errors the
/// `toml` crate reports without a message.
fn syntax_problem(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = text[..offset].rsplit('\n').next().unwrap_or("").trim_end();
    match text[offset..].chars().next() {
        None if before.ends_with('=') => {
            "the value is missing: the file ends after `=`".to_string()
        }
        None => "the file ends in the middle of a TOML item (an unfinished key, value, list or \
                 table)"
            .to_string(),
        Some('\r') => "a stray carriage return (`\\r` not followed by a line break)".to_string(),
        Some(c) if c.is_control() => {
            format!("control character U+{:04X} is not allowed here", c as u32)
        }
        Some(c) => format!("unexpected `{c}` breaks the TOML syntax here"),
    }
}

/// Pulls the key out of serde messages such as "unknown field `foo`, expected ...".
fn key_in_message(msg: &str) -> Option<String> {
    if msg.starts_with("unknown field") || msg.starts_with("missing field") {
        let start = msg.find('`')? + 1;
        let end = start + msg[start..].find('`')?;
        return Some(msg[start..end].to_string());
    }
    None
}

/// Splits a serde message about `key` into the problem and what is allowed.
fn describe_de_error(msg: &str, key: Option<&str>) -> (String, String) {
    let msg = msg.trim();
    if let Some((got, _)) = msg.split_once(", expected struct ") {
        // A list too short for the struct it was read as (one long enough is caught by
        // `list_for_table`) is a list where a table belongs; so is a single value.
        let problem = match got.strip_prefix("invalid type: ") {
            Some(single) if !single.starts_with("sequence") => {
                format!("is a single value ({single}), but a table is expected here")
            }
            _ => LIST_FOR_TABLE.to_string(),
        };
        return (problem, table_allowed(key.unwrap_or("section")));
    }
    if let Some((problem, expected)) = msg.split_once(", expected ") {
        if problem.starts_with("unknown field") {
            // "one of `a`, `b`", "`a` or `b`": the names between backticks.
            let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            let typed = key_in_message(msg).unwrap_or_default();
            let hint = crate::suggest::did_you_mean(&typed, &names);
            return (format!("{problem}{hint}"), expected.to_string());
        }
        let allowed = match expected {
            "u32" | "u64" | "i64" => "a whole number (not negative)".to_string(),
            "f64" => "a number".to_string(),
            "a boolean" | "bool" => "true or false".to_string(),
            other => other.to_string(),
        };
        return (problem.to_string(), allowed);
    }
    if msg.starts_with("missing field") {
        return (msg.to_string(), "the key must be given".to_string());
    }
    if msg.starts_with("wanted string or table") {
        // A number or list where one of a few names belongs (`period = 3`).
        let names = match key.and_then(|k| k.rsplit('.').next()) {
            Some("period") => "\"quarter\", \"half\" or \"year\"",
            _ => "one of the names this key takes, in quotes (docs/SCENARIOS.md)",
        };
        return (
            "is not one of the names this key takes".to_string(),
            names.to_string(),
        );
    }
    (msg.to_string(), SYNTAX_ALLOWED.to_string())
}

/// What is allowed when the text is not a salesim scenario at all.
const SYNTAX_ALLOWED: &str = "valid TOML for a salesim scenario (see `salesim init`)";

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[market]\ncustomers = 5\n\n[[vendors]]\nname = \"us\"\n[[vendors.teams]]\nname = \"a\"\nreps = 2\n[[vendors.teams]]\nname = \"b\"\nreps = 0\n";

    #[test]
    fn locates_nested_keys_and_array_entries() {
        let src = ScenarioSource::parse("t.toml", TEXT).unwrap();
        assert_eq!(src.line_of_path("market.customers"), Some(4));
        assert_eq!(src.line_of_path("vendors.0.teams.1.reps"), Some(13));
        assert_eq!(src.line_of_path("vendors.0.teams.0.name"), Some(9));
        assert_eq!(src.line_of_path("horizon_quarters"), None);
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err =
            ScenarioSource::parse("t.toml", "name = \"x\"\n[market]\ncustomerz = 3\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("t.toml:3"), "{text}");
        assert!(text.contains("customerz"), "{text}");
        assert!(text.contains("customers"), "lists what is allowed: {text}");
    }

    #[test]
    fn serde_errors_name_the_full_key_path() {
        let err = |text: &str| ScenarioSource::parse("t.toml", text).unwrap_err();
        let e =
            err("name = \"x\"\n[strategies.gentle]\nbase = \"aligned\"\ndiscount_max = \"hi\"\n");
        assert_eq!(e.line, Some(4), "{e}");
        assert_eq!(
            e.key.as_deref(),
            Some("strategies.gentle.discount_max"),
            "{e}"
        );
        let e = err("name = \"x\"\n[strategies.gentle]\nbase = \"aligned\"\nnope = 1\n");
        assert_eq!(e.key.as_deref(), Some("strategies.gentle.nope"), "{e}");
        assert!(
            e.allowed.contains("`base`") && e.allowed.contains("`discount_max`"),
            "{e}"
        );
        let e = err(TEXT.replace("reps = 0\n", "").as_str());
        assert_eq!(e.key.as_deref(), Some("vendors.0.teams.1.reps"), "{e}");
        assert_eq!(err("question = \"q\"\n").key.as_deref(), Some("name"));
        // Inside an inline list of inline tables, and a number where a name belongs.
        let e = err("name = \"x\"\n[plans.mine]\nbonuses = [{ at = 1.0, share = \"x\" }]\n");
        assert_eq!(e.key.as_deref(), Some("plans.mine.bonuses.0.share"), "{e}");
        let e = err("name = \"x\"\n[plans.mine]\nperiod = 3\n");
        assert_eq!(e.key.as_deref(), Some("plans.mine.period"), "{e}");
        assert!(
            e.allowed.contains("\"quarter\", \"half\" or \"year\""),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_without_a_message_get_one() {
        for (text, line, words) in [
            ("name = \"x\"\ncustomers = ", 2, "value is missing"),
            ("name = \"x\"\n\rq = 1\n", 2, "carriage return"),
            ("\r", 1, "carriage return"),
            ("teams = { west = ", 1, "ends"),
        ] {
            let e = ScenarioSource::parse("t.toml", text).unwrap_err();
            assert!(e.problem.contains(words), "{text:?}: {e}");
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
        }
    }

    #[test]
    fn override_sets_and_converts_integral_floats() {
        let src = ScenarioSource::parse("t.toml", TEXT).unwrap();
        let o = Override::parse("market.customers=7.0").unwrap();
        assert_eq!(src.with_overrides(&[o]).unwrap().market.customers, 7);
        let gap = Override {
            path: "strategies.blend.min_contact_gap_days".into(),
            value: toml::Value::Float(5.0),
            origin: "[sweep]".into(),
        };
        let base = Override::parse("strategies.blend.base=\"aligned\"").unwrap();
        let s = src.with_overrides(&[base, gap]).unwrap();
        assert_eq!(s.strategies["blend"].knobs.min_contact_gap_days, Some(5));
        let bad = Override::parse("market.customerz=7").unwrap();
        let err = src.with_overrides(&[bad]).unwrap_err().to_string();
        assert!(
            err.contains("--set market.customerz=7") && err.contains("customerz"),
            "{err}"
        );
    }
}
