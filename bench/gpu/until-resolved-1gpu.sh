#!/usr/bin/env bash
# Stop when answered, on one GPU: `run --until-resolved` against the synthetic workload's known
# slowdowns (5 % and 10 %), each a two-point sweep (slowdown 0 and s) of one colocate mode run in
# interleaved ABBA blocks until the sequential rule resolves or the budget runs out. Prints, per
# comparison, the last look and the seconds of runs it took (the GPU-seconds per verdict on one
# GPU), and keeps the folders.
#
# From the project root on a GPU host that has torch, with node and the one-file CLI:
#   source .gpuhost/setup.sh
#   bash bench/gpu/until-resolved-1gpu.sh      # writes $OUT/until-resolved-1gpu.tgz
# Settings (environment): SCENARIO (scenarios/gpu-0.5b-1gpu.yaml), BUDGET_S (600 per comparison),
# THRESHOLD (0.02), GRPO_BENCH_CLI (.gpucli/grpo-bench.mjs; or CLI="npx tsx src/cli.ts"), OUT
# (/tmp/grpo-bench-gpu).
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/until-resolved-1gpu
scenario=${SCENARIO:-scenarios/gpu-0.5b-1gpu.yaml}
budget=${BUDGET_S:-600}
threshold=${THRESHOLD:-0.02}
mkdir -p "$work/results" "$work/scenarios"
export GRPO_BENCH_ROOT=$PWD GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} PYTHONUNBUFFERED=1
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
if [ -n "${CLI:-}" ]; then read -r -a cli <<< "$CLI"; else cli=(node "${GRPO_BENCH_CLI:-.gpucli/grpo-bench.mjs}"); fi
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }

# One scenario per comparison: the scenario with a sweep of its slowdown, 0 (baseline) and s.
for arm in s5:0.05 s10:0.10; do
  name=${arm%%:*} slow=${arm##*:}
  { grep -v '^slowdown:\|^sweep:\|^repeats:' "$scenario"; echo "sweep: { slowdown: [0, $slow] }"; } > "$work/scenarios/$name.yaml"
done

for name in s5 s10; do
  log "$name: ${cli[*]} run $work/scenarios/$name.yaml --until-resolved --budget-s $budget --threshold $threshold"
  start=$(date +%s)
  "${cli[@]}" run "$work/scenarios/$name.yaml" --until-resolved --budget-s "$budget" --threshold "$threshold" --no-report --out "$work/results" > "$work/$name.log" 2>&1
  log "$name: exit $?, $(( $(date +%s) - start )) s wall"
  grep '^until resolved:' "$work/$name.log" | tee -a "$work/session.log"
done
tar -czf "$out/until-resolved-1gpu.tgz" -C "$out" until-resolved-1gpu && log "archive: $out/until-resolved-1gpu.tgz"
