//! `salesim run SCENARIO`: every variant × replication (× sweep point) of a scenario file, then
//! the CSVs, manifest, charts and report ([`crate::pipeline`]).

use crate::error::SalesimError;
use crate::experiment::job::{Job, Options, ScenarioRef};
use crate::experiment::Slice;
use crate::pipeline::{self, RunOptions};
use crate::scenario::ScenarioSource;
use std::path::PathBuf;

/// Arguments of `salesim run`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The scenario file (.toml), or a scenario built into salesim: builtin:NAME (see
    /// `salesim list`).
    pub scenario: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options shared by commands that run simulations.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Output folder (default: output/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replications per variant and sweep point (overrides the scenario's `replications`).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long, value_name = "S", value_parser = super::seed_parser())]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results are identical for any thread count.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Override any scenario value by its path, e.g. `--set market.customers=500` or
    /// `--set strategies.aggressive.discount_max=0.1`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write deals.csv: one row per opportunity of every vendor (ours and the rivals), with
    /// its rep, account, segment, created and closed day, outcome, list and net value, discount
    /// and whether it was pulled in. Changes no other output.
    #[arg(long)]
    pub deals: bool,
    /// Also write trace.csv: the day-by-day trace of replication R (0 is the first, as in
    /// runs.csv) of every variant, one event a row: each contact, stage change, block and
    /// unblock, peer warning, pull-in offer and deal. The runs are made again from their seeds;
    /// no other output changes.
    #[arg(long, value_name = "R", value_parser = trace_replication, allow_hyphen_values = true,
          conflicts_with_all = ["shard", "until_decided"])]
    pub trace: Option<u32>,
    /// Continue the run that was stopped (Ctrl-C, SIGTERM, kill -9, a lost node) in the --out
    /// folder, with the same scenario and options: runs it finished (kept in journal.bin) are
    /// not computed again, and the outputs are identical to an uninterrupted run's.
    #[arg(long)]
    pub resume: bool,
    /// Run only the K-th of N slices of the plan (points × replications × variants), e.g. one
    /// task of a cluster job array; the folder gets journal.bin and manifest.json. Combine all N
    /// slice folders with `salesim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Slice>,
    /// Replicate in batches until every comparison of bookings with the reference is decided
    /// (its interval excludes zero, or is narrower than --precision), at most the scenario's
    /// replications (or --replications). Repeated looks are Bonferroni-adjusted; the manifest
    /// records the stopping rule. Not with --shard or --resume.
    #[arg(long, conflicts_with_all = ["shard", "resume"])]
    pub until_decided: bool,
    /// Write into a folder that holds a sensitivity study's outputs, replacing them.
    #[arg(long)]
    pub force: bool,
    /// With --until-decided: replications added per look.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "until_decided",
          value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub batch: u32,
    /// With --until-decided: a comparison is level (decided) when its interval is narrower than
    /// ± this share of the reference's bookings (0.01 = ±1%).
    #[arg(
        long,
        value_name = "SHARE",
        default_value_t = 0.01,
        requires = "until_decided"
    )]
    pub precision: f64,
}

impl RunArgs {
    /// The job a command line asks for: the scenario, `--replications`, `--seed`, every `--set`
    /// and `--shard`.
    pub fn job(&self, scenario: ScenarioRef) -> Job {
        Job {
            scenario,
            options: Options {
                replications: self.replications,
                seed: self.seed,
                set: self.set.clone(),
            },
            shard: self.shard,
            deals: self.deals,
        }
    }

    /// How the run is carried out: everything but the job.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            out: self.out.clone(),
            threads: self.threads,
            quiet: self.quiet,
            resume: self.resume,
            force: self.force,
            batch: self.batch,
            precision: self.precision,
            trace: self.trace,
        }
    }
}

/// Runs the scenario (until decided, with `--until-decided`) and writes every output.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    let source = ScenarioSource::read(&args.scenario)?;
    let job = args
        .run
        .job(ScenarioRef::File(args.scenario.display().to_string()));
    if args.run.until_decided {
        pipeline::run_until_decided(&source, &job, &args.run.options()).map(|_| ())
    } else {
        pipeline::run_scenario(&source, &job, &args.run.options()).map(|_| ())
    }
}

/// `--trace R`: a replication number, said with what is allowed when it is not one.
fn trace_replication(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().map_err(|_| {
        format!(
            "{text:?} is not a replication number. Allowed: a whole number from 0 (the first \
             replication) to the run's replications − 1, as runs.csv's `replication` column"
        )
    })
}
