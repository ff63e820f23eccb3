"""salesim.run and `salesim run` give the same numbers, byte for byte once written to CSV."""

import numpy as np
import pandas as pd
import pytest

import salesim

LESSON = "builtin:lesson"
# Small enough to be quick, large enough that every table has rows of both variants.
REPLICATIONS = 4
SEED = 7


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".csv"}


@pytest.fixture(scope="module")
def cli_run(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "lesson"
    cli("run", LESSON, "--replications", REPLICATIONS, "--seed", SEED, "--deals", "--quiet", "--out", out)
    return out


@pytest.fixture(scope="module")
def python_run():
    return salesim.run(LESSON, replications=REPLICATIONS, seed=SEED, deals=True, quiet=True)


def test_runs_and_summary_csv_are_byte_identical_to_the_command_line(cli_run, python_run, tmp_path):
    written = python_run.write(tmp_path / "py")
    ours, theirs = files(written), files(cli_run)
    assert ours["runs.csv"] == theirs["runs.csv"]
    assert ours["summary.csv"] == theirs["summary.csv"]
    # And every other CSV, deals.csv included.
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name
    assert python_run.csv("runs") == (cli_run / "runs.csv").read_text()


def cell(text):
    """A CSV cell as the number (or true/false) it writes; None for missing."""
    if text in ("", "NaN"):
        return None
    if text in ("true", "false"):
        return text == "true"
    return float(text)  # Python's float() reads a decimal exactly


def test_the_tables_hold_the_csvs_columns_and_exact_numbers(cli_run, python_run):
    for name in python_run.files:
        frame = python_run.table(name)
        raw = pd.read_csv(cli_run / name, dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(raw.columns), name
        assert len(frame) == len(raw), name
        for column in frame.columns:
            ours, theirs = frame[column], raw[column]
            if column in salesim.TEXT_COLUMNS:
                assert list(ours) == list(theirs), (name, column)
                continue
            # Every column not named as text holds numbers (or true/false), read exactly.
            assert pd.api.types.is_numeric_dtype(ours) or pd.api.types.is_bool_dtype(ours), (name, column, ours.dtype)
            expected = [cell(t) for t in theirs]
            got = [None if pd.isna(v) else (bool(v) if isinstance(v, (bool, np.bool_)) else float(v)) for v in ours]
            assert got == expected, (name, column)


def test_the_named_tables_are_the_csvs(python_run):
    assert python_run.files[:10] == [
        "runs.csv", "quarters.csv", "weeks.csv", "summary.csv", "comparison.csv",
        "phases.csv", "teams.csv", "vendors.csv", "reps.csv", "strategy_mix.csv",
    ]
    for name in ["runs", "quarters", "weeks", "summary", "comparison", "phases", "teams", "vendors", "reps", "strategy_mix", "deals"]:
        frame = getattr(python_run, name)
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name
    assert set(python_run.runs["variant"]) == {"aggressive", "aligned"}
    assert set(python_run.runs["replication"]) == set(range(REPLICATIONS))
    bookings = python_run.comparison.query("metric == 'bookings'")
    assert list(bookings[["variant", "reference"]].itertuples(index=False, name=None)) == [("aligned", "aggressive")]


def test_deals_are_there_only_when_asked():
    r = salesim.run(LESSON, replications=1, seed=SEED, quiet=True, set={"horizon_quarters": 1})
    assert "deals.csv" not in r.files
    with pytest.raises(ValueError, match="deals=True"):
        r.deals


def test_the_manifest_is_the_command_lines_but_for_time_and_cpu(cli_run, python_run):
    import json

    theirs = json.loads((cli_run / "manifest.json").read_text())
    ours = python_run.manifest
    varying = {"wall_time_seconds", "cpu_time_seconds", "load_average", "throughput", "threads", "command", "scenario_file"}
    assert set(ours) == set(theirs)
    for key in set(theirs) - varying:
        assert ours[key] == theirs[key], key
    # A file run as it is: the manifest names the command line that reproduces it.
    assert ours["command"].startswith("salesim run builtin:lesson --seed 7 --replications 4")


def test_a_dict_runs_exactly_as_its_file(python_run, tmp_path):
    lesson = salesim.scenario(LESSON)
    from_dict = salesim.run(lesson, replications=REPLICATIONS, seed=SEED, deals=True, quiet=True)
    for name in python_run.files:
        assert from_dict.csv(name) == python_run.csv(name), name
    assert from_dict.manifest["scenario_file"] == "<scenario dict>"
    assert from_dict.manifest["command"].startswith("salesim.run(<scenario dict>")


def test_the_thread_count_changes_nothing_but_the_threads(python_run):
    one = salesim.run(LESSON, replications=REPLICATIONS, seed=SEED, deals=True, threads=1, quiet=True)
    assert one.manifest["threads"] == 1
    for name in python_run.files:
        assert one.csv(name) == python_run.csv(name), name


def test_a_sweep_is_byte_identical_to_the_command_lines_sweep(cli, tmp_path):
    knob = "strategies.aggressive.discount_max"
    small = {"horizon_quarters": 2, "market.customers": 800}
    swept = salesim.sweep(LESSON, {knob: [0.0, 0.2]}, replications=2, seed=3, set=small, quiet=True)
    # The same sweep written into the scenario file, run by the command line.
    lesson = salesim.scenario(LESSON)
    lesson["sweep"] = {"mode": "grid", "parameters": {knob: [0.0, 0.2]}}
    file = tmp_path / "swept.toml"
    file.write_text(salesim.scenario_text(lesson))
    out = tmp_path / "cli"
    sets = [a for k, v in small.items() for a in ("--set", f"{k}={v}")]
    cli("run", file, "--replications", 2, "--seed", 3, *sets, "--quiet", "--out", out)
    written = files(swept.write(tmp_path / "py"))
    assert written == files(out)
