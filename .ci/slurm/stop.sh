#!/usr/bin/env bash
# Stops the cluster started by start.sh: cancels its jobs, then stops slurmd, slurmctld
# and munged by the pids in their pid files (checked against the process name first).
set -uo pipefail
exec </dev/null
DIR=${HASHFLOOD_SLURM_DIR:-/tmp/hashflood-slurm}
[ -d "$DIR" ] || exit 0
export SLURM_CONF=$DIR/slurm.conf
stop() { # PIDFILE NAME
  local pid i; pid=$(tr -dc '0-9' <"$1" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || { rm -f "$1"; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 150; i++)); do [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || break; sleep 0.1; done
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && kill -KILL "$pid" 2>/dev/null
  rm -f "$1"
}
jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
[ -n "${jobs// /}" ] && scancel $jobs 2>/dev/null
stop "$DIR/run/slurmd.pid" slurmd
stop "$DIR/run/slurmctld.pid" slurmctld
stop "$DIR/munge-run/munged.pid" munged
if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$DIR/slurm.conf" ]; then rm -f /etc/slurm/slurm.conf; fi
echo "[slurm stop] stopped" >&2
