// Which Python runs the workloads: GRPO_BENCH_PYTHON, else the project's .venv (made by
// `npm run setup`), else python3 on PATH (a GPU host whose system Python has torch).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where src/ and scenarios/ live: GRPO_BENCH_ROOT (set by an offline bundle's env.sh, whose CLI is one file elsewhere), else this checkout. */
export function projectRoot(): string {
  return process.env.GRPO_BENCH_ROOT ?? path.resolve(import.meta.dirname, '..', '..');
}

export function resolvePython(root = projectRoot()): string {
  const fromEnv = process.env.GRPO_BENCH_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = path.join(root, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}
