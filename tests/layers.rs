//! The shape of src/: arrows between modules point down the layers of README.md's "Layout" table, and no
//! import circle joins two files or two folders.
//!
//! Each reference to another module (`use crate::…`, `use super::…` and paths such as
//! `crate::report::build(…)` in code) is read as an arrow from the file that writes it to the
//! file that defines the module it names (the longest prefix of the path that is a file of src/).
//! A folder's `mod.rs` is the folder itself: its arrows into its own files (declaring and
//! re-exporting them) are containment, not imports. Comments, strings and `main.rs` (which uses
//! the library from outside) are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first: a module may use its own layer and those below it, never above.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations",
        &[
            "calendar",
            "rng",
            "error",
            "fsafe",
            "interrupt",
            "cpu",
            "suggest",
            "shown",
            "rounding",
        ],
    ),
    ("model", &["params", "world", "engine", "metrics"]),
    // The model's mechanism tests read their markets from scenarios (test code only).
    ("scenario", &["scenario", "mechanisms"]),
    ("experiment", &["experiment"]),
    (
        "made from runs",
        &[
            "output",
            "report",
            "validation",
            "sensitivity",
            "calibrate",
            "folder",
            "pipeline",
        ],
    ),
    // `api.rs` serves programs that embed salesim (the Python package) as `commands/` serves
    // the command line, from the same layer.
    ("commands", &["commands", "api"]),
];

/// A module path (`["report", "html"]`) and the file that holds it.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    /// Whether the file is a folder's `mod.rs` (or `lib.rs`): its module is the folder.
    is_folder: bool,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn modules() -> Vec<Module> {
    fn walk(dir: &Path, prefix: &[String], out: &mut Vec<Module>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut p = prefix.to_vec();
                p.push(name);
                walk(&path, &p, out);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                if prefix.is_empty() && stem == "main" {
                    continue;
                }
                let is_folder = stem == "mod" || (prefix.is_empty() && stem == "lib");
                let mut p = prefix.to_vec();
                if !is_folder {
                    p.push(stem.to_string());
                }
                out.push(Module {
                    path: p,
                    file: path,
                    is_folder,
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &[], &mut out);
    out
}

/// The source with comments, string literals and char literals blanked out (kept as spaces,
/// so that braces in them do not count).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char_before(&b, i)
        {
            // A raw string: r"…", r#"…"#, ….
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            'raw: while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break 'raw;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a), which is kept.
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(j) => {
                    out.push_str("' '");
                    i = j + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// Every module path a file names, absolute (from the crate root), with the 1-based line of
/// each.
fn references(module: &Module, text: &str) -> Vec<(Vec<String>, usize)> {
    let code: Vec<char> = code_only(text).chars().collect();
    // Inline modules (`mod tests { … }`): the brace depth each opened at, and its name.
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut line = 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        match c {
            '\n' => line += 1,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        if c.is_alphabetic() && !ident_char_before(&code, i) {
            let word: String = code[i..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect();
            let after = i + word.len();
            if word == "mod" {
                let rest: String = code[after..].iter().take(80).collect();
                let rest = rest.trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if rest[name.len()..].trim_start().starts_with('{') {
                    inline.push((depth, name));
                }
            }
            if (word == "crate" || word == "super") && code[after..].starts_with(&[':', ':']) {
                let here: Vec<String> = module
                    .path
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|(_, n)| n.clone()))
                    .collect();
                let (paths, end) = parse_tree(&code, i);
                for p in paths {
                    if let Some(abs) = absolute(&here, &p) {
                        out.push((abs, line));
                    }
                }
                for ch in &code[i..end] {
                    if *ch == '\n' {
                        line += 1;
                    }
                }
                i = end;
                continue;
            }
            i = after;
            continue;
        }
        i += 1;
    }
    out
}

/// Parses a path with `{…}` groups from `start`: every path it names, and where it ends.
fn parse_tree(code: &[char], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut i = start;
    let skip_ws = |i: &mut usize| {
        while *i < code.len() && code[*i].is_whitespace() {
            *i += 1;
        }
    };
    let mut prefix = Vec::new();
    loop {
        skip_ws(&mut i);
        if i < code.len() && code[i] == '{' {
            i += 1;
            let mut all = Vec::new();
            loop {
                skip_ws(&mut i);
                if i >= code.len() {
                    return (all, i);
                }
                if code[i] == '}' {
                    i += 1;
                    return (all, i);
                }
                if code[i] == ',' {
                    i += 1;
                    continue;
                }
                let (inner, end) = parse_tree(code, i);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    all.push(full);
                }
                // Skip `as alias` and anything up to the next separator.
                i = end;
                while i < code.len() && code[i] != ',' && code[i] != '}' {
                    i += 1;
                }
            }
        }
        let word: String = code[i..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '*')
            .collect();
        if word.is_empty() {
            return (vec![prefix], i);
        }
        i += word.len();
        if word != "self" && word != "*" {
            prefix.push(word);
        }
        if code[i..].starts_with(&[':', ':']) {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

/// A path as written in module `here` (`crate::a::b`, `super::x`) made absolute.
fn absolute(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut path = path.iter();
    let mut base: Vec<String> = Vec::new();
    match path.next()?.as_str() {
        "crate" => {}
        "super" => {
            // A module's parent: for a folder's mod.rs the folder's parent, for a file its folder.
            base = here.to_vec();
            base.pop()?;
        }
        _ => return None,
    }
    let mut rest: Vec<String> = path.cloned().collect();
    while rest.first().map(String::as_str) == Some("super") {
        base.pop()?;
        rest.remove(0);
    }
    base.extend(rest);
    Some(base)
}

/// Arrows between files: (from, to) → the first line writing it.
fn arrows() -> (Vec<Module>, BTreeMap<(usize, usize), usize>) {
    let modules = modules();
    let by_path: BTreeMap<Vec<String>, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.clone(), i))
        .collect();
    let mut arrows = BTreeMap::new();
    for (from, module) in modules.iter().enumerate() {
        let text = fs::read_to_string(&module.file).unwrap();
        for (path, line) in references(module, &text) {
            let Some(to) = (0..=path.len())
                .rev()
                .find_map(|n| by_path.get(&path[..n]).copied())
            else {
                continue;
            };
            if to == from {
                continue;
            }
            // A folder's own files, seen from its mod.rs: containment.
            if module.is_folder && modules[to].path.starts_with(&module.path) {
                continue;
            }
            arrows.entry((from, to)).or_insert(line);
        }
    }
    (modules, arrows)
}

/// The strongly connected components of more than one node (Tarjan).
fn circles(nodes: usize, edges: &BTreeSet<(usize, usize)>) -> Vec<Vec<usize>> {
    struct Walk<'a> {
        next: Vec<Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        out: &'a mut Vec<Vec<usize>>,
    }
    fn visit(w: &mut Walk, v: usize) {
        w.index[v] = Some(w.counter);
        w.low[v] = w.counter;
        w.counter += 1;
        w.stack.push(v);
        w.on_stack[v] = true;
        for k in 0..w.next[v].len() {
            let u = w.next[v][k];
            match w.index[u] {
                None => {
                    visit(w, u);
                    w.low[v] = w.low[v].min(w.low[u]);
                }
                Some(i) if w.on_stack[u] => w.low[v] = w.low[v].min(i),
                _ => {}
            }
        }
        if Some(w.low[v]) == w.index[v] {
            let mut part = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack[u] = false;
                part.push(u);
                if u == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                w.out.push(part);
            }
        }
    }
    let mut next = vec![Vec::new(); nodes];
    for &(a, b) in edges {
        next[a].push(b);
    }
    let mut out = Vec::new();
    let mut w = Walk {
        next,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        counter: 0,
        out: &mut out,
    };
    for v in 0..nodes {
        if w.index[v].is_none() {
            visit(&mut w, v);
        }
    }
    out
}

fn shown(m: &Module) -> String {
    m.file
        .strip_prefix(src().parent().unwrap())
        .unwrap()
        .display()
        .to_string()
}

/// The arrows inside each circle, as `from:line → to` lines.
fn describe(
    modules: &[Module],
    arrows: &BTreeMap<(usize, usize), usize>,
    part: &[usize],
    name: &dyn Fn(usize) -> String,
    group: &dyn Fn(usize) -> usize,
) -> String {
    let mut lines = Vec::new();
    for (&(a, b), line) in arrows {
        if part.contains(&group(a)) && part.contains(&group(b)) && group(a) != group(b) {
            lines.push(format!(
                "    {}:{line} → {}   ({} → {})",
                shown(&modules[a]),
                shown(&modules[b]),
                name(group(a)),
                name(group(b))
            ));
        }
    }
    lines.join("\n")
}

#[test]
fn no_file_circle() {
    let (modules, arrows) = arrows();
    let edges: BTreeSet<_> = arrows.keys().copied().collect();
    let found = circles(modules.len(), &edges);
    let text: Vec<String> = found
        .iter()
        .map(|part| {
            format!(
                "  circle of {} files:\n{}",
                part.len(),
                describe(&modules, &arrows, part, &|i| shown(&modules[i]), &|i| i)
            )
        })
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", text.join("\n"));
}

/// Folders (and top-level files) as nodes, at every depth: `report/` against `output/`, and
/// `commands/serve/` against `commands/sensitivity.rs`.
#[test]
fn no_folder_circle() {
    let (modules, arrows) = arrows();
    let mut problems = Vec::new();
    let deepest = modules.iter().map(|m| m.path.len()).max().unwrap_or(0);
    for depth in 1..deepest.max(1) + 1 {
        // Each file's group: its module path cut to `depth` segments.
        let mut names: Vec<Vec<String>> = Vec::new();
        let group_of: Vec<usize> = modules
            .iter()
            .map(|m| {
                let key: Vec<String> = m.path.iter().take(depth).cloned().collect();
                names.iter().position(|n| *n == key).unwrap_or_else(|| {
                    names.push(key);
                    names.len() - 1
                })
            })
            .collect();
        let edges: BTreeSet<(usize, usize)> = arrows
            .keys()
            .filter(|(a, b)| {
                // Only groups that share a parent at this depth are compared.
                let (pa, pb) = (&names[group_of[*a]], &names[group_of[*b]]);
                group_of[*a] != group_of[*b]
                    && pa[..pa.len().saturating_sub(1)] == pb[..pb.len().saturating_sub(1)]
            })
            .map(|(a, b)| (group_of[*a], group_of[*b]))
            .collect();
        for part in circles(names.len(), &edges) {
            problems.push(format!(
                "  circle between {}:\n{}",
                part.iter()
                    .map(|g| names[*g].join("/"))
                    .collect::<Vec<_>>()
                    .join(", "),
                describe(&modules, &arrows, &part, &|g| names[g].join("/"), &|i| {
                    group_of[i]
                })
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "folder circles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn arrows_point_down_the_layers() {
    let (modules, arrows) = arrows();
    let layer = |m: &Module| -> Option<usize> {
        let top = m.path.first()?;
        LAYERS
            .iter()
            .position(|(_, names)| names.contains(&top.as_str()))
    };
    let mut unplaced: Vec<String> = modules
        .iter()
        .filter(|m| !m.path.is_empty() && layer(m).is_none())
        .map(shown)
        .collect();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "files in no layer of LAYERS (place them in README.md's Layout table too): {unplaced:?}"
    );
    let mut upward = Vec::new();
    for (&(a, b), line) in &arrows {
        let (Some(la), Some(lb)) = (layer(&modules[a]), layer(&modules[b])) else {
            continue;
        };
        if lb > la {
            upward.push(format!(
                "  {}:{line} ({}) uses {} ({})",
                shown(&modules[a]),
                LAYERS[la].0,
                shown(&modules[b]),
                LAYERS[lb].0
            ));
        }
    }
    assert!(
        upward.is_empty(),
        "arrows pointing up:\n{}",
        upward.join("\n")
    );
}

/// The reader itself: it sees `use` trees, `super` from inline modules, and paths in code; and
/// it ignores comments and strings.
#[test]
fn the_reader_sees_what_rust_sees() {
    let m = Module {
        path: vec!["report".into(), "html".into()],
        file: PathBuf::from("x.rs"),
        is_folder: false,
    };
    let text = r#"
//! See crate::commands::run.
use crate::output::{summary::{signed, thousands as t}, self, lesson};
use super::breakdown;
fn f() { let s = "crate::cli::Cli"; let c = '{'; crate::experiment::stats::summarize(&x); }
mod tests {
    use super::*;
    use super::super::frame::Rendered;
}
"#;
    let found: Vec<(String, usize)> = references(&m, text)
        .into_iter()
        .map(|(p, l)| (p.join("::"), l))
        .collect();
    let want: Vec<(String, usize)> = [
        ("output::summary::signed", 3),
        ("output::summary::thousands", 3),
        ("output", 3),
        ("output::lesson", 3),
        ("report::breakdown", 4),
        ("experiment::stats::summarize", 5),
        ("report::html", 7),
        ("report::frame::Rendered", 8),
    ]
    .iter()
    .map(|(p, l)| (p.to_string(), *l))
    .collect();
    assert_eq!(found, want);
}
