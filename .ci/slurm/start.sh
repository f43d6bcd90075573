#!/usr/bin/env bash
# Starts a single-node SLURM cluster on this machine for hashflood's SLURM test:
# Debian's slurm-wlm + munge, daemons run as root on 127.0.0.1, no systemd, all state in
# $HASHFLOOD_SLURM_DIR (default /tmp/hashflood-slurm). Installs the packages if missing.
# Idempotent; stop with stop.sh. Prints the SLURM_CONF to export on its last line.
set -euo pipefail
exec </dev/null
DIR=${HASHFLOOD_SLURM_DIR:-/tmp/hashflood-slurm}
log() { printf '[slurm start] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (installs packages, runs slurmd)"

alive() { # PIDFILE NAME: a live, non-zombie process of that name
  local pid=""; [ -f "$1" ] && pid=$(tr -dc "0-9" <"$1" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] \
    && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)" != Z ]
}
wait_for() { local i; for ((i = 0; i < $3 * 10; i++)); do alive "$1" "$2" && return 0; sleep 0.1; done; return 1; }

missing=0
for b in slurmctld slurmd sbatch squeue sinfo scontrol munged; do command -v "$b" >/dev/null || missing=1; done
if [ "$missing" = 1 ]; then
  log "installing slurm-wlm and munge (apt-get)"
  policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then # keep postinst scripts from starting daemons
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; policy=1
  fi
  rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; } \
    >/tmp/hashflood-slurm-apt.log 2>&1 || rc=$?
  [ "$policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || { tail -n 20 /tmp/hashflood-slurm-apt.log >&2; die "apt-get failed ($rc)"; }
fi

mkdir -p "$DIR"/{munge,munge-run,run,log,ctld,spool}
chmod 755 "$DIR" "$DIR/munge-run"   # munged wants a world-executable socket directory
chmod 700 "$DIR/munge"              # ... and a private key directory
KEY=$DIR/munge/munge.key SOCK=$DIR/munge-run/munge.socket CONF=$DIR/slurm.conf
MUNGE_PID=$DIR/munge-run/munged.pid CTLD_PID=$DIR/run/slurmctld.pid SLURMD_PID=$DIR/run/slurmd.pid
if [ ! -s "$KEY" ]; then
  mungekey --create --keyfile "$KEY" >/dev/null 2>&1 || dd if=/dev/urandom of="$KEY" bs=1 count=1024 2>/dev/null
  chmod 400 "$KEY"
fi

NODE=$(hostname -s)
HW=$(slurmd -C 2>/dev/null | head -n1)
CPUS=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$HW"); CPUS=${CPUS:-$(nproc)}
MEM=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$HW"); MEM=$(( ${MEM:-1024} * 9 / 10 ))
NODE_HW=$(sed -e 's/^NodeName=[^ ]* *//' -e 's/ *RealMemory=[0-9]*//' -e 's/ *UpTime=.*//' <<<"$HW")
cat >"$CONF" <<CONF
ClusterName=hashflood
SlurmctldHost=$NODE(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE ${NODE_HW:-CPUs=$CPUS} RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p /etc/slurm
if [ -L /etc/slurm/slurm.conf ] || [ ! -e /etc/slurm/slurm.conf ]; then ln -sfn "$CONF" /etc/slurm/slurm.conf; fi
export SLURM_CONF=$CONF

if ! alive "$MUNGE_PID" munged; then
  rm -f "$SOCK" "$SOCK.lock" "$MUNGE_PID"
  munged --socket="$SOCK" --key-file="$KEY" --pid-file="$MUNGE_PID" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/munge/munged.seed" >>"$DIR/log/munged.out" 2>&1 || die "munged failed"
  wait_for "$MUNGE_PID" munged 10 || die "munged did not start"
fi
if ! alive "$CTLD_PID" slurmctld; then
  slurmctld -f "$CONF" >>"$DIR/log/slurmctld.out" 2>&1 || { tail "$DIR/log/slurmctld.log" >&2; die "slurmctld failed"; }
  wait_for "$CTLD_PID" slurmctld 15 || die "slurmctld did not start"
fi
if ! alive "$SLURMD_PID" slurmd; then
  slurmd -f "$CONF" -N "$NODE" >>"$DIR/log/slurmd.out" 2>&1 || { tail "$DIR/log/slurmd.log" >&2; die "slurmd failed"; }
  wait_for "$SLURMD_PID" slurmd 15 || die "slurmd did not start"
fi
for ((i = 0; i < 240; i++)); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    idle|mixed|allocated) log "node $NODE is $state"; echo "SLURM_CONF=$CONF"; exit 0 ;;
    drain*|down*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.25
done
tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
die "node $NODE not ready (state: ${state:-none})"
