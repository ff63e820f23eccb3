"""Shared fixtures: the `salesim` command line to compare with, and the repository's files."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    """Runs the `salesim` binary of this checkout (SALESIM_BIN, else target/release/salesim,
    built by `cargo build --release`); returns the finished process. Fails, not skips, when the
    binary is missing: the identity with the command line is the point of these tests."""
    binary = Path(os.environ.get("SALESIM_BIN", REPO / "target" / "release" / "salesim"))
    if not binary.is_file():
        pytest.fail(f"no salesim binary at {binary}: run `cargo build --release` first (or set SALESIM_BIN)")

    def run(*args, check=True):
        done = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"salesim {' '.join(map(str, args))} failed:\n{done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def repo():
    return REPO
