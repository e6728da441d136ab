#!/usr/bin/env bash
# The regression gate on one GPU: an A/A calibration of a short synthetic scenario and the gate
# against known slowdowns (the synthetic workload's `slowdown` knob at 5 % and 10 %).
#
# Four results folders of REPEATS runs each (default 5), in the order A, S5, S10, A′ so that
# drift over the session falls on both sides: A and A′ with the scenario as it is, S5 and S10
# with `slowdown: 0.05` and `0.10`. Then `calibrate --from A A′` writes the noise profile, and
# `compare` judges A′, S5 and S10 against A, and S5 and S10 against A′, with that profile.
#
# From the project root on a GPU host that has torch, with node and the one-file CLI:
#   source .gpuhost/setup.sh            # node on PATH (see ../shared/gpu-host or docs/offline-hosts.md)
#   bash bench/gpu/gate-1gpu.sh         # writes $OUT/gate-1gpu.tgz
# Settings (environment): SCENARIO (scenarios/gpu-0.5b-1gpu.yaml), REPEATS (5), STEPS and
# WARMUP (the scenario's), GRPO_BENCH_CLI (.gpucli/grpo-bench.mjs; `npx tsx src/cli.ts` works
# too, as CLI="npx tsx src/cli.ts"), OUT (/tmp/grpo-bench-gpu).
# Folders are written as they finish, so a run cut short still leaves what it measured under
# $OUT/gate-1gpu/ (the archive is made at the end).
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/gate-1gpu
results=$work/results
scenario=${SCENARIO:-scenarios/gpu-0.5b-1gpu.yaml}
repeats=${REPEATS:-5}
mkdir -p "$results" "$work/scenarios" "$work/verdicts"
export GRPO_BENCH_ROOT=$PWD GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} PYTHONUNBUFFERED=1
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
if [ -n "${CLI:-}" ]; then read -r -a cli <<< "$CLI"; else cli=(node "${GRPO_BENCH_CLI:-.gpucli/grpo-bench.mjs}"); fi
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }
extra=()
[ -n "${STEPS:-}" ] && extra+=(--steps "$STEPS")
[ -n "${WARMUP:-}" ] && extra+=(--warmup-steps "$WARMUP")

# One scenario file per arm: the same scenario (same name, so one noise profile) with its slowdown.
for arm in a:0 s5:0.05 s10:0.10; do
  name=${arm%%:*} slow=${arm##*:}
  { grep -v '^slowdown:' "$scenario"; echo "slowdown: $slow"; } > "$work/scenarios/$name.yaml"
done

declare -A dir
run_arm() { # label scenario-name
  local label=$1 file=$work/scenarios/$2.yaml before after
  before=$(ls -1 "$results")
  log "$label: ${cli[*]} run $file --repeats $repeats ${extra[*]}"
  "${cli[@]}" run "$file" --repeats "$repeats" "${extra[@]}" --no-report --out "$results" > "$work/$label.log" 2>&1
  log "$label: exit $?"
  tail -n 8 "$work/$label.log"
  after=$(ls -1 "$results")
  dir[$label]=$results/$(comm -13 <(echo "$before") <(echo "$after") | grep -v '^noise-profiles$' | head -n 1)
}

log "gate-1gpu on $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || echo 'no GPU'); $scenario, $repeats runs per folder"
"${cli[@]}" doctor > "$work/doctor.txt" 2>&1
run_arm A a
run_arm S5 s5
run_arm S10 s10
run_arm A2 a

log "calibrate --from A A′"
"${cli[@]}" calibrate "$scenario" --from "${dir[A]}" "${dir[A2]}" --out "$results" > "$work/calibrate.txt" 2>&1
log "calibrate: exit $?"
cat "$work/calibrate.txt"

judge() { # name baseline candidate
  "${cli[@]}" compare "${dir[$2]}" "${dir[$3]}" --allow-different slowdown --json > "$work/verdicts/$1.json" 2> "$work/verdicts/$1.err"
  local rc=$?
  "${cli[@]}" compare "${dir[$2]}" "${dir[$3]}" --allow-different slowdown > "$work/verdicts/$1.md" 2>&1
  log "compare $1 ($3 against $2): exit $rc"
}
judge aa A A2
judge s5-vs-a A S5
judge s10-vs-a A S10
judge s5-vs-a2 A2 S5
judge s10-vs-a2 A2 S10
for f in "$work"/verdicts/*.md; do echo "--- $(basename "$f")"; head -n 12 "$f"; done

tar -czf "$out/gate-1gpu.tgz" -C "$out" gate-1gpu && rm -rf "$work"
ls -la "$out"
