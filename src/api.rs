//! salesim for programs that embed it (the Python package in `python/`): a scenario in (a file,
//! `builtin:NAME`, or TOML text built in memory), its outputs out, in memory, exactly as the
//! command line writes them, and written into a folder with the charts and report only when
//! asked.
//!
//! - [`run`] is `salesim run` without an output folder: the same plan, the same runs, the same
//!   CSV writer ([`crate::output::CsvOutputs`], into a private temporary folder that is read
//!   back and removed), so every CSV is byte for byte the one `salesim run` writes for the same
//!   scenario, options and seed. [`write_run`] puts them in a folder, as `salesim run --out`
//!   would, with the report.
//! - [`sensitivity`] and [`calibrate`] are the studies of `salesim sensitivity` and `salesim
//!   calibrate`, their files as text.
//! - Nothing here installs a signal handler (a host such as Python keeps its own): the host stops
//!   a run by setting [`Watch::stop`] and follows it through [`Watch`]'s calls.

use crate::calibrate::export;
use crate::commands::calibrate::{self as calibrating, Calibrated, Observed};
use crate::commands::sensitivity::SensitivityArgs;
use crate::error::{InputError, SalesimError};
use crate::experiment::job::{Job, Options, ScenarioRef};
use crate::experiment::journal::{refuse_to_overwrite_stopped_run, JOURNAL_FILE};
use crate::experiment::{self, Execution, Plan, Slice};
use crate::folder;
use crate::fsafe::write_file;
use crate::output::summary::Made;
use crate::output::{self, CsvOutputs, RunInfo, DEALS_FILE};
use crate::params::settings::SweepSpec;
use crate::scenario::ScenarioSource;
use crate::sensitivity::{self as study, Progress, Study};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// How messages and the manifest name a scenario built in memory rather than read from a file.
pub const IN_MEMORY: &str = "<scenario dict>";

/// How messages name an export handed over in memory rather than as a file.
pub const EXPORT_IN_MEMORY: &str = "<DataFrame>";

/// Parses scenario text built in memory (a host's dict written as TOML); errors name
/// [`IN_MEMORY`].
pub fn scenario_from_text(text: &str) -> Result<ScenarioSource, InputError> {
    ScenarioSource::parse(IN_MEMORY, text)
}

/// How the host follows a run and stops it. Every call but `stage` comes from worker threads.
pub struct Watch<'a> {
    /// Set by the host to stop: planning gives up, no new run starts, runs in flight are
    /// abandoned, and the call returns [`SalesimError::Interrupted`] with nothing kept.
    pub stop: &'a AtomicBool,
    /// A new stage begins: what it does, and how many runs it has (0: not counted in runs).
    pub stage: &'a (dyn Fn(&str, u64) + Sync),
    /// One more run finished.
    pub on_run: &'a (dyn Fn() + Sync),
}

/// What to run: the options of `salesim run` that change the plan, and a sweep in place of the
/// scenario's own.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// `--replications`, `--seed` and every `--set`, as the command line takes them.
    pub options: Options,
    /// A sweep that replaces the scenario's `[sweep]` section (the paths and values of
    /// `[sweep] parameters`, grid or zip).
    pub sweep: Option<SweepSpec>,
    /// Worker threads (default: all cores). The outputs are the same for any number.
    pub threads: Option<usize>,
    /// `--deals`: also `deals.csv`.
    pub deals: bool,
    /// What the manifest names as the command that reproduces the run (default: the `salesim
    /// run` command, which reproduces it only for a scenario file without a sweep given here).
    pub command: Option<String>,
}

/// A finished run's outputs, in memory.
#[derive(Debug, Clone)]
pub struct RunOutputs {
    /// Each CSV's file name and text, in the order `salesim run` puts them in place.
    pub csv: Vec<(String, String)>,
    /// `manifest.json`.
    pub manifest: serde_json::Value,
    /// The summary `salesim run` prints on the terminal (without the line naming its folder).
    pub summary: String,
}

/// The scenario with a sweep in place of its own.
fn with_sweep(source: &ScenarioSource, sweep: &Option<SweepSpec>) -> ScenarioSource {
    let mut source = source.clone();
    if let Some(sweep) = sweep {
        source.scenario.sweep = Some(sweep.clone());
    }
    source
}

/// Plans a scenario as [`run`] would, without running it: for checking a scenario (and every
/// point of its sweep) as `salesim validate` does.
pub fn plan(source: &ScenarioSource, request: &RunRequest) -> Result<Plan, SalesimError> {
    let source = with_sweep(source, &request.sweep);
    let plan = experiment::plan(&source, &request.options.overrides()?)?;
    let threads = request.threads.unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(&source, &plan, threads)?;
    Ok(plan)
}

/// `salesim run` in memory: every variant × replication (× sweep point) of the scenario, and
/// its CSVs, manifest and terminal summary as text. Stopped through `watch`, it returns
/// [`SalesimError::Interrupted`] and keeps nothing.
pub fn run(
    source: &ScenarioSource,
    request: &RunRequest,
    watch: &Watch,
) -> Result<RunOutputs, SalesimError> {
    let source = with_sweep(source, &request.sweep);
    let job = Job {
        scenario: ScenarioRef::File(source.file.clone()),
        options: request.options.clone(),
        shard: None,
        deals: request.deals,
    };
    (watch.stage)("planning", 0);
    let plan = experiment::plan_unless_stopped(&source, &job.options.overrides()?, watch.stop)?
        .ok_or_else(|| SalesimError::Interrupted("stopped while planning".into()))?;
    let threads = request.threads.unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(&source, &plan, threads)?;
    let scratch = tempfile::tempdir()
        .map_err(|e| SalesimError::io("creating a temporary folder for the CSVs", e))?;
    let mut csv = CsvOutputs::create(scratch.path(), &plan, request.deals)?;
    (watch.stage)("runs", plan.total_runs());
    let started = Instant::now();
    let on_run = |_: &experiment::RunResult| {
        (watch.on_run)();
        Ok(())
    };
    let how = Execution {
        threads: Some(threads),
        slice: Slice::WHOLE,
        deals: request.deals,
        stop: watch.stop,
        on_run: &on_run,
    };
    let outcome = experiment::execute_slice(&plan, &how, &mut |_, _, _| Ok(None), &mut |p, r| {
        csv.write_point(p, &r)
    })?;
    if !outcome.complete {
        return Err(SalesimError::Interrupted(format!(
            "stopped after {} of {} runs; nothing was kept",
            outcome.finished_runs, outcome.slice_runs
        )));
    }
    let wall = started.elapsed().as_secs_f64();
    let info = RunInfo {
        command: request
            .command
            .clone()
            .unwrap_or_else(|| job.reproduce_command(&plan)),
        scenario_file: source.file.clone(),
        threads,
        wall_time_seconds: wall,
        throughput: outcome.throughput,
        complete: true,
        shard: None,
        finished_runs: outcome.finished_runs,
        computed_runs: outcome.computed_runs,
        merged_from: Vec::new(),
        stopping: None,
        deals: request.deals,
    };
    let mut manifest = output::manifest(&plan, &info);
    if let Some(map) = manifest.as_object_mut() {
        map.insert(
            "warm_up_drift".into(),
            output::warm_up_drift_json(&csv.summaries),
        );
    }
    let summaries = csv.commit()?;
    let names = output::FILES
        .iter()
        .filter(|name| **name != "manifest.json")
        .chain(request.deals.then_some(&DEALS_FILE));
    let mut files = Vec::new();
    for name in names {
        let path = scratch.path().join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| SalesimError::io(format!("reading {}", path.display()), e))?;
        files.push((name.to_string(), text));
    }
    let made = Made::Ran { wall, threads };
    let summary =
        output::summary::render(&plan, &summaries, &outcome.throughput, made, scratch.path())
            .lines()
            // The last line names the output folder, which an in-memory run does not have.
            .filter(|line| !line.starts_with("Outputs: "))
            .map(|line| format!("{line}\n"))
            .collect();
    Ok(RunOutputs {
        csv: files,
        manifest,
        summary,
    })
}

/// Writes a run's outputs into the folder `out` as `salesim run --out` does: under the folder's
/// lock, only into a folder that is new, empty or salesim's own (a sensitivity study's only with
/// `force`), every file atomically, the manifest last; then, with `report`, the charts and
/// `report.html`, whose path it returns.
pub fn write_run(
    out: &Path,
    outputs: &RunOutputs,
    force: bool,
    report: bool,
) -> Result<Option<PathBuf>, SalesimError> {
    let origin = out.display().to_string();
    folder::check(out, &origin)?;
    folder::check_contents(out, &origin, folder::Contents::Run, force)?;
    refuse_to_overwrite_stopped_run(&out.join(JOURNAL_FILE))?;
    let _lock = folder::claim(out, &origin)?;
    folder::clear_stale(out)?;
    for (name, text) in &outputs.csv {
        write_file(&out.join(name), text.as_bytes())?;
    }
    let manifest = serde_json::to_string_pretty(&outputs.manifest).expect("manifest is plain JSON");
    write_file(&out.join("manifest.json"), manifest.as_bytes())?;
    if !report {
        return Ok(None);
    }
    let built = crate::report::build(out).map_err(|e| SalesimError::Report(e.to_string()))?;
    Ok(Some(built.report))
}

/// A finished sensitivity study and its files as text.
#[derive(Debug, Clone)]
pub struct StudyOutputs {
    /// The study (for its report).
    pub study: Study,
    /// Each CSV's file name and text (`sensitivity.csv`, `swings.csv`, `flip_points.csv`).
    pub csv: Vec<(String, String)>,
    /// `manifest.json`.
    pub manifest: serde_json::Value,
    /// The command that reproduces the study.
    pub command: String,
    /// What the study found, as `salesim sensitivity` prints it (without its folder).
    pub findings: String,
    /// Wall time, seconds.
    pub wall_time_seconds: f64,
    /// Worker threads.
    pub threads: usize,
    /// The scenario as named.
    pub scenario_file: String,
}

/// `salesim sensitivity` in memory: `args` as the command line gives them (`scenario` names
/// the scenario for the reproduce command; `--out`, `--quiet` and `--force` are not used).
pub fn sensitivity(
    source: &ScenarioSource,
    scenario: &Path,
    args: &SensitivityArgs,
    watch: &Watch,
) -> Result<StudyOutputs, SalesimError> {
    let overrides = args.overrides()?;
    let budget = args.budget()?;
    let threads = budget.threads.unwrap_or_else(rayon::current_num_threads);
    let progress = Progress {
        stop: watch.stop,
        stage: &|what, runs| (watch.stage)(what, runs),
        run: watch.on_run,
    };
    let started = Instant::now();
    let study = study::study_with(source, &overrides, &budget, &progress)?;
    let wall = started.elapsed().as_secs_f64();
    let command = crate::commands::sensitivity::reproduce_command(scenario, &study, args);
    let files = &output::sensitivity::FILES;
    let csv = [
        output::sensitivity::csv(&study),
        output::sensitivity::swings_csv(&study),
        output::sensitivity::flips_csv(&study),
    ]
    .into_iter()
    .zip(files)
    .map(|(bytes, name)| {
        (
            name.to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    })
    .collect();
    let outputs = StudyOutputs {
        csv,
        manifest: serde_json::Value::Null,
        command,
        findings: output::sensitivity::findings(&study, 5),
        wall_time_seconds: wall,
        threads,
        scenario_file: source.file.clone(),
        study,
    };
    let manifest = output::sensitivity::manifest(&outputs.study, &outputs.common());
    Ok(StudyOutputs {
        manifest,
        ..outputs
    })
}

impl StudyOutputs {
    /// What its manifest records besides the scenario.
    fn common(&self) -> output::ManifestCommon<'_> {
        output::ManifestCommon {
            scenario_file: &self.scenario_file,
            command: &self.command,
            threads: self.threads,
            wall_time_seconds: self.wall_time_seconds,
            throughput: &self.study.throughput,
        }
    }
}

/// Writes a study's files into `out` as `salesim sensitivity --out` does (a folder holding a
/// run's outputs only with `force`), with the tornado chart and `report.html`, whose path it
/// returns.
pub fn write_study(
    out: &Path,
    outputs: &StudyOutputs,
    force: bool,
) -> Result<PathBuf, SalesimError> {
    let origin = out.display().to_string();
    folder::check(out, &origin)?;
    folder::check_contents(out, &origin, folder::Contents::Study, force)?;
    refuse_to_overwrite_stopped_run(&out.join(JOURNAL_FILE))?;
    crate::commands::sensitivity::write_study(out, &origin, &outputs.study, &outputs.common())?;
    Ok(out.join("report.html"))
}

/// Where an export comes from.
#[derive(Debug, Clone)]
pub enum ExportSource {
    /// A CSV file.
    File(PathBuf),
    /// CSV text handed over in memory (a DataFrame written as CSV); messages name it
    /// [`EXPORT_IN_MEMORY`].
    Text(Vec<u8>),
}

/// What `salesim calibrate` finds, in memory.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// What was read and observed, as the terminal shows it.
    pub observed_text: String,
    /// `NAME.moments.csv`.
    pub moments_csv: String,
    /// The fit, the comparison, the findings and `NAME.toml`'s text.
    pub calibrated: Calibrated,
    /// What the fit and the study said on the way, as the terminal shows it.
    pub fit_text: String,
}

/// `salesim calibrate` in memory: reads the export, observes its moments, fits a market named
/// `name` to them, compares aligned with aggressive there and runs the small sensitivity study.
/// `args.opportunities`, `--out` and `--force` are not used. Writes nothing; `stage` is told
/// what is being done.
pub fn calibrate(
    export: &ExportSource,
    name: &str,
    args: &calibrating::Args,
    stage: &dyn Fn(&str),
) -> Result<Calibration, SalesimError> {
    let first_month = calibrating::first_month(args)?;
    stage("reading the export");
    let read = match export {
        ExportSource::File(path) => export::read(path, &args.read_options())?,
        ExportSource::Text(bytes) => export::parse(EXPORT_IN_MEMORY, bytes, &args.read_options())?,
    };
    let observed: Observed = calibrating::observe(
        args,
        read,
        first_month,
        PathBuf::from(format!("{name}.toml")),
        PathBuf::from(format!("{name}.moments.csv")),
    )?;
    let said = std::sync::Mutex::new(String::new());
    let say = |text: &str| {
        if let Some(line) = text.lines().find(|l| !l.trim().is_empty()) {
            stage(line.trim_end_matches('…'));
        }
        if let Ok(mut said) = said.lock() {
            said.push_str(text);
        }
    };
    let calibrated = calibrating::fit_observed(&observed, args, &say)?;
    Ok(Calibration {
        observed_text: calibrating::report(&observed),
        moments_csv: String::from_utf8_lossy(&calibrating::moments_csv(&observed.moments))
            .into_owned(),
        calibrated,
        fit_text: said.into_inner().unwrap_or_default(),
    })
}

/// Writes a calibration's two files as `salesim calibrate --out` does: `scenario` (NAME.toml)
/// and NAME.moments.csv beside it, atomically, never over the export (`export`, when it is a
/// file) nor an existing file unless `force`.
pub fn write_calibration(
    scenario: &Path,
    export: &ExportSource,
    calibration: &Calibration,
    force: bool,
) -> Result<(), SalesimError> {
    let export_path = match export {
        ExportSource::File(path) => path.as_path(),
        ExportSource::Text(_) => Path::new(""),
    };
    let outputs = crate::calibrate::outputs::paths(export_path, Some(scenario), force)?;
    crate::calibrate::outputs::write(
        &outputs,
        calibration.moments_csv.as_bytes(),
        &calibration.calibrated.fit_csv,
        calibration.calibrated.scenario_text.as_bytes(),
    )
}
