// The harness as a user on an offline host gets it: `grpo-bench bundle` of this checkout,
// install.sh into an empty folder, and runs of the trl CPU scenario and the synthetic demo from the
// installed copy, in a folder outside the checkout. A file a workload reads at run time that the
// bundle does not carry fails here (the trl workload's accelerate.yaml once did, on a GPU host).
// The host's Python is shaped like a GPU host's: the test Python's packages (torch, transformers,
// accelerate, trl …) less those of requirements-harness.txt and what only they need, so that the
// bundle has to bring jsonschema (a harness bundle without it once stopped every run at once).
// Building the bundle asks the package index for those wheels, as a user's build does.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HARNESS_REQUIREMENTS, bundleCommand, runtimeFiles, type BundleManifest } from '../../src/commands/bundle/index.ts';
import { ROOT, processesMentioning } from '../e2e/helpers.ts';
import { PYTHON, installedLibraries } from '../workloads/trl-fixtures.ts';

const libraries = await installedLibraries();
const pyVersion = execFileSync(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();

// Run by the test Python with SITE REQUIREMENTS: links every entry of its site-packages into SITE
// but those of the packages REQUIREMENTS names and of what only they need; prints the packages left out.
const HOST_SITE = String.raw`
import importlib.metadata as md, os, re, sys, sysconfig
from pip._vendor.packaging.requirements import Requirement
site, requirements = sys.argv[1], sys.argv[2]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
lines = [l.split("#")[0].strip() for l in open(requirements)]
out = {norm(Requirement(l).name) for l in lines if l and not l.startswith("-")}
dists = {norm(d.metadata["Name"]): d for d in md.distributions()}
needs = {n: {norm(q.name) for q in map(Requirement, d.requires or []) if "extra" not in str(q.marker)} for n, d in dists.items()}
while True:
    only = {n for n in dists if n not in out and any(n in needs[u] for u in out if u in needs)
            and all(u in out for u in dists if n in needs[u])}
    if not only:
        break
    out |= only
skip = {f.parts[0] for n in out if n in dists for f in dists[n].files or []}
purelib = sysconfig.get_paths()["purelib"]
for e in os.listdir(purelib):
    if e not in skip:
        os.symlink(os.path.join(purelib, e), os.path.join(site, e))
print(" ".join(sorted(n for n in out if n in dists)))
`;

let work: string;
let dest: string;
let manifest: BundleManifest;
/** The host's Python: a virtual environment with the test Python's packages less the harness's. */
let host: string;
/** What the host lacks: the packages of requirements-harness.txt and what only they need. */
let lacks: string[];

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'grpo-bench-installed-'));
  const base = execFileSync(PYTHON, ['-c', 'import sys; print(sys._base_executable)'], { encoding: 'utf8' }).trim();
  execFileSync(base, ['-m', 'venv', '--without-pip', path.join(work, 'host')]);
  host = path.join(work, 'host', 'bin', 'python');
  const site = execFileSync(host, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).trim();
  lacks = execFileSync(PYTHON, ['-c', HOST_SITE, site, path.join(ROOT, HARNESS_REQUIREMENTS)], { encoding: 'utf8' })
    .trim()
    .split(' ');
  // What a user on the host passes to --have-file.
  const freeze = path.join(work, 'host-freeze.txt');
  await writeFile(freeze, execFileSync(host, ['-m', 'pip', 'freeze'], { encoding: 'utf8' }));
  const out = path.join(work, 'bundle');
  await bundleCommand({ out, python: pyVersion, resolverPython: PYTHON, haveFiles: [freeze], root: ROOT, log: () => {} });
  manifest = JSON.parse(readFileSync(path.join(out, 'bundle.json'), 'utf8')) as BundleManifest;
  dest = path.join(work, 'installed');
  const r = spawnSync('bash', [path.join(out, 'install.sh'), dest], { encoding: 'utf8', env: { ...process.env, GRPO_BENCH_PYTHON: host } });
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
  assert.deepEqual(
    runtime.filter((f) => f.endsWith('.ts')),
    [],
  );
  for (const f of runtime) assert.ok(manifest.projectFiles.includes(f), `${f} is not in the bundle`);
  for (const f of runtime) assert.ok(existsSync(path.join(dest, 'payload', f)), `${f} was not installed`);
});

test('a host Python with a PyTorch stack and no jsonschema gets jsonschema, and what only it needs, from the bundle', () => {
  assert.ok(lacks.includes('jsonschema'), lacks.join(' '));
  assert.notEqual(spawnSync(host, ['-c', 'import jsonschema']).status, 0, 'the host Python imports jsonschema by itself');
  assert.equal(manifest.harnessRequirements, HARNESS_REQUIREMENTS);
  // Exactly what the host lacks: nothing it has (attrs, typing-extensions …) is shipped again.
  assert.deepEqual(manifest.wheels.map((w) => w.name).sort(), lacks);
  // jsonschema's compiled dependency comes as the binary wheel for the target's Python and platform.
  const rpds = manifest.wheels.find((w) => w.name === 'rpds-py');
  assert.match(rpds?.file ?? '(none)', new RegExp(`-cp${pyVersion.replace('.', '')}-.*manylinux.*_x86_64\\.whl$`));
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source ${JSON.stringify(path.join(dest, 'env.sh'))} && "$GRPO_BENCH_PYTHON" -c 'import jsonschema, rpds, torch; print(jsonschema.__file__)'`,
    ],
    {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), path.join(dest, 'site', 'jsonschema', '__init__.py'));
});

test(
  'the trl CPU scenario (hf mode) runs from the installed bundle, outside the checkout',
  { skip: libraries.trl ? false : `trl is not installed for ${PYTHON}`, timeout: 400_000 },
  () => {
    const r = installed(
      ['run', path.join(dest, 'payload', 'scenarios', 'trl-cpu-tiny.yaml'), '--steps', '2', '--warmup-steps', '1', '--no-report'],
      390_000,
    );
    assert.equal(r.status, 0, r.output.slice(-6000));
    const runDir = runDirOf(r.results, 'trl-cpu-tiny');
    const plan = JSON.parse(readFileSync(path.join(runDir, 'plan.json'), 'utf8')) as { units: { processes: { argv: string[] }[] }[] };
    const argv = plan.units.flatMap((u) => u.processes.flatMap((p) => p.argv)).join(' ');
    assert.match(argv, new RegExp(`${path.join(dest, 'payload', 'src', 'workloads', 'trl', 'accelerate.yaml').replaceAll('/', '\\/')}`));
    // The Python is the host's own, not part of what the bundle carries.
    const carried = argv.replaceAll(host, '<python>');
    assert.ok(!carried.includes(ROOT + path.sep), `the plan points into the checkout: ${carried}`);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as {
      modes: { mode: string; steps_measured: number }[];
    };
    assert.deepEqual(
      summary.modes.map((m) => [m.mode, m.steps_measured > 0]),
      [['hf', true]],
    );
    assert.deepEqual(processesMentioning(runDir), []);
  },
);

test(
  'the synthetic demo runs from the installed bundle, outside the checkout, on the host Python without jsonschema of its own',
  { timeout: 400_000 },
  () => {
    const r = installed(
      ['run', path.join(dest, 'payload', 'scenarios', 'demo.yaml'), '--steps', '3', '--warmup-steps', '1', '--no-report'],
      390_000,
    );
    assert.equal(r.status, 0, r.output.slice(-6000));
    const runDir = runDirOf(r.results, 'demo');
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as {
      modes: { mode: string; steps_measured: number }[];
    };
    assert.deepEqual(summary.modes.map((m) => [m.mode, m.steps_measured > 0]).sort(), [
      ['colocate', true],
      ['server', true],
    ]);
    assert.deepEqual(processesMentioning(runDir), []);
  },
);
