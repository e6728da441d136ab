// The harness as a user on an offline host gets it: `grpo-bench bundle` of this checkout,
// install.sh into an empty folder, and runs of the trl CPU scenario and the synthetic demo from the
// installed copy, in a folder outside the checkout. A file a workload reads at run time that the
// bundle does not carry fails here (the trl workload's accelerate.yaml once did, on a GPU host).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bundleCommand, runtimeFiles, type BundleManifest } from '../../src/commands/bundle/index.ts';
import { ROOT, processesMentioning } from '../e2e/helpers.ts';
import { PYTHON, installedLibraries } from '../workloads/trl-fixtures.ts';

const libraries = await installedLibraries();
const pyVersion = execFileSync(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();

let work: string;
let dest: string;
let manifest: BundleManifest;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'grpo-bench-installed-'));
  const out = path.join(work, 'bundle');
  await bundleCommand({ out, python: pyVersion, root: ROOT, log: () => {} });
  manifest = JSON.parse(readFileSync(path.join(out, 'bundle.json'), 'utf8')) as BundleManifest;
  dest = path.join(work, 'installed');
  const r = spawnSync('bash', [path.join(out, 'install.sh'), dest], { encoding: 'utf8', env: { ...process.env, GRPO_BENCH_PYTHON: PYTHON } });
  assert.equal(r.status, 0, r.stderr);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The installed CLI, as env.sh sets it up, from a folder outside the checkout. */
function installed(args: string[], timeoutMs: number) {
  const cwd = path.join(work, 'elsewhere');
  execFileSync('mkdir', ['-p', cwd]);
  const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, FORCE_COLOR: '0' };
  const script = `source ${JSON.stringify(path.join(dest, 'env.sh'))} && grpo-bench "$@"`;
  const r = spawnSync('bash', ['-c', script, 'grpo-bench', ...args], { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return { ...r, output: `${r.stdout}\n${r.stderr}`, results: path.join(cwd, 'results') };
}

function runDirOf(results: string, scenario: string): string {
  const run = readdirSync(results).find((d) => d.startsWith(scenario));
  assert.ok(run, `no ${scenario} run folder in ${results}: ${readdirSync(results).join(', ')}`);
  return path.join(results, run);
}

test('the bundle carries every file under src/ that is not TypeScript, accelerate.yaml among them', async () => {
  const runtime = await runtimeFiles(ROOT);
  assert.ok(runtime.includes('src/workloads/trl/accelerate.yaml'), runtime.join('\n'));
  assert.ok(runtime.includes('src/workloads/common/presets.json'));
  assert.deepEqual(runtime.filter((f) => f.endsWith('.ts')), []);
  for (const f of runtime) assert.ok(manifest.projectFiles.includes(f), `${f} is not in the bundle`);
  for (const f of runtime) assert.ok(existsSync(path.join(dest, 'payload', f)), `${f} was not installed`);
});

test('the trl CPU scenario (hf mode) runs from the installed bundle, outside the checkout', { skip: libraries.trl ? false : `trl is not installed for ${PYTHON}`, timeout: 400_000 }, () => {
  const r = installed(['run', path.join(dest, 'payload', 'scenarios', 'trl-cpu-tiny.yaml'), '--steps', '2', '--warmup-steps', '1', '--no-report'], 390_000);
  assert.equal(r.status, 0, r.output.slice(-6000));
  const runDir = runDirOf(r.results, 'trl-cpu-tiny');
  const plan = JSON.parse(readFileSync(path.join(runDir, 'plan.json'), 'utf8')) as { units: { processes: { argv: string[] }[] }[] };
  const argv = plan.units.flatMap((u) => u.processes.flatMap((p) => p.argv)).join(' ');
  assert.match(argv, new RegExp(`${path.join(dest, 'payload', 'src', 'workloads', 'trl', 'accelerate.yaml').replaceAll('/', '\\/')}`));
  // The Python is the user's own (in CI the checkout's .venv), not part of what the bundle carries.
  const carried = argv.replaceAll(PYTHON, '<python>');
  assert.ok(!carried.includes(ROOT + path.sep), `the plan points into the checkout: ${carried}`);
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { modes: { mode: string; steps_measured: number }[] };
  assert.deepEqual(summary.modes.map((m) => [m.mode, m.steps_measured > 0]), [['hf', true]]);
  assert.deepEqual(processesMentioning(runDir), []);
});

test('the synthetic demo runs from the installed bundle, outside the checkout', { timeout: 400_000 }, () => {
  const r = installed(['run', path.join(dest, 'payload', 'scenarios', 'demo.yaml'), '--steps', '3', '--warmup-steps', '1', '--no-report'], 390_000);
  assert.equal(r.status, 0, r.output.slice(-6000));
  const runDir = runDirOf(r.results, 'demo');
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { modes: { mode: string; steps_measured: number }[] };
  assert.deepEqual(summary.modes.map((m) => [m.mode, m.steps_measured > 0]).sort(), [['colocate', true], ['server', true]]);
  assert.deepEqual(processesMentioning(runDir), []);
});
