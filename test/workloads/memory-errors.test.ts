// Memory failures as the workloads' Python reads them (src/workloads/common/memory.py): PyTorch's
// allocator message, and vLLM 0.26's start-up refusals, worded as their source writes them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON, ROOT } from './trl-fixtures.ts';

const MESSAGES = {
  // torch 2.x, c10/cuda/CUDACachingAllocator.cpp
  torch:
    'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 139.72 GiB of which 3.06 MiB is free. Including non-PyTorch memory, this process has 139.70 GiB memory in use. Of the allocated memory 130.00 GiB is allocated by PyTorch, and 2.00 GiB is reserved by PyTorch but unallocated.',
  // vllm/v1/worker/utils.py request_memory
  start:
    'ValueError: Free memory on device cuda:0 (40.12/139.81 GiB) on startup is less than desired GPU memory utilization (0.9, 125.83 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.',
  // vllm/v1/core/kv_cache_utils.py _check_enough_kv_cache_memory
  kv: "ValueError: To serve at least one request with the model's max seq len (32768), (1.50 GiB KV cache is needed, which is larger than the available KV cache memory (0.75 GiB). Based on the available memory, the estimated maximum model length is 16384. Try increasing `gpu_memory_utilization`",
  none: 'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine',
  other: 'RuntimeError: NCCL error',
};

test('memory failures are read from the messages PyTorch and vLLM write; other failures are not memory', () => {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'src', 'workloads'))})`,
    'from common.memory import parse_memory_error',
    'print(json.dumps({k: parse_memory_error(v) for k, v in json.loads(sys.argv[1]).items()}))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, JSON.stringify(MESSAGES)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown> | null>;
  const GiB = 2 ** 30;
  const MiB = 2 ** 20;
  assert.deepEqual(
    { ...out.torch, message: undefined },
    {
      kind: 'oom',
      asked_bytes: 20 * MiB,
      total_bytes: Math.trunc(139.72 * GiB),
      free_bytes: Math.trunc(3.06 * MiB),
      process_bytes: Math.trunc(139.7 * GiB),
      message: undefined,
    },
  );
  assert.deepEqual(
    { ...out.start, message: undefined },
    {
      kind: 'engine_start',
      free_bytes: Math.trunc(40.12 * GiB),
      total_bytes: Math.trunc(139.81 * GiB),
      asked_bytes: Math.trunc(125.83 * GiB),
      gpu_memory_utilization: 0.9,
      message: undefined,
    },
  );
  assert.deepEqual(
    { ...out.kv, message: undefined },
    { kind: 'kv_cache', asked_bytes: Math.trunc(1.5 * GiB), free_bytes: Math.trunc(0.75 * GiB), message: undefined },
  );
  assert.equal(out.none?.kind, 'kv_cache');
  assert.equal(out.other, null);
});
