#!/usr/bin/env bash
# A real two-node SLURM cluster on this one host, for the launcher's tests (docs/slurm.md).
#
#   scripts/slurm-test-cluster.sh install   Debian's munge, slurmd, slurmctld, slurm-client (root)
#   scripts/slurm-test-cluster.sh start     start munged, slurmctld and one slurmd per node
#   scripts/slurm-test-cluster.sh stop      stop every daemon by its pid file
#   scripts/slurm-test-cluster.sh status    sinfo of the cluster
#
# Both nodes (n1, n2) are 127.0.0.1 with their own slurmd port. Everything the daemons write
# (config, munge key and socket, state, pid files, logs) lives under one folder,
# $GRPO_BENCH_SLURM_DIR (default /tmp/grpo-bench-slurm), so the cluster needs nothing from /etc
# and no systemd. Client commands find it through SLURM_CONF=$GRPO_BENCH_SLURM_DIR/slurm.conf;
# the tests look there too when SLURM_CONF is not set.
set -euo pipefail

DIR=${GRPO_BENCH_SLURM_DIR:-/tmp/grpo-bench-slurm}
CTLD_PORT=${GRPO_BENCH_SLURM_PORT:-6817}
NODES=(n1 n2)

log() { echo "slurm-test-cluster: $*" >&2; }

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return
  fi
  [ "$(id -u)" = 0 ] || { log "installing needs root (apt-get)"; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends munge slurmd slurmctld slurm-client >/dev/null
}

write_config() {
  local host
  host=$(hostname -s)
  cat >"$DIR/slurm.conf" <<EOF
# The grpo-bench test cluster: two nodes on one host (scripts/slurm-test-cluster.sh).
ClusterName=grpo-bench-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# No accounting: scontrol show job still gives a job's state, reason and exit code.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
# Without it a job waits for the backfill scheduler's default 30 s cycle.
SchedulerParameters=bf_interval=1
# Short waits keep the tests short: SIGTERM to SIGKILL after 5 s, a time limit noticed soon.
KillWait=5
OverTimeLimit=0
MinJobAge=300
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MpiDefault=none
EOF
  for i in "${!NODES[@]}"; do
    echo "NodeName=${NODES[$i]} NodeAddr=127.0.0.1 Port=$((CTLD_PORT + 1 + i)) CPUs=1 State=UNKNOWN" >>"$DIR/slurm.conf"
  done
  echo "PartitionName=debug Nodes=$(IFS=,; echo "${NODES[*]}") Default=YES MaxTime=INFINITE State=UP" >>"$DIR/slurm.conf"
}

start() {
  install
  if [ -f "$DIR/run/slurmctld.pid" ] && kill -0 "$(cat "$DIR/run/slurmctld.pid")" 2>/dev/null; then
    log "already running (SLURM_CONF=$DIR/slurm.conf)"
    return
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"/{munge,state,run,log} "${NODES[@]/#/$DIR/spool/}"
  # munged refuses key, socket and log folders that others may write; one 755 folder does.
  chmod 755 "$DIR" "$DIR/munge"
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$DIR/munge/munge.key"
  munged --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket.2" \
    --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
  write_config
  export SLURM_CONF="$DIR/slurm.conf"
  slurmctld -i
  for n in "${NODES[@]}"; do slurmd -N "$n"; done
  # Up when both nodes answer as idle.
  for _ in $(seq 1 100); do
    if [ "$(sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l)" = "${#NODES[@]}" ]; then
      log "up: ${NODES[*]} (SLURM_CONF=$SLURM_CONF)"
      return
    fi
    sleep 0.1
  done
  log "the nodes did not come up; logs in $DIR/log"
  sinfo -N >&2 || true
  tail -n 20 "$DIR"/log/*.log >&2 || true
  exit 1
}

stop_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop() {
  [ -d "$DIR/run" ] || return 0
  for n in "${NODES[@]}"; do stop_pid "$DIR/run/slurmd-$n.pid"; done
  stop_pid "$DIR/run/slurmctld.pid"
  stop_pid "$DIR/run/munged.pid"
  log "stopped"
}

case ${1:-} in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) SLURM_CONF="$DIR/slurm.conf" sinfo -N ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
