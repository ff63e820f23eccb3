//! `salesim._native`: the salesim library crate ([`salesim::api`]) as a Python extension module.
//! The Python package `salesim` (beside this crate) wraps it: pandas DataFrames, the progress
//! bar, keyword arguments.
//!
//! Every simulation runs on a worker thread while the calling thread waits without the GIL (other
//! Python threads go on), waking every [`TICK`] to report progress and to let Python check for
//! signals: a Ctrl-C sets the run's stop flag and raises `KeyboardInterrupt`. Every error becomes
//! a Python exception ([`ScenarioError`] for bad input, with its origin, line, key, problem and
//! allowed values), a panic included: nothing here unwinds into Python.

use pyo3::create_exception;
use pyo3::exceptions::{PyKeyError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use salesim::api::{self, ExportSource, RunRequest, Watch, IN_MEMORY};
use salesim::calibrate::export::AmountDot;
use salesim::commands::calibrate::Args as CalibrateArgs;
use salesim::commands::sensitivity::SensitivityArgs;
use salesim::error::{InputError, SalesimError};
use salesim::experiment::job::Options;
use salesim::params::settings::SweepSpec;
use salesim::scenario::ScenarioSource;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

create_exception!(
    salesim,
    ScenarioError,
    PyValueError,
    "A scenario, option or export salesim cannot accept, as the command line reports it (exit \
     code 2): `origin` (the file, `<scenario dict>`, or the option), `line` (where the file has \
     one, else None), `key` (the key path, or None), `problem` and `allowed`."
);

/// How often the waiting thread wakes to report progress and check for signals.
const TICK: Duration = Duration::from_millis(100);

/// How long a stopped run is waited for before `KeyboardInterrupt` is raised anyway (a run
/// abandons its work within a simulated day; a fit, which has no stop, goes on in the
/// background).
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The `ScenarioError` of an input error. A scenario built in memory has no lines the user
/// wrote, so its errors name none.
fn scenario_error(py: Python<'_>, e: &InputError) -> PyErr {
    let line = if e.origin == IN_MEMORY { None } else { e.line };
    let shown = InputError { line, ..e.clone() };
    let err = ScenarioError::new_err(shown.to_string());
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("origin", &e.origin)?;
        value.setattr("line", line)?;
        value.setattr("key", e.key.as_deref())?;
        value.setattr("problem", &e.problem)?;
        value.setattr("allowed", &e.allowed)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// The Python exception of a salesim error.
fn to_py(py: Python<'_>, e: SalesimError) -> PyErr {
    match e {
        SalesimError::Input(e) => scenario_error(py, &e),
        SalesimError::Io { .. } => PyOSError::new_err(e.to_string()),
        SalesimError::Interrupted(message) => PyKeyboardInterrupt::new_err(message),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// A ScenarioError about a value of a scenario built in memory.
fn dict_error(py: Python<'_>, key: &str, problem: &str, allowed: &str) -> PyErr {
    let key = (!key.is_empty()).then_some(key);
    scenario_error(py, &InputError::at(IN_MEMORY, None, key, problem, allowed))
}

/// What a worker thread hands back: its result, or the message of its panic.
type Outcome<T> = Result<Result<T, SalesimError>, String>;

/// What the worker shares with the waiting thread: the stop flag and the progress.
#[derive(Default)]
struct Meter {
    stop: AtomicBool,
    /// The stage's name and its runs (0: not counted in runs).
    stage: Mutex<(String, u64)>,
    /// Bumped with each new stage.
    stages: AtomicU64,
    /// Runs finished in the stage.
    done: AtomicU64,
}

impl Meter {
    fn begin(&self, what: &str, runs: u64) {
        if let Ok(mut stage) = self.stage.lock() {
            *stage = (what.to_string(), runs);
        }
        self.done.store(0, Ordering::SeqCst);
        self.stages.fetch_add(1, Ordering::SeqCst);
    }

    /// The host's view of the meter.
    fn watch<'a>(
        &'a self,
        stage: &'a (dyn Fn(&str, u64) + Sync),
        on_run: &'a (dyn Fn() + Sync),
    ) -> Watch<'a> {
        Watch {
            stop: &self.stop,
            stage,
            on_run,
        }
    }

    /// Tells `progress` (stage, done, total) what changed since `seen` (stage count, runs).
    fn report(
        &self,
        py: Python<'_>,
        progress: Option<&PyObject>,
        seen: &mut (u64, u64),
    ) -> PyResult<()> {
        let Some(progress) = progress else {
            return Ok(());
        };
        let now = (
            self.stages.load(Ordering::SeqCst),
            self.done.load(Ordering::SeqCst),
        );
        if now == *seen {
            return Ok(());
        }
        *seen = now;
        let (what, total) = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
        progress.call1(py, (what, now.1, total))?;
        Ok(())
    }
}

/// Runs `work` on a worker thread (in a pool of `threads` rayon threads, when given) while this
/// thread waits without the GIL, reporting progress to `progress` and checking for signals
/// every [`TICK`]: a signal's exception (`KeyboardInterrupt` for Ctrl-C) stops the work and is
/// raised.
fn in_background<T: Send + 'static>(
    py: Python<'_>,
    threads: Option<usize>,
    progress: Option<PyObject>,
    work: impl FnOnce(&Meter) -> Result<T, SalesimError> + Send + 'static,
) -> PyResult<T> {
    let meter = Arc::new(Meter::default());
    let (tx, rx) = mpsc::channel::<Outcome<T>>();
    // Waited on without the GIL, from a closure that must be shareable.
    let rx = Mutex::new(rx);
    let receive = |wait: Duration| match rx.lock() {
        Ok(rx) => rx.recv_timeout(wait),
        Err(_) => Err(RecvTimeoutError::Disconnected),
    };
    let shared = Arc::clone(&meter);
    let pool = match threads {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyRuntimeError::new_err(format!("starting worker threads: {e}")))?,
        ),
        None => None,
    };
    std::thread::Builder::new()
        .name("salesim".into())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &pool {
                Some(pool) => pool.install(|| work(&shared)),
                None => work(&shared),
            }))
            .map_err(|panic| {
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a worker thread panicked".into())
            });
            // The receiver is gone only if the caller gave up waiting (Ctrl-C).
            let _ = tx.send(outcome);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("starting the worker thread: {e}")))?;
    let mut seen = (0, 0);
    let outcome = loop {
        match py.allow_threads(|| receive(TICK)) {
            Ok(outcome) => break outcome,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "salesim: the worker thread ended without a result",
                ))
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let checked = meter
            .report(py, progress.as_ref(), &mut seen)
            .and_then(|()| py.check_signals());
        if let Err(e) = checked {
            meter.stop.store(true, Ordering::SeqCst);
            let _ = py.allow_threads(|| receive(STOP_GRACE));
            return Err(e);
        }
    };
    meter.report(py, progress.as_ref(), &mut seen)?;
    match outcome {
        Ok(result) => result.map_err(|e| to_py(py, e)),
        Err(panic) => Err(PyRuntimeError::new_err(format!(
            "salesim: internal error (please report it): {panic}"
        ))),
    }
}

/// Python value → TOML value, at `key` of a scenario built in memory.
fn to_toml(py: Python<'_>, value: &Bound<'_, PyAny>, key: &str) -> PyResult<toml::Value> {
    let child = |k: &str| {
        if key.is_empty() {
            k.to_string()
        } else {
            format!("{key}.{k}")
        }
    };
    if value.is_none() {
        return Err(dict_error(
            py,
            key,
            "is None, and a scenario has no empty values",
            "a value, or the key left out (for its default)",
        ));
    }
    if let Ok(b) = value.downcast::<PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if value.downcast::<PyInt>().is_ok() {
        return match value.extract::<i64>() {
            Ok(i) => Ok(toml::Value::Integer(i)),
            Err(_) => Err(dict_error(
                py,
                key,
                &format!("{value} is too large"),
                "a whole number from -9223372036854775808 to 9223372036854775807",
            )),
        };
    }
    if let Ok(f) = value.downcast::<PyFloat>() {
        return Ok(toml::Value::Float(f.value()));
    }
    if let Ok(s) = value.downcast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = value.downcast::<PyDict>() {
        let mut table = toml::map::Map::new();
        for (k, v) in d.iter() {
            let Ok(name) = k.downcast::<PyString>() else {
                return Err(dict_error(
                    py,
                    key,
                    &format!("has the key {}, which is not text", k.repr()?),
                    "a dict whose keys are text",
                ));
            };
            let name = name.to_cow()?.into_owned();
            table.insert(name.clone(), to_toml(py, &v, &child(&name))?);
        }
        return Ok(toml::Value::Table(table));
    }
    if value.downcast::<PyList>().is_ok() || value.downcast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for (i, v) in value.try_iter()?.enumerate() {
            items.push(to_toml(py, &v?, &child(&i.to_string()))?);
        }
        return Ok(toml::Value::Array(items));
    }
    // numpy's numbers and the like: whole numbers by `__index__`, others by `__float__`.
    if let Ok(i) = value.extract::<i64>() {
        return Ok(toml::Value::Integer(i));
    }
    if let Ok(f) = value.extract::<f64>() {
        return Ok(toml::Value::Float(f));
    }
    let kind = value.get_type().name()?.to_string();
    Err(dict_error(
        py,
        key,
        &format!("is a {kind}"),
        "a number, text, True/False, a list, or a dict",
    ))
}

/// TOML value (as the file has it) → Python value.
fn value_to_py(py: Python<'_>, value: &toml_edit::Value) -> PyResult<PyObject> {
    use toml_edit::Value;
    Ok(match value {
        Value::String(s) => s.value().into_pyobject(py)?.into_any().unbind(),
        Value::Integer(i) => i.value().into_pyobject(py)?.into_any().unbind(),
        Value::Float(f) => f.value().into_pyobject(py)?.into_any().unbind(),
        Value::Boolean(b) => PyBool::new(py, *b.value()).to_owned().into_any().unbind(),
        Value::Datetime(d) => d.value().to_string().into_pyobject(py)?.into_any().unbind(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for v in a.iter() {
                list.append(value_to_py(py, v)?)?;
            }
            list.into_any().unbind()
        }
        Value::InlineTable(t) => {
            let dict = PyDict::new(py);
            for (k, v) in t.iter() {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// A TOML table (as the file has it, in its order) → a Python dict.
fn table_to_py<'py>(py: Python<'py>, table: &toml_edit::Table) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, item) in table.iter() {
        let value = match item {
            toml_edit::Item::None => continue,
            toml_edit::Item::Value(v) => value_to_py(py, v)?,
            toml_edit::Item::Table(t) => table_to_py(py, t)?.into_any().unbind(),
            toml_edit::Item::ArrayOfTables(a) => {
                let list = PyList::empty(py);
                for t in a.iter() {
                    list.append(table_to_py(py, t)?)?;
                }
                list.into_any().unbind()
            }
        };
        dict.set_item(k, value)?;
    }
    Ok(dict)
}

/// A scenario as Python names it: a path or `builtin:NAME` (text), or a dict. Read now, so
/// that a bad file is reported before anything runs; the path is kept for reproduce commands.
fn source_of(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<(ScenarioSource, PathBuf)> {
    if let Ok(path) = scenario.extract::<PathBuf>() {
        let source = ScenarioSource::read(&path).map_err(|e| scenario_error(py, &e))?;
        return Ok((source, path));
    }
    if scenario.downcast::<PyDict>().is_err() {
        let kind = scenario.get_type().name()?.to_string();
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a scenario is a dict (salesim.scenario(...)), a path to a .toml file or \
             \"builtin:NAME\", not a {kind}"
        )));
    }
    let value = to_toml(py, scenario, "")?;
    let text = toml::to_string(&value).map_err(|e| {
        dict_error(
            py,
            "",
            &format!("cannot be written as a scenario file ({e})"),
            "a dict of the scenario file's tables, lists and values (salesim.scenario(...))",
        )
    })?;
    let source = api::scenario_from_text(&text).map_err(|e| scenario_error(py, &e))?;
    Ok((source, PathBuf::from(IN_MEMORY)))
}

/// A scenario's text (checked as a scenario file) as a dict, in the file's order.
fn dict_of<'py>(py: Python<'py>, source: &ScenarioSource) -> PyResult<Bound<'py, PyDict>> {
    let doc: toml_edit::DocumentMut = source
        .text
        .parse()
        .map_err(|e| PyRuntimeError::new_err(format!("salesim: reading the scenario: {e}")))?;
    table_to_py(py, doc.as_table())
}

/// The scenario file's structure, in its order, as a dict: `salesim.scenario(...)`.
#[pyfunction]
fn scenario_dict<'py>(py: Python<'py>, scenario: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let source = ScenarioSource::read(&scenario).map_err(|e| scenario_error(py, &e))?;
    dict_of(py, &source)
}

/// A scenario file's text (`NAME.toml` as calibrate writes it, say) as a dict, in its order.
#[pyfunction]
fn text_dict<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let source = api::scenario_from_text(text).map_err(|e| scenario_error(py, &e))?;
    dict_of(py, &source)
}

/// The scenario's text in the file format (a dict written as TOML, or the file as it is).
#[pyfunction]
fn scenario_text(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(source_of(py, scenario)?.0.text)
}

/// Parses `set` (a list of `path=value` texts, or a dict path → value) into `--set` texts.
fn set_texts(py: Python<'_>, set: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(set) = set.filter(|s| !s.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(d) = set.downcast::<PyDict>() {
        let mut out = Vec::new();
        for (k, v) in d.iter() {
            let path: String = k.extract()?;
            let value = to_toml(py, &v, &path)?;
            out.push(format!("{path}={value}"));
        }
        return Ok(out);
    }
    if set.downcast::<PyString>().is_ok() {
        return Ok(vec![set.extract()?]);
    }
    set.extract::<Vec<String>>()
}

/// A sweep as Python hands it over: the mode (`grid` or `zip`) and each path with its values.
type Grid = (String, Vec<(String, Vec<f64>)>);

/// The run request of Python's arguments.
#[allow(clippy::too_many_arguments)]
fn request(
    py: Python<'_>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    set: Option<&Bound<'_, PyAny>>,
    sweep: Option<Grid>,
    deals: bool,
    command: Option<String>,
) -> PyResult<RunRequest> {
    Ok(RunRequest {
        options: Options {
            replications,
            seed,
            set: set_texts(py, set)?,
        },
        sweep: sweep.map(|(mode, parameters)| SweepSpec {
            mode,
            parameters: parameters.into_iter().collect(),
        }),
        threads,
        deals,
        command,
    })
}

/// Checks a scenario (and every point of its sweep) as `salesim validate` does: its name, its
/// sweep points and runs, or a ScenarioError.
#[pyfunction]
#[pyo3(signature = (scenario, set=None, sweep=None))]
fn validate<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    set: Option<&Bound<'py, PyAny>>,
    sweep: Option<Grid>,
) -> PyResult<Bound<'py, PyDict>> {
    let (source, _) = source_of(py, scenario)?;
    let request = request(py, None, None, None, set, sweep, false, None)?;
    let plan = py
        .allow_threads(|| api::plan(&source, &request))
        .map_err(|e| to_py(py, e))?;
    let checked = PyDict::new(py);
    let cfg = plan.base();
    checked.set_item("name", &cfg.name)?;
    let variants: Vec<&str> = cfg.variants.iter().map(|v| v.name.as_str()).collect();
    checked.set_item("variants", variants)?;
    checked.set_item("reference", &cfg.variants[cfg.reference].name)?;
    checked.set_item("points", plan.point_count())?;
    checked.set_item("runs", plan.total_runs())?;
    Ok(checked)
}

/// The names of CSV files kept as (name, text).
fn names_of(files: &[(String, String)]) -> Vec<String> {
    files.iter().map(|(name, _)| name.clone()).collect()
}

/// The text of the CSV file `name` of files kept as (name, text); KeyError if there is none.
fn text_of(files: &[(String, String)], name: &str) -> PyResult<String> {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, text)| text.clone())
        .ok_or_else(|| PyKeyError::new_err(name.to_string()))
}

/// A manifest's text, as `manifest.json` holds it.
fn json_text(manifest: &serde_json::Value) -> String {
    serde_json::to_string_pretty(manifest).unwrap_or_default()
}

/// A run's outputs in memory: the CSVs' text, the manifest, the terminal summary.
#[pyclass(module = "salesim._native", frozen)]
struct RunOutputs {
    inner: api::RunOutputs,
}

#[pymethods]
impl RunOutputs {
    /// The CSV files' names, in the order `salesim run` writes them.
    fn files(&self) -> Vec<String> {
        names_of(&self.inner.csv)
    }

    /// The text of one CSV, byte for byte what `salesim run` writes.
    fn csv(&self, name: &str) -> PyResult<String> {
        text_of(&self.inner.csv, name)
    }

    /// `manifest.json`'s text.
    fn manifest_json(&self) -> String {
        json_text(&self.inner.manifest)
    }

    /// The terminal summary of `salesim run`.
    #[getter]
    fn summary(&self) -> String {
        self.inner.summary.clone()
    }

    /// Writes the outputs into a folder as `salesim run --out` does (and, with `report`, the
    /// charts and report.html, whose path it returns).
    #[pyo3(signature = (out, force=false, report=true))]
    fn write(
        &self,
        py: Python<'_>,
        out: PathBuf,
        force: bool,
        report: bool,
    ) -> PyResult<Option<PathBuf>> {
        let inner = &self.inner;
        py.allow_threads(|| api::write_run(&out, inner, force, report))
            .map_err(|e| to_py(py, e))
    }
}

/// A progress callable of Python, if given.
fn progress_of(progress: Option<Bound<'_, PyAny>>) -> Option<PyObject> {
    progress.filter(|p| !p.is_none()).map(Bound::unbind)
}

/// Runs a scenario: `salesim.run` and `salesim.sweep`.
#[pyfunction]
#[pyo3(signature = (scenario, replications=None, seed=None, threads=None, set=None, sweep=None, deals=false, command=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    set: Option<&Bound<'py, PyAny>>,
    sweep: Option<Grid>,
    deals: bool,
    command: Option<String>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<RunOutputs> {
    let (source, _) = source_of(py, scenario)?;
    let request = request(py, replications, seed, threads, set, sweep, deals, command)?;
    // The run starts its own pool of `threads` (request.threads).
    let inner = in_background(py, None, progress_of(progress), move |meter| {
        let stage = |what: &str, runs: u64| meter.begin(what, runs);
        let on_run = || {
            meter.done.fetch_add(1, Ordering::SeqCst);
        };
        api::run(&source, &request, &meter.watch(&stage, &on_run))
    })?;
    Ok(RunOutputs { inner })
}

/// A sensitivity study's outputs in memory.
#[pyclass(module = "salesim._native", frozen)]
struct StudyOutputs {
    inner: api::StudyOutputs,
}

#[pymethods]
impl StudyOutputs {
    /// The CSV files' names.
    fn files(&self) -> Vec<String> {
        names_of(&self.inner.csv)
    }

    /// The text of one CSV, as `salesim sensitivity` writes it.
    fn csv(&self, name: &str) -> PyResult<String> {
        text_of(&self.inner.csv, name)
    }

    /// `manifest.json`'s text.
    fn manifest_json(&self) -> String {
        json_text(&self.inner.manifest)
    }

    /// What the study found, as `salesim sensitivity` prints it.
    #[getter]
    fn findings(&self) -> String {
        self.inner.findings.clone()
    }

    /// Writes the study's files, the tornado chart and report.html into a folder as `salesim
    /// sensitivity --out` does; returns report.html's path.
    #[pyo3(signature = (out, force=false))]
    fn write(&self, py: Python<'_>, out: PathBuf, force: bool) -> PyResult<PathBuf> {
        let inner = &self.inner;
        py.allow_threads(|| api::write_study(&out, inner, force))
            .map_err(|e| to_py(py, e))
    }
}

/// `salesim.sensitivity`: `salesim sensitivity`'s study, in memory.
#[pyfunction]
#[pyo3(signature = (scenario, trajectories, replications, levels, flip_knobs, flip_replications, seed=None, threads=None, set=None, ranges=None, knobs=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sensitivity<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    trajectories: u32,
    replications: u32,
    levels: u32,
    flip_knobs: u32,
    flip_replications: u32,
    seed: Option<u64>,
    threads: Option<u16>,
    set: Option<&Bound<'py, PyAny>>,
    ranges: Option<Vec<String>>,
    knobs: Option<Vec<String>>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<StudyOutputs> {
    let (source, path) = source_of(py, scenario)?;
    let args = SensitivityArgs {
        out: None,
        trajectories,
        replications,
        levels,
        flip_knobs,
        flip_replications,
        seed,
        threads,
        set: set_texts(py, set)?,
        range: ranges.unwrap_or_default(),
        knob: knobs.unwrap_or_default(),
        quiet: true,
        force: false,
    };
    // The study starts its own pools of `threads` (args.threads).
    let inner = in_background(py, None, progress_of(progress), move |meter| {
        let stage = |what: &str, runs: u64| meter.begin(what, runs);
        let on_run = || {
            meter.done.fetch_add(1, Ordering::SeqCst);
        };
        api::sensitivity(&source, &path, &args, &meter.watch(&stage, &on_run))
    })?;
    Ok(StudyOutputs { inner })
}

/// What calibrate found, in memory.
#[pyclass(module = "salesim._native", frozen)]
struct Calibration {
    inner: api::Calibration,
    export: ExportSource,
}

#[pymethods]
impl Calibration {
    /// `NAME.moments.csv`'s text.
    #[getter]
    fn moments_csv(&self) -> String {
        self.inner.moments_csv.clone()
    }

    /// `NAME.toml`'s text: the header (observed vs simulated, what was fitted and left), then
    /// the scenario.
    #[getter]
    fn scenario_text(&self) -> String {
        self.inner.calibrated.scenario_text.clone()
    }

    /// What was read and observed, then what the fit and the study said, as the terminal
    /// shows it.
    #[getter]
    fn report_text(&self) -> String {
        format!("{}{}", self.inner.observed_text, self.inner.fit_text)
    }

    /// What the small sensitivity study found (None when it was skipped).
    #[getter]
    fn findings(&self) -> Option<String> {
        self.inner.calibrated.findings.clone()
    }

    /// Aligned against aggressive on the fitted market; None when the fit does not reproduce
    /// the export (no verdict, as `salesim calibrate` exiting 3).
    #[getter]
    fn comparison<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(c) = &self.inner.calibrated.comparison else {
            return Ok(None);
        };
        let d = &c.aligned_minus_aggressive;
        let out = PyDict::new(py);
        out.set_item("aligned_minus_aggressive", d.diff.mean)?;
        out.set_item("ci_low", d.diff.ci_low)?;
        out.set_item("ci_high", d.diff.ci_high)?;
        out.set_item("share_better", d.share_better)?;
        out.set_item("aggressive", c.aggressive)?;
        out.set_item("aligned", c.aligned)?;
        out.set_item("yours", c.yours)?;
        out.set_item("quarters", c.quarters)?;
        out.set_item("replications", c.replications)?;
        out.set_item("sentence", &c.sentence)?;
        Ok(Some(out))
    }

    /// The fitted knobs: key, value, 95% CI (NaN where not identified), meaning.
    #[getter]
    fn fitted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for k in &self.inner.calibrated.fitted.fitted {
            let row = PyDict::new(py);
            row.set_item("knob", k.knob.key())?;
            row.set_item("value", k.value)?;
            row.set_item("ci_low", k.ci_low)?;
            row.set_item("ci_high", k.ci_high)?;
            row.set_item("meaning", k.knob.meaning())?;
            list.append(row)?;
        }
        Ok(list)
    }

    /// Writes NAME.toml and NAME.moments.csv beside it, as `salesim calibrate --out` does.
    #[pyo3(signature = (scenario, force=false))]
    fn save(&self, py: Python<'_>, scenario: PathBuf, force: bool) -> PyResult<()> {
        api::write_calibration(&scenario, &self.export, &self.inner, force)
            .map_err(|e| to_py(py, e))
    }
}

/// `salesim.calibrate`: `salesim calibrate`'s observation, fit, comparison and small study, in
/// memory. `export` is a path, or CSV bytes (a DataFrame written as CSV).
#[pyfunction]
#[pyo3(signature = (export, name, map, won, lost, no_decision, open, date_format, fiscal_year_start, skip_bad_rows, resamples, seed, sensitivity_trajectories, threads=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    export: &Bound<'_, PyAny>,
    name: String,
    map: Vec<String>,
    won: Vec<String>,
    lost: Vec<String>,
    no_decision: Vec<String>,
    open: Vec<String>,
    date_format: Option<String>,
    fiscal_year_start: String,
    skip_bad_rows: bool,
    resamples: u32,
    seed: u64,
    sensitivity_trajectories: u32,
    threads: Option<usize>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Calibration> {
    let export = match export.extract::<Vec<u8>>() {
        Ok(bytes) if export.downcast::<PyString>().is_err() => ExportSource::Text(bytes),
        _ => ExportSource::File(export.extract::<PathBuf>()?),
    };
    let args = CalibrateArgs {
        opportunities: match &export {
            ExportSource::File(p) => p.clone(),
            ExportSource::Text(_) => PathBuf::from(api::EXPORT_IN_MEMORY),
        },
        out: None,
        map,
        won,
        lost,
        no_decision,
        open,
        date_format,
        fiscal_year_start,
        skip_bad_rows,
        amount_dot: AmountDot::default(),
        resamples,
        seed,
        sensitivity_trajectories,
        max_fit_cpu_minutes: salesim::commands::calibrate::DEFAULT_MAX_FIT_CPU_MINUTES,
        holdout_quarters: 0,
        force: false,
    };
    let source = export.clone();
    let inner = in_background(py, threads, progress_of(progress), move |meter| {
        api::calibrate(&source, &name, &args, &|what| meter.begin(what, 0))
    })?;
    Ok(Calibration { inner, export })
}

/// Undoes the CSV writer's guard against spreadsheet formulas (`'-1-1` → `-1-1`).
#[pyfunction]
fn csv_text_value(cell: &str) -> &str {
    salesim::output::csv_text_value(cell)
}

/// The names of the scenarios built into salesim.
#[pyfunction]
fn builtin_names() -> Vec<&'static str> {
    salesim::scenario::shipped::names().collect()
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("IN_MEMORY", IN_MEMORY)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "SENSITIVITY_DEFAULTS",
        (
            salesim::sensitivity::DEFAULT_TRAJECTORIES,
            salesim::sensitivity::DEFAULT_REPLICATIONS,
            salesim::sensitivity::DEFAULT_LEVELS,
            salesim::sensitivity::DEFAULT_FLIP_KNOBS as u32,
            salesim::sensitivity::DEFAULT_FLIP_REPLICATIONS,
        ),
    )?;
    m.add_function(wrap_pyfunction!(scenario_dict, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_text, m)?)?;
    m.add_function(wrap_pyfunction!(text_dict, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(csv_text_value, m)?)?;
    m.add_function(wrap_pyfunction!(builtin_names, m)?)?;
    m.add_class::<RunOutputs>()?;
    m.add_class::<StudyOutputs>()?;
    m.add_class::<Calibration>()?;
    Ok(())
}
