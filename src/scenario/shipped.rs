//! The shipped scenarios (`scenarios/*.toml`), built into the binary, so that an installed
//! salesim (`cargo install`, no checkout) runs them: `salesim run builtin:NAME`. `salesim list`
//! shows them and `salesim list NAME` prints one's file, to copy and edit. The reproduce
//! command of a run of the built-in lesson names it `builtin:lesson`, and that of a run of
//! `builtin:NAME` names it the same way, so both work from any folder.
//!
//! `builtin:` is a prefix no scenario path needs: a file whose name starts with it is still
//! reachable as `./builtin:…`.

use super::ScenarioSource;
use crate::error::InputError;

/// How a command line names a built-in scenario: `builtin:NAME`.
pub const PREFIX: &str = "builtin:";

/// One shipped scenario.
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    /// Its name (the file stem, also the scenario's `name`).
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$(Shipped {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, ".toml")),
        }),*]
    };
}

/// Every shipped scenario, the built-in lesson first, then by name (the files of
/// `scenarios/`, checked by a test).
pub const SHIPPED: &[Shipped] = shipped![
    "lesson",
    "alignment-sweep",
    "attention-budget",
    "bench-million",
    "comp-plans",
    "competitor-swarm",
    "crowded-territory",
    "discount-sweep",
    "enterprise-long-cycles",
    "learning-team",
    "mixed-team",
    "neighbouring-teams",
    "no-cicadas",
    "one-quarter-view",
    "plan-sweep",
    "transactional-short-cycles",
    "where-the-lesson-holds",
];

/// The shipped scenario called `name` (with or without the `builtin:` prefix).
pub fn get(name: &str) -> Option<&'static Shipped> {
    let name = name.strip_prefix(PREFIX).unwrap_or(name);
    SHIPPED.iter().find(|s| s.name == name)
}

/// Names of the shipped scenarios.
pub fn names() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|s| s.name)
}

/// The NAME of an argument written `builtin:NAME`.
pub fn named(arg: &std::path::Path) -> Option<&str> {
    arg.to_str()?.strip_prefix(PREFIX)
}

/// Parses the built-in scenario `name` (its label in messages is `builtin:NAME`); an unknown
/// name is refused with the names there are.
pub fn open(name: &str) -> Result<ScenarioSource, InputError> {
    let label = format!("{PREFIX}{name}");
    match get(name) {
        Some(s) => ScenarioSource::parse(&label, s.text),
        None => Err(InputError::file(
            &label,
            &format!(
                "is not a built-in scenario{}",
                crate::suggest::closest(name, names())
                    .map_or_else(String::new, |n| format!(" (did you mean `{PREFIX}{n}`?)"))
            ),
            &format!(
                "builtin:NAME with NAME one of {} (see `salesim list`), or a scenario file",
                names().collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// For a scenario file that does not exist: ` (did you mean …?)` naming a `.toml` file beside
/// it with a close name, else the built-in scenario its name is close to (`builtin:lesson` for
/// `scenarios/lesson.toml` outside a checkout); `""` if none is close.
pub fn hint_for_missing(path: &std::path::Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let file = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let siblings: Vec<String> = std::fs::read_dir(parent.unwrap_or(std::path::Path::new(".")))
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(near) = crate::suggest::closest(file, &siblings) {
        let near = match parent {
            Some(p) => p.join(near).display().to_string(),
            None => near.to_string(),
        };
        return format!(" (did you mean `{near}`?)");
    }
    let builtin = get(stem)
        .map(|s| s.name)
        .or_else(|| crate::suggest::closest(stem, names()));
    builtin.map_or_else(String::new, |n| format!(" (did you mean `{PREFIX}{n}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_scenarios_is_built_in_under_its_stem() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_str().unwrap().to_string())
            .collect();
        files.sort();
        let mut built: Vec<String> = names().map(str::to_string).collect();
        built.sort();
        assert_eq!(
            files, built,
            "SHIPPED must list exactly the files of scenarios/"
        );
        for s in SHIPPED {
            let on_disk = std::fs::read_to_string(dir.join(format!("{}.toml", s.name))).unwrap();
            assert_eq!(on_disk, s.text, "{}", s.name);
            let source = open(s.name).unwrap();
            assert_eq!(source.scenario.name, s.name, "name = file stem");
            assert_eq!(source.file, format!("builtin:{}", s.name));
        }
        assert_eq!(SHIPPED[0].text, super::super::LESSON);
    }

    #[test]
    fn unknown_names_are_refused_with_a_suggestion() {
        let e = open("discount-sweeep").unwrap_err();
        assert_eq!(e.origin, "builtin:discount-sweeep");
        assert!(
            e.problem.contains("did you mean `builtin:discount-sweep`"),
            "{e}"
        );
        assert!(e.allowed.contains("lesson"), "{e}");
        assert_eq!(
            named(std::path::Path::new("builtin:lesson")),
            Some("lesson")
        );
        assert_eq!(named(std::path::Path::new("./builtin:lesson")), None);
        let hint = hint_for_missing(std::path::Path::new("/nonexistent/discount-sweep.toml"));
        assert_eq!(hint, " (did you mean `builtin:discount-sweep`?)");
    }
}
