//! The steps the commands that run simulations share, in one place: plan the scenario, check
//! the output folder, fan the runs out (journaling each, so a stopped run resumes), write the
//! CSVs and manifest, the lesson's narrative, the charts and report, and the terminal summary.
//! `run`, `lesson` and `merge` call it; they differ only in where the runs come from (computed
//! now, kept from `--until-decided`'s looks, or read from slice journals).

use crate::error::{InputError, SalesimError};
use crate::experiment::job::{Job, ScenarioRef};
use crate::experiment::journal::{self, refuse_to_overwrite_stopped_run, JOURNAL_FILE};
use crate::experiment::looks::{replicate_until_decided, with_replications, Looked, Looking};
use crate::experiment::sequential::{self, Decision, Stopping, StoppingRule};
use crate::experiment::{self, Execution, JournaledRuns, Plan, RunResult, Slice};
use crate::folder;
use crate::fsafe::write_file;
use crate::interrupt;
use crate::output::progress::progress_bar;
use crate::output::summary::Made;
use crate::output::{self, CsvOutputs, PointSummary, RunInfo};
use crate::scenario::{Override, ScenarioSource};
use crate::shown::{print as say, shell_command};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How a run is carried out, beside its job: the command line's `--out`, `--threads`,
/// `--quiet`, `--resume` and `--until-decided`'s `--batch` and `--precision`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Output folder (default: output/<scenario name>/).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<u16>,
    /// No progress bar and no summary on the terminal.
    pub quiet: bool,
    /// Continue the run stopped in the output folder.
    pub resume: bool,
    /// Write into a folder that holds a sensitivity study's outputs, replacing them.
    pub force: bool,
    /// `--until-decided`: replications added per look.
    pub batch: u32,
    /// `--until-decided`: the share of the reference's bookings within which a comparison is
    /// level.
    pub precision: f64,
    /// `--trace R`: also write `trace.csv`, the day-by-day trace of replication R of every
    /// variant ([`output::trace`]).
    pub trace: Option<u32>,
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
    args: &RunOptions,
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
    if let Some(r) = args.trace {
        output::trace::check_replication(&plan, r)?;
    }
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
        trace: args.trace,
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
    args: &RunOptions,
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
        trace: None,
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
    /// `--trace R`: write `trace.csv` for replication R.
    trace: Option<u32>,
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
    // The trace runs again from the seeds, once every run is in: put in place with the CSVs.
    let trace = match (job.trace, job.shard, outcome.complete) {
        (Some(r), None, true) => {
            let file =
                output::trace::prepare(job.out, plan, r, job.threads, interrupt::stop_flag())?;
            if file.is_none() {
                return Err(SalesimError::Interrupted(format!(
                    "stopped while tracing replication {r}; nothing was written. Start again with: {}",
                    job.command
                )));
            }
            file
        }
        _ => None,
    };
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
    let mut manifest = output::manifest(plan, &info);
    if let (Some(csv), Some(map)) = (&csv, manifest.as_object_mut()) {
        map.insert(
            "warm_up_drift".into(),
            output::warm_up_drift_json(&csv.summaries),
        );
        if let (Some(r), Some(_)) = (job.trace, &trace) {
            map.insert("trace_replication".into(), r.into());
        }
    }
    let manifest = serde_json::to_string_pretty(&manifest).expect("manifest is plain JSON");
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
        if let Some(file) = trace {
            let path = file.path().to_path_buf();
            file.commit()
                .map_err(|e| SalesimError::io(format!("writing {}", path.display()), e))?;
        }
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

/// Most missing slices a merge names; the rest are counted.
const MISSING_SLICES_SHOWN: usize = 10;

/// `salesim merge`: checks that the slice folders belong together and cover the plan, then
/// writes the files one unsharded run writes, from their journals (nothing is recomputed).
/// Memory is bounded by the plan and the folders given, whatever N a journal claims.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<&Path>,
    quiet: bool,
    force: bool,
) -> Result<Finished, SalesimError> {
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
    folder::check_contents(&out, &origin, folder::Contents::Run, force)?;
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
        trace: None,
    };
    produce(&production, Known::Journaled(runs), None)
}
