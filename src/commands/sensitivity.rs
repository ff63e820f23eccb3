//! `salesim sensitivity SCENARIO`: the scenario's knobs ranked by how much they move the answer
//! ([`crate::sensitivity`]), written to an output folder: `sensitivity.csv`, `swings.csv`,
//! `flip_points.csv`, `manifest.json`, the tornado chart and `report.html`.

use crate::app::{progress_bar, refuse_to_overwrite_stopped_run, write_file};
use crate::cli::SensitivityArgs;
use crate::error::SalesimError;
use crate::experiment::job::Options;
use crate::experiment::journal::JOURNAL_FILE;
use crate::folder;
use crate::interrupt;
use crate::output::sensitivity as files;
use crate::scenario::{self, ScenarioSource};
use crate::sensitivity::{study_with, Progress, RangeOverride, SensitivityBudget};
use crate::shown::shell_command;
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Runs the study and writes its folder.
pub fn run(scenario_path: &Path, args: &SensitivityArgs) -> Result<(), SalesimError> {
    let source = ScenarioSource::read(scenario_path)?;
    let overrides = Options {
        replications: None,
        seed: None,
        set: args.set.clone(),
    }
    .overrides()?;
    let options = SensitivityBudget {
        trajectories: args.trajectories,
        replications: args.replications,
        levels: args.levels,
        flip_knobs: args.flip_knobs as usize,
        flip_replications: args.flip_replications,
        seed: args.seed,
        threads: args.threads.map(usize::from),
        ranges: args
            .range
            .iter()
            .map(|r| RangeOverride::parse(r))
            .collect::<Result<_, _>>()?,
        only: args.knob.clone(),
        ..SensitivityBudget::default()
    };
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
    let _lock = folder::claim(&out, &origin)?;
    interrupt::finishing(|| -> Result<(), SalesimError> {
        folder::clear_for_study(&out)?;
        write_file(&out.join(files::FILES[0]), &files::csv(&study))?;
        write_file(&out.join(files::FILES[1]), &files::swings_csv(&study))?;
        write_file(&out.join(files::FILES[2]), &files::flips_csv(&study))?;
        let manifest = serde_json::to_vec_pretty(&files::manifest(&study, &info))
            .expect("the manifest is plain JSON");
        write_file(&out.join(files::FILES[3]), &manifest)
    })?;
    crate::report::sensitivity::build(&out, &study, &command).map_err(|e| {
        SalesimError::Report(format!(
            "{e} (the CSVs and manifest.json are complete; rerun the study to draw the report)"
        ))
    })?;
    if !args.quiet {
        crate::shown::print(&files::summary(&study, &out));
    }
    Ok(())
}

/// The command that reproduces the study, quoted for a shell: the scenario as named, the seed,
/// the design's settings and every `--set`.
fn reproduce_command(
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
