//! `salesim list [NAME]`: the scenarios built into salesim and the scenario files of a folder,
//! with their questions; with a NAME, that built-in scenario's file.

use crate::error::SalesimError;
use crate::scenario::{self, ScenarioSource};
use crate::shown::print as say;
use std::path::{Path, PathBuf};

/// Arguments of `salesim list`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A built-in scenario whose file to print.
    pub name: Option<String>,
    /// Folder of scenario files (files identical to a built-in scenario are not repeated).
    #[arg(long, default_value = "scenarios")]
    pub dir: PathBuf,
}

/// Prints the list, or the named built-in scenario's file.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    match &args.name {
        None => say(&list(&args.dir)),
        Some(name) => say(scenario::shipped::open(name)?.text.as_str()),
    }
    Ok(())
}

/// The scenarios built into salesim, then the scenario files of `dir` that are not copies of
/// them, each with its question.
pub fn list(dir: &Path) -> String {
    use scenario::shipped::{self, SHIPPED};
    let mut s = String::from(
        "Scenarios built into salesim: run one with `salesim run builtin:NAME`; `salesim list \
         NAME` prints its file,\nto copy and edit; `salesim lesson` runs the lesson and tells its \
         story.\n\n",
    );
    for built in SHIPPED {
        let source = shipped::open(built.name).expect("built-in scenarios parse");
        s.push_str(&format!(
            "{:<36} {}\n",
            source.file, source.scenario.question
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter(|p| {
                    let text = std::fs::read_to_string(p).unwrap_or_default();
                    !SHIPPED.iter().any(|b| b.text == text)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if !files.is_empty() {
        s.push_str(&format!("\nScenario files in {}:\n", dir.display()));
    }
    for f in files {
        let line = match ScenarioSource::read(&f) {
            Ok(src) => format!("{:<36} {}", f.display(), src.scenario.question),
            Err(e) => format!("{:<36} (invalid: {e})", f.display()),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}
