#!/usr/bin/env bash
# The GPU measurements behind the project's notes, on an offline host with 2 GPUs that has
# torch (see docs/offline-hosts.md). From the project root on that host:
#   bash bench/gpu/two-gpu.sh core   synthetic 0.5b (server vs colocate), TRL hf 0.5b, nvidia-smi recordings
#   bash bench/gpu/two-gpu.sh aa     the synthetic scenario again: with core's run, an A/A pair (the machine's run-to-run spread)
#   bash bench/gpu/two-gpu.sh vllm   install the vLLM bundle (.offline/vllm), check it, TRL server and colocate
# Needs: `source .gpuhost/setup.sh` (node, TRL wheels) and the one-file CLI in .gpucli/ (or
# GRPO_BENCH_CLI). Everything it writes goes to $OUT/<stage>.tgz (reports are rendered where
# the archive is brought back: `grpo-bench report results/<run-id>`).
set -uo pipefail
stage=${1:?stage: core | aa | vllm}
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/$stage
mkdir -p "$work"
export GRPO_BENCH_ROOT=$PWD GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} PYTHONUNBUFFERED=1
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
cli=(node "${GRPO_BENCH_CLI:-.gpucli/grpo-bench.mjs}")
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }
run() { # name timeout args...
  local name=$1 t=$2; shift 2
  log "$name: ${cli[*]} $*"
  timeout --kill-after=15 "$t" "${cli[@]}" "$@" > "$work/$name.log" 2>&1
  local rc=$?
  log "$name: exit $rc"
  tail -n 30 "$work/$name.log"
}
record_smi() { # the raw nvidia-smi output the telemetry parsers read, as test fixtures
  local d=$work/nvidia-smi
  mkdir -p "$d"
  nvidia-smi > "$d/banner.txt" 2>&1
  nvidia-smi --help-query-gpu > "$d/help-query-gpu.txt" 2>&1
  nvidia-smi --query-gpu=index,name,uuid,memory.total,driver_version,clocks.max.sm,power.limit --format=csv,noheader,nounits > "$d/query-gpu-inventory.csv" 2>&1
  nvidia-smi --query-gpu=index,uuid,memory.used --format=csv,noheader,nounits > "$d/query-gpu-ids.csv" 2>&1
  (sleep "$1"
   nvidia-smi --query-compute-apps=pid,process_name,used_memory,gpu_uuid --format=csv,noheader,nounits > "$d/query-compute-apps.csv" 2>&1
   timeout 3 nvidia-smi --query-gpu=timestamp,index,utilization.gpu,memory.used,memory.total,power.draw,clocks.sm,temperature.gpu,clocks_event_reasons.active --format=csv,noheader,nounits -lms 200 > "$d/query-gpu-stream.csv" 2>&1
   timeout 3 nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits -lms 500 > "$d/query-compute-apps-stream.csv" 2>&1) &
}

log "stage $stage on $(nvidia-smi --query-gpu=name --format=csv,noheader | sort | uniq -c | xargs)"
case $stage in
  core)
    "${cli[@]}" doctor > "$work/doctor.txt" 2>&1
    record_smi 75
    run synthetic 330 run scenarios/gpu-0.5b.yaml --no-report --out "$work/results"
    python3 src/workloads/trl/capture.py hf > "$work/trl-capture.txt" 2>&1
    run trl-hf 240 run scenarios/trl-0.5b-2gpu.yaml --mode hf --steps 5 --warmup-steps 2 --no-report --out "$work/results"
    ;;
  aa)
    run synthetic-again 330 run scenarios/gpu-0.5b.yaml --no-report --out "$work/results"
    ;;
  vllm)
    bundle=.offline/vllm
    bash "$bundle/install.sh" /tmp/gb-vllm > "$work/install.log" 2>&1; log "install: exit $?"; tail -n 5 "$work/install.log"
    # shellcheck disable=SC1091
    source /tmp/gb-vllm/env.sh
    export GRPO_BENCH_ROOT=$PWD VLLM_HOST_IP=127.0.0.1
    timeout 120 python3 -c "import vllm, trl, torch; print('vllm', vllm.__version__, 'trl', trl.__version__, 'torch', torch.__version__)" > "$work/imports.log" 2>&1
    log "imports: exit $?"; tail -n 15 "$work/imports.log"
    "${cli[@]}" doctor > "$work/doctor.txt" 2>&1
    run trl-server 240 run scenarios/trl-0.5b-2gpu.yaml --mode server --steps 4 --warmup-steps 1 --no-report --out "$work/results"
    run trl-colocate 240 run scenarios/trl-0.5b-2gpu.yaml --mode colocate --steps 4 --warmup-steps 1 --no-report --out "$work/results"
    ;;
  *) echo "unknown stage $stage" >&2; exit 2 ;;
esac
wait
tar -czf "$out/$stage.tgz" -C "$out" "$stage" && rm -rf "$work"
ls -la "$out"
