"""Results written into a folder: what `salesim run --out` writes, with its rules."""

import pytest

import salesim


@pytest.fixture(scope="module")
def small():
    return salesim.run("builtin:lesson", replications=2, seed=1, set={"horizon_quarters": 2}, quiet=True)


def test_the_report_is_written_with_the_csvs_and_manifest(small, tmp_path):
    report = small.report(tmp_path / "out")
    assert report == tmp_path / "out" / "report.html"
    html = report.read_text()
    assert "<html" in html.lower() and "aligned" in html
    assert (tmp_path / "out" / "charts").is_dir()
    assert (tmp_path / "out" / "runs.csv").read_text() == small.csv("runs")
    assert (tmp_path / "out" / "manifest.json").is_file()
    # Written again over its own folder: allowed, as a second `salesim run --out` is.
    small.report(tmp_path / "out")


def test_a_folder_salesim_did_not_write_is_refused(small, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(salesim.ScenarioError, match="mine"):
        small.write(mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_the_summary_is_the_command_lines(small):
    text = str(small)
    assert text.startswith("lesson: 2 replications")
    assert "Outputs:" not in text
    assert "salesim.Results 'lesson'" in repr(small)


def test_a_progress_bar_shows_unless_quiet(capsys):
    salesim.run("builtin:lesson", replications=1, set={"horizon_quarters": 1})
    assert "runs" in capsys.readouterr().err
    salesim.run("builtin:lesson", replications=1, set={"horizon_quarters": 1}, quiet=True)
    assert capsys.readouterr().err == ""
