//! The commands, top to bottom: scenario → plan → fan-out → outputs → summary.

use crate::cli::{Cli, Command, RunArgs};
use crate::error::{InputError, SalesimError};
use crate::experiment::journal::{self, JOURNAL_FILE};
use crate::experiment::{self, Execution, JournaledRuns, Plan, RunResult, Slice};
use crate::interrupt;
use crate::output::{self, CsvOutputs, RunInfo};
use crate::scenario::{self, Override, ScenarioSource};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Replications of `salesim lesson --quick`.
pub const QUICK_REPLICATIONS: u32 = 40;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), SalesimError> {
    match cli.command {
        None => lesson(false, &RunArgs::default()),
        Some(Command::Lesson { quick, args }) => lesson(quick, &args),
        Some(Command::Run { scenario, args }) => {
            let source = ScenarioSource::read(&scenario)?;
            run_scenario(&source, &args).map(|_| ())
        }
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::List { dir }) => {
            print!("{}", list(&dir));
            Ok(())
        }
        Some(Command::Init { name }) => init(&name),
        Some(Command::Report { dir }) => report(&dir),
        Some(Command::Merge { dirs, out, quiet }) => {
            merge(&dirs, out.as_deref(), quiet).map(|_| ())
        }
        Some(Command::CheckModel {
            replications,
            threads,
            only,
            set,
        }) => {
            let args = RunArgs {
                replications,
                set,
                ..RunArgs::default()
            };
            check_model(
                &overrides(&args)?,
                threads.map(usize::from),
                only.as_deref(),
            )
        }
    }
}

/// The overrides a command line asks for: `--replications`, `--seed`, then each `--set`.
pub fn overrides(args: &RunArgs) -> Result<Vec<Override>, InputError> {
    let mut out = Vec::new();
    if let Some(r) = args.replications {
        out.push(Override {
            path: "replications".into(),
            value: toml::Value::Integer(r as i64),
            origin: format!("--replications {r}"),
        });
    }
    if let Some(s) = args.seed {
        // TOML integers are i64; larger seeds are refused with a clear message.
        let value = i64::try_from(s).map_err(|_| {
            InputError::at(
                &format!("--seed {s}"),
                None,
                Some("seed"),
                "is too large",
                "a seed from 0 to 9223372036854775807",
            )
        })?;
        out.push(Override {
            path: "seed".into(),
            value: toml::Value::Integer(value),
            origin: format!("--seed {s}"),
        });
    }
    for s in &args.set {
        out.push(Override::parse(s)?);
    }
    Ok(out)
}

/// What a finished run leaves behind.
#[derive(Debug)]
pub struct Finished {
    /// Output folder.
    pub out: PathBuf,
    /// The plan that ran.
    pub plan: Plan,
    /// Per-point summaries.
    pub summaries: Vec<output::PointSummary>,
    /// Terminal summary text.
    pub text: String,
}

/// Runs a scenario with command-line options and writes every output (for a `--shard`, the
/// slice's journal and manifest). With `--resume`, continues the run stopped in the folder.
pub fn run_scenario(source: &ScenarioSource, args: &RunArgs) -> Result<Finished, SalesimError> {
    let overrides = overrides(args)?;
    let plan = experiment::plan(source, &overrides)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&plan.base().name));
    check_output_folder(&out)?;
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(source, &plan, threads)?;
    let slice = args.shard.unwrap_or(Slice::WHOLE);
    let header = journal::header(&plan, source, args, slice);
    let journal_path = out.join(JOURNAL_FILE);
    let resumed = if args.resume {
        if !journal_path.is_file() {
            return Err(InputError::at(
                &format!("--resume --out {}", out.display()),
                None,
                None,
                "there is no stopped run to resume in this folder (no journal.bin)",
                "the --out folder of a run that was stopped before it finished",
            )
            .into());
        }
        let contents = journal::read(&journal_path)?;
        journal::check_matches(
            &contents,
            &header,
            "the scenario, options and --shard of the stopped run (another --out, or deleting journal.bin, starts over)",
        )?;
        Some(contents)
    } else {
        refuse_to_overwrite_stopped_run(&journal_path)?;
        None
    };
    std::fs::create_dir_all(&out)
        .map_err(|e| SalesimError::io(format!("creating {}", out.display()), e))?;
    let writer = match &resumed {
        Some(contents) => journal::Writer::append_to(&journal_path, contents.valid_len)?,
        None => journal::Writer::create(&journal_path, &header)?,
    };
    let earlier = match &resumed {
        Some(contents) => JournaledRuns::of(std::slice::from_ref(contents))?,
        None => JournaledRuns::none(),
    };
    let mut command = reproduce_command(source, &plan, args);
    if !slice.is_whole() {
        command.push_str(&format!(" --shard {slice}"));
    }
    let resume_command = if source.file.starts_with('<') {
        // The built-in lesson: resumed by the command that ran it.
        let mut cmd = "salesim lesson".to_string();
        if let Some(r) = args.replications {
            cmd.push_str(&format!(" --replications {r}"));
        }
        if let Some(s) = args.seed {
            cmd.push_str(&format!(" --seed {s}"));
        }
        push_sets(&mut cmd, args);
        if !slice.is_whole() {
            cmd.push_str(&format!(" --shard {slice}"));
        }
        format!("{cmd} --resume --out {}", out.display())
    } else {
        format!("{command} --resume --out {}", out.display())
    };
    let job = Job {
        plan: &plan,
        out: &out,
        slice,
        threads,
        quiet: args.quiet,
        resume_command,
        command,
        scenario_file: source.file.clone(),
        merged_from: Vec::new(),
    };
    let finished = produce(&job, earlier, Some(&writer))?;
    if slice.is_whole() {
        // Every output is in place: the journal has served its purpose.
        std::fs::remove_file(&journal_path)
            .map_err(|e| SalesimError::io(format!("removing {}", journal_path.display()), e))?;
    }
    Ok(finished)
}

/// Refuses an `--out` path that exists and is not a folder.
fn check_output_folder(out: &Path) -> Result<(), InputError> {
    if out.exists() && !out.is_dir() {
        return Err(InputError::at(
            &format!("--out {}", out.display()),
            None,
            None,
            "exists and is not a folder",
            "a folder path",
        ));
    }
    Ok(())
}

/// A fresh run must not silently throw away the finished runs of one that was stopped: the
/// user continues it with `--resume`, or deletes its journal to start over.
fn refuse_to_overwrite_stopped_run(journal_path: &Path) -> Result<(), InputError> {
    if !journal_path.is_file() {
        return Ok(());
    }
    let held = match journal::read(journal_path) {
        Ok(c) => format!(
            "holds the journal of a {} run of `{}` ({} runs finished)",
            if c.header.slice.is_whole() {
                "stopped".to_string()
            } else {
                format!("slice {}", c.header.slice)
            },
            c.header.scenario_name,
            c.entries.len()
        ),
        Err(_) => "holds a journal salesim cannot read".to_string(),
    };
    Err(InputError::file(
        &journal_path.display().to_string(),
        &held,
        "--resume to continue it, or another --out (or deleting journal.bin) to start over",
    ))
}

/// One execution's output: where, what, how.
struct Job<'a> {
    plan: &'a Plan,
    out: &'a Path,
    slice: Slice,
    threads: usize,
    quiet: bool,
    command: String,
    /// What to type to continue the job if it is stopped.
    resume_command: String,
    scenario_file: String,
    merged_from: Vec<String>,
}

/// Runs what `earlier` lacks of the job's slice, journaling each new run, and writes the
/// outputs: for the whole plan the CSVs, manifest, charts and report; for a slice its manifest.
/// Stopped by a signal, it keeps the finished points' CSVs, marks the manifest incomplete and
/// returns [`SalesimError::Interrupted`] with the command that resumes.
fn produce(
    job: &Job,
    mut earlier: JournaledRuns,
    journal: Option<&journal::Writer>,
) -> Result<Finished, SalesimError> {
    let plan = job.plan;
    let slice_runs = job.slice.runs_of(plan.total_runs());
    let bar = progress_bar(slice_runs, job.quiet);
    bar.set_position(earlier.len());
    // Until this job writes its own manifest, no manifest, report or charts from an earlier run
    // may sit beside outputs being replaced: a stop or crash in between must not leave a folder
    // that looks complete.
    for stale in ["manifest.json", "report.html", "charts"] {
        let path = job.out.join(stale);
        let removed = match path.is_dir() {
            true => std::fs::remove_dir_all(&path),
            false if path.exists() => std::fs::remove_file(&path),
            false => Ok(()),
        };
        removed.map_err(|e| SalesimError::io(format!("removing {}", path.display()), e))?;
    }
    let started = Instant::now();
    let mut csv = match job.slice.is_whole() {
        true => Some(CsvOutputs::create(job.out, plan)?),
        false => None,
    };
    let on_run = |r: &RunResult| {
        if let Some(journal) = journal {
            journal.append(&journal::Entry {
                point: r.point,
                replication: r.replication,
                variant: r.variant as u32,
                seed: r.seed,
                record: r.record.clone(),
            })?;
        }
        bar.inc(1);
        Ok(())
    };
    let how = Execution {
        threads: Some(job.threads),
        slice: job.slice,
        stop: interrupt::stop_flag(),
        on_run: &on_run,
    };
    let outcome = experiment::execute_slice(
        plan,
        &how,
        &mut |p, r, v| earlier.load(p, r, v),
        &mut |point, result| match &mut csv {
            Some(csv) => csv.write_point(point, &result),
            None => Ok(()),
        },
    )?;
    bar.finish_and_clear();
    if let Some(journal) = journal {
        journal.sync()?;
    }
    let wall = started.elapsed().as_secs_f64();
    let summaries = match csv {
        Some(csv) => csv.commit()?,
        None => Vec::new(),
    };
    let info = RunInfo {
        command: job.command.clone(),
        scenario_file: job.scenario_file.clone(),
        threads: job.threads,
        wall_time_seconds: wall,
        throughput: outcome.throughput,
        complete: outcome.complete,
        slice: job.slice,
        finished_runs: outcome.finished_runs,
        computed_runs: outcome.computed_runs,
        merged_from: job.merged_from.clone(),
    };
    let manifest = serde_json::to_string_pretty(&output::manifest(plan, &info))
        .expect("manifest is plain JSON");
    output::write_atomic(&job.out.join("manifest.json"), manifest.as_bytes())?;
    if !outcome.complete {
        return Err(SalesimError::Interrupted(format!(
            "{} of {} runs finished and are kept in {}; manifest.json says \"complete\": false. Continue with: {}",
            outcome.finished_runs,
            outcome.slice_runs,
            job.out.join(JOURNAL_FILE).display(),
            job.resume_command
        )));
    }
    let text = if job.slice.is_whole() {
        crate::report::build(job.out).map_err(|e| SalesimError::Report(e.to_string()))?;
        output::summary::render(
            plan,
            &summaries,
            &outcome.throughput,
            wall,
            job.threads,
            job.out,
        )
    } else {
        format!(
            "slice {}: {} runs in {}. When all {} slices have finished: salesim merge DIR... (every slice folder)\n",
            job.slice,
            outcome.finished_runs,
            job.out.join(JOURNAL_FILE).display(),
            job.slice.count
        )
    };
    if !job.quiet {
        print!("{text}");
    }
    Ok(Finished {
        out: job.out.to_path_buf(),
        plan: plan.clone(),
        summaries,
        text,
    })
}

/// `salesim merge`: checks that the slice folders belong together and cover the plan, then
/// writes the files one unsharded run writes, from their journals (nothing is recomputed).
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, quiet: bool) -> Result<Finished, SalesimError> {
    let mut slices = Vec::new();
    for dir in dirs {
        let path = dir.join(JOURNAL_FILE);
        if !path.is_file() {
            return Err(InputError::file(
                &dir.display().to_string(),
                "has no journal.bin",
                "slice folders written by `salesim run SCENARIO --shard K/N --out DIR`",
            )
            .into());
        }
        slices.push(journal::read(&path)?);
    }
    let first = slices[0].header.clone();
    let source = ScenarioSource::parse(&first.scenario_file, &first.scenario_text)?;
    let args = RunArgs {
        replications: first.replications,
        seed: first.seed,
        set: first.set.clone(),
        ..RunArgs::default()
    };
    let plan = experiment::plan(&source, &overrides(&args)?)?;
    let count = first.slice.count;
    let mut folder_of: Vec<Option<&Path>> = vec![None; count as usize];
    for (contents, dir) in slices.iter().zip(dirs) {
        let slice = contents.header.slice;
        journal::check_matches(
            contents,
            &journal::header(&plan, &source, &args, slice),
            "slice folders of one job array: the same scenario, options, seed and salesim version",
        )?;
        let name = dir.display().to_string();
        if slice.count != count {
            return Err(InputError::file(
                &name,
                &format!(
                    "is slice {slice}, but {} is a slice of {count}",
                    dirs[0].display()
                ),
                "the slices of one job array, all with the same N",
            )
            .into());
        }
        if let Some(other) = folder_of[slice.index as usize - 1].replace(dir) {
            return Err(InputError::file(
                &name,
                &format!("is slice {slice}, and so is {}", other.display()),
                "each slice once",
            )
            .into());
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| folder_of[*k as usize - 1].is_none())
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(InputError::file(
            &dirs[0].display().to_string(),
            &format!("missing slice(s): {}", missing.join(", ")),
            &format!("all {count} slice folders of the job array"),
        )
        .into());
    }
    let runs = JournaledRuns::of(&slices)?;
    for (point, planned) in plan.runs() {
        for run in planned {
            if runs.contains(point.index, run.replication, run.variant) {
                continue;
            }
            let slice = Slice::of_run(run.index, count);
            return Err(InputError::file(
                &folder_of[slice.index as usize - 1]
                    .expect("checked above")
                    .display()
                    .to_string(),
                &format!(
                    "slice {slice} has not finished (point {}, replication {}, variant {} is missing)",
                    point.index, run.replication, run.variant
                ),
                "finished slices: rerun the slice's command with --resume",
            )
            .into());
        }
    }
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&plan.base().name));
    check_output_folder(&out)?;
    std::fs::create_dir_all(&out)
        .map_err(|e| SalesimError::io(format!("creating {}", out.display()), e))?;
    let job = Job {
        plan: &plan,
        out: &out,
        slice: Slice::WHOLE,
        threads: 1,
        quiet,
        command: reproduce_command(&source, &plan, &args),
        resume_command: format!(
            "salesim merge {} --out {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            out.display()
        ),
        scenario_file: source.file.clone(),
        merged_from: dirs.iter().map(|d| d.display().to_string()).collect(),
    };
    produce(&job, runs, None)
}

/// The command that reproduces a run: the file, its seed and replications, and every `--set`.
fn reproduce_command(source: &ScenarioSource, plan: &Plan, args: &RunArgs) -> String {
    let cfg = plan.base();
    let file = if source.file.starts_with('<') {
        "scenarios/lesson.toml".to_string()
    } else {
        source.file.clone()
    };
    let mut cmd = format!(
        "salesim run {file} --seed {} --replications {}",
        cfg.seed, cfg.replications
    );
    push_sets(&mut cmd, args);
    cmd
}

/// Appends the run's `--set` options, quoted for a shell, to a command line.
fn push_sets(cmd: &mut String, args: &RunArgs) {
    for s in &args.set {
        cmd.push_str(&format!(" --set '{s}'"));
    }
}

/// A progress bar on a terminal; hidden when quiet or not a terminal.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {wide_bar} {pos}/{len} runs, {elapsed} (eta {eta})",
        )
        .expect("valid template"),
    );
    bar
}

/// The built-in lesson: run it and narrate.
fn lesson(quick: bool, args: &RunArgs) -> Result<(), SalesimError> {
    let source = ScenarioSource::parse("<built-in lesson>", scenario::LESSON)?;
    let mut args = args.clone();
    if quick && args.replications.is_none() {
        args.replications = Some(QUICK_REPLICATIONS);
    }
    let finished = run_scenario(&source, &args)?;
    if !args.quiet {
        if let Some(ps) = finished.summaries.first() {
            print!(
                "{}",
                output::lesson::narrate(&finished.plan, ps, &finished.out.join("report.html"))
            );
        }
    }
    Ok(())
}

/// Validates files; prints one line per file; the first error is returned (exit 2).
fn validate(files: &[PathBuf]) -> Result<(), SalesimError> {
    let mut first_error = None;
    for f in files {
        let checked = ScenarioSource::read(f).and_then(|s| {
            let plan = experiment::plan(&s, &[])?;
            experiment::check_memory(&s, &plan, rayon::current_num_threads())?;
            Ok((s, plan))
        });
        match checked {
            Ok((_, plan)) => println!(
                "{}: ok ({} point(s), {} runs)",
                f.display(),
                plan.points.len(),
                plan.total_runs()
            ),
            Err(e) => {
                if first_error.is_some() {
                    eprintln!("salesim: error: {e}");
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

/// The built-in and shipped scenarios with their questions.
pub fn list(dir: &Path) -> String {
    let mut s = String::new();
    let lesson = ScenarioSource::parse("<built-in lesson>", scenario::LESSON)
        .expect("built-in lesson parses");
    s.push_str(&format!(
        "{:<32} {}\n",
        "lesson (built-in)", lesson.scenario.question
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for f in files {
        let line = match ScenarioSource::read(&f) {
            Ok(src) => format!("{:<32} {}", f.display(), src.scenario.question),
            Err(e) => format!("{:<32} (invalid: {e})", f.display()),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Writes `NAME.toml` from the commented template.
fn init(name: &str) -> Result<(), SalesimError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(InputError::at(
            "init",
            None,
            Some("NAME"),
            &format!("`{name}` is not a valid scenario name"),
            "1–64 letters, digits, '-' or '_'",
        )
        .into());
    }
    let path = PathBuf::from(format!("{name}.toml"));
    if path.exists() {
        return Err(InputError::at(
            &path.display().to_string(),
            None,
            None,
            "already exists",
            "a name whose .toml file does not exist yet",
        )
        .into());
    }
    output::write_atomic(&path, scenario::template(name).as_bytes())?;
    println!(
        "wrote {} — edit it, then: salesim run {}",
        path.display(),
        path.display()
    );
    Ok(())
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
                "is not a check",
                &names.join(", "),
            )
            .into());
        }
    }
    let rows = crate::validation::run_suite(overrides, threads, only)?;
    print!("{}", crate::validation::render(&rows));
    match rows.iter().filter(|r| !r.verdict.pass).count() {
        0 => Ok(()),
        failed => Err(SalesimError::ModelCheck(failed)),
    }
}

/// Rebuilds charts and report from a finished output folder.
fn report(dir: &Path) -> Result<(), SalesimError> {
    if !dir.join("manifest.json").is_file() {
        return Err(InputError::at(
            &dir.display().to_string(),
            None,
            None,
            "has no manifest.json",
            "a finished salesim output folder",
        )
        .into());
    }
    let unfinished = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|m| m["complete"] == false);
    if unfinished {
        return Err(InputError::at(
            &dir.join("manifest.json").display().to_string(),
            None,
            Some("complete"),
            "is false: this run was stopped before it finished",
            "a finished output folder (continue the run with `salesim run ... --resume` first)",
        )
        .into());
    }
    let outcome = crate::report::build(dir).map_err(|e| SalesimError::Report(e.to_string()))?;
    println!(
        "wrote {} chart files and {}",
        outcome.charts.len(),
        outcome.report.display()
    );
    Ok(())
}
