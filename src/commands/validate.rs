//! `salesim validate FILE...`: checks scenario files without running them.

use crate::error::SalesimError;
use crate::experiment;
use crate::scenario::ScenarioSource;
use crate::shown::{for_terminal, print as say};
use std::path::PathBuf;

/// Arguments of `salesim validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Validates files; prints one line per file; the first error is returned (exit 2).
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let files = &args.files;
    let mut first_error = None;
    for f in files {
        let checked = ScenarioSource::read(f).and_then(|s| {
            let plan = experiment::plan(&s, &[])?;
            experiment::check_memory(&s, &plan, rayon::current_num_threads())?;
            Ok((s, plan))
        });
        match checked {
            Ok((_, plan)) => say(&format!(
                "{}: ok ({} point(s), {} runs)\n",
                f.display(),
                plan.point_count(),
                plan.total_runs()
            )),
            Err(e) => {
                if first_error.is_some() {
                    eprintln!("{}{}", crate::error::PREFIX, for_terminal(&e.to_string()));
                } else {
                    first_error = Some(e);
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
