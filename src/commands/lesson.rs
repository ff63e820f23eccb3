//! `salesim lesson` (and `salesim` alone): the trainer's demonstration. Runs the built-in
//! lesson, adds the report's "you are here" chart (the same market at a few book sizes) and
//! tells the lesson's story in plain words; `--quick` replicates until decided instead.

use super::run::RunArgs;
use crate::error::SalesimError;
use crate::experiment::job::{Job, ScenarioRef};
use crate::experiment::looks::{QUICK_BATCH, QUICK_PRECISION};
use crate::folder;
use crate::fsafe::write_file;
use crate::output;
use crate::pipeline::{self, Finished};
use crate::scenario::{self, ScenarioSource};
use crate::shown::print as say;
use std::path::Path;

/// Arguments of `salesim lesson`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A smaller run (fewer replications) that finishes in a few seconds, for live demos.
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The built-in lesson: run it and narrate.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let quick = args.quick;
    let args = &args.run;
    let source = ScenarioSource::parse(ScenarioRef::LESSON_LABEL, scenario::LESSON)?;
    let mut args = args.clone();
    if quick {
        // Replicate until decided, at most as many replications as the full lesson, into a
        // folder of its own: the full lesson's outputs stay as they are.
        args.until_decided = true;
        if args.batch == 0 {
            args.batch = QUICK_BATCH;
        }
        if args.precision == 0.0 {
            args.precision = QUICK_PRECISION;
        }
        if args.out.is_none() {
            args.out = Some(Path::new("output").join("lesson-quick"));
        }
    }
    let job = args.job(ScenarioRef::Lesson);
    let finished = if args.until_decided {
        pipeline::run_until_decided(&source, &job, &args.options())?
    } else {
        pipeline::run_scenario(&source, &job, &args.options())?
    };
    if !quick && args.shard.is_none() {
        book_sizes(&source, &job, &args, &finished)?;
    }
    if !args.quiet {
        let stopping = finished.stopping.as_ref();
        if let Some(f) = finished
            .summaries
            .first()
            .and_then(|ps| output::lesson::Facts::of(&finished.plan, ps, stopping))
        {
            say(&output::lesson::narrate(
                &f,
                &finished.out.join("report.html"),
            ));
        }
    }
    Ok(())
}

/// The lesson's "you are here": its market at a few book sizes (`book_size.csv`), then the
/// report again with that chart.
fn book_sizes(
    source: &ScenarioSource,
    job: &Job,
    args: &RunArgs,
    finished: &Finished,
) -> Result<(), SalesimError> {
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    if !args.quiet {
        eprintln!(
            "The same market at {} accounts per rep ({} replications each; at its own book size, the lesson's run), for the report's \"you are here\" chart...",
            output::book_size::ACCOUNTS_PER_REP
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            output::book_size::REPLICATIONS
        );
    }
    let mut rows = output::book_size::measure(source, &job.options.overrides()?, threads)?;
    // At its own book size the lesson is its own run: the chart states the verdict's numbers.
    rows.extend(
        finished
            .summaries
            .first()
            .and_then(|ps| output::book_size::own(&finished.plan, ps)),
    );
    let cfg = finished.plan.base();
    let Some(other) = (0..cfg.variants.len()).find(|&v| v != cfg.reference) else {
        return Ok(());
    };
    let origin = format!("--out {}", finished.out.display());
    let _lock = folder::claim(&finished.out, &origin)?;
    write_file(
        &finished.out.join(output::book_size::FILE),
        &output::book_size::csv(
            &rows,
            &cfg.variants[other].name,
            &cfg.variants[cfg.reference].name,
        ),
    )?;
    crate::report::build(&finished.out).map_err(|e| SalesimError::Report(e.to_string()))?;
    Ok(())
}
