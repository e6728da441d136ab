#!/usr/bin/env bash
# The known-truth check of the GPU telemetry views (docs/metrics.md "Known-truth check"), on a
# GPU host that has Python, torch and nvidia-ml-py but maybe no Node. From the project root:
#   bash bench/gpu/known-truth.sh
# Needs the harness bundle with node in .offline/harness (made where the project is checked out:
#   npx tsx src/cli.ts bundle --out .offline/harness --python 3.12 --node \
#     --have-file offline/gpu-host-have.txt --resolver-python "$(pyenv prefix 3.12)/bin/python3.12"
# ) unless `grpo-bench` is already on PATH. Runs bench/gpu/known-truth.py under `grpo-bench sample`:
#   nvml-100ms     NVML sampler (utilization.gpu, GPM SM/tensor activity, energy counter), 100 ms
#   smi-100ms      the nvidia-smi stream at 100 ms, for the same program
#   nvml-20ms      NVML at 20 ms, one short cycle: how often each field's value really changes
# with `nvidia-smi dmon --gpm-metrics` recorded beside the first. Prints each per-segment table;
# everything goes into ONE archive, $OUT/known-truth.tgz (tables, samples, events, logs).
# KT_GPU picks the GPU (default 0); KT_SECONDS the segment length (default 6); KT_DEVICE=cpu
# runs the program's CPU stand-ins (to try this script on a machine without a GPU).
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/known-truth
mkdir -p "$work"
gpu=${KT_GPU:-0}
seconds=${KT_SECONDS:-6}
device=${KT_DEVICE:-cuda}
export PYTHONUNBUFFERED=1
log() { echo "=== $(date +%T) $*" | tee -a "$work/session.log"; }

if ! command -v grpo-bench > /dev/null; then
  bundle=.offline/harness
  [ -f "$bundle/install.sh" ] || { echo "no grpo-bench on PATH and no bundle in $bundle (see the header of $0)" >&2; exit 2; }
  GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} bash "$bundle/install.sh" /tmp/gb-harness > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 2; }
  # shellcheck disable=SC1091
  source /tmp/gb-harness/env.sh
fi
export GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3}
# The program and the sampler read the project's own Python files from this checkout.
export GRPO_BENCH_ROOT=$PWD

{
  echo "node $(node --version 2>&1)"
  "$GRPO_BENCH_PYTHON" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1
  "$GRPO_BENCH_PYTHON" -c 'import pynvml, importlib.metadata as m; pynvml.nvmlInit(); print("nvidia-ml-py", m.version("nvidia-ml-py"), "driver", pynvml.nvmlSystemGetDriverVersion())' 2>&1
  nvidia-smi --query-gpu=index,name,memory.total,power.limit,clocks.max.sm --format=csv 2>&1
} | tee "$work/host.txt"

sample() { # name source interval_ms known-truth args...
  local name=$1 source=$2 ms=$3; shift 3
  log "$name: grpo-bench sample --source $source --interval-ms $ms"
  grpo-bench sample --gpus "$gpu" --source "$source" --interval-ms "$ms" --out "$work/$name" -- \
    "$GRPO_BENCH_PYTHON" bench/gpu/known-truth.py --device "$device" "$@" 2>&1 | tee "$work/$name.txt"
  log "$name: exit ${PIPESTATUS[0]}"
}

# nvidia-smi's own GPM reading beside the NVML sampler's (metrics 2 SM activity, 3 occupancy, 5 tensor).
timeout $((seconds * 10 + 60)) nvidia-smi dmon -i "$gpu" --gpm-metrics 2,3,5 -d 1 -o T > "$work/dmon-gpm.txt" 2>&1 &
dmon=$!
sample nvml-100ms nvml 100 --seconds "$seconds" --cycles 2
kill "$dmon" 2> /dev/null
wait "$dmon" 2> /dev/null
sample smi-100ms nvidia-smi 100 --seconds "$seconds" --cycles 2
sample nvml-20ms nvml 20 --seconds 4 --cycles 1

tar -czf "$out/known-truth.tgz" -C "$out" known-truth && rm -rf "$work"
ls -la "$out"
