//! The commands, top to bottom: scenario → plan → fan-out → outputs → summary.

use crate::cli::{Cli, Command, RunArgs};
use crate::error::{InputError, SalesimError};
use crate::experiment::job::{Job, Options, ScenarioRef};
use crate::experiment::journal::{self, JOURNAL_FILE};
use crate::experiment::sequential::{self, Decision, Stopping, StoppingRule};
use crate::experiment::{self, Execution, JournaledRuns, Plan, RunResult, Slice};
use crate::folder;
use crate::interrupt;
use crate::output::summary::Made;
use crate::output::{self, CsvOutputs, PointSummary, RunInfo};
use crate::scenario::{self, Override, ScenarioSource};
use crate::shown::{for_terminal, shell_command};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Replications per look of `salesim lesson --quick` (which replicates until decided).
pub const QUICK_BATCH: u32 = 20;

/// Precision of `salesim lesson --quick`: level when the interval is within ±1% of the
/// reference's bookings.
pub const QUICK_PRECISION: f64 = 0.01;

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
            "The same market at {} accounts per rep ({} replications each), for the report's \"you are here\" chart...",
            output::book_size::ACCOUNTS_PER_REP
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            output::book_size::REPLICATIONS
        );
    }
    let rows = output::book_size::measure(source, &job.options.overrides()?, threads)?;
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

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), SalesimError> {
    match cli.command {
        None => lesson(false, &RunArgs::default()),
        Some(Command::Lesson { quick, args }) => lesson(quick, &args),
        Some(Command::Run { scenario, args }) => {
            let source = ScenarioSource::read(&scenario)?;
            let job = job(ScenarioRef::File(scenario.display().to_string()), &args);
            if args.until_decided {
                run_until_decided(&source, &job, &args).map(|_| ())
            } else {
                run_scenario(&source, &job, &args).map(|_| ())
            }
        }
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::List { name: None, dir }) => {
            say(&list(&dir));
            Ok(())
        }
        Some(Command::List {
            name: Some(name), ..
        }) => {
            say(scenario::shipped::open(&name)?.text.as_str());
            Ok(())
        }
        Some(Command::Init { name }) => init(&name),
        Some(Command::Report { dir, point }) => report(&dir, point),
        Some(Command::Sensitivity { scenario, args }) => {
            crate::commands::sensitivity::run(&scenario, &args)
        }
        Some(Command::Calibrate(args)) => crate::calibrate::command::run(&args),
        Some(Command::Serve { scenario, args }) => {
            crate::commands::serve::run(scenario.as_deref(), &args)
        }
        Some(Command::Merge { dirs, out, quiet }) => {
            merge(&dirs, out.as_deref(), quiet).map(|_| ())
        }
        Some(Command::CheckModel {
            replications,
            threads,
            only,
            set,
        }) => {
            let options = Options {
                replications,
                seed: None,
                set,
            };
            check_model(
                &options.overrides()?,
                threads.map(usize::from),
                only.as_deref(),
            )
        }
    }
}

/// Prints text for people on stdout, made safe for a terminal ([`crate::shown::print`]).
fn say(text: &str) {
    crate::shown::print(text);
}

/// The job a command line asks for: the scenario, `--replications`, `--seed`, every `--set`
/// and `--shard`.
pub fn job(scenario: ScenarioRef, args: &RunArgs) -> Job {
    Job {
        scenario,
        options: Options {
            replications: args.replications,
            seed: args.seed,
            set: args.set.clone(),
        },
        shard: args.shard,
        deals: args.deals,
    }
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
    /// How `--until-decided` chose the replications.
    pub stopping: Option<Stopping>,
}

/// Runs a scenario's job with the command line's other options (`--out`, `--threads`,
/// `--quiet`, `--resume`) and writes every output (for a `--shard`, the slice's journal and
/// manifest). With `--resume`, continues the run stopped in the folder.
pub fn run_scenario(
    source: &ScenarioSource,
    job: &Job,
    args: &RunArgs,
) -> Result<Finished, SalesimError> {
    let plan = plan_or_stop(source, &job.options.overrides()?)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&plan.base().name));
    let origin = format!("--out {}", out.display());
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(source, &plan, threads)?;
    check_slice(job.slice(), &plan)?;
    folder::check(&out, &origin)?;
    folder::check_contents(&out, &origin, folder::Contents::Run, args.force)?;
    let header = journal::header(&plan, job, &source.text);
    let journal_path = out.join(JOURNAL_FILE);
    let resumed = if args.resume {
        if !journal_path.is_file() {
            return Err(InputError::at(
                &format!("--resume {origin}"),
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
    let _lock = folder::claim(&out, &origin)?;
    let writer = match &resumed {
        Some(contents) => journal::Writer::append_to(&journal_path, contents.valid_len)?,
        None => journal::Writer::create(&journal_path, &header)?,
    };
    let earlier = Known::Journaled(match &resumed {
        Some(contents) => JournaledRuns::of(std::slice::from_ref(contents))?,
        None => JournaledRuns::none(),
    });
    let production = Production {
        plan: &plan,
        out: &out,
        shard: job.shard,
        threads,
        quiet: args.quiet,
        command: job.reproduce_command(&plan),
        resume_command: job.resume_command(&plan, &out),
        scenario_file: source.file.clone(),
        merged_from: Vec::new(),
        // The journal has served its purpose once every output of the whole plan is in place;
        // a slice's journal is its output, for `salesim merge`.
        done_journal: job.shard.is_none().then_some(journal_path.as_path()),
        stopping: None,
        looked: None,
        narrate: job.scenario == ScenarioRef::Lesson,
        deals: job.deals,
    };
    produce(&production, earlier, Some(&writer))
}

/// `run --until-decided`: replications in batches, each look deciding every comparison of
/// bookings with the reference ([`sequential`]), until all are decided or the cap is reached;
/// then the outputs of the replications reached, from the runs already made (nothing is computed
/// twice). The outputs are those of `--replications N` for the N reached, which the reproduce
/// command names. A stop before the end writes nothing.
pub fn run_until_decided(
    source: &ScenarioSource,
    job: &Job,
    args: &RunArgs,
) -> Result<Finished, SalesimError> {
    if !(args.precision > 0.0 && args.precision.is_finite()) {
        return Err(InputError::at(
            &format!("--precision {}", args.precision),
            None,
            None,
            "is not a positive share",
            "a share of the reference's bookings above 0, e.g. 0.01 for ±1%",
        )
        .into());
    }
    let full = plan_or_stop(source, &job.options.overrides()?)?;
    let rule = StoppingRule {
        batch: args.batch,
        cap: full.base().replications,
        precision: args.precision,
    };
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(source, &full, threads)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&full.base().name));
    let origin = format!("--out {}", out.display());
    folder::check(&out, &origin)?;
    folder::check_contents(&out, &origin, folder::Contents::Run, args.force)?;
    let bar = progress_bar(full.total_runs(), args.quiet);
    let started = Instant::now();
    let on_run = |_: &RunResult| {
        bar.inc(1);
        Ok(())
    };
    let looked = replicate_until_decided(
        source,
        job,
        &rule,
        &Looking {
            threads,
            stop: interrupt::stop_flag_saying(interrupt::NOTHING_KEPT),
            on_run: &on_run,
        },
        &mut |_| Ok(()),
    )?;
    let Some(Looked {
        kept,
        looks,
        replications,
        decisions,
        work,
    }) = looked
    else {
        bar.finish_and_clear();
        return Err(SalesimError::Interrupted(
            "stopped before the comparisons were decided; nothing was written".into(),
        ));
    };
    bar.finish_and_clear();
    let decided = with_replications(job, replications);
    let plan = plan_or_stop(source, &decided.options.overrides()?)?;
    let _lock = folder::claim(&out, &origin)?;
    let production = Production {
        plan: &plan,
        out: &out,
        shard: None,
        threads,
        quiet: args.quiet,
        command: decided.reproduce_command(&plan),
        resume_command: decided.reproduce_command(&plan),
        scenario_file: source.file.clone(),
        merged_from: Vec::new(),
        done_journal: None,
        looked: Some((work, started.elapsed().as_secs_f64())),
        narrate: job.scenario == ScenarioRef::Lesson,
        deals: job.deals,
        stopping: Some(Stopping {
            rule,
            method: sequential::METHOD,
            looks,
            replications,
            decided: decisions.iter().all(|(_, _, d)| *d != Decision::Open),
            decisions,
        }),
    };
    produce(&production, Known::Kept(kept), None)
}

/// How [`replicate_until_decided`] runs its looks.
pub struct Looking<'a> {
    /// Worker threads.
    pub threads: usize,
    /// Set to stop: the looks end without a result.
    pub stop: &'a AtomicBool,
    /// Called with each run finished now, from worker threads.
    pub on_run: &'a (dyn Fn(&RunResult) -> Result<(), SalesimError> + Sync),
}

/// One look of [`replicate_until_decided`]: the plan at the replications reached, every point's
/// runs so far, and each comparison's decision.
pub struct Look<'a> {
    /// The job's plan with its replications set to those reached.
    pub plan: &'a Plan,
    /// 1 for the first look.
    pub look: u32,
    /// Every point's runs, replications 0 to those reached (the same runs `salesim run
    /// --replications N` makes).
    pub points: &'a [experiment::PointResult],
    /// Each comparison of bookings with the reference: (point, variant name, decision).
    pub decisions: &'a [(u32, String, Decision)],
}

/// What the looks of [`replicate_until_decided`] leave.
pub struct Looked {
    /// Every run made, by (point, replication, variant).
    pub kept: HashMap<(u32, u32, u32), RunResult>,
    /// Looks taken.
    pub looks: u32,
    /// Replications reached.
    pub replications: u32,
    /// The last look's decisions.
    pub decisions: Vec<(u32, String, Decision)>,
    /// The work of all looks.
    pub work: experiment::Throughput,
}

/// Replications in batches, the rule's schedule, each look deciding every comparison of
/// bookings with the reference ([`sequential`]) and handed to `on_look`, until all are decided
/// or the cap is reached. Nothing is computed twice: each look runs only the new replications.
/// `None` when `how.stop` was set before the end.
pub fn replicate_until_decided(
    source: &ScenarioSource,
    job: &Job,
    rule: &StoppingRule,
    how: &Looking,
    on_look: &mut dyn FnMut(&Look) -> Result<(), SalesimError>,
) -> Result<Option<Looked>, SalesimError> {
    let mut kept: HashMap<(u32, u32, u32), RunResult> = HashMap::new();
    let (mut looks, mut replications, mut decisions) = (0, 0, Vec::new());
    let mut work = experiment::Throughput::default();
    for n in rule.schedule() {
        looks += 1;
        replications = n;
        let overrides = with_replications(job, n).options.overrides()?;
        let Some(plan) = experiment::plan_unless_stopped(source, &overrides, how.stop)? else {
            return Ok(None);
        };
        let execution = Execution {
            threads: Some(how.threads),
            slice: Slice::WHOLE,
            deals: job.deals,
            stop: how.stop,
            on_run: how.on_run,
        };
        let mut points = Vec::new();
        let outcome = experiment::execute_slice(
            &plan,
            &execution,
            &mut |p, r, v| Ok(kept.get(&(p, r, v)).cloned()),
            &mut |_, result| {
                points.push(result);
                Ok(())
            },
        )?;
        if !outcome.complete {
            return Ok(None);
        }
        work += outcome.throughput;
        for run in points.iter().flat_map(|p| &p.runs) {
            kept.insert(
                (run.point, run.replication, run.variant as u32),
                run.clone(),
            );
        }
        decisions = decide_comparisons(&points, rule);
        on_look(&Look {
            plan: &plan,
            look: looks,
            points: &points,
            decisions: &decisions,
        })?;
        if decisions.iter().all(|(_, _, d)| *d != Decision::Open) {
            break;
        }
    }
    Ok(Some(Looked {
        kept,
        looks,
        replications,
        decisions,
        work,
    }))
}

/// The job with its replications set to `n`.
fn with_replications(job: &Job, n: u32) -> Job {
    Job {
        options: Options {
            replications: Some(n),
            ..job.options.clone()
        },
        ..job.clone()
    }
}

/// Each comparison of bookings (every variant against the reference, at every point) as one
/// look of the stopping rule decides it: (point, variant name, decision).
fn decide_comparisons(
    points: &[experiment::PointResult],
    rule: &StoppingRule,
) -> Vec<(u32, String, Decision)> {
    let bookings = crate::metrics::run_metric("bookings");
    let mut out = Vec::new();
    for point in points {
        let cfg = &point.config;
        let of = |v: usize| -> HashMap<u32, f64> {
            point
                .runs
                .iter()
                .filter(|r| r.variant == v)
                .map(|r| (r.replication, r.record.metrics()[bookings]))
                .collect()
        };
        let reference = of(cfg.reference);
        let reference_mean = reference.values().sum::<f64>() / reference.len().max(1) as f64;
        for (v, variant) in cfg.variants.iter().enumerate() {
            if v == cfg.reference {
                continue;
            }
            let mut diffs: Vec<(u32, f64)> = of(v)
                .into_iter()
                .filter_map(|(r, b)| Some((r, b - reference.get(&r)?)))
                .collect();
            diffs.sort_by_key(|(r, _)| *r);
            let diffs: Vec<f64> = diffs.into_iter().map(|(_, d)| d).collect();
            out.push((
                point.point,
                variant.name.clone(),
                rule.decide(&diffs, reference_mean),
            ));
        }
    }
    out
}

/// Runs computed before an execution, which it loads instead of computing again: from journals
/// (`--resume`, `merge`) or kept in memory (`--until-decided`'s earlier looks).
enum Known {
    Journaled(JournaledRuns),
    Kept(HashMap<(u32, u32, u32), RunResult>),
}

impl Known {
    fn len(&self) -> u64 {
        match self {
            Known::Journaled(runs) => runs.len(),
            Known::Kept(runs) => runs.len() as u64,
        }
    }

    fn load(
        &mut self,
        point: u32,
        replication: u32,
        variant: u32,
    ) -> Result<Option<RunResult>, SalesimError> {
        match self {
            Known::Journaled(runs) => runs.load(point, replication, variant),
            Known::Kept(runs) => Ok(runs.remove(&(point, replication, variant))),
        }
    }
}

/// Plans, giving up with [`SalesimError::Interrupted`] (nothing written) if Ctrl-C or SIGTERM
/// comes first; from here on the signals stop the command cleanly.
fn plan_or_stop(source: &ScenarioSource, overrides: &[Override]) -> Result<Plan, SalesimError> {
    experiment::plan_unless_stopped(source, overrides, interrupt::stop_flag())?.ok_or_else(|| {
        SalesimError::Interrupted("stopped while planning, before anything was written".into())
    })
}

/// Refuses a `--shard K/N` with more slices than the plan has runs.
fn check_slice(slice: Slice, plan: &Plan) -> Result<(), InputError> {
    let total = plan.total_runs();
    if u64::from(slice.count) <= total {
        return Ok(());
    }
    Err(InputError::at(
        &format!("--shard {slice}"),
        None,
        None,
        &format!("asks for {} slices of a plan of {total} runs", slice.count),
        &format!("K/N with N from 1 to {total} (the plan's points × replications × variants)"),
    ))
}

/// A fresh run must not silently throw away the finished runs of one that was stopped: the
/// user continues it with `--resume`, or deletes its journal to start over.
pub(crate) fn refuse_to_overwrite_stopped_run(journal_path: &Path) -> Result<(), InputError> {
    if !journal_path.is_file() {
        return Ok(());
    }
    let held = match journal::read(journal_path) {
        Ok(c) => format!(
            "holds the journal of a {} run of `{}` ({} runs finished)",
            match c.header.job.shard {
                None => "stopped".to_string(),
                Some(slice) => format!("slice {slice}"),
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
struct Production<'a> {
    plan: &'a Plan,
    out: &'a Path,
    /// The slice of a `--shard` run (its folder gets the journal and manifest only); None: the
    /// whole plan, with every output.
    shard: Option<Slice>,
    threads: usize,
    quiet: bool,
    command: String,
    /// What to type to continue the job if it is stopped.
    resume_command: String,
    scenario_file: String,
    merged_from: Vec<String>,
    /// A journal to remove once the outputs are in place and complete.
    done_journal: Option<&'a Path>,
    /// How `--until-decided` chose the replications.
    stopping: Option<Stopping>,
    /// The work of `--until-decided`'s looks, done before this production (which only loads
    /// their runs): their throughput and wall time.
    looked: Option<(experiment::Throughput, f64)>,
    /// Write the lesson's narrative (`lesson.md`) beside the outputs, for the report.
    narrate: bool,
    /// `--deals`: keep every run's deal records and write `deals.csv`.
    deals: bool,
}

/// Runs what `earlier` lacks of the job's slice, journaling each new run, and writes the
/// outputs: for the whole plan the CSVs, manifest, charts and report; for a slice its manifest.
/// Stopped by a signal, it keeps the finished points' CSVs, marks the manifest incomplete and
/// returns [`SalesimError::Interrupted`] with the command that resumes. The caller holds the
/// output folder's lock.
fn produce(
    job: &Production,
    mut earlier: Known,
    journal: Option<&journal::Writer>,
) -> Result<Finished, SalesimError> {
    let plan = job.plan;
    let slice = job.shard.unwrap_or(Slice::WHOLE);
    let slice_runs = slice.runs_of(plan.total_runs());
    let bar = progress_bar(slice_runs, job.quiet);
    bar.set_position(earlier.len());
    // Until this job writes its own manifest, no manifest, report or charts from an earlier run
    // may sit beside outputs being replaced: a stop or crash in between must not leave a folder
    // that looks complete.
    folder::clear_stale(job.out)?;
    let started = Instant::now();
    let mut csv = match job.shard {
        None => Some(CsvOutputs::create(job.out, plan, job.deals)?),
        Some(_) => None,
    };
    let on_run = |r: &RunResult| {
        if let Some(journal) = journal {
            journal.append(&journal::Entry {
                point: r.point,
                replication: r.replication,
                variant: r.variant as u32,
                seed: r.seed,
                record: r.record.clone(),
                deals: r.deals.clone(),
            })?;
        }
        bar.inc(1);
        Ok(())
    };
    let how = Execution {
        threads: Some(job.threads),
        slice,
        deals: job.deals,
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
    let mut wall = started.elapsed().as_secs_f64();
    let mut outcome = outcome;
    if let Some((work, looking)) = job.looked {
        // The runs were computed by the looks: count their work as this run's.
        outcome.throughput += work;
        outcome.computed_runs = work.runs;
        wall += looking;
    }
    let info = RunInfo {
        command: job.command.clone(),
        scenario_file: job.scenario_file.clone(),
        threads: job.threads,
        wall_time_seconds: wall,
        throughput: outcome.throughput,
        complete: outcome.complete,
        shard: job.shard,
        finished_runs: outcome.finished_runs,
        computed_runs: outcome.computed_runs,
        merged_from: job.merged_from.clone(),
        stopping: job.stopping.clone(),
        deals: job.deals,
    };
    let manifest = serde_json::to_string_pretty(&output::manifest(plan, &info))
        .expect("manifest is plain JSON");
    let manifest_path = job.out.join("manifest.json");
    let write_manifest = || write_file(&manifest_path, manifest.as_bytes());
    let commit = |csv: Option<CsvOutputs>| csv.map_or(Ok(Vec::new()), CsvOutputs::commit);
    // Putting the files in place is not cut short by a second Ctrl-C.
    let summaries: Vec<PointSummary> = interrupt::finishing(|| {
        if !outcome.complete {
            // The manifest first: the CSVs about to be put in place are not final.
            write_manifest()?;
            return commit(csv);
        }
        let summaries = commit(csv)?;
        write_manifest()?;
        if let Some(path) = job.done_journal {
            std::fs::remove_file(path)
                .map_err(|e| SalesimError::io(format!("removing {}", path.display()), e))?;
        }
        Ok::<_, SalesimError>(summaries)
    })?;
    if !outcome.complete {
        return Err(SalesimError::Interrupted(format!(
            "{} of {} runs finished and are kept in {}; manifest.json says \"complete\": false. Continue with: {}",
            outcome.finished_runs,
            outcome.slice_runs,
            job.out.join(JOURNAL_FILE).display(),
            job.resume_command
        )));
    }
    let text = if job.shard.is_none() {
        if job.narrate {
            if let Some(f) = summaries
                .first()
                .and_then(|ps| output::lesson::Facts::of(plan, ps, job.stopping.as_ref()))
            {
                let md = output::lesson::markdown(plan, &f, job.stopping.as_ref());
                write_file(&job.out.join(output::lesson::LESSON_FILE), md.as_bytes())?;
            }
        }
        crate::report::build(job.out).map_err(|e| {
            SalesimError::Report(format!(
                "{e}. The runs finished: the CSVs and manifest.json in {} are complete. Once the cause is fixed (a full disk?), build the charts and report with: {}",
                job.out.display(),
                shell_command(&["salesim".to_string(), "report".to_string(), job.out.display().to_string()])
            ))
        })?;
        let made = match job.merged_from.len() {
            0 => Made::Ran {
                wall,
                threads: job.threads,
            },
            slices => Made::Merged { wall, slices },
        };
        output::summary::render(plan, &summaries, &outcome.throughput, made, job.out)
    } else {
        format!(
            "slice {}: {} runs in {}. When all {} slices have finished: salesim merge DIR... (every slice folder)\n",
            slice,
            outcome.finished_runs,
            job.out.join(JOURNAL_FILE).display(),
            slice.count
        )
    };
    if !job.quiet {
        say(&text);
    }
    Ok(Finished {
        out: job.out.to_path_buf(),
        plan: plan.clone(),
        summaries,
        text,
        stopping: job.stopping.clone(),
    })
}

/// Writes a whole file atomically ([`crate::fsafe::write`]).
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SalesimError> {
    crate::fsafe::write(path, bytes)
        .map_err(|e| SalesimError::io(format!("writing {}", path.display()), e))
}

/// Most missing slices a merge names; the rest are counted.
const MISSING_SLICES_SHOWN: usize = 10;

/// `salesim merge`: checks that the slice folders belong together and cover the plan, then
/// writes the files one unsharded run writes, from their journals (nothing is recomputed).
/// Memory is bounded by the plan and the folders given, whatever N a journal claims.
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
        let contents = journal::read(&path)?;
        if contents.header.job.shard.is_none() {
            return Err(InputError::file(
                &dir.display().to_string(),
                "holds the journal of a stopped run without --shard, not a slice",
                "slice folders written by `salesim run SCENARIO --shard K/N --out DIR` (a stopped run continues with `salesim run ... --resume`)",
            )
            .into());
        }
        slices.push(contents);
    }
    let first = slices[0].header.clone();
    let source = ScenarioSource::parse(first.job.scenario.label(), &first.scenario_text)?;
    let whole = Job {
        shard: None,
        ..first.job.clone()
    };
    let plan = plan_or_stop(&source, &whole.options.overrides()?)?;
    let count = first.job.slice().count;
    if u64::from(count) > plan.total_runs() {
        return Err(InputError::file(
            &dirs[0].display().to_string(),
            &format!(
                "holds slice {} of a plan of {} runs",
                first.job.slice(),
                plan.total_runs()
            ),
            "slice folders written by `salesim run SCENARIO --shard K/N` (N at most the plan's runs)",
        )
        .into());
    }
    let mut folder_of: std::collections::BTreeMap<u32, &Path> = Default::default();
    for (contents, dir) in slices.iter().zip(dirs) {
        let slice = contents.header.job.slice();
        let expected = Job {
            shard: Some(slice),
            ..whole.clone()
        };
        journal::check_matches(
            contents,
            &journal::header(&plan, &expected, &source.text),
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
        if let Some(other) = folder_of.insert(slice.index, dir) {
            return Err(InputError::file(
                &name,
                &format!("is slice {slice}, and so is {}", other.display()),
                "each slice once",
            )
            .into());
        }
    }
    let missing = count as usize - folder_of.len();
    if missing > 0 {
        let shown: Vec<String> = (1..=count)
            .filter(|k| !folder_of.contains_key(k))
            .take(MISSING_SLICES_SHOWN)
            .map(|k| format!("{k}/{count}"))
            .collect();
        let more = match missing - shown.len() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        return Err(InputError::file(
            &dirs[0].display().to_string(),
            &format!("missing slice(s): {}{more}", shown.join(", ")),
            &format!("all {count} slice folders of the job array"),
        )
        .into());
    }
    let runs = JournaledRuns::of(&slices)?;
    for (point, planned) in plan.runs() {
        for run in planned {
            if runs.contains(point, run.replication, run.variant) {
                continue;
            }
            let slice = Slice::of_run(run.index, count);
            return Err(InputError::file(
                &folder_of[&slice.index].display().to_string(),
                &format!(
                    "slice {slice} has not finished (point {point}, replication {}, variant {} is missing)",
                    run.replication, run.variant
                ),
                "finished slices: rerun the slice's command with --resume",
            )
            .into());
        }
    }
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&plan.base().name));
    let origin = format!("--out {}", out.display());
    folder::check(&out, &origin)?;
    let _lock = folder::claim(&out, &origin)?;
    let mut again = vec!["salesim".to_string(), "merge".to_string()];
    again.extend(dirs.iter().map(|d| d.display().to_string()));
    again.extend(["--out".to_string(), out.display().to_string()]);
    let production = Production {
        plan: &plan,
        out: &out,
        shard: None,
        threads: 1,
        quiet,
        command: whole.reproduce_command(&plan),
        resume_command: shell_command(&again),
        scenario_file: source.file.clone(),
        merged_from: dirs.iter().map(|d| d.display().to_string()).collect(),
        done_journal: None,
        stopping: None,
        looked: None,
        narrate: whole.scenario == ScenarioRef::Lesson,
        deals: whole.deals,
    };
    produce(&production, Known::Journaled(runs), None)
}

/// A progress bar on a terminal; hidden when quiet or not a terminal.
pub(crate) fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
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
    let job = job(ScenarioRef::Lesson, &args);
    let finished = if args.until_decided {
        run_until_decided(&source, &job, &args)?
    } else {
        run_scenario(&source, &job, &args)?
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

/// The scenarios built into salesim, then the scenario files of `dir` that are not copies of
/// them, each with its question.
pub fn list(dir: &Path) -> String {
    use scenario::shipped::{self, SHIPPED};
    let mut s = String::from(
        "Scenarios built into salesim: run one with `salesim run builtin:NAME`; `salesim list \
         NAME` prints its file,\nto copy and edit; `salesim lesson` runs the lesson and tells its \
         story.\n\n",
    );
    for built in SHIPPED {
        let source = shipped::open(built.name).expect("built-in scenarios parse");
        s.push_str(&format!(
            "{:<36} {}\n",
            source.file, source.scenario.question
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter(|p| {
                    let text = std::fs::read_to_string(p).unwrap_or_default();
                    !SHIPPED.iter().any(|b| b.text == text)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if !files.is_empty() {
        s.push_str(&format!("\nScenario files in {}:\n", dir.display()));
    }
    for f in files {
        let line = match ScenarioSource::read(&f) {
            Ok(src) => format!("{:<36} {}", f.display(), src.scenario.question),
            Err(e) => format!("{:<36} (invalid: {e})", f.display()),
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
    let exists = || -> SalesimError {
        InputError::at(
            &path.display().to_string(),
            None,
            None,
            "already exists",
            "a name whose .toml file does not exist yet",
        )
        .into()
    };
    // Not even a link to nowhere is replaced.
    if path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    match crate::fsafe::write_new(&path, scenario::template(name).as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(exists()),
        written => {
            written.map_err(|e| SalesimError::io(format!("writing {}", path.display()), e))?
        }
    }
    let file = path.display().to_string();
    say(&format!(
        "wrote {file} — edit it, then: {}\n",
        shell_command(&["salesim", "run", &file])
    ));
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

/// Rebuilds charts and report from a finished output folder (holding its lock meanwhile).
fn report(dir: &Path, point: Option<u32>) -> Result<(), SalesimError> {
    let origin = dir.display().to_string();
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
    folder::check(dir, &origin)?;
    let _lock = folder::claim(dir, &origin)?;
    let outcome = crate::report::build_at(dir, point).map_err(|e| match e {
        crate::report::ReportError::NoSuchPoint { .. } => InputError::at(
            &format!("--point {}", point.unwrap_or(0)),
            None,
            None,
            &e.to_string(),
            "a sweep point of this run (see manifest.json, sweep.points)",
        )
        .into(),
        e => SalesimError::Report(e.to_string()),
    })?;
    say(&format!(
        "wrote {} chart files and {}\n",
        outcome.charts.len(),
        outcome.report.display()
    ));
    Ok(())
}
