//! `salesim sensitivity SCENARIO`: the scenario's knobs ranked by how much they move the answer
//! ([`crate::sensitivity`]), written to an output folder: `sensitivity.csv`, `swings.csv`,
//! `flip_points.csv`, `manifest.json`, the tornado chart and `report.html`.

use crate::error::SalesimError;
use crate::experiment::job::Options;
use crate::experiment::journal::{refuse_to_overwrite_stopped_run, JOURNAL_FILE};
use crate::folder;
use crate::fsafe::write_file;
use crate::interrupt;
use crate::output::progress::progress_bar;
use crate::output::sensitivity as files;
use crate::scenario::{self, ScenarioSource};
use crate::sensitivity::{study_with, Progress, RangeOverride, SensitivityBudget};
use crate::shown::shell_command;
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Arguments of `salesim sensitivity`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The scenario file (.toml), or a scenario built into salesim: builtin:NAME.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub study: SensitivityArgs,
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
    #[arg(long, value_name = "S", value_parser = super::seed_parser())]
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

/// Runs the study of the scenario.
pub fn exec(args: &Args) -> Result<(), SalesimError> {
    run(&args.scenario, &args.study)
}

/// Runs the study and writes its folder.
pub fn run(scenario_path: &Path, args: &SensitivityArgs) -> Result<(), SalesimError> {
    let source = ScenarioSource::read(scenario_path)?;
    let overrides = args.overrides()?;
    let options = args.budget()?;
    // The scenario as given, checked before anything runs: its name names the default folder.
    let given = scenario::build(&source, &overrides)?;
    let out = args.out.clone().unwrap_or_else(|| default_out(&given.name));
    let origin = format!("--out {}", out.display());
    folder::check(&out, &origin)?;
    folder::check_contents(&out, &origin, folder::Contents::Study, args.force)?;
    refuse_to_overwrite_stopped_run(&out.join(JOURNAL_FILE))?;
    let threads = options.threads.unwrap_or_else(rayon::current_num_threads);

    let bar: Mutex<ProgressBar> = Mutex::new(ProgressBar::hidden());
    let stage = |what: &str, runs: u64| {
        let mut bar = bar.lock().expect("the progress bar is not poisoned");
        bar.finish_and_clear();
        if !args.quiet {
            eprintln!("{what}...");
        }
        *bar = progress_bar(runs, args.quiet);
    };
    let run = || {
        if let Ok(bar) = bar.lock() {
            bar.inc(1);
        }
    };
    let progress = Progress {
        stop: interrupt::stop_flag_saying(interrupt::NOTHING_KEPT),
        stage: &stage,
        run: &run,
    };
    let started = Instant::now();
    let study = study_with(&source, &overrides, &options, &progress)?;
    bar.lock()
        .expect("the progress bar is not poisoned")
        .finish_and_clear();
    let wall = started.elapsed().as_secs_f64();

    let command = reproduce_command(scenario_path, &study, args);
    let file = scenario_path.display().to_string();
    let info = crate::output::ManifestCommon {
        command: &command,
        scenario_file: &file,
        threads,
        wall_time_seconds: wall,
        throughput: &study.throughput,
    };
    write_study(&out, &origin, &study, &info)?;
    if !args.quiet {
        crate::shown::print(&files::summary(&study, &out));
    }
    Ok(())
}

impl SensitivityArgs {
    /// The overrides of every `--set`.
    pub fn overrides(&self) -> Result<Vec<crate::scenario::Override>, SalesimError> {
        Ok(Options {
            replications: None,
            seed: None,
            set: self.set.clone(),
        }
        .overrides()?)
    }

    /// The study's budget: the design's size, the seed, the threads, every `--range` and
    /// `--knob`.
    pub fn budget(&self) -> Result<SensitivityBudget, SalesimError> {
        Ok(SensitivityBudget {
            trajectories: self.trajectories,
            replications: self.replications,
            levels: self.levels,
            flip_knobs: self.flip_knobs as usize,
            flip_replications: self.flip_replications,
            seed: self.seed,
            threads: self.threads.map(usize::from),
            ranges: self
                .range
                .iter()
                .map(|r| RangeOverride::parse(r))
                .collect::<Result<_, _>>()?,
            only: self.knob.clone(),
            ..SensitivityBudget::default()
        })
    }
}

/// Puts a finished study's files in place in `out` (already checked with [`folder::check`] and
/// [`folder::check_contents`]; `origin` names it in messages), holding the folder's lock: the
/// CSVs, the manifest last, then the tornado chart and `report.html`.
pub fn write_study(
    out: &Path,
    origin: &str,
    study: &crate::sensitivity::Study,
    info: &crate::output::ManifestCommon,
) -> Result<(), SalesimError> {
    let _lock = folder::claim(out, origin)?;
    interrupt::finishing(|| -> Result<(), SalesimError> {
        folder::clear_for_study(out)?;
        write_file(&out.join(files::FILES[0]), &files::csv(study))?;
        write_file(&out.join(files::FILES[1]), &files::swings_csv(study))?;
        write_file(&out.join(files::FILES[2]), &files::flips_csv(study))?;
        let manifest = serde_json::to_vec_pretty(&files::manifest(study, info))
            .expect("the manifest is plain JSON");
        write_file(&out.join(files::FILES[3]), &manifest)
    })?;
    crate::report::sensitivity::build(out, study, info.command).map_err(|e| {
        SalesimError::Report(format!(
            "{e} (the CSVs and manifest.json are complete; rerun the study to draw the report)"
        ))
    })
}

/// The command that reproduces the study, quoted for a shell: the scenario as named, the seed,
/// the design's settings and every `--set`.
pub fn reproduce_command(
    scenario: &Path,
    study: &crate::sensitivity::Study,
    args: &SensitivityArgs,
) -> String {
    let d = &study.design;
    let mut words: Vec<String> = vec![
        "salesim".into(),
        "sensitivity".into(),
        scenario.display().to_string(),
        "--seed".into(),
        study.config.seed.to_string(),
    ];
    for (flag, value) in [
        ("--trajectories", d.trajectories.to_string()),
        ("--replications", d.replications.to_string()),
        ("--levels", d.levels.to_string()),
        ("--flip-knobs", d.flip_knobs.to_string()),
        ("--flip-replications", d.flip_replications.to_string()),
    ] {
        words.push(flag.into());
        words.push(value);
    }
    for (flag, values) in [
        ("--set", &args.set),
        ("--range", &args.range),
        ("--knob", &args.knob),
    ] {
        for value in values {
            words.push(flag.into());
            words.push(value.clone());
        }
    }
    shell_command(&words)
}

/// The default output folder of a study of the scenario named `name`.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("output").join(format!("{name}-sensitivity"))
}
