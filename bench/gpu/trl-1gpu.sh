#!/usr/bin/env bash
# TRL + vLLM on ONE GPU from the installed offline bundles, as a new user would
# (offline/README.md): colocate with vLLM's sleep mode off and on, and hf, for the 0.5b, 1.5b and
# 7b presets (scenarios/trl-1gpu.yaml, one sweep, equal settings), then the 7b preset's memory
# headroom. Everything runs from the installed harness (GRPO_BENCH_ROOT is its payload), not from
# this checkout.
#
#   bash bench/gpu/trl-1gpu.sh receive   copy the bundle files carried into this checkout
#                                        (.offline/harness/*, .offline/vllm/*) to /tmp/gb-in/, where
#                                        they survive the next call; say which parts are there
#   bash bench/gpu/trl-1gpu.sh next      install both bundles (once), then run the tasks not yet
#                                        done, in order, within BUDGET_S seconds; one archive
#
# Tasks, in order (each a `grpo-bench run` or `headroom`; done ones are remembered in
# /tmp/gb-state, so the next call goes on where this one stopped). The order puts first what
# the committed results lack (bench/gpu/results/2026-12-01-1xH200: the 7b headroom is there,
# and 3 runs of 0.5b colocate without sleep over two sittings):
#   1.5b-hf           the one cell of the table never measured
#   0.5b-colocate     sleep off and on, 3 repeats each (6 vLLM starts)
#   0.5b-hf           3 repeats
#   7b-colocate-off   the 7b run that the first sitting cut after one step
#   1.5b-colocate, 7b-colocate-sleep, 7b-hf   the rest of the table, once more
#   7b-headroom       largest per-device batch (16, 64), smallest vLLM memory share (0.2, 0.1)
# A task starts only if at least its minimum time is left, and gets at most what is left: a run
# cut short by the budget is interrupted cleanly and keeps every unit it finished. Each colocate
# unit starts vLLM (about 75 s a unit on an H200, 2026-12-01), which is why the budget, not the
# task list, decides how much one call covers (two 0.5b colocate runs fitted in 195 s).
#
# BUDGET_S (default 560) counts from the start of the script, install included; 30 s of it are
# kept for the archive. TASKS="7b-headroom 0.5b-hf" runs only those, in that order. Output: $OUT/trl-1gpu-<n>.tgz (results folders, logs, doctor, nvidia-smi).
set -uo pipefail
stage=${1:?stage: receive | next}
out=${OUT:-/tmp/grpo-bench-gpu}
tmp=${GB_TMP:-/tmp}   # where what must outlive a call lives (another folder to try the script elsewhere)
inbox=$tmp/gb-in
state=$tmp/gb-state
start=$(date +%s)
budget=${BUDGET_S:-560}
reserve=30
mkdir -p "$inbox/harness" "$inbox/vllm" "$state" "$out"

if [ "$stage" = receive ]; then
  for kind in harness vllm; do
    shopt -s nullglob
    for f in .offline/$kind/*; do cp -f "$f" "$inbox/$kind/"; done
    shopt -u nullglob
    echo "== $kind: $(ls "$inbox/$kind" | tr '\n' ' ')"
    [ -f "$inbox/$kind/install.sh" ] && (cd "$inbox/$kind" && bash install.sh --check)
  done
  df -h /tmp | tail -n 1
  exit 0
fi
[ "$stage" = next ] || { echo "unknown stage $stage (receive | next)" >&2; exit 2; }

call=$(( $(cat "$state/calls" 2>/dev/null || echo 0) + 1 ))
echo "$call" > "$state/calls"
name=trl-1gpu-$call
work=$out/$name
mkdir -p "$work/results"
log() { echo "=== $(date +%T) +$(( $(date +%s) - start ))s $*" | tee -a "$work/session.log"; }
left() { echo $(( start + budget - reserve - $(date +%s) )); }

# 1. Install, once per machine: the vLLM + TRL wheels first, then the harness, whose env.sh sets
#    GRPO_BENCH_ROOT to its payload.
source "$(dirname "$0")/bundles.sh"
install_bundles "$work" || exit 2
scenario=$GRPO_BENCH_ROOT/scenarios/trl-1gpu.yaml
log "call $call, budget ${budget}s; harness $(command -v grpo-bench), root $GRPO_BENCH_ROOT"
if [ ! -f "$state/done-doctor" ]; then  # once: it costs ~20 s of the budget
  grpo-bench doctor > "$work/doctor.txt" 2>&1; log "doctor: exit $?"; tail -n 4 "$work/doctor.txt"; touch "$state/done-doctor"
fi
nvidia-smi > "$work/nvidia-smi-before.txt" 2>&1

point() { echo "model=preset_$1,enable_sleep_mode=$2"; }
task() { # name min_s cap_s grpo-bench-args...
  local name=$1 min=$2 cap=$3; shift 3
  if [ -f "$state/done-$name" ]; then return; fi
  local l; l=$(left)
  if [ "$l" -lt "$min" ]; then log "$name: not started, ${l}s left (it needs ${min}s or more)"; return; fi
  local t=$(( l < cap ? l : cap ))
  log "$name: grpo-bench $* (at most ${t}s)"
  # SIGINT first: the run stops its processes and keeps every finished unit; SIGKILL 20 s later.
  timeout --signal=INT --kill-after=20 "$t" grpo-bench "$@" --out "$work/results" > "$work/$name.log" 2>&1
  local rc=$?
  log "$name: exit $rc"; tail -n 12 "$work/$name.log"
  # Done when it ran to its end (a failed unit is a result too); not when the budget cut it short
  # (124, 130) or it was refused before starting anything (no results line): the next call retries.
  if [ "$rc" -ne 124 ] && [ "$rc" -ne 130 ] && grep -q '^results: ' "$work/$name.log"; then touch "$state/done-$name"; fi
}

# name → min_s cap_s grpo-bench arguments
run_task() {
  case $1 in
    0.5b-colocate) task "$1" 150 500 run "$scenario" --mode colocate --point "$(point 0.5b false)" --point "$(point 0.5b true)" --no-report ;;
    0.5b-hf) task "$1" 70 260 run "$scenario" --mode hf --point "$(point 0.5b false)" --no-report ;;
    7b-headroom) task "$1" 150 460 headroom "$scenario" --point "$(point 7b false)" --batches 16,64 --utilizations 0.2,0.1 --steps 3 --warmup-steps 1 ;;
    1.5b-hf) task "$1" 90 160 run "$scenario" --mode hf --repeats 1 --point "$(point 1.5b false)" --no-report ;;
    7b-colocate-off) task "$1" 180 300 run "$scenario" --mode colocate --repeats 1 --point "$(point 7b false)" --no-report ;;
    1.5b-colocate) task "$1" 160 260 run "$scenario" --mode colocate --repeats 1 --point "$(point 1.5b false)" --point "$(point 1.5b true)" --no-report ;;
    7b-colocate-sleep) task "$1" 150 240 run "$scenario" --mode colocate --repeats 1 --point "$(point 7b true)" --no-report ;;
    7b-hf) task "$1" 100 180 run "$scenario" --mode hf --repeats 1 --point "$(point 7b false)" --no-report ;;
    *) log "unknown task $1" ;;
  esac
}
tasks=${TASKS:-1.5b-hf 0.5b-colocate 0.5b-hf 7b-colocate-off 1.5b-colocate 7b-colocate-sleep 7b-hf 7b-headroom}
for t in $tasks; do run_task "$t"; done

pending=$(for t in $tasks; do [ -f "$state/done-$t" ] || printf '%s ' "$t"; done)
log "pending after this call: ${pending:-none}"
nvidia-smi > "$work/nvidia-smi-after.txt" 2>&1
tar -czf "$out/$name.tgz" -C "$out" "$name" && rm -rf "$work"
ls -la "$out"
