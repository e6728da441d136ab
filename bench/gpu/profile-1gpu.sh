#!/usr/bin/env bash
# What-if profiles of TRL + vLLM on ONE GPU (docs/whatif.md): for each preset, `grpo-bench
# profile` starts `vllm serve` exactly as a server-mode run of scenarios/profile/trl-1gpu.yaml
# would (TRL 1.13's arguments, memory 0.9) on GPU 0, and drives it as TRL's rank 0 would for K
# simulated trainers (one request: K × B completions, unique prompts, n = 8), 2 measured requests
# per (K, B) after one warm-up. Only the server half runs here: the trainer half comes from the
# colocate / colocate-sleep / hf runs of bench/gpu/trl-1gpu.sh (same settings), joined later by
# `grpo-bench predict|reproduce <this profile> <those runs>`.
#   bash bench/gpu/profile-1gpu.sh [PRESET…]          (default: 0.5b 1.5b 7b)
# Needs: the vLLM + TRL bundle installed at /tmp/gb-vllm, and a harness bundle whose CLI has
# `profile` — /tmp/gb-harness if it has it, else .offline/harness (carried) or /tmp/gb-in/harness
# is installed into /tmp/gb-harness-whatif.
# Each preset has its own timeout so one stuck start cannot eat the rest; the archive
# $OUT/profile-1gpu.tgz is rewritten after each preset, so whatever finished comes back.
# Knobs: PROFILE_REQUESTS (2), PROFILE_TIMEOUT_<preset> (s), TRAINERS_<preset>, BATCHES_<preset>.
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/profile-1gpu
mkdir -p "$work/scenarios" "$work/results"
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }
pack() { tar -czf "$out/profile-1gpu.tgz.tmp" -C "$out" profile-1gpu && mv "$out/profile-1gpu.tgz.tmp" "$out/profile-1gpu.tgz"; }
presets=("$@"); [ ${#presets[@]} -gt 0 ] || presets=(0.5b 1.5b 7b)
started=$(date +%s)

# The grids: K = 1 … 8 where it is cheap; for the larger presets the points the published
# experiments need (1 and 7 trainers at batches 8 and 32, and K in between).
declare -A TRAINERS=([0.5b]="1-8" [1.5b]="1,2,4,7,8" [7b]="1,4,7")
declare -A BATCHES=([0.5b]="8,32" [1.5b]="8,32" [7b]="8,32")
# 2026-12-01: 150 s was too short for the first preset's vLLM start with an empty compile cache
# (no request finished), 170 s cut the 0.5b and 1.5b grids at 14 and 20 of 20 requests.
declare -A LIMIT=([0.5b]=220 [1.5b]=200 [7b]=210)

# The bundles: vLLM + TRL first, then the harness, whose env.sh sets GRPO_BENCH_ROOT to its
# payload (everything runs from the installed harness, as bench/gpu/trl-1gpu.sh does). A harness
# without `profile` (built before it) is left alone; a newer one carried in .offline/harness (or
# received into /tmp/gb-in/harness) is installed beside it.
# shellcheck disable=SC1091
source /tmp/gb-vllm/env.sh || { echo "the vLLM + TRL bundle is not installed at /tmp/gb-vllm" >&2; exit 2; }
# shellcheck disable=SC1091
[ -f /tmp/gb-harness/env.sh ] && source /tmp/gb-harness/env.sh
if ! grpo-bench profile --help > /dev/null 2>&1; then
  src=.offline/harness; [ -f "$src/install.sh" ] || src=/tmp/gb-in/harness
  [ -f "$src/install.sh" ] || { echo "no harness with 'profile': carry .offline/harness built from main with the whatif work" >&2; exit 2; }
  (cd "$src" && bash install.sh /tmp/gb-harness-whatif) > "$work/install-harness.log" 2>&1
  log "harness bundle with profile installed into /tmp/gb-harness-whatif: exit $?"
  # shellcheck disable=SC1091
  source /tmp/gb-harness-whatif/env.sh
fi
export PYTHONUNBUFFERED=1 VLLM_HOST_IP=127.0.0.1 VLLM_CACHE_ROOT=${VLLM_CACHE_ROOT:-/tmp/gb-vllm-cache}
export VLLM_USE_FLASHINFER_SAMPLER=${VLLM_USE_FLASHINFER_SAMPLER:-0}
root=$GRPO_BENCH_ROOT
log "host: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1); $(python3 -c 'import torch, vllm, trl; print("torch", torch.__version__, "vllm", vllm.__version__, "trl", trl.__version__)' 2>&1 | tail -1)"

# Each preset's scenario; the later presets' model folders are written ahead, on the CPU, in the
# background while the first preset's server runs (the first one's serve.py writes its own, on
# the GPU, before vLLM starts). Folders a run in this machine session wrote already are reused.
first=${presets[0]}
for p in "${presets[@]}"; do
  f=$work/scenarios/profile-trl-1gpu-$p.yaml
  sed -e "s/^model: .*/model: preset:$p/" -e "s/^name: .*/name: profile-trl-1gpu-$p/" "$root/scenarios/profile/trl-1gpu.yaml" > "$f"
  folder=$(grpo-bench plan "$f" --mode colocate --json 2>/dev/null | python3 -c '
import json, sys
plan = json.load(sys.stdin)
argv = plan["units"][0]["processes"][-1]["argv"]
print(json.loads(argv[argv.index("--config") + 1])["model"].get("folder", ""))' 2>/dev/null)
  if [ "$p" != "$first" ] && [ -n "$folder" ] && [ ! -f "$folder/.complete" ]; then
    # On the CPU: the GPU is held by the server being profiled meanwhile.
    CUDA_VISIBLE_DEVICES= python3 -c "import sys; sys.path.insert(0, '$root/src/workloads'); from common.presets import ensure_preset; ensure_preset('$p', '$folder', 0)" \
      > "$work/preset-$p.log" 2>&1 &
    log "$p: writing the preset folder in the background ($folder)"
  fi
done

for p in "${presets[@]}"; do
  f=$work/scenarios/profile-trl-1gpu-$p.yaml
  t=${LIMIT[$p]:-200}; v=PROFILE_TIMEOUT_${p//./_}; t=${!v:-$t}
  k=${TRAINERS[$p]:-1-8}; v=TRAINERS_${p//./_}; k=${!v:-$k}
  b=${BATCHES[$p]:-8}; v=BATCHES_${p//./_}; b=${!v:-$b}
  log "$p: grpo-bench profile (trainers $k, batches $b, ${t} s at most; $(( $(date +%s) - started )) s so far)"
  timeout --kill-after=15 "$t" grpo-bench profile "$f" --trainers "$k" --batches "$b" --requests "${PROFILE_REQUESTS:-2}" \
    --warmup-requests 1 --trainer-mode none --no-report --out "$work/results" > "$work/profile-$p.log" 2>&1
  log "$p: exit $?"; tail -n 25 "$work/profile-$p.log"
  pack
done
wait
nvidia-smi > "$work/nvidia-smi-after.txt" 2>&1
log "done in $(( $(date +%s) - started )) s"
pack && rm -rf "$work"
ls -la "$out"
