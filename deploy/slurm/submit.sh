#!/usr/bin/env bash
# Submits a salesim sweep to Slurm: an array of SLICES tasks (slice.sbatch, one slice each), then
# the merge (merge.sbatch), which starts only once every slice has succeeded (afterok). If a slice
# fails, Slurm cancels the merge once every slice of the array has ended.
#
#   SCENARIO=scenarios/discount-sweep.toml SLICES=16 deploy/slurm/submit.sh [sbatch options...]
#   deploy/slurm/submit.sh --resubmit RESULTS TASKS [sbatch options...]
#
# sbatch options (e.g. --partition=long --account=proj --cpus-per-task=4) apply to both jobs; so do
# sbatch's own variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...). Before submitting, `sbatch
# --test-only` checks that the cluster can run the jobs as asked: a slice asking for more CPUs or
# memory than any node has is refused here (exit 2) rather than left pending for ever.
#
# The settings and options are saved in RESULTS/submit.env. `--resubmit RESULTS TASKS` submits the
# slices TASKS again (as for sbatch --array: 7, or 3,7-9) with the same settings and options, and
# a new merge in place of the cancelled one; sbatch options given after TASKS are added (a longer
# --time, say). The new merge also waits for every earlier slice of RESULTS still in the queue.
#
# Settings (environment; for --resubmit they come from RESULTS/submit.env):
#   SCENARIO      scenario file (required)
#   SLICES        number of slices (default 8)
#   RESULTS       results folder on a file system the compute nodes share
#                 (default: results/<scenario file name without .toml> under the current folder)
#   MERGED        merged output folder (default: RESULTS/merged)
#   SALESIM       the salesim binary, at the same path on the compute nodes (default: salesim on PATH)
#   SALESIM_ARGS  extra `salesim run` arguments, split on whitespace
#   THREADS       threads per slice (default: the task's --cpus-per-task)
# Every job logs to RESULTS/logs/. The merged outputs land in RESULTS/merged/.
# Exit codes: 0 submitted, 2 bad settings, or the cluster cannot run the jobs as asked (nothing is
# submitted), 1 sbatch failed.

set -euo pipefail

fail() {
    echo "submit.sh: $*" >&2
    exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"

if [[ ${1:-} == --resubmit ]]; then
    (($# >= 3)) || fail "usage: submit.sh --resubmit RESULTS TASKS [sbatch options...], TASKS as for sbatch --array (7, or 3,7-9)"
    saved=$2/submit.env
    TASKS=$3
    shift 3
    [[ -f $saved ]] || fail "no $saved: give the RESULTS folder of an earlier submit.sh"
    # shellcheck source=/dev/null
    source "$saved"
    options=(${OPTIONS[@]+"${OPTIONS[@]}"} "$@") # later options win
    [[ $TASKS =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] ||
        fail "TASKS '$TASKS' is not a list of slices: numbers and ranges from 1 to $SLICES, e.g. 7 or 3,7-9"
    IFS=, read -r -a ranges <<<"$TASKS"
    for range in "${ranges[@]}"; do
        first=$((10#${range%-*})) last=$((10#${range#*-}))
        ((1 <= first && first <= last && last <= SLICES)) ||
            fail "TASKS '$TASKS': '$range' is not within the $SLICES slices 1-$SLICES"
    done
else
    SCENARIO=${SCENARIO:-}
    [[ -n $SCENARIO ]] || fail "set SCENARIO to the scenario file"
    [[ -f $SCENARIO ]] || fail "no scenario file $SCENARIO"
    SLICES=${SLICES:-8}
    [[ $SLICES =~ ^[1-9][0-9]*$ ]] || fail "SLICES must be a whole number from 1 (got '$SLICES')"
    SALESIM=${SALESIM:-salesim}
    SALESIM=$(command -v "$SALESIM") || fail "no salesim binary '$SALESIM' (set SALESIM to its path)"
    # Absolute paths, so the jobs do not depend on the folder they start in.
    SCENARIO="$(cd "$(dirname "$SCENARIO")" && pwd)/$(basename "$SCENARIO")"
    stem=$(basename "$SCENARIO")
    RESULTS=${RESULTS:-results/${stem%.toml}}
    mkdir -p "$RESULTS"
    RESULTS=$(cd "$RESULTS" && pwd)
    [[ $SALESIM == /* ]] || SALESIM="$PWD/$SALESIM"
    MERGED=${MERGED:-}
    SALESIM_ARGS=${SALESIM_ARGS:-}
    THREADS=${THREADS:-}
    # Refuse a bad scenario here rather than in every queued task.
    "$SALESIM" validate "$SCENARIO" >/dev/null
    TASKS=1-$SLICES
    options=("$@")
    SLICE_JOBS=() MERGE_JOBS=()
fi
mkdir -p "$RESULTS/logs"
export SCENARIO SLICES RESULTS SALESIM SALESIM_ARGS
[[ -n $MERGED ]] && export MERGED
[[ -n $THREADS ]] && export THREADS

# Both jobs must be able to start some day: Slurm accepts a job asking for more CPUs than any node
# has and leaves it pending (Reason=PartitionConfig) for ever.
fits() {
    local job=$1 said hint=
    shift
    if ! said=$(sbatch --test-only --export=ALL "$@" ${options[@]+"${options[@]}"} \
        "$here/$job.sbatch" 2>&1); then
        if [[ $said == *"node configuration is not available"* ]]; then
            hint=$(sinfo -h -o '%P %D node(s) with %c CPUs and %m MB memory' 2>/dev/null | sort -u | paste -sd ';' -)
            hint=" Partitions: ${hint:-unknown}. The scripts ask for 8 CPUs and 4G per slice and 2 CPUs and 4G for the merge unless told otherwise: give submit.sh requests that fit a node, e.g. --cpus-per-task=2 --mem=2G."
        fi
        fail "the cluster cannot run the $job job as asked, so nothing was submitted. sbatch --test-only says: ${said//$'\n'/ }.$hint"
    fi
}
fits slice --array="$TASKS"
fits merge

if [[ -z ${saved:-} ]]; then
    saved=$RESULTS/submit.env
    {
        echo "# Written by deploy/slurm/submit.sh on $(date -u +%FT%TZ). Read by"
        echo "#   deploy/slurm/submit.sh --resubmit $RESULTS TASKS"
        echo "# to resubmit slices with the same settings and sbatch options."
        for var in SCENARIO SLICES RESULTS MERGED SALESIM SALESIM_ARGS THREADS; do
            printf '%s=%q\n' "$var" "${!var}"
        done
        printf 'OPTIONS=('
        printf ' %q' ${options[@]+"${options[@]}"}
        printf ' )\n'
        for var in ${!SBATCH_@}; do
            printf 'export %s=%q\n' "$var" "${!var}"
        done
        echo "SLICE_JOBS=() MERGE_JOBS=()"
    } >"$saved"
fi

# A resubmitted merge waits for the earlier slices it does not replace, and replaces any merge
# still waiting (it can never start: a slice of its array failed).
waits=
if ((${#SLICE_JOBS[@]} + ${#MERGE_JOBS[@]} > 0)); then
    scancel --state=PENDING "${MERGE_JOBS[@]}" 2>/dev/null || true
    queued=$(squeue -h -u "$(id -un)" -o '%F' 2>/dev/null | sort -u)
    for id in "${SLICE_JOBS[@]}" "${MERGE_JOBS[@]}"; do
        if grep -qx "$id" <<<"$queued"; then waits+=",afterany:$id"; fi
    done
fi

# sbatch --parsable prints "jobid" or "jobid;cluster".
submitted() {
    local id=${1%%;*}
    [[ $id =~ ^[0-9]+$ ]] || { echo "submit.sh: unexpected job id from sbatch: '$1'" >&2; exit 1; }
    echo "$id"
}
array=$(sbatch --parsable --export=ALL --array="$TASKS" --output="$RESULTS/logs/slice-%A_%a.out" \
    ${options[@]+"${options[@]}"} "$here/slice.sbatch") || exit 1
array=$(submitted "$array")
echo "SLICE_JOBS+=($array)" >>"$saved"
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array$waits" --kill-on-invalid-dep=yes \
    --output="$RESULTS/logs/merge-%j.out" ${options[@]+"${options[@]}"} "$here/merge.sbatch") || exit 1
merge=$(submitted "$merge")
echo "MERGE_JOBS+=($merge)" >>"$saved"

echo "slices: job $array (array $TASKS of $SLICES); merge: job $merge, after they all succeed"
echo "results: ${MERGED:-$RESULTS/merged} (logs in $RESULTS/logs)"
echo "if a slice fails: $here/submit.sh --resubmit $RESULTS K (its finished runs are kept)"
