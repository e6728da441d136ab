#!/usr/bin/env bash
# TRL + vLLM on ONE GPU from the installed offline bundles, as a new user would
# (offline/README.md): colocate with sleep mode off and on, and hf, for the 0.5b, 1.5b and 7b
# presets (scenarios/trl-1gpu.yaml, equal settings), then the 7b preset's memory headroom.
#   bash bench/gpu/trl-1gpu.sh [PRESET…]        (default: 0.5b 1.5b 7b)
# Needs: the harness bundle installed at /tmp/gb-harness (bench/gpu/known-truth.sh does it, or
# `bash .offline/harness/install.sh /tmp/gb-harness`) and the vLLM + TRL bundle's parts under
# /tmp/gb-vllm-parts (install.sh, SHA256SUMS, bundle.tar.part*). Every run has its own timeout so
# one stuck start cannot eat the rest; results folders are kept as they finish, and everything
# goes into ONE archive, $OUT/trl-1gpu.tgz. MODES (default "colocate colocate-sleep hf"),
# STEPS/WARMUP override the scenario's, HEADROOM=0 skips the headroom search.
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/trl-1gpu
mkdir -p "$work/scenarios" "$work/results"
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }
presets=("$@"); [ ${#presets[@]} -gt 0 ] || presets=(0.5b 1.5b 7b)
modes=${MODES:-colocate colocate-sleep hf}

# shellcheck disable=SC1091
source /tmp/gb-harness/env.sh || { echo "the harness bundle is not installed at /tmp/gb-harness" >&2; exit 2; }
if [ ! -f /tmp/gb-vllm/env.sh ]; then
  (cd /tmp/gb-vllm-parts && bash install.sh --check && bash install.sh /tmp/gb-vllm) > "$work/install-vllm.log" 2>&1
  log "vLLM + TRL bundle install: exit $?"; tail -n 4 "$work/install-vllm.log"
fi
# shellcheck disable=SC1091
source /tmp/gb-vllm/env.sh
export GRPO_BENCH_ROOT=$PWD GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} PYTHONUNBUFFERED=1 VLLM_HOST_IP=127.0.0.1
grpo-bench doctor > "$work/doctor.txt" 2>&1
extra=()
[ -n "${STEPS:-}" ] && extra+=(--steps "$STEPS")
[ -n "${WARMUP:-}" ] && extra+=(--warmup-steps "$WARMUP")

for p in "${presets[@]}"; do
  base=$work/scenarios/trl-1gpu-$p.yaml
  sed -e "s/^model: .*/model: preset:$p/" -e "s/^name: .*/name: trl-1gpu-$p/" scenarios/trl-1gpu.yaml > "$base"
  sed -e 's/enable_sleep_mode: false/enable_sleep_mode: true/' -e "s/^name: .*/name: trl-1gpu-$p-sleep/" "$base" > "${base%.yaml}-sleep.yaml"
  for m in $modes; do
    case $m in
      colocate) file=$base mode=colocate t=200 ;;
      colocate-sleep) file=${base%.yaml}-sleep.yaml mode=colocate t=200 ;;
      hf) file=$base mode=hf t=150 ;;
    esac
    log "$p $m: grpo-bench run $file --mode $mode ${extra[*]}"
    timeout --kill-after=15 "$t" grpo-bench run "$file" --mode "$mode" "${extra[@]}" --no-report --out "$work/results" > "$work/$p-$m.log" 2>&1
    log "$p $m: exit $?"; tail -n 6 "$work/$p-$m.log"
  done
done
if [ "${HEADROOM:-1}" = 1 ] && grpo-bench --help 2>&1 | grep -q "^  grpo-bench headroom"; then
  log "7b headroom: grpo-bench headroom"
  timeout --kill-after=15 "${HEADROOM_S:-150}" grpo-bench headroom "$work/scenarios/trl-1gpu-7b.yaml" --out "$work/results" > "$work/headroom-7b.log" 2>&1
  log "7b headroom: exit $?"; tail -n 20 "$work/headroom-7b.log"
fi
nvidia-smi > "$work/nvidia-smi-after.txt" 2>&1
tar -czf "$out/trl-1gpu.tgz" -C "$out" trl-1gpu && rm -rf "$work"
ls -la "$out"
