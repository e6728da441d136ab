// Where report tests get their results folders.
//
// tinyRun(): a real run of the tiny CPU scenario below, made by the real CLI (`grpo-bench run
// … --no-report`: real Python workload processes, samplers, analysis) once per test file (each
// test file is its own process) and copied into a fresh folder for every caller.
//
// gpuRun(): this machine has no GPU, so the GPU-only parts of a report (utilisation and memory
// per GPU, power, energy) are checked on made-up GPU-shaped raw files (fixture.ts) that the real
// analysis turns into steps.csv and summary.json.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';
import { buildRunFixture, type FixtureOptions } from './fixture.ts';
import { tinyScenario } from '../e2e/helpers.ts';
import { recordAsWritten } from '../results/digests.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export async function tempDir(prefix = 'grpo-bench-report-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

let made: Promise<string> | undefined;

async function makeTinyRun(): Promise<string> {
  const dir = await tempDir('grpo-bench-tiny-run-');
  const scenario = path.join(dir, 'tiny.yaml');
  await writeFile(scenario, tinyScenario().replace('name: e2e', 'name: tiny\ndescription: Report tests, real tiny run'));
  const results = path.join(dir, 'results');
  const args = ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'run', scenario, '--out', results, '--no-report'];
  // A unit may fail (the run exits non-zero) and still leave a results folder to report on.
  const r = await promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 1 << 26,
  }).catch((err: { stdout?: string; stderr?: string }) => err);
  const runs = existsSync(results) ? await readdir(results) : [];
  const runDir = runs.length === 1 ? path.join(results, runs[0]!) : undefined;
  if (!runDir || !existsSync(path.join(runDir, 'summary.json'))) {
    throw new Error(
      `the tiny run made no summary.json (Python for the workloads: GRPO_BENCH_PYTHON or .venv; see \`npm run setup\`)\n${r.stdout ?? ''}\n${r.stderr ?? ''}`,
    );
  }
  return runDir;
}

export interface TinyRunOptions {
  /** Rename the scenario in the copy's manifest and plan, then analyse again (escaping tests). */
  scenarioName?: string;
}

/** A results folder of a real tiny run (CPU, both modes), in a fresh temporary folder `<tmp>/results/<run-id>`. */
export async function tinyRun(options: TinyRunOptions = {}): Promise<string> {
  made ??= makeTinyRun();
  const source = await made;
  const runDir = path.join(await tempDir(), 'results', path.basename(source));
  await cp(source, runDir, { recursive: true });
  if (options.scenarioName !== undefined) {
    for (const file of ['manifest.json', 'plan.json']) {
      const json = JSON.parse(await readFile(path.join(runDir, file), 'utf8'));
      if (file === 'manifest.json') json.scenario.name = options.scenarioName;
      else json.scenario = options.scenarioName;
      await writeFile(path.join(runDir, file), JSON.stringify(json, null, 2));
    }
    await recordAsWritten(runDir);
    await analyzeRun(runDir);
  }
  return runDir;
}

/** A GPU-shaped results folder (made-up raw samples, real analysis), in a fresh temporary folder. */
export async function gpuRun(options: FixtureOptions = {}): Promise<string> {
  return buildRunFixture(path.join(await tempDir(), 'results'), { ...options });
}
