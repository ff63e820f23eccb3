#!/usr/bin/env bash
# The Python package's tests, as CI runs them (.ci/run): a fresh virtual environment, the package
# installed into it with the README's one command (`pip install ./python`, with its test extras),
# then its pytest suite, which compares it with the `salesim` binary of this checkout (build it
# first: `cargo build --release`) and runs examples/python_lesson.py.
#
#   python/test.sh [PYTEST ARGS...]
#
# The extension (python/ is a member of the root's workspace) is built in the checkout's target/,
# so the dependencies the Rust build compiled are reused, with the exact versions of Cargo.lock
# (--locked): the engine's numbers are the binary's.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SALESIM_VENV:-target/python-venv}"
python3 -m venv --clear "$venv"
export MATURIN_PEP517_ARGS="--locked"
"$venv/bin/pip" install --quiet --disable-pip-version-check "./python[test]"
export SALESIM_BIN="${SALESIM_BIN:-$PWD/target/release/salesim}"
# From the checkout's root: python/salesim (the sources, without the built extension) is not on
# the path, the installed package is.
exec "$venv/bin/python" -m pytest python/tests "$@"
