// Shared by the end-to-end tests: a tiny scenario, the CLI as a child process, and a scan of
// /proc for any process still belonging to a run.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export function tinyScenario(extra = ''): string {
  return `name: e2e
workload: synthetic
model: preset:tiny
device: cpu
grpo: { per_device_train_batch_size: 4, num_generations: 2, max_prompt_length: 8, max_completion_length: 8 }
steps: 4
warmup_steps: 1
modes:
  server: { devices: { server: 1, trainer: 1 } }
  colocate: { devices: 2 }
telemetry: { interval_ms: 100 }
${extra}`;
}

export async function workspace(scenario: string): Promise<{ dir: string; scenario: string; results: string; reports: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gb-e2e-'));
  const file = path.join(dir, 'scenario.yaml');
  await writeFile(file, scenario);
  return { dir, scenario: file, results: path.join(dir, 'results'), reports: path.join(dir, 'reports') };
}

export function cli(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; all: true }> {
  return execa(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...env, FORCE_COLOR: '0' },
    reject: false,
    all: true,
  });
}

export async function onlyRunDir(results: string): Promise<string> {
  const runs = await readdir(results);
  if (runs.length !== 1) throw new Error(`expected one run folder in ${results}, found ${runs.join(', ')}`);
  return path.join(results, runs[0]!);
}

export async function readJsonFile<T = any>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Pids of live processes whose environment or command line mentions `needle` (e.g. the run folder). */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue; // zombies hold nothing
      const seen = ['environ', 'cmdline'].some((f) => readFileSync(`/proc/${pid}/${f}`, 'utf8').includes(needle));
      if (seen) out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
