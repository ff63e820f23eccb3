"""salesim.calibrate: a path or a DataFrame in, the fitted scenario and moments out, as
`salesim calibrate` writes them."""

import pandas as pd
import pytest

import salesim


@pytest.fixture(scope="module")
def export(repo):
    return repo / "tests" / "crm" / "salesforce.csv"


@pytest.fixture(scope="module")
def from_file(export):
    return salesim.calibrate(export, name="acme", sensitivity_trajectories=0, quiet=True)


def test_a_file_is_calibrated_exactly_as_the_command_line_does(cli, export, from_file, tmp_path):
    out = tmp_path / "cli" / "acme.toml"
    out.parent.mkdir()
    cli("calibrate", export, "--out", out, "--sensitivity-trajectories", 0)
    assert from_file.scenario_text == out.read_text()
    assert from_file.moments.equals(salesim._frame((tmp_path / "cli" / "acme.moments.csv").read_text()))
    (tmp_path / "py").mkdir()
    saved = from_file.save(tmp_path / "py" / "acme.toml")
    assert saved.read_bytes() == out.read_bytes()
    assert (tmp_path / "py" / "acme.moments.csv").read_bytes() == (tmp_path / "cli" / "acme.moments.csv").read_bytes()
    with pytest.raises(salesim.ScenarioError, match="already exist"):
        from_file.save(saved)


def test_a_dataframe_export_gives_the_files_fit(export, from_file):
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    # The report's footer ("Grand Totals", "Confidential ...") is rows of one cell in the file,
    # which calibrate leaves out; in a DataFrame they are rows of empty cells, which an analyst
    # drops.
    frame = frame[(frame.iloc[:, 1:] != "").any(axis=1)]
    fitted = salesim.calibrate(frame, name="acme", sensitivity_trajectories=0, quiet=True)
    assert fitted.moments.equals(from_file.moments)
    # The same market, fitted to the same moments; only the description names the source.
    ours, theirs = fitted.scenario, from_file.scenario
    assert "from <DataFrame>:" in ours.pop("description")
    assert "from salesforce.csv:" in theirs.pop("description")
    assert ours == theirs
    assert fitted.fitted.equals(from_file.fitted)
    c = fitted.comparison
    assert c["ci_low"] <= c["aligned_minus_aggressive"] <= c["ci_high"]
    assert c["sentence"].startswith("On a market like yours")
    assert "<DataFrame>" in fitted.report_text
    # The fitted scenario runs as it is.
    r = salesim.run(fitted.scenario, replications=2, quiet=True)
    assert set(r.runs["variant"]) == {"yours", "aggressive", "aligned"}


def test_a_bad_dataframe_is_refused_naming_what_is_missing():
    frame = pd.DataFrame({"Opportunity ID": ["o1"], "Stage": ["Closed Won"]})
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.calibrate(frame, quiet=True)
    assert raised.value.origin == "<DataFrame>"
    with pytest.raises(salesim.ScenarioError, match="fiscal-year-start"):
        salesim.calibrate(frame, fiscal_year_start="smarch", quiet=True)
