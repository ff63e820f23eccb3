"""salesim from Python: the engine in a notebook, results as pandas DataFrames.

Does quarter-driven selling pay, or does aligning with the customer's own buying cycle win?
salesim simulates many replications of the same markets (common random numbers) and compares
sales strategies with 95% confidence intervals. This package runs the same Rust engine as the
``salesim`` command line, in memory: the same scenario and seed give the same numbers as
``salesim run``, byte for byte once written to CSV.

    >>> import salesim
    >>> lesson = salesim.scenario("builtin:lesson")        # a plain dict, the file's structure
    >>> r = salesim.run(lesson, replications=20)
    >>> r.comparison.query("metric == 'bookings'")          # aligned - aggressive, paired
    >>> lesson["market"]["customers"] = 2000                # change a knob, run again
    >>> s = salesim.sweep(lesson, {"strategies.aggressive.discount_max": [0.0, 0.1]})

Every simulation releases the GIL, uses the threads asked for (default: every core), shows a
progress bar (tqdm) unless ``quiet=True``, and stops with ``KeyboardInterrupt`` on Ctrl-C.
Bad input raises :class:`ScenarioError` with the key, line and allowed values the command line
names.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _native
from ._native import ScenarioError

__version__ = _native.VERSION

__all__ = [
    "ScenarioError",
    "scenario",
    "builtins",
    "validate",
    "run",
    "sweep",
    "sensitivity",
    "calibrate",
    "Results",
    "Sensitivity",
    "Calibration",
]

ScenarioLike = Union[str, "os.PathLike[str]", Dict[str, Any]]

# Columns that hold text (names, labels) in salesim's CSVs; every other column holds numbers
# (or true/false). A test checks that every column not named here parses as numbers.
TEXT_COLUMNS = frozenset(
    {
        # runs, summaries, breakdowns, deals
        "variant",
        "reference",
        "metric",
        "phase",
        "team",
        "vendor",
        "knob",
        "segment",
        "outcome",
        # sensitivity
        "output",
        "parameter",
        # calibrate's moments
        "moment",
        "note",
    }
)


# pandas before 3 reads decimals exactly only when asked to; pandas 3 always does (and warns
# that the option is deprecated).
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def _frame(text: str) -> pd.DataFrame:
    """A salesim CSV as a DataFrame: the same columns; numbers exactly as written (shortest
    round-trip decimals), ``NaN`` or an empty cell as missing; true/false as booleans (nullable
    where a cell is empty); text columns as text, an empty cell as "", with the CSV writer's
    guard against spreadsheet formulas undone (a cell ``'-1-1`` is the text ``-1-1``)."""
    names = pd.read_csv(io.StringIO(text), nrows=0).columns
    text_columns = [c for c in names if c in TEXT_COLUMNS]
    frame = pd.read_csv(
        io.StringIO(text),
        dtype={c: str for c in text_columns},
        keep_default_na=False,
        na_values={c: ["NaN", ""] for c in names if c not in TEXT_COLUMNS},
        **_EXACT_FLOATS,
    )
    for c in names:
        column = frame[c]
        if c in TEXT_COLUMNS:
            if column.str.startswith("'").any():
                frame[c] = column.map(_native.csv_text_value)
        elif column.dtype == object and column.dropna().map(type).eq(bool).all():
            frame[c] = column.astype("boolean")
    return frame


class _Progress:
    """A tqdm progress bar per stage (the runs of a study's design, its one-at-a-time runs, a
    fit's steps), fed by the engine's counts; nothing when quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.stage: Optional[str] = None
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = self._bar(stage, total)
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()

    @staticmethod
    def _bar(stage: str, total: int):
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            print(f"salesim: {stage}...", file=sys.stderr)
            return None
        desc = stage if len(stage) <= 60 else stage[:57] + "..."
        return tqdm(total=total or None, desc=desc, unit=" runs" if total else "", leave=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def callback(self):
        return None if self.quiet else self


def _progress_call(quiet: bool, call):
    """Runs ``call(progress)`` with a progress bar unless quiet, closing the bar however it
    ends (Ctrl-C included)."""
    progress = _Progress(quiet)
    try:
        return call(progress.callback())
    finally:
        progress.close()


def _scenario_arg(scenario: ScenarioLike):
    """A scenario as the engine takes it: a dict, or a path (text)."""
    if isinstance(scenario, Mapping):
        return dict(scenario)
    if isinstance(scenario, (str, os.PathLike)):
        return os.fspath(scenario)
    raise TypeError(
        "a scenario is a dict (salesim.scenario(...)), a path to a .toml file or "
        f"'builtin:NAME', not a {type(scenario).__name__}"
    )


def _whole(name: str, value: Any, low: int, high: int) -> Optional[int]:
    """Checks an optional whole-number argument."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import operator

            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name}={value}: allowed: a whole number from {low} to {high}")
    return int(value)


MAX_SEED = 2**63 - 1


def _threads(threads: Any) -> Optional[int]:
    return _whole("threads", threads, 1, 1024)


def _texts(name: str, values: Any) -> List[str]:
    """A repeatable option: one text or a list of texts."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{name} takes text, not {v!r}")
    return out


def _pairs(name: str, values: Any, joiner) -> List[str]:
    """A repeatable option given as a dict (key → value) or as texts."""
    if isinstance(values, Mapping):
        return [joiner(k, v) for k, v in values.items()]
    return _texts(name, values)


def builtins() -> List[str]:
    """The names of the scenarios built into salesim (``salesim.scenario("builtin:NAME")``)."""
    return list(_native.builtin_names())


def scenario(source: ScenarioLike) -> Dict[str, Any]:
    """A scenario as a plain dict with the scenario file's structure, in the file's order, for
    code to change and hand to :func:`run`, :func:`sweep` or :func:`sensitivity`.

    ``source`` is a path to a .toml file or ``"builtin:NAME"`` (see :func:`builtins`); a dict is
    returned as a deep copy. Only what the file writes is in the dict; a key left out takes its
    default (docs/SCENARIOS.md), and may be added. Raises :class:`ScenarioError` for a file that
    cannot be read or parsed.
    """
    if isinstance(source, Mapping):
        import copy

        return copy.deepcopy(dict(source))
    return _native.scenario_dict(_scenario_arg(source))


def scenario_text(scenario: ScenarioLike) -> str:
    """A scenario in the file format (a dict written as TOML; a file's text as it is): to save
    with ``Path("mine.toml").write_text(...)`` and run with ``salesim run mine.toml``."""
    return _native.scenario_text(_scenario_arg(scenario))


def _set_arg(set: Any) -> Any:
    if set is None or isinstance(set, (str, Mapping)):
        return dict(set) if isinstance(set, Mapping) else set
    return _texts("set", set)


def validate(scenario: ScenarioLike, set: Any = None) -> Dict[str, Any]:
    """Checks a scenario as ``salesim validate`` does (every point of its sweep too), writing
    and running nothing: its name, variants, reference, sweep points and runs. Raises
    :class:`ScenarioError` naming the key, the line (for a file) and what is allowed.

    ``set`` overrides values by path, as ``--set`` does: ``{"market.customers": 500}`` or
    ``["market.customers=500"]``.
    """
    return _native.validate(_scenario_arg(scenario), set=_set_arg(set))


def _python_call(function: str, scenario: ScenarioLike, **arguments: Any) -> Optional[str]:
    """What the manifest names as the command that reproduces a run: the ``salesim run`` command
    for a scenario file run as it is, else the Python call (the manifest holds the resolved
    scenario either way)."""
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items() if v not in (None, False, [], {}))
    what = "<scenario dict>" if isinstance(scenario, Mapping) else repr(os.fspath(scenario))
    return f"salesim.{function}({what}{', ' if shown else ''}{shown})"


def run(
    scenario: ScenarioLike,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Any = None,
    quiet: bool = False,
    deals: bool = False,
) -> "Results":
    """Runs a scenario as ``salesim run`` does: every variant x replication (x sweep point),
    each replication's variants on the same simulated market.

    Parameters
    ----------
    scenario : a dict (:func:`scenario`), a path to a .toml file, or ``"builtin:NAME"``.
    replications : replications per variant and sweep point (default: the scenario's).
    seed : master seed (default: the scenario's), 0 to 2**63 - 1.
    threads : worker threads (default: every core). The results are identical for any number.
    set : values overridden by path, as ``--set``: ``{"market.customers": 500}`` or
        ``["market.customers=500"]``.
    quiet : no progress bar.
    deals : also the ``deals`` table: one row per opportunity of every vendor.

    Returns :class:`Results`, whose tables are the CSVs of ``salesim run`` as DataFrames.
    Raises :class:`ScenarioError` for bad input and ``KeyboardInterrupt`` on Ctrl-C (nothing is
    kept).
    """
    return _run(scenario, None, replications, seed, threads, set, quiet, deals)


def sweep(
    scenario: ScenarioLike,
    parameters: Mapping[str, Iterable[float]],
    mode: str = "grid",
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Any = None,
    quiet: bool = False,
    deals: bool = False,
) -> "Results":
    """Runs a scenario over a grid of parameter values, the analogue of Mesa's ``batch_run``:
    ``parameters`` maps a key path (as ``set`` and the scenario's ``[sweep]`` take it) to its
    values, and replaces the scenario's own sweep. ``mode="grid"`` runs every combination (the
    last path varying fastest), ``"zip"`` matched positions of equal-length lists.

    Every point runs the same replication seeds, so points differ only by the values swept.
    Each table of the :class:`Results` has a ``param_<path>`` column per swept path (its value
    at the row's point) after ``point``: ``results.runs`` is one DataFrame of every run at every
    point. The other arguments are :func:`run`'s.
    """
    if not isinstance(parameters, Mapping) or not parameters:
        raise TypeError('parameters is a dict of key path -> values, e.g. {"market.customers": [2000, 4000]}')
    grid: List[Tuple[str, List[float]]] = []
    for path, values in parameters.items():
        if not isinstance(path, str):
            raise TypeError(f"a swept path is text, not {path!r}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"the values of {path!r} are a list of numbers, not {values!r}")
        numbers = []
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) and not hasattr(v, "__float__"):
                raise TypeError(f"the values of {path!r} are numbers, not {v!r}")
            numbers.append(float(v))
        grid.append((path, numbers))
    if not isinstance(mode, str):
        raise TypeError(f"mode is 'grid' or 'zip', not {mode!r}")
    return _run(scenario, (mode, grid), replications, seed, threads, set, quiet, deals)


def _run(scenario, grid, replications, seed, threads, set, quiet, deals) -> "Results":
    arg = _scenario_arg(scenario)
    replications = _whole("replications", replications, 0, 2**32 - 1)
    seed = _whole("seed", seed, 0, MAX_SEED)
    threads = _threads(threads)
    set = _set_arg(set)
    if grid is None and not isinstance(scenario, Mapping):
        command = None  # the `salesim run` command reproduces it
    elif grid is None:
        command = _python_call("run", scenario, replications=replications, seed=seed, set=set, deals=deals)
    else:
        command = _python_call(
            "sweep",
            scenario,
            parameters={p: v for p, v in grid[1]},
            mode=grid[0],
            replications=replications,
            seed=seed,
            set=set,
            deals=deals,
        )
    native = _progress_call(
        quiet,
        lambda progress: _native.run(
            arg,
            replications=replications,
            seed=seed,
            threads=threads,
            set=set,
            sweep=grid,
            deals=bool(deals),
            command=command,
            progress=progress,
        ),
    )
    return Results(native)


class _Tables:
    """Tables of CSV text, each parsed into a DataFrame when first asked for."""

    def __init__(self, native):
        self._native = native
        self._frames: Dict[str, pd.DataFrame] = {}

    @property
    def files(self) -> List[str]:
        """The CSV files, by name."""
        return list(self._native.files())

    @staticmethod
    def _file(name: str) -> str:
        return name if name.endswith(".csv") else f"{name}.csv"

    def csv(self, name: str) -> str:
        """A table's CSV text (``"runs"`` or ``"runs.csv"``), byte for byte the command line's."""
        file = self._file(name)
        if file not in self.files:
            raise KeyError(f"{name!r}: the tables are {', '.join(f[:-4] for f in self.files)}")
        return self._native.csv(file)

    def table(self, name: str) -> pd.DataFrame:
        """A table as a DataFrame with the CSV's columns (a copy: change it freely)."""
        file = self._file(name)
        if file not in self._frames:
            self._frames[file] = _frame(self.csv(file))
        return self._frames[file].copy()

    @property
    def tables(self) -> Dict[str, pd.DataFrame]:
        """Every table, by name (``runs``, ``quarters``, ...)."""
        return {f[:-4]: self.table(f) for f in self.files}

    @property
    def manifest(self) -> Dict[str, Any]:
        """``manifest.json`` as a dict: the resolved scenario, seeds, version, threads, wall time,
        throughput and the command that reproduces the results."""
        return json.loads(self._native.manifest_json())


def _table(name: str, doc: str):
    return property(lambda self: self.table(name), doc=doc)


class Results(_Tables):
    """What a run or sweep produced: the CSVs of ``salesim run`` as pandas DataFrames, the same
    columns, the same numbers.

    ``runs`` (one row per run: point, variant, replication, seed, any ``param_*``, every metric),
    ``quarters`` (per run and quarter), ``weeks`` (deals and bookings by week of the quarter),
    ``summary`` (per variant and metric: mean, sd, 95% CI), ``comparison`` (each variant against
    the reference, paired), ``phases`` (the switch, the steady state and the total), ``teams``,
    ``vendors``, ``reps``, ``strategy_mix`` and, with ``deals=True``, ``deals``.
    """

    runs = _table("runs", "One row per run: its keys, any param_* columns, every metric.")
    quarters = _table("quarters", "One row per run and quarter.")
    weeks = _table("weeks", "Deals, bookings and discount by week of the quarter, per variant.")
    summary = _table("summary", "Per variant and metric: mean, sd, 95% CI, n.")
    comparison = _table("comparison", "Each variant against the reference: paired difference, 95% CI, share better.")
    phases = _table("phases", "The switch, the steady state and the horizon total, against the reference.")
    teams = _table("teams", "Per run and team of every vendor.")
    vendors = _table("vendors", "Per run and vendor.")
    reps = _table("reps", "Per variant and rep: means over replications.")
    strategy_mix = _table("strategy_mix", "How each team's selling was spent, per variant.")

    @property
    def deals(self) -> pd.DataFrame:
        """One row per opportunity of every vendor (only when run with ``deals=True``)."""
        if "deals.csv" not in self.files:
            raise ValueError("deals were not kept: run with deals=True for the deals table")
        return self.table("deals")

    @property
    def summary_text(self) -> str:
        """The summary ``salesim run`` prints on the terminal."""
        return self._native.summary

    def write(self, path: Union[str, "os.PathLike[str]"], force: bool = False) -> Path:
        """Writes the CSVs and manifest.json into the folder ``path`` as ``salesim run --out``
        does (a new, empty or salesim-written folder; every file atomically; a sensitivity
        study's folder only with ``force``), without charts. Returns the folder."""
        self._native.write(os.fspath(path), force=force, report=False)
        return Path(path)

    def report(self, path: Union[str, "os.PathLike[str]"], force: bool = False) -> Path:
        """Writes the run's folder as ``salesim run --out path`` does: the CSVs, manifest.json,
        the charts and the self-contained HTML report. Returns report.html's path."""
        return Path(self._native.write(os.fspath(path), force=force, report=True))

    def __str__(self) -> str:
        return self.summary_text

    def __repr__(self) -> str:
        m = self.manifest
        points = len(m.get("sweep", {}).get("points", [])) or 1
        return (
            f"<salesim.Results {m.get('scenario_name')!r}: {', '.join(m.get('variants', []))}; "
            f"{m.get('replications')} replications x {points} point(s); "
            f"tables: {', '.join(f[:-4] for f in self.files)}>"
        )


def sensitivity(
    scenario: ScenarioLike,
    trajectories: Optional[int] = None,
    replications: Optional[int] = None,
    levels: Optional[int] = None,
    flip_knobs: Optional[int] = None,
    flip_replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Any = None,
    ranges: Any = None,
    knobs: Any = None,
    quiet: bool = False,
) -> "Sensitivity":
    """Which assumptions decide the answer: ``salesim sensitivity``'s Morris study of every knob
    with a plausible range, with the tornado's one-at-a-time swings and the flip points of the
    top unobservable knobs. The defaults are the command line's.

    ``ranges`` replaces a knob's range (``{"customers.block_threshold": (4, 8)}`` or
    ``["customers.block_threshold=4..8"]``), ``knobs`` studies only the knobs named. Returns
    :class:`Sensitivity` (tables ``sensitivity``, ``swings``, ``flip_points``).
    """
    d = _native.SENSITIVITY_DEFAULTS
    values = [
        _whole(n, v, 0, 2**32 - 1)
        for n, v in zip(
            ("trajectories", "replications", "levels", "flip_knobs", "flip_replications"),
            (trajectories, replications, levels, flip_knobs, flip_replications),
        )
    ]
    values = [d[i] if v is None else v for i, v in enumerate(values)]
    arg = _scenario_arg(scenario)
    ranges = _pairs("ranges", ranges, lambda k, v: f"{k}={v[0]}..{v[1]}")
    native = _progress_call(
        quiet,
        lambda progress: _native.sensitivity(
            arg,
            *values,
            seed=_whole("seed", seed, 0, MAX_SEED),
            threads=_threads(threads),
            set=_set_arg(set),
            ranges=ranges,
            knobs=_texts("knobs", knobs),
            progress=progress,
        ),
    )
    return Sensitivity(native)


class Sensitivity(_Tables):
    """A sensitivity study: ``sensitivity`` (the Morris measures per output and knob, by rank),
    ``swings`` (the tornado's one-at-a-time runs) and ``flip_points`` (where the answer flips),
    as DataFrames with the CSVs' columns."""

    sensitivity = _table("sensitivity", "Per output and knob: mu*, mu, sigma with 95% CIs, rank.")
    swings = _table("swings", "The one-at-a-time runs behind the tornado chart.")
    flip_points = _table("flip_points", "Where the answer flips for the top unobservable knobs.")

    @property
    def findings(self) -> str:
        """What the study found, as ``salesim sensitivity`` prints it."""
        return self._native.findings

    def report(self, path: Union[str, "os.PathLike[str]"], force: bool = False) -> Path:
        """Writes the study's folder as ``salesim sensitivity --out path`` does: the CSVs,
        manifest.json, the tornado chart and report.html, whose path it returns."""
        return Path(self._native.write(os.fspath(path), force=force))

    def __str__(self) -> str:
        return self.findings


def calibrate(
    export: Union[str, "os.PathLike[str]", pd.DataFrame],
    map: Any = None,
    won: Any = None,
    lost: Any = None,
    no_decision: Any = None,
    open: Any = None,
    date_format: Optional[str] = None,
    fiscal_year_start: Union[int, str] = 1,
    skip_bad_rows: bool = False,
    resamples: int = 1000,
    seed: int = 1,
    sensitivity_trajectories: int = 4,
    name: Optional[str] = None,
    threads: Optional[int] = None,
    quiet: bool = False,
) -> "Calibration":
    """A market like yours from a CRM opportunity export, as ``salesim calibrate`` fits it.

    ``export`` is a CSV file's path or a DataFrame (written as CSV with ``to_csv(index=False)``;
    messages name it ``<DataFrame>``). ``map`` reads fields from columns (``{"amount": "Net"}``
    or ``["amount=Net"]``); ``won``, ``lost``, ``no_decision`` and ``open`` add outcome values;
    the rest are the command line's options. ``name`` names the fitted scenario (default: the
    file's name, or ``market``).

    Returns :class:`Calibration`: the fitted ``scenario`` (a dict, to run), the ``moments``
    table, the ``comparison`` of aligned and aggressive on the fitted market, and ``findings``.
    Writes nothing (``Calibration.save`` writes NAME.toml and NAME.moments.csv). Raises
    :class:`ScenarioError` for a bad export or option, naming its kind, count and lines.
    Ctrl-C raises ``KeyboardInterrupt`` at once, but the fit has no stop: it finishes in the
    background.
    """
    if isinstance(export, pd.DataFrame):
        source: Any = export.to_csv(index=False).encode("utf-8")
        default_name = "market"
    elif isinstance(export, (str, os.PathLike)):
        source = os.fspath(export)
        default_name = Path(source).stem or "market"
    else:
        raise TypeError(f"export is a CSV file's path or a DataFrame, not a {type(export).__name__}")
    args = dict(
        name=name or default_name,
        map=_pairs("map", map, lambda k, v: f"{k}={v}"),
        won=_texts("won", won),
        lost=_texts("lost", lost),
        no_decision=_texts("no_decision", no_decision),
        open=_texts("open", open),
        date_format=date_format,
        fiscal_year_start=str(fiscal_year_start),
        skip_bad_rows=bool(skip_bad_rows),
        resamples=_whole("resamples", resamples, 100, 100_000),
        seed=_whole("seed", seed, 0, MAX_SEED),
        sensitivity_trajectories=_whole("sensitivity_trajectories", sensitivity_trajectories, 0, 50),
        threads=_threads(threads),
    )
    native = _progress_call(quiet, lambda progress: _native.calibrate(source, progress=progress, **args))
    return Calibration(native)


class Calibration:
    """What ``salesim calibrate`` found: the fitted scenario, the observed moments, aligned
    against aggressive on the fitted market, and the assumptions that decide it."""

    def __init__(self, native):
        self._native = native

    @property
    def scenario(self) -> Dict[str, Any]:
        """The fitted scenario as a dict (run it with :func:`run`)."""
        return _native.text_dict(self._native.scenario_text)

    @property
    def scenario_text(self) -> str:
        """NAME.toml as ``salesim calibrate`` writes it: its header (observed vs simulated, what
        was fitted and what was left at its default, and why), then the scenario."""
        return self._native.scenario_text

    @property
    def moments(self) -> pd.DataFrame:
        """Every observed moment with its bootstrap 95% CI (NAME.moments.csv)."""
        return _frame(self._native.moments_csv)

    @property
    def fitted(self) -> pd.DataFrame:
        """The fitted knobs: knob, value, 95% CI (NaN where the moments do not pin it down)."""
        return pd.DataFrame(self._native.fitted, columns=["knob", "value", "ci_low", "ci_high", "meaning"])

    @property
    def comparison(self) -> Optional[Dict[str, Any]]:
        """Aligned against aggressive on the fitted market: the paired difference of bookings
        ($k) with its 95% CI, each strategy's mean bookings, and the sentence that says it.
        None when the fit does not reproduce the export (no verdict, as ``salesim calibrate``
        exiting 3: see ``report_text`` for the moments it misses)."""
        c = self._native.comparison
        return None if c is None else dict(c)

    @property
    def findings(self) -> Optional[str]:
        """What the small sensitivity study found (None with sensitivity_trajectories=0)."""
        return self._native.findings

    @property
    def report_text(self) -> str:
        """What ``salesim calibrate`` prints: what was read, the moments, the fit, the answer."""
        return self._native.report_text

    def save(self, path: Union[str, "os.PathLike[str]"], force: bool = False) -> Path:
        """Writes NAME.toml (``path``) and NAME.moments.csv beside it, as ``salesim calibrate
        --out`` does: atomically, never over the export, nor over existing files unless
        ``force``. Returns ``path``."""
        self._native.save(os.fspath(path), force=force)
        return Path(path)

    def __str__(self) -> str:
        return self.report_text
