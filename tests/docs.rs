//! Every citation in the repository points at a file that exists (issue 15): each relative link
//! of a Markdown file, each `docs/….md` named anywhere (source comments, scenario headers,
//! scripts, Markdown), and no citation of the design notes that live outside the repository
//! (`DESIGN §2`, `../shared/…`).
//!
//! The files read are the repository's text files (Markdown, Rust, TOML, shell, YAML, Slurm
//! scripts, the Dockerfile), found by walking the crate root and leaving out build output
//! (`target/`, `output/`, `fuzz/target/`) and `.git/`.

use std::path::{Path, PathBuf};

/// The crate root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Paths not walked: build output, run output, version control, and this file (whose examples
/// and search patterns name files that do not exist).
const SKIPPED: [&str; 6] = [
    "target",
    "output",
    ".git",
    "fuzz/target",
    "fuzz/corpus",
    "tests/docs.rs",
];

/// Whether a file is one of the text files searched for citations.
fn is_text(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(
        ext,
        "md" | "rs" | "toml" | "sh" | "yml" | "yaml" | "sbatch" | "dict"
    ) || name.starts_with("Dockerfile")
        || name == "run"
}

/// Every text file of the repository, relative to the root, sorted.
fn text_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root()).unwrap();
            if SKIPPED.iter().any(|s| rel == Path::new(s)) {
                continue;
            }
            if path.is_dir() {
                walk(&path, out);
            } else if is_text(&path) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(root(), &mut out);
    out
}

/// A file's text (the bad-input corpus holds files that are not UTF-8 on purpose).
fn read(file: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(root().join(file)).unwrap()).into_owned()
}

/// The targets of the inline links `[text](target)` of Markdown text.
fn markdown_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let end = rest.find([')', ' ', '\n']).unwrap_or(rest.len());
        out.push(rest[..end].to_string());
    }
    out
}

/// Every `docs/NAME.md` named in text (with whatever path leads to it: `../docs/`, `./docs/`).
fn docs_citations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("docs/") {
        let start = from + i;
        from = start + 5;
        // Only `docs/` as a path of its own, not the tail of a longer name (`mydocs/`).
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let name_len = text[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
            .unwrap_or(text.len() - from);
        let name = text[from..from + name_len].trim_end_matches('.');
        if name.ends_with(".md") {
            out.push(format!("docs/{name}"));
        }
    }
    out
}

/// Fails when fewer than `least` references were checked (the parser would be broken) or when
/// any of them is `broken`.
fn verdict(what: &str, checked: usize, least: usize, broken: &[String]) {
    assert!(
        checked >= least,
        "only {checked} {what} found: is the parser broken?"
    );
    assert!(
        broken.is_empty(),
        "{what} to nothing:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_relative_markdown_link_points_at_a_file_that_exists() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in text_files() {
        if file.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = read(&file);
        for link in markdown_links(&text) {
            let target = link.split('#').next().unwrap_or("");
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let dir = root().join(&file);
            let path = dir.parent().unwrap().join(target);
            if !path.exists() {
                broken.push(format!("{}: ({link})", file.display()));
            }
        }
    }
    verdict("relative links", checked, 5, &broken);
}

#[test]
fn every_docs_citation_names_a_file_that_exists() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in text_files() {
        let text = read(&file);
        for cited in docs_citations(&text) {
            checked += 1;
            if !root().join(&cited).is_file() {
                broken.push(format!("{}: {cited}", file.display()));
            }
        }
    }
    verdict("docs/ citations", checked, 20, &broken);
}

#[test]
fn nothing_cites_the_design_notes_outside_the_repository() {
    // The model's description is docs/MODEL.md, the field facts docs/FIELD-FACTS.md; the design
    // notes they came from are not in the repository.
    let outside = [
        "DESIGN §",
        "DESIGN.md",
        "DESIGN:",
        "DESIGN 2",
        "../shared/",
        "FIELD research",
    ];
    let mut found = Vec::new();
    for file in text_files() {
        let text = read(&file);
        for (n, line) in text.lines().enumerate() {
            for pattern in outside {
                if line.contains(pattern) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
            // `FIELD-FACTS` only as the file in docs/.
            let mut rest = line;
            while let Some(i) = rest.find("FIELD-FACTS") {
                let before = &rest[..i];
                if !before.ends_with("docs/") && !rest[i..].starts_with("FIELD-FACTS.md") {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
                rest = &rest[i + "FIELD-FACTS".len()..];
            }
        }
    }
    assert!(
        found.is_empty(),
        "citations of files outside the repository:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_parsers_find_what_they_look_for() {
    assert_eq!(
        markdown_links("see [a](docs/A.md#x), [b](https://x.y) and [c](../B.md)."),
        ["docs/A.md#x", "https://x.y", "../B.md"]
    );
    assert_eq!(
        docs_citations("(see docs/MODEL.md; ../docs/FIELD-FACTS.md, mydocs/X.md, docs/img.png)"),
        ["docs/MODEL.md", "docs/FIELD-FACTS.md"]
    );
}
