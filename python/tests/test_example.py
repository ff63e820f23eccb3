"""examples/python_lesson.py runs as the README shows it, and draws its chart."""

import subprocess
import sys


def test_the_notebook_style_example_runs_and_draws_the_paired_difference(repo, tmp_path):
    out = tmp_path / "example"
    done = subprocess.run(
        [sys.executable, str(repo / "examples" / "python_lesson.py"), "--replications", "6", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    chart = out / "paired_difference.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.stat().st_size > 20_000
    assert (out / "shipped" / "report.html").is_file()
    assert "aligned" in done.stdout and f"wrote {chart}" in done.stdout
