#!/usr/bin/env bash
# TRL 1.13.0 against TRL 1.16.0 over the same vLLM 0.26 on ONE GPU, as two variants of one
# scenario (scenarios/trl-1gpu-variants.yaml): colocate (sleep mode off) and hf on the 0.5b preset,
# interleaved in ABBA blocks, then `grpo-bench gate` on every run of a mode, pooled. Runs from the
# installed bundles (GRPO_BENCH_ROOT is the harness's payload); the vLLM bundle must have been
# built with both TRL releases as variant folders:
#   npx tsx scripts/bundle-gpu-vllm.ts .offline/vllm --variant trl=1.13.0 --variant trl=1.16.0
#
#   bash bench/gpu/variants-1gpu.sh receive   copy the bundle files carried into this checkout
#                                             (.offline/harness/*, .offline/vllm/*) to /tmp/gb-in/
#   bash bench/gpu/variants-1gpu.sh next      install both bundles (once), then run blocks within
#                                             BUDGET_S seconds; one archive per call
#
# A task is one `grpo-bench run --mode M --repeats 2`: two ABBA blocks (1.13, 1.16 | 1.16, 1.13),
# 4 units. A colocate unit starts vLLM (about 75 s on an H200, 2026-12-01), so a colocate task
# takes about 400 s and an hf task about 300 s: each call runs what fits. A run cut by the
# budget is interrupted cleanly and keeps its finished units: its whole blocks count, a lone
# unit is left unpaired. After each task the mode's runs so far are gated together (blocks
# pooled, each paired within its run). A mode is finished when it has MIN_BLOCKS (3) blocks and
# the verdict is not inconclusive, or MAX_BLOCKS (6) blocks. Results stay in /tmp/gb-variants
# between calls (the archive of each call carries them all, with the verdicts).
#
# BUDGET_S (default 560) counts from the start of the script, install included; 30 s are kept
# for the archive. MODES="hf" runs only that mode. Output: $OUT/variants-1gpu-<n>.tgz.
set -uo pipefail
stage=${1:?stage: receive | next}
out=${OUT:-/tmp/grpo-bench-gpu}
tmp=${GB_TMP:-/tmp}
inbox=$tmp/gb-in
state=$tmp/gb-variants
start=$(date +%s)
budget=${BUDGET_S:-560}
reserve=30
min_blocks=${MIN_BLOCKS:-3}
max_blocks=${MAX_BLOCKS:-6}
mkdir -p "$inbox/harness" "$inbox/vllm" "$state/results" "$out"

# The same inbox as trl-1gpu.sh: its receive stage copies and checks the parts.
if [ "$stage" = receive ]; then exec bash "$(dirname "$0")/trl-1gpu.sh" receive; fi
[ "$stage" = next ] || { echo "unknown stage $stage (receive | next)" >&2; exit 2; }

call=$(( $(cat "$state/calls" 2>/dev/null || echo 0) + 1 ))
echo "$call" > "$state/calls"
name=variants-1gpu-$call
work=$out/$name
mkdir -p "$work"
log() { echo "=== $(date +%T) +$(( $(date +%s) - start ))s $*" | tee -a "$state/session.log"; }
left() { echo $(( start + budget - reserve - $(date +%s) )); }

# 1. Install, once per machine (the gb-$kind folders are shared with trl-1gpu.sh: a vLLM bundle
#    installed there without variant folders is installed again).
source "$(dirname "$0")/bundles.sh"
install_bundles "$work" variants || exit 2
[ -n "${GRPO_BENCH_VARIANTS:-}" ] || { log "the vLLM bundle has no variant folders: build it with --variant trl=1.13.0 --variant trl=1.16.0"; exit 2; }
scenario=$GRPO_BENCH_ROOT/scenarios/trl-1gpu-variants.yaml
log "call $call, budget ${budget}s; variants in $GRPO_BENCH_VARIANTS: $(ls "$GRPO_BENCH_VARIANTS" | tr '\n' ' ')"
nvidia-smi > "$work/nvidia-smi-before.txt" 2>&1

# The mode's runs so far, gated together; prints "<blocks> <outcome>" (0 none when no run has a pair yet).
verdict() {
  local mode=$1 runs
  runs=$(ls -d "$state/results/$mode"/*/ 2>/dev/null)
  [ -n "$runs" ] || { echo "0 none"; return; }
  # shellcheck disable=SC2086
  grpo-bench gate $runs --json > "$state/gate-$mode.json" 2> "$state/gate-$mode.err"
  grpo-bench gate $runs > "$state/gate-$mode.md" 2>/dev/null
  python3 - "$state/gate-$mode.json" <<'PY' || echo "0 none"
import json, sys
v = json.load(open(sys.argv[1]))
print(min(min(len(c["baseline_runs"]), len(c["candidate_runs"])) for c in v["comparisons"]), v["outcome"])
PY
}

run_block() { # mode min_s: one task of 2 ABBA blocks, cut at the budget
  local mode=$1 min=$2 l t rc
  l=$(left)
  if [ "$l" -lt "$min" ]; then log "$mode: not started, ${l}s left (a task needs ${min}s)"; return 1; fi
  t=$(( l < 480 ? l : 480 ))
  mkdir -p "$state/results/$mode"
  log "$mode: grpo-bench run --mode $mode --repeats 2 (at most ${t}s)"
  timeout --signal=INT --kill-after=20 "$t" grpo-bench run "$scenario" --mode "$mode" --repeats 2 --no-report --out "$state/results/$mode" > "$work/$mode-$call.log" 2>&1
  rc=$?
  log "$mode: exit $rc"; tail -n 8 "$work/$mode-$call.log"
  # A run refused before it started (a variant that does not hold its TRL …) ends the mode: retrying cannot help.
  grep -q '^results: ' "$work/$mode-$call.log" || { log "$mode: refused before any unit started; see $mode-$call.log"; return 2; }
  return 0
}

for mode in ${MODES:-colocate hf}; do
  min=$([ "$mode" = colocate ] && echo 220 || echo 170)   # one block (2 units) at least
  while true; do
    read -r blocks outcome < <(verdict "$mode")
    log "$mode: $blocks block(s) so far, verdict $outcome"
    if [ "$blocks" -ge "$max_blocks" ] || { [ "$blocks" -ge "$min_blocks" ] && [ "$outcome" != inconclusive ]; }; then break; fi
    run_block "$mode" "$min" || break
  done
done

for mode in colocate hf; do [ -f "$state/gate-$mode.md" ] && { echo "== $mode"; head -n 12 "$state/gate-$mode.md"; }; done
nvidia-smi > "$work/nvidia-smi-after.txt" 2>&1
cp -r "$state/results" "$state/session.log" "$work/" 2>/dev/null
cp "$state"/gate-* "$work/" 2>/dev/null
tar -czf "$out/$name.tgz" -C "$out" "$name" && rm -rf "$work"
