#!/usr/bin/env bash
# On the GPU host: install the vLLM + TRL bundle and check that vLLM runs there.
#   bash gpu-vllm-check.sh [BUNDLE_DIR]      (default: the folder this script is in)
# Steps, each logged to $OUT (or /tmp/gpu-vllm-check): host pip freeze; install.sh; imports
# (vllm, trl, numba, the FlashAttention builds); the project's `small` preset (4 layers, head
# dim 64, random weights, byte-level BPE tokenizer made in code) generated with `LLM` in eager mode, then with
# vLLM's defaults (torch.compile + CUDA graphs); then `trl vllm-serve` up to /health and one
# completion. A failed step does not stop the later ones; the summary says which passed.
set -uo pipefail
dir=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")}" && pwd)
log=${OUT:-/tmp/gpu-vllm-check}
mkdir -p "$log"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
export PYTHONUNBUFFERED=1 VLLM_HOST_IP=127.0.0.1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
declare -A result
step() { # name timeout command...
  local name=$1 t=$2; shift 2
  local t0=$SECONDS
  echo "=== $name" | tee -a "$log/check.log"
  timeout --kill-after=10 "$t" "$@" > "$log/$name.log" 2>&1
  local rc=$?
  result[$name]="rc=$rc $((SECONDS - t0))s"
  tail -n 25 "$log/$name.log" | tee -a "$log/check.log"
  return $rc
}

python3 -m pip freeze > "$log/host-freeze.txt" 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$log/gpus.txt" 2>&1
step install 300 bash "$dir/install.sh" /tmp/gb-vllm || { echo "install failed: see $log/install.log"; exit 1; }
# shellcheck disable=SC1091
source /tmp/gb-vllm/env.sh

step imports 180 python3 - <<'EOF'
import importlib, time
t = time.time()
for name in ["numpy", "numba", "torch", "transformers", "tokenizers", "triton", "vllm", "trl", "datasets"]:
    try:
        m = importlib.import_module(name)
        print(f"{name:14s} {getattr(m, '__version__', '?'):24s} {m.__file__}")
    except Exception as e:
        print(f"{name:14s} FAILED {type(e).__name__}: {e}")
import torch
print("cuda", torch.version.cuda, torch.cuda.is_available(), torch.cuda.get_device_name(0))
from vllm.vllm_flash_attn import flash_attn_interface as fa
print("FA2", fa.FA2_AVAILABLE, "FA3", fa.FA3_AVAILABLE, fa.FA3_UNAVAILABLE_REASON or "")
import vllm.entrypoints.openai.api_server  # what `vllm serve` (TRL server mode) loads
from vllm import LLM, SamplingParams  # noqa: F401
from trl import GRPOConfig, GRPOTrainer  # noqa: F401
print(f"imports ok in {time.time() - t:.1f}s")
EOF

cat > /tmp/gb-smoke.py <<'EOF'
import os, sys, time
t0 = time.time()
folder = "/tmp/gb-tiny-qwen2"
if not os.path.exists(os.path.join(folder, "config.json")):
    # The project's `small` preset (head dim 64, which vLLM's attention kernels take) and its
    # byte-level BPE tokenizer made in code.
    sys.path.insert(0, os.path.join(os.environ.get("GRPO_BENCH_ROOT", "."), "src", "workloads"))
    from common.presets import save_preset
    save_preset("small", folder)
from vllm import LLM, SamplingParams
eager = sys.argv[1] == "eager"
llm = LLM(model=folder, dtype="bfloat16", gpu_memory_utilization=0.3, max_model_len=512, seed=0,
          enforce_eager=eager)
t1 = time.time()
outs = llm.generate([" ab cd ef gh ij"] * 8, SamplingParams(max_tokens=32, temperature=1.0, ignore_eos=True))
t2 = time.time()
print("sample:", outs[0].outputs[0].text[:80])
print(f"{'eager' if eager else 'compiled'}: engine {t1 - t0:.1f}s, 8x32 tokens {t2 - t1:.2f}s, "
      f"tokens {sum(len(o.outputs[0].token_ids) for o in outs)}")
EOF
step llm-eager 300 python3 /tmp/gb-smoke.py eager
step llm-compiled 400 python3 /tmp/gb-smoke.py compiled

serve() {
  setsid trl vllm-serve --model /tmp/gb-tiny-qwen2 --host 127.0.0.1 --port 8011 --gpu-memory-utilization 0.3 \
    --max-model-len 512 > "$log/serve-server.log" 2>&1 &
  local pid=$! ok=1 t0=$SECONDS
  for _ in $(seq 240); do
    python3 -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:8011/health", timeout=2)' 2>/dev/null && { ok=0; break; }
    kill -0 $pid 2>/dev/null || break
    sleep 1
  done
  if [ $ok -eq 0 ]; then
    echo "health ok after $((SECONDS - t0))s"
    python3 - <<'PY'
import json, urllib.request as u
req = u.Request("http://127.0.0.1:8011/v1/completions", headers={"Content-Type": "application/json"},
                data=json.dumps({"model": "/tmp/gb-tiny-qwen2", "prompt": " ab cd ef", "max_tokens": 8}).encode())
print(u.urlopen(req, timeout=60).read().decode()[:400])
PY
  fi
  kill -TERM -- -$pid 2>/dev/null; sleep 5; kill -KILL -- -$pid 2>/dev/null
  tail -n 40 "$log/serve-server.log"
  return $ok
}
step trl-serve 300 bash -c "$(declare -f serve); log=$log; serve"

echo "=== summary" | tee -a "$log/check.log"
for k in install imports llm-eager llm-compiled trl-serve; do echo "$k: ${result[$k]:-not run}"; done | tee -a "$log/check.log"
