// Shared by the trl tests: scenarios in YAML, planned with a fixed library table and fixed ports.
import path from 'node:path';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { planRun } from '../../src/launch/plan.ts';
import type { PlanContext } from '../../src/workloads/types.ts';
import type { RunPlan } from '../../src/records/plan.ts';
import type { ModeName } from '../../src/scenario/schema.ts';
import { probePython } from '../../src/env/libraries.ts';
import { resolvePython } from '../../src/env/python.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What the probe reports on a machine with TRL 1.13 and a vLLM it accepts. */
export const TRL_1_13: Record<string, string | null> = {
  python: '3.12.3',
  torch: '2.11.0+cu130',
  transformers: '5.17.0',
  accelerate: '1.15.0',
  trl: '1.13.0',
  vllm: '0.24.0',
  datasets: '5.0.1',
  jsonschema: '4.26.0',
  'trl[vllm]': '<=0.28.0,>=0.19.1',
};
/** The same machine with a TRL of the 0.18 – 1.10 style (TRL's own vLLM server). */
export const TRL_0_29: Record<string, string | null> = { ...TRL_1_13, trl: '0.29.0', vllm: '0.11.2', 'trl[vllm]': '>=0.10.2,<=0.12.0' };

export function context(
  libraries: Record<string, string | null> | undefined,
  gpuCount: number,
  overrides: Partial<PlanContext> = {},
): PlanContext {
  let port = 29000;
  return {
    root: ROOT,
    runDir: '/results/run1',
    python: '/venv/bin/python',
    gpuCount,
    nextPort: () => port++,
    libraries,
    cacheDir: '/cache',
    ...overrides,
  };
}

export function plan(yaml: string, ctx: PlanContext, modes?: ModeName[]): RunPlan {
  const { scenario, sweep } = parseScenario(yaml, 'test.yaml');
  return planRun(expandSweep(scenario, sweep, 'test.yaml'), ctx, { modes });
}

export const GPU_SCENARIO = `
name: trl-plan
workload: trl
model: preset:0.5b
grpo: { per_device_train_batch_size: 8, num_generations: 8, max_prompt_length: 64, max_completion_length: 256 }
steps: 5
modes:
  server:
    devices: { server: 1, trainer: 3 }
    vllm: { gpu_memory_utilization: 0.85, max_model_len: 512, enable_prefix_caching: true }
  colocate:
    devices: 4
    vllm: { gpu_memory_utilization: 0.3, enable_sleep_mode: true }
  hf:
    devices: 2
`;

/** The Python the tests run workloads with, and what it has installed (one probe per test file). */
export const PYTHON = process.env.GRPO_BENCH_PYTHON ?? resolvePython(ROOT);
export async function installedLibraries(): Promise<Record<string, string | null>> {
  return (await probePython(PYTHON, ROOT)).libraries;
}
