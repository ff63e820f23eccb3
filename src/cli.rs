//! Command-line definitions (clap derive); the doc comments are the `--help` text.

use crate::experiment::Slice;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    #[arg(long, value_name = "S", value_parser = seed_parser())]
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

/// Options of `salesim sensitivity`.
#[derive(Debug, Clone, clap::Args)]
pub struct SensitivityArgs {
    /// Output folder (default: output/<scenario name>-sensitivity/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Morris trajectories: each runs every knob's step once (knobs + 1 design points).
    #[arg(long, value_name = "N", default_value_t = crate::sensitivity::DEFAULT_TRAJECTORIES,
          value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub trajectories: u32,
    /// Replications per design point (the same seeds at every point).
    #[arg(long, value_name = "N", default_value_t = crate::sensitivity::DEFAULT_REPLICATIONS,
          value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub replications: u32,
    /// Grid levels of the design (even; each step moves a knob by levels / (2 (levels − 1)) of
    /// its range).
    #[arg(long, value_name = "P", default_value_t = crate::sensitivity::DEFAULT_LEVELS,
          value_parser = clap::value_parser!(u32).range(2..=100))]
    pub levels: u32,
    /// Unobservable knobs (the most influential a CRM export cannot reveal) whose flip point is
    /// looked for, per comparison.
    #[arg(long, value_name = "N", default_value_t = crate::sensitivity::DEFAULT_FLIP_KNOBS as u32,
          value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub flip_knobs: u32,
    /// Replications per point of the one-at-a-time runs (the tornado's swings and the bisection
    /// for flip points).
    #[arg(long, value_name = "N", default_value_t = crate::sensitivity::DEFAULT_FLIP_REPLICATIONS,
          value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub flip_replications: u32,
    /// Master seed (overrides the scenario's `seed`): the replication seeds, the design and the
    /// bootstrap.
    #[arg(long, value_name = "S", value_parser = seed_parser())]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results are identical for any thread count.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Override any scenario value by its path before the study, as `run --set` does.
    /// Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Vary a knob over your own range instead of the table's (LOW = HIGH holds it there).
    /// Repeatable.
    #[arg(long = "range", value_name = "PATH=LOW..HIGH")]
    pub range: Vec<String>,
    /// Study only this knob (by its path, as in sensitivity.csv). Repeatable; default: every
    /// knob with a plausible range.
    #[arg(long = "knob", value_name = "PATH")]
    pub knob: Vec<String>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write into a folder that holds a finished run's outputs, replacing its CSVs.
    #[arg(long)]
    pub force: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario file: every variant × replication (× sweep point), then write CSVs, the
    /// manifest, charts and the report.
    Run {
        /// The scenario file (.toml), or a scenario built into salesim: builtin:NAME (see
        /// `salesim list`).
        scenario: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// The trainer's demonstration: run the built-in lesson and tell its story in plain words.
    Lesson {
        /// A smaller run (fewer replications) that finishes in a few seconds, for live demos.
        #[arg(long)]
        quick: bool,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Check scenario files without running them.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the scenarios built into salesim (run one with `salesim run builtin:NAME`) and the
    /// scenario files of a folder, with their questions; with a NAME, print that built-in
    /// scenario's file (to copy and edit: `salesim list NAME > mine.toml`).
    List {
        /// A built-in scenario whose file to print.
        name: Option<String>,
        /// Folder of scenario files (files identical to a built-in scenario are not repeated).
        #[arg(long, default_value = "scenarios")]
        dir: PathBuf,
    },
    /// Write a commented scenario template to NAME.toml.
    Init {
        /// Scenario name (letters, digits, '-', '_'); the file is NAME.toml.
        name: String,
    },
    /// Check the model against published field facts (see VALIDATION.md): runs every scenario of
    /// scenarios/validation/ and prints fact, source, expected band, measured value with 95% CI
    /// and pass/fail. Exits 1 if any check fails.
    CheckModel {
        /// Replications per check (default: each validation scenario's own count).
        #[arg(long, value_name = "N")]
        replications: Option<u32>,
        /// Worker threads (default: all cores).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Run only the check with this name (e.g. bass, hockey-stick).
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
        /// Override a value in every validation scenario (see `run --set`). Repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Combine the slice folders of `run --shard K/N` (all N of them, from the same scenario,
    /// options, seed and salesim version) into exactly the files one unsharded run writes.
    Merge {
        /// The slice folders.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output folder (default: output/<scenario name>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// No summary on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Which assumptions decide the answer: a Morris sensitivity study of every knob with a
    /// plausible range (docs/SCENARIOS.md), on the paired difference of bookings and on
    /// bookings, with the values where the answer flips for the top knobs a CRM export cannot
    /// reveal. Writes sensitivity.csv, swings.csv, flip_points.csv, manifest.json, a tornado
    /// chart and report.html.
    Sensitivity {
        /// The scenario file (.toml), or a scenario built into salesim: builtin:NAME.
        scenario: PathBuf,
        #[command(flatten)]
        args: SensitivityArgs,
    },
    /// Read a CRM opportunity export (a Salesforce opportunity report, a HubSpot deal export, or
    /// any CSV with --map), check it, observe its moments with 95% bootstrap CIs
    /// (NAME.moments.csv), fit a scenario of a market like it by simulated moments (NAME.toml,
    /// observed vs simulated in its header), say whether aligned or aggressive selling books
    /// more there, and name the unobservable assumptions that decide it (a small sensitivity
    /// study). Bad rows stop it (exit 2) with counts per kind and their first lines, unless
    /// --skip-bad-rows.
    Calibrate(CalibrateArgs),
    /// The live lesson for a class: a local web page with a slider for each knob a class
    /// argues about (docs/SCENARIOS.md, "Knobs of the live lesson"). Moving one starts paired
    /// replications in batches on every core; the charts and the lesson's verdict update after
    /// each batch, and the verdict is stated only once its confidence interval decides it.
    Serve {
        /// The scenario file (.toml), or builtin:NAME (default: the built-in lesson).
        scenario: Option<PathBuf>,
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Rebuild the charts and report.html of a finished output folder from its CSVs.
    Report {
        /// The output folder.
        dir: PathBuf,
        /// For a sweep: the point whose headlines, table and per-quarter charts the report shows
        /// (default: the point with the scenario's own values, else point 0).
        #[arg(long, value_name = "N")]
        point: Option<u32>,
    },
}

/// Options of `salesim serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. The default, 127.0.0.1, reaches this computer only; another
    /// (e.g. 0.0.0.0 for every network of this computer) shares the page with a room's
    /// network, and salesim warns that anyone there can start simulations.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Most jobs running at once over all pages (each page runs one; a page's new job replaces
    /// its old one). A job beyond it is refused until one finishes.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Replications added per batch (each batch is a look of the `--until-decided` rule).
    #[arg(long, value_name = "N", default_value_t = crate::app::QUICK_BATCH,
          value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub batch: u32,
    /// Worker threads per job (default: all cores). Results are identical for any thread count.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override any scenario value by its path before the sliders apply, as `run --set` does.
    /// Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Options of `salesim calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// The CRM opportunity export (CSV).
    pub opportunities: PathBuf,
    /// The scenario the fit will write, NAME.toml; the observed moments go to NAME.moments.csv
    /// beside it (default: the export's file name with .toml, in the current folder).
    #[arg(long, value_name = "NAME.toml")]
    pub out: Option<PathBuf>,
    /// Read a field from a column of the export, overriding the recognised layout: FIELD is one
    /// of id, account, owner, created, closed, outcome, amount (required), team, list_amount,
    /// product, segment, loss_reason. Repeatable.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// An outcome value that means won, besides the layout's own (Salesforce `Closed Won`,
    /// HubSpot `closedwon`, a custom file's `won`). Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub won: Vec<String>,
    /// An outcome value that means lost, besides the layout's own (`Closed Lost`, `closedlost`,
    /// `lost`). Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub lost: Vec<String>,
    /// An outcome value that means closed with no decision (the buyer bought from no one).
    /// Repeatable.
    #[arg(long = "no-decision", value_name = "VALUE")]
    pub no_decision: Vec<String>,
    /// An outcome value that means open although it looks closed (contains "closed", "won",
    /// "lost"). Other values that are not won or lost are open stages already. Repeatable.
    #[arg(long, value_name = "VALUE")]
    pub open: Vec<String>,
    /// The format of every date, strftime-like (chrono): %d.%m.%Y, %m/%d/%y, %Y%m%d. Default:
    /// the usual formats (2024-03-31, 3/31/2024 or 31/03/2024 as the file shows, Mar 31, 2024,
    /// 2024-03-31T12:00:00Z, …).
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// The month the vendor's fiscal year starts in: 1–12 or its name (feb, February).
    #[arg(long, value_name = "MONTH", default_value = "1")]
    pub fiscal_year_start: String,
    /// Leave bad rows out and go on (saying how many of each kind), instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(100..=100_000))]
    pub resamples: u32,
    /// Seed of the bootstrap and of the fitted scenario's simulations (the same export and seed
    /// give the same intervals and the same scenario).
    #[arg(long, value_name = "S", default_value_t = 1, value_parser = seed_parser())]
    pub seed: u64,
    /// Morris trajectories of the small sensitivity study run on the fitted market, which names
    /// the assumptions a CRM export cannot reveal that decide the answer; 0 skips it.
    /// `salesim sensitivity NAME.toml` runs the full study.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(0..=50))]
    pub sensitivity_trajectories: u32,
    /// Replace an existing NAME.toml and NAME.moments.csv (never the export itself).
    #[arg(long)]
    pub force: bool,
}

/// Seeds are TOML integers in a scenario (`seed = S`), so at most 2^63 − 1: a larger `--seed`
/// is refused by the command line at once, naming `--seed`, not by a scenario line later.
fn seed_parser() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(..=i64::MAX as u64)
}
