#!/usr/bin/env bash
# Whether a change to the engine left its outputs byte-identical (BENCHMARKS.md §16): runs seven
# scenarios that between them use every selling mechanism (the lesson; pay-driven reps and
# plans; learning reps; poaching across neighbouring teams; a crowded territory; deal records)
# with a binary, and compares every CSV with those of a baseline binary.
#
#   benches/same-outputs.sh BASELINE_BINARY CHANGED_BINARY [WORK_DIR]
set -euo pipefail
base=$1
changed=$2
work=${3:-$(mktemp -d)}
cd "$(dirname "$0")/.."
run_all() { # binary dir
  local bin=$1 dir=$2
  run() { # name args...
    local name=$1
    shift
    "$bin" run "$@" --threads 1 -q --out "$dir/$name" >/dev/null
  }
  run lesson builtin:lesson --replications 12
  run comp scenarios/comp-plans.toml --replications 3
  run learn scenarios/learning-team.toml --replications 2
  run neigh scenarios/neighbouring-teams.toml --replications 3
  run crowd scenarios/crowded-territory.toml --replications 3
  run deals builtin:lesson --replications 2 --deals --set market.customers=1500
  run bass scenarios/validation/bass.toml --replications 2
}
run_all "$base" "$work/baseline"
run_all "$changed" "$work/changed"
files=$(cd "$work/baseline" && find . -name '*.csv' | sort)
differ=0
for f in $files; do
  cmp -s "$work/baseline/$f" "$work/changed/$f" || { echo "differs: $f"; differ=1; }
done
echo "$(echo "$files" | wc -l) CSV files compared in $work"
exit $differ
