#!/usr/bin/env bash
# TRL server mode on ONE GPU with IPC weight transfer ("server mode on a shared GPU with IPC weight
# transfer — not a layout TRL supports"), measured against colocate and hf on the same GPU
# (scenarios/trl-1gpu-server-ipc.yaml), from the installed offline bundles as bench/gpu/trl-1gpu.sh
# does (same receive/next stages, same bundles installed into /tmp, same state folder).
#
#   bash bench/gpu/server-ipc-1gpu.sh receive   copy .offline/harness/* and .offline/vllm/* to /tmp/gb-in/
#   bash bench/gpu/server-ipc-1gpu.sh next      install both bundles (once), then run the tasks not
#                                               yet done, in order, within BUDGET_S; one archive
#
# Tasks, in order (done ones remembered in /tmp/gb-state as srv-done-<task>):
#   preflight       what the IPC path needs on this host: `import ray` (vLLM 0.26's ipc_engine.py
#                   imports it at load), the vLLM IPC engine, trl, the GPU; the plan of the scenario
#   smoke-0.5b      server mode alone, 0.5b preset, 1 repeat, 2 steps (1 weight sync): does the
#                   shared-GPU IPC layout run end to end at all
#   0.5b-abba       server vs colocate vs hf, 3 repeats each, one run (ABBA: server colocate hf |
#                   hf colocate server | …); ~9 vLLM-free or vLLM starts, about 600 s on an H200 —
#                   give the call BUDGET_S=590 and nothing else
#   1.5b-abba       the same at the 1.5b preset, as budget allows
# A task starts only if at least its minimum time is left; a run cut short by the budget keeps
# every unit it finished (SIGINT) and is counted done once it printed its results folder. The
# measured runs start only after the smoke run passed; its logs are archived whatever it does.
#
# Output: $OUT/server-ipc-1gpu-<n>.tgz (results folders, each task's log, the preflight, the plan,
# nvidia-smi before and after). The prediction made beforehand on CPU (predict --gpus 1 --shared-gpu)
# is in docs/metrics.md, "Pre-registered: server on a shared GPU (IPC), one H200".
set -uo pipefail
stage=${1:?stage: receive | next}
out=${OUT:-/tmp/grpo-bench-gpu}
tmp=${GB_TMP:-/tmp}
inbox=$tmp/gb-in
state=$tmp/gb-state
start=$(date +%s)
budget=${BUDGET_S:-560}
reserve=30
mkdir -p "$inbox/harness" "$inbox/vllm" "$state" "$out"

# The same inbox as trl-1gpu.sh: its receive stage fills it.
[ "$stage" = receive ] && exec bash "$(dirname "$0")/trl-1gpu.sh" receive
[ "$stage" = next ] || { echo "unknown stage $stage (receive | next)" >&2; exit 2; }

call=$(( $(cat "$state/srv-calls" 2>/dev/null || echo 0) + 1 ))
echo "$call" > "$state/srv-calls"
name=server-ipc-1gpu-$call
work=$out/$name
mkdir -p "$work/results"
log() { echo "=== $(date +%T) +$(( $(date +%s) - start ))s $*" | tee -a "$work/session.log"; }
left() { echo $(( start + budget - reserve - $(date +%s) )); }
# Whatever happens below, what was made is archived under $OUT.
archive() {
  nvidia-smi > "$work/nvidia-smi-after.txt" 2>&1
  tar -czf "$out/$name.tgz" -C "$out" "$name" && rm -rf "$work"
  ls -la "$out"
}
trap archive EXIT

source "$(dirname "$0")/bundles.sh"
install_bundles "$work" || exit 2
scenario=$GRPO_BENCH_ROOT/scenarios/trl-1gpu-server-ipc.yaml
python=${GRPO_BENCH_PYTHON:-$(command -v python3)}
log "call $call, budget ${budget}s; harness $(command -v grpo-bench), root $GRPO_BENCH_ROOT"
nvidia-smi > "$work/nvidia-smi-before.txt" 2>&1

preflight() {
  [ -f "$state/srv-done-preflight" ] && return
  {
    echo "## python imports"
    for mod in ray vllm trl torch "vllm.distributed.weight_transfer.ipc_engine"; do
      if "$python" -c "import $mod" 2>/tmp/gb-import.err; then echo "ok  $mod"; else echo "NO  $mod: $(tail -n 1 /tmp/gb-import.err)"; fi
    done
    "$python" -c "import vllm, trl, torch; print('vllm', vllm.__version__, 'trl', trl.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
    echo "## plan"
    grpo-bench plan "$scenario" --mode server 2>&1 | head -n 20
  } > "$work/preflight.txt" 2>&1
  log "preflight:"; cat "$work/preflight.txt" | head -n 12
  touch "$state/srv-done-preflight"
}

task() { # name min_s cap_s grpo-bench-args...
  local name=$1 min=$2 cap=$3; shift 3
  if [ -f "$state/srv-done-$name" ]; then return; fi
  local l; l=$(left)
  if [ "$l" -lt "$min" ]; then log "$name: not started, ${l}s left (it needs ${min}s or more)"; return; fi
  local t=$(( l < cap ? l : cap ))
  log "$name: grpo-bench $* (at most ${t}s)"
  timeout --signal=INT --kill-after=20 "$t" grpo-bench "$@" --out "$work/results" > "$work/$name.log" 2>&1
  local rc=$?
  log "$name: exit $rc"; tail -n 15 "$work/$name.log"
  # The server's and trainer's own logs of a failed unit, to the session log (they are in the archive too).
  grep -l '"status":"error"\|Traceback' -r "$work/results" 2>/dev/null | head -n 4 | while read -r f; do log "error in $f"; tail -n 20 "$f"; done
  # The smoke run passes only whole; a measured run cut by the budget keeps (and is done with) the units it finished.
  if [ "$name" = smoke-0.5b ]; then
    grep -q '^results: .*(completed' "$work/$name.log" && touch "$state/srv-done-$name"
  elif grep -q '^results: ' "$work/$name.log"; then touch "$state/srv-done-$name"; fi
}

run_task() {
  case $1 in
    preflight) preflight ;;
    smoke-0.5b) task "$1" 150 400 run "$scenario" --mode server --point model=preset_0.5b --repeats 1 --steps 2 --warmup-steps 1 ;;
    0.5b-abba) task "$1" 400 590 run "$scenario" --point model=preset_0.5b --repeats 3 --no-report ;;
    1.5b-abba) task "$1" 400 590 run "$scenario" --point model=preset_1.5b --repeats 3 --no-report ;;
    *) log "unknown task $1" ;;
  esac
}
tasks=${TASKS:-preflight smoke-0.5b 0.5b-abba 1.5b-abba}
for t in $tasks; do
  # The measured runs wait for a smoke run that went through: a layout that does not run would only fail nine times.
  case $t in *-abba) [ -f "$state/srv-done-smoke-0.5b" ] || { log "$t: not started (the smoke run has not passed)"; continue; } ;; esac
  run_task "$t"
done
pending=$(for t in $tasks; do [ -f "$state/srv-done-$t" ] || printf '%s ' "$t"; done)
log "pending after this call: ${pending:-none}"
