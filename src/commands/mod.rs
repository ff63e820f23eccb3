//! The command line: one module per subcommand, each with its arguments (`Args`, clap derive;
//! the doc comments are the `--help` text) and what it does (`exec`), over the library's layers,
//! which never learn which command called them. This file is the table: [`Cli`], [`Command`]
//! and [`exec`].

pub mod calibrate;
pub mod check_model;
pub mod init;
pub mod lesson;
pub mod list;
pub mod merge;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod serve;
pub mod validate;

use crate::error::SalesimError;
use clap::{Parser, Subcommand};

/// salesim: does quarter-driven selling pay, or does aligning with the customer's own buying
/// cycle win? Runs many replications of a simulated market and compares sales strategies with
/// 95% confidence intervals. With no command, runs the built-in lesson.
#[derive(Debug, Parser)]
#[command(name = "salesim", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `lesson`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario file: every variant × replication (× sweep point), then write CSVs, the
    /// manifest, charts and the report.
    Run(run::Args),
    /// The trainer's demonstration: run the built-in lesson and tell its story in plain words.
    Lesson(lesson::Args),
    /// Check scenario files without running them.
    Validate(validate::Args),
    /// List the scenarios built into salesim (run one with `salesim run builtin:NAME`) and the
    /// scenario files of a folder, with their questions; with a NAME, print that built-in
    /// scenario's file (to copy and edit: `salesim list NAME > mine.toml`).
    List(list::Args),
    /// Write a commented scenario template to NAME.toml.
    Init(init::Args),
    /// Check the model against published field facts (see VALIDATION.md): runs every scenario of
    /// scenarios/validation/ and prints fact, source, expected band, measured value with 95% CI
    /// and pass/fail. Exits 1 if any check fails.
    CheckModel(check_model::Args),
    /// Combine the slice folders of `run --shard K/N` (all N of them, from the same scenario,
    /// options, seed and salesim version) into exactly the files one unsharded run writes.
    Merge(merge::Args),
    /// Which assumptions decide the answer: a Morris sensitivity study of every knob with a
    /// plausible range (docs/SCENARIOS.md), on the paired difference of bookings and on
    /// bookings, with the values where the answer flips for the top knobs a CRM export cannot
    /// reveal. Writes sensitivity.csv, swings.csv, flip_points.csv, manifest.json, a tornado
    /// chart and report.html.
    Sensitivity(sensitivity::Args),
    /// Read a CRM opportunity export (a Salesforce opportunity report, a HubSpot deal export, or
    /// any CSV with --map), check it, observe its moments with 95% bootstrap CIs
    /// (NAME.moments.csv), fit a scenario of a market like it by simulated moments (NAME.toml,
    /// observed vs simulated in its header), say whether aligned or aggressive selling books
    /// more there, and name the unobservable assumptions that decide it (a small sensitivity
    /// study). Bad rows stop it (exit 2) with counts per kind and their first lines, unless
    /// --skip-bad-rows.
    Calibrate(calibrate::Args),
    /// The live lesson for a class: a local web page with a slider for each knob a class
    /// argues about (docs/SCENARIOS.md, "Knobs of the live lesson"). Moving one starts paired
    /// replications in batches on every core; the charts and the lesson's verdict update after
    /// each batch, and the verdict is stated only once its confidence interval decides it.
    Serve(serve::Args),
    /// Rebuild the charts and report.html of a finished output folder from its CSVs.
    Report(report::Args),
}

/// Runs a parsed command line; no command runs the lesson.
pub fn exec(cli: Cli) -> Result<(), SalesimError> {
    match cli.command {
        None => lesson::exec(&lesson::Args::default()),
        Some(Command::Run(args)) => run::exec(&args),
        Some(Command::Lesson(args)) => lesson::exec(&args),
        Some(Command::Validate(args)) => validate::exec(&args),
        Some(Command::List(args)) => list::exec(&args),
        Some(Command::Init(args)) => init::exec(&args),
        Some(Command::CheckModel(args)) => check_model::exec(&args),
        Some(Command::Merge(args)) => merge::exec(&args),
        Some(Command::Sensitivity(args)) => sensitivity::exec(&args),
        Some(Command::Calibrate(args)) => calibrate::exec(&args),
        Some(Command::Serve(args)) => serve::exec(&args),
        Some(Command::Report(args)) => report::exec(&args),
    }
}

/// Seeds are TOML integers in a scenario (`seed = S`), so at most 2^63 − 1: a larger `--seed`
/// is refused by the command line at once, naming `--seed`, not by a scenario line later.
fn seed_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(..=i64::MAX as u64)
}
