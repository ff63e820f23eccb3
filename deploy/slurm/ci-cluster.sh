#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on 127.0.0.1, for CI and for trying deploy/slurm/ by hand
# (tests/slurm.rs runs the documented workflow on it). Needs Debian's slurm-wlm and munge
# (`apt-get install slurm-wlm munge`) and root, to start munged and slurmd. No systemd needed.
#
#   deploy/slurm/ci-cluster.sh start    # idempotent: reuses a cluster that is already up
#   deploy/slurm/ci-cluster.sh status   # exit 0 when the cluster answers
#   deploy/slurm/ci-cluster.sh env      # prints `export SLURM_CONF=...` for the client commands
#   deploy/slurm/ci-cluster.sh stop     # stops the daemons this script started
#
# Everything lives in SALESIM_SLURM_DIR (default /tmp/salesim-slurm): slurm.conf, state, spool,
# logs. The client commands (sbatch, squeue, scontrol, scancel) find the cluster through
# SLURM_CONF, so an existing /etc/slurm/slurm.conf is left alone. The ports (16817, 16818) are
# not Slurm's defaults, so a real slurmctld on the machine does not clash.
#
# Setting it up taught (there is no systemd here):
# - munged needs /run/munge created for the munge user;
# - slurm.conf needs SlurmctldHost=<short hostname>(127.0.0.1), ProctrackType=proctrack/linuxproc,
#   TaskPlugin=task/none and SelectType=select/cons_tres; with no accounting storage, sacct does
#   not work, so JobCompType=jobcomp/filetxt and a long MinJobAge (finished jobs stay visible to
#   `scontrol show job`) stand in for it;
# - the node line comes from `slurmd -C`.
#
# Exit codes: 0 done, 1 the cluster did not come up (the reason and the daemon logs are printed),
# 2 bad usage, 3 this machine cannot run it (Slurm or munge missing, not root).

set -euo pipefail

DIR=${SALESIM_SLURM_DIR:-/tmp/salesim-slurm}
CONF=$DIR/slurm.conf
CTLD_PORT=16817
SLURMD_PORT=16818

say() { echo "ci-cluster.sh: $*" >&2; }
cannot() {
    say "$*"
    exit 3
}

# Whether slurmctld answers and the node is up (idle, mixed or allocated).
answers() {
    [[ -f $CONF ]] || return 1
    SLURM_CONF=$CONF scontrol ping 2>/dev/null | grep -q 'is UP' || return 1
    local state
    state=$(SLURM_CONF=$CONF sinfo -h -N -o '%T' 2>/dev/null | head -n 1)
    [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]
}

# Starts munged unless a munge daemon already answers.
start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0
    fi
    # /run/munge holds munged's socket; without systemd nobody creates it.
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        install -d -o munge -g munge -m 0700 /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 0400 /etc/munge/munge.key
    fi
    runuser -u munge -- munged
    touch "$DIR/munged.started"
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    say "munged did not answer"
    return 1
}

write_conf() {
    local host node
    host=$(hostname -s)
    # `slurmd -C` prints this machine's NodeName line (CPUs, sockets, cores, memory) and then an
    # UpTime line that slurm.conf does not take.
    node=$(slurmd -C | grep '^NodeName=')
    mkdir -p "$DIR/state" "$DIR/spool"
    cat >"$CONF" <<EOF
# Written by deploy/slurm/ci-cluster.sh: a one-node cluster on 127.0.0.1.
ClusterName=salesim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it starts again (120 by default).
AuthInfo=cred_expire=5
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
# Start jobs as soon as they can run (the defaults wait up to seconds between scheduling passes).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1
MpiDefault=none
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
# No accounting storage (no sacct): finished jobs stay in \`scontrol show job\` for an hour, and
# each job's end is written to jobcomp.txt.
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    mkdir -p "$DIR"
    if answers; then
        say "already up ($CONF)"
        return 0
    fi
    for cmd in slurmctld slurmd sbatch scontrol munged munge; do
        command -v "$cmd" >/dev/null || cannot "no $cmd on this machine (apt-get install slurm-wlm munge)"
    done
    ((EUID == 0)) || cannot "must run as root, to start munged and slurmd"
    start_munge
    stop_slurm
    write_conf
    slurmctld -f "$CONF"
    slurmd -f "$CONF"
    for _ in $(seq 100); do
        if answers; then
            say "up: one node ($(SLURM_CONF=$CONF sinfo -h -N -o '%N, %c CPUs, %m MB')); export SLURM_CONF=$CONF"
            return 0
        fi
        sleep 0.1
    done
    say "Slurm did not come up within 10 s; the daemons' logs:"
    tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
    return 1
}

# Stops the daemon whose pid file is given, and waits until it has gone.
stop_pid() {
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1")
    if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$1"
}

stop_slurm() {
    stop_pid "$DIR/slurmd.pid"
    stop_pid "$DIR/slurmctld.pid"
}

stop() {
    stop_slurm
    if [[ -f $DIR/munged.started ]]; then
        stop_pid /run/munge/munged.pid
        rm -f "$DIR/munged.started"
    fi
    say "stopped"
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) answers ;;
env) echo "export SLURM_CONF=$CONF" ;;
*)
    say "usage: ci-cluster.sh start|stop|status|env (got '${1:-}')"
    exit 2
    ;;
esac
