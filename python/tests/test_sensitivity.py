"""salesim.sensitivity: the study of `salesim sensitivity`, its tables byte for byte."""

import pytest

import salesim

SMALL = {"horizon_quarters": 2, "market.customers": 600}
KNOBS = ["customers.annoyance_half_life_days", "strategies.aligned.min_contact_gap_days"]
OPTIONS = dict(trajectories=2, replications=2, flip_knobs=1, flip_replications=2, seed=5)


@pytest.fixture(scope="module")
def study():
    return salesim.sensitivity("builtin:lesson", set=SMALL, knobs=KNOBS, quiet=True, **OPTIONS)


def test_the_study_is_byte_identical_to_the_command_lines(cli, study, tmp_path):
    out = tmp_path / "cli"
    args = ["sensitivity", "builtin:lesson", "--quiet", "--out", out]
    for k, v in OPTIONS.items():
        args += [f"--{k.replace('_', '-')}", v]
    for k, v in SMALL.items():
        args += ["--set", f"{k}={v}"]
    for k in KNOBS:
        args += ["--knob", k]
    cli(*args)
    assert study.files == ["sensitivity.csv", "swings.csv", "flip_points.csv"]
    for name in study.files:
        assert study.csv(name) == (out / name).read_text(), name
    assert study.manifest["command"] == __import__("json").loads((out / "manifest.json").read_text())["command"]


def test_the_tables_rank_the_knobs(study):
    table = study.sensitivity
    assert set(table["parameter"]) == set(KNOBS)
    assert {"mu_star", "mu_star_ci_low", "rank", "observable_from_crm"} <= set(table.columns)
    assert len(study.swings) == len(KNOBS)
    assert "flip_value" in study.flip_points.columns
    assert "Knobs that move it most" in study.findings


def test_the_report_is_written_into_a_folder(study, tmp_path):
    report = study.report(tmp_path / "study")
    assert report.name == "report.html" and report.is_file()
    assert (tmp_path / "study" / "sensitivity.csv").read_text() == study.csv("sensitivity")
