// Builds the vLLM + TRL bundle for offline GPU hosts with Python 3.12 and torch 2.11.0+cu130:
//   npx tsx scripts/bundle-gpu-vllm.ts OUT_DIR [--resolver-python PATH] [--split-mib 60] [--full] [--variant trl=1.16.0 …]
// --full ships every dependency vLLM declares (about 15 parts of 60 MiB); the default leaves
// out kernels a dense Qwen2 model on Hopper does not load (docs/offline-hosts.md says why).
// --variant trl=1.13.0 --variant trl=1.16.0 adds a folder per TRL release beside the shared site
// (GRPO_BENCH_VARIANTS/trl-1.16.0 after install), for a scenario's variants (bench/gpu/variants-1gpu.sh).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleCommand } from '../src/commands/bundle/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'resolver-python': { type: 'string' },
    'split-mib': { type: 'string', default: '60' },
    full: { type: 'boolean', default: false },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const out = positionals[0];
if (!out) throw new Error('usage: bundle-gpu-vllm.ts OUT_DIR [--resolver-python PATH] [--split-mib N] [--full]');
const root = path.resolve(import.meta.dirname, '..');

// Optional kernel packages vLLM 0.26 imports lazily, each behind a guard (see the doc).
const exclude = [
  'tokenspeed-mla', // MLA decode (DeepSeek-style attention); pulls tokenspeed-triton (90 MiB)
  'humming-kernels', // quantised GEMMs; pulls nvidia-cuda-nvcc / nvvm / crt (120 MiB)
  'tilelang', // DSL kernels (sparse attention); pulls z3-solver
  'quack-kernels', // CuTe-DSL kernels for FA4 (Blackwell) and Mamba
  'nvidia-cutlass-dsl', // CuTe DSL, cu12 + cu13 libraries (170 MiB)
  'pynvvideocodec', // video inputs of multimodal models
  'torchcodec', // video/audio inputs
  'flashinfer-python', // alternative attention/sampling backend; FlashAttention 3 is the Hopper default
];
// Members of the vllm wheel a Hopper GPU running a dense model does not load.
const strip = [
  'vllm/vllm_flash_attn/_vllm_fa2_C.abi3.so', // FlashAttention 2: used below SM90; FA3 is chosen on SM90
  'vllm/_moe_C_stable_libtorch.abi3.so', // fused-MoE kernels (import guarded)
  'vllm/vllm-rs', // Rust front end, only with VLLM_USE_RUST_FRONTEND=1
  'vllm/third_party/deep_gemm/_C.cpython-31[0134]-*.so', // other Pythons
].map((g) => `vllm:${g}`);

process.exitCode = await bundleCommand({
  out,
  python: '3.12',
  resolverPython: values['resolver-python'],
  // ray: vLLM 0.26's weight_transfer/ipc_engine.py imports it at load though vLLM does not
  // declare it, so without it a server with the IPC weight transfer (server mode on a shared GPU,
  // docs/workload-trl.md) cannot start; nothing on the HTTP path grpo-bench uses calls it.
  requirements: ['vllm==0.26.0', 'trl==1.13.0', 'datasets==5.0.1', 'ray==2.60.0'],
  // The host has torch; requirements-harness.txt is what the workloads import beside it.
  harnessRequirements: true,
  haveFiles: [path.join(root, 'offline', 'gpu-host-have.txt')],
  exclude: values.full ? [] : exclude,
  // pydantic 2.14 needs typing-extensions>=4.16; the host's version is not known: ship it (pure Python).
  forceShip: ['typing-extensions'],
  strip: values.full ? [] : strip,
  entry: null,
  projectFiles: false,
  splitMib: Number(values['split-mib']),
  variants: values.variant,
});
