// What the workload Python has: library versions and CUDA. One interpreter start (seconds:
// importing torch is slow), so callers ask once per command.
import path from 'node:path';
import { execa } from 'execa';

export interface PythonInfo {
  python: string;
  executable: string | null;
  /** Library name → version, null when not installed. Keys: python, torch, transformers, accelerate, trl, vllm, datasets, jsonschema, cuda, nccl. */
  libraries: Record<string, string | null>;
  cuda_available: boolean;
  cuda_devices: number;
  /** Why the probe failed, when it did (no such interpreter, import error …). */
  error?: string;
}

/**
 * How to get a package of requirements-harness.txt (jsonschema: what the workloads import beside
 * the PyTorch stack) into a workload Python; on a host without network, a harness bundle ships it.
 */
export const HARNESS_PIP = 'pip install -r requirements-harness.txt; offline, a harness bundle (grpo-bench bundle) ships it';

/** `env`: variables added to this process's environment for the probe (a variant's PYTHONPATH and env). */
export async function probePython(python: string, root: string, env: Record<string, string> = {}): Promise<PythonInfo> {
  const script = path.join(root, 'src', 'workloads', 'common', 'versions.py');
  try {
    const { stdout } = await execa(python, [script], { timeout: 120_000, env });
    const parsed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<PythonInfo, 'python'>;
    return { python, ...parsed };
  } catch (err) {
    const e = err as { shortMessage?: string; stderr?: string; message: string };
    const detail = e.stderr?.trim().split('\n').at(-1) || e.shortMessage || e.message;
    return { python, executable: null, libraries: {}, cuda_available: false, cuda_devices: 0, error: detail };
  }
}
