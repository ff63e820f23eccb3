//! `salesim check-model`: the model against published field facts (VALIDATION.md).

use crate::error::{InputError, SalesimError};
use crate::experiment::job::Options;
use crate::scenario::Override;
use crate::shown::print as say;

/// Arguments of `salesim check-model`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Replications per check (default: each validation scenario's own count).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Run only the check with this name (e.g. bass, hockey-stick).
    #[arg(long, value_name = "NAME")]
    pub only: Option<String>,
    /// Override a value in every validation scenario (see `run --set`). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Runs the suite with the command line's overrides.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let options = Options {
        replications: args.replications,
        seed: None,
        set: args.set.clone(),
    };
    check_model(
        &options.overrides()?,
        args.threads.map(usize::from),
        args.only.as_deref(),
    )
}

/// Runs the validation suite and prints its table; fails if any check fails.
fn check_model(
    overrides: &[Override],
    threads: Option<usize>,
    only: Option<&str>,
) -> Result<(), SalesimError> {
    if let Some(name) = only {
        if !crate::validation::checks().iter().any(|c| c.name == name) {
            let names: Vec<&str> = crate::validation::checks().iter().map(|c| c.name).collect();
            return Err(InputError::at(
                &format!("--only {name}"),
                None,
                None,
                &format!(
                    "is not a check{}",
                    crate::suggest::did_you_mean(name, &names)
                ),
                &names.join(", "),
            )
            .into());
        }
    }
    let rows = crate::validation::run_suite(overrides, threads, only)?;
    say(&crate::validation::render(&rows));
    match rows.iter().filter(|r| !r.verdict.pass).count() {
        0 => Ok(()),
        failed => Err(SalesimError::ModelCheck(failed)),
    }
}
