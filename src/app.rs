//! The commands, top to bottom: scenario → plan → fan-out → outputs → summary.

use crate::cli::{Cli, Command, RunArgs};
use crate::error::{InputError, SalesimError};
use crate::experiment::{self, Plan};
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

/// Runs a scenario with command-line options and writes every output.
pub fn run_scenario(source: &ScenarioSource, args: &RunArgs) -> Result<Finished, SalesimError> {
    let overrides = overrides(args)?;
    let plan = experiment::plan(source, &overrides)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&plan.base().name));
    if out.exists() && !out.is_dir() {
        return Err(InputError::at(
            &format!("--out {}", out.display()),
            None,
            None,
            "exists and is not a folder",
            "a folder path",
        )
        .into());
    }
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(rayon::current_num_threads);
    experiment::check_memory(source, &plan, threads)?;
    std::fs::create_dir_all(&out)
        .map_err(|e| SalesimError::io(format!("creating {}", out.display()), e))?;

    let bar = progress_bar(plan.total_runs(), args.quiet);
    let started = Instant::now();
    let mut csv = CsvOutputs::create(&out, &plan)?;
    let throughput = experiment::execute(
        &plan,
        Some(threads),
        &|| bar.inc(1),
        &mut |point, result| csv.write_point(point, &result),
    )?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let summaries = csv.commit()?;

    let info = RunInfo {
        command: reproduce_command(source, &plan, args),
        scenario_file: source.file.clone(),
        threads,
        wall_time_seconds: wall,
        throughput,
        complete: true,
    };
    let manifest = serde_json::to_string_pretty(&output::manifest(&plan, &info))
        .expect("manifest is plain JSON");
    output::write_atomic(&out.join("manifest.json"), manifest.as_bytes())?;
    crate::report::build(&out).map_err(|e| SalesimError::Report(e.to_string()))?;
    let text = output::summary::render(&plan, &summaries, &throughput, wall, threads, &out);
    if !args.quiet {
        print!("{text}");
    }
    Ok(Finished {
        out,
        plan,
        summaries,
        text,
    })
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
    for s in &args.set {
        cmd.push_str(&format!(" --set '{s}'"));
    }
    cmd
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
    let outcome = crate::report::build(dir).map_err(|e| SalesimError::Report(e.to_string()))?;
    println!(
        "wrote {} chart files and {}",
        outcome.charts.len(),
        outcome.report.display()
    );
    Ok(())
}
