#!/usr/bin/env bash
# Submits a salesim sweep to Slurm: an array of SLICES tasks (slice.sbatch, one slice each), then
# the merge (merge.sbatch), which starts only once every slice has succeeded (afterok) and is
# cancelled if one fails.
#
#   SCENARIO=scenarios/discount-sweep.toml SLICES=16 deploy/slurm/submit.sh [sbatch options...]
#
# sbatch options (e.g. --partition=long --account=proj) apply to both jobs; so do sbatch's own
# variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...). Settings (environment):
#   SCENARIO      scenario file (required)
#   SLICES        number of slices (default 8)
#   RESULTS       results folder on a file system the compute nodes share
#                 (default: results/<scenario file name without .toml> under the current folder)
#   SALESIM       the salesim binary, at the same path on the compute nodes (default: salesim on PATH)
#   SALESIM_ARGS  extra `salesim run` arguments, split on whitespace
#   THREADS       threads per slice (default: the task's --cpus-per-task)
# Logs go to RESULTS/logs/. The merged outputs land in RESULTS/merged/.

set -euo pipefail

fail() {
    echo "submit.sh: $*" >&2
    exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCENARIO=${SCENARIO:-}
[[ -n $SCENARIO ]] || fail "set SCENARIO to the scenario file"
[[ -f $SCENARIO ]] || fail "no scenario file $SCENARIO"
SLICES=${SLICES:-8}
[[ $SLICES =~ ^[1-9][0-9]*$ ]] || fail "SLICES must be a whole number from 1 (got '$SLICES')"
SALESIM=${SALESIM:-salesim}
SALESIM=$(command -v "$SALESIM") || fail "no salesim binary '$SALESIM' (set SALESIM to its path)"
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"

# Absolute paths, so the jobs do not depend on the folder they start in.
SCENARIO="$(cd "$(dirname "$SCENARIO")" && pwd)/$(basename "$SCENARIO")"
stem=$(basename "$SCENARIO")
RESULTS=${RESULTS:-results/${stem%.toml}}
mkdir -p "$RESULTS/logs"
RESULTS=$(cd "$RESULTS" && pwd)
[[ $SALESIM == /* ]] || SALESIM="$PWD/$SALESIM"

# Refuse a bad scenario here rather than in every queued task.
"$SALESIM" validate "$SCENARIO" >/dev/null

export SCENARIO SLICES RESULTS SALESIM
export SALESIM_ARGS=${SALESIM_ARGS:-}
[[ -n ${THREADS:-} ]] && export THREADS

array=$(sbatch --parsable --export=ALL --array="1-$SLICES" --output="$RESULTS/logs/slice-%A_%a.out" \
    "$@" "$here/slice.sbatch")
array=${array%%;*} # --parsable prints "jobid" or "jobid;cluster"
[[ $array =~ ^[0-9]+$ ]] || fail "unexpected job id from sbatch: '$array'"

merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$RESULTS/logs/merge-%j.out" "$@" "$here/merge.sbatch")
merge=${merge%%;*}

echo "slices: job $array (array 1-$SLICES); merge: job $merge, after all slices succeed"
echo "results: $RESULTS/merged (logs in $RESULTS/logs)"
