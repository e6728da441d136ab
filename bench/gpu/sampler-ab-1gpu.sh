#!/usr/bin/env bash
# What sampling costs on one GPU: bench/sampler-ab.ts (samplers at the scenario's rate vs
# telemetry off, ABBA blocks in one sitting) on a GPU host that has torch but neither node nor
# this checkout's node_modules. The harness comes from its offline bundle and the benchmark as one
# file, both built here and carried:
#
#   npx tsx src/cli.ts bundle --out .offline/harness --python 3.12 --node \
#     --have-file offline/gpu-host-have.txt --resolver-python "$(pyenv prefix 3.12)/bin/python3.12"
#   npx esbuild bench/sampler-ab.ts --bundle --platform=node --format=esm --target=node20 \
#     --external:@napi-rs/canvas --outfile=.offline/bench/sampler-ab.mjs \
#     --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);"
#
# There, from the checkout's copy: bash bench/gpu/sampler-ab-1gpu.sh   → $OUT/sampler-ab-1gpu.tgz
# The harness is installed into /tmp/gb-harness (where bench/gpu/trl-1gpu.sh and profile-1gpu.sh
# find it later in the same machine session) unless it is there already.
# Settings (environment): SCENARIO (scenarios/gpu-0.5b-1gpu.yaml of the installed harness),
# BLOCKS (6), BUDGET_S (270: no block starts that would end after it), OUT (/tmp/grpo-bench-gpu).
set -uo pipefail
out=${OUT:-/tmp/grpo-bench-gpu}
work=$out/sampler-ab-1gpu
mkdir -p "$work"
if [ ! -f /tmp/gb-harness/env.sh ]; then
  src=.offline/harness; [ -f "$src/install.sh" ] || src=/tmp/gb-in/harness
  (cd "$src" && GRPO_BENCH_PYTHON=${GRPO_BENCH_PYTHON:-python3} bash install.sh /tmp/gb-harness) > "$work/install-harness.log" 2>&1
  echo "install harness: exit $?"; tail -n 3 "$work/install-harness.log"
fi
# shellcheck disable=SC1091
source /tmp/gb-harness/env.sh || { echo "no harness bundle installed at /tmp/gb-harness" >&2; exit 2; }
export PYTHONUNBUFFERED=1 GRPO_BENCH_CLI
GRPO_BENCH_CLI=$(command -v grpo-bench)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$work/gpu.txt" 2>&1
node .offline/bench/sampler-ab.mjs --scenario "${SCENARIO:-$GRPO_BENCH_ROOT/scenarios/gpu-0.5b-1gpu.yaml}" \
  --blocks "${BLOCKS:-6}" --budget-s "${BUDGET_S:-270}" --out "$work" 2>&1 | tee "$work/sampler-ab.txt"
# The results folders are large (telemetry of every run); sampler-ab.json holds each run's figures.
tar -czf "$out/sampler-ab-1gpu.tgz" -C "$out" sampler-ab-1gpu && rm -rf "$work"
ls -la "$out"
