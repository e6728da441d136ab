// Installs what grpo-bench needs, skipping what is already there, and says what it does.
//   node scripts/setup.mjs [--with trl,browser]
// npm packages (npm ci when node_modules is missing or older than the lockfile); a Python
// with torch + transformers (GRPO_BENCH_PYTHON, else .venv, else a system python3 that has
// them, else a new .venv from requirements.txt; a Python that brings its own torch gets
// requirements-harness.txt, what the workloads import beside it); optional extras: the trl workload's Python
// packages, Chromium for the browser test of the HTML report, and (trl-next) .venv-trl-next: the
// next TRL (requirements-trl-next.txt) over the workload Python, the second environment of the
// variants tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pinsOf, requirementNames } from './requirements.mjs';

const root = path.resolve(import.meta.dirname, '..');
const withArg = process.argv.find((a) => a.startsWith('--with'));
const extras = new Set(
  (withArg?.includes('=') ? withArg.split('=')[1] : (process.argv[process.argv.indexOf('--with') + 1] ?? '')).split(',').filter(Boolean),
);
const say = (msg) => console.error(`[setup] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    say(`failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function probe(python, code) {
  const r = spawnSync(python, ['-c', code], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// --- npm packages
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm packages (npm ci) ...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else {
  say('npm packages: up to date');
}

// --- Python
const venvPython = path.join(root, '.venv', 'bin', 'python');
const HARNESS = 'requirements-harness.txt'; // requirements.txt includes it (-r)
const want = ['requirements.txt', ...(extras.has('trl') ? ['requirements-trl.txt'] : [])];
const stamp = path.join(root, '.venv', '.grpo-bench-requirements');
const digest = createHash('sha256')
  .update([...want, HARNESS].map((f) => readFileSync(path.join(root, f), 'utf8')).join('\n'))
  .digest('hex');
const imports = `import torch, transformers${extras.has('trl') ? ', trl, datasets' : ''}; print(torch.__version__)`;
// What the workloads import besides torch and its stack (requirements-harness.txt): the packages
// missing from a Python that setup did not make (GRPO_BENCH_PYTHON, a GPU host's python3),
// installed there at the file's pins.
function ensureHarness(python) {
  const missing = requirementNames(root, HARNESS).filter(
    (name) => probe(python, `import importlib.metadata as m; m.version(${JSON.stringify(name)})`) === null,
  );
  if (missing.length === 0) return;
  say(`installing ${missing.join(', ')} into ${python} (the workloads import it; ${HARNESS}) ...`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pinsOf(root, HARNESS, missing)]);
}

if (process.env.GRPO_BENCH_PYTHON) {
  const v = probe(process.env.GRPO_BENCH_PYTHON, imports);
  if (!v) {
    say(`GRPO_BENCH_PYTHON=${process.env.GRPO_BENCH_PYTHON} cannot import what is needed (${imports.split(';')[0]})`);
    process.exit(1);
  }
  ensureHarness(process.env.GRPO_BENCH_PYTHON);
  say(`python: ${process.env.GRPO_BENCH_PYTHON} (torch ${v}), from GRPO_BENCH_PYTHON`);
} else if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && probe(venvPython, imports)) {
  say('python: .venv up to date');
} else if (!existsSync(venvPython) && probe('python3', imports)) {
  ensureHarness('python3');
  say(`python: system python3 already has torch ${probe('python3', imports)} and the libraries; using it`);
} else {
  if (!existsSync(venvPython)) {
    say('creating Python virtual environment .venv ...');
    run('python3', ['-m', 'venv', '.venv']);
  }
  say(`installing Python packages into .venv (${want.join(', ')}; the first time takes a few minutes) ...`);
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...want.flatMap((f) => ['-r', f])]);
  writeFileSync(stamp, digest);
  say(`python: .venv ready (torch ${probe(venvPython, imports)})`);
}

// --- .venv-trl-next: a second environment that differs from the workload Python only in TRL.
// A venv made from a venv's python is based on the base interpreter, not on the first venv's
// packages, so the workload Python's site-packages are added by a .pth file: they come after the
// new environment's own, and its TRL shadows the other.
if (extras.has('trl-next')) {
  const base = process.env.GRPO_BENCH_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');
  const next = path.join(root, '.venv-trl-next');
  const nextPython = path.join(next, 'bin', 'python');
  const [pin] = pinsOf(root, 'requirements-trl-next.txt', ['trl']);
  const wanted = pin.split('==')[1];
  if (probe(nextPython, 'import trl, torch; print(trl.__version__)') === wanted) say(`trl-next: .venv-trl-next has trl ${wanted}`);
  else {
    say(`creating .venv-trl-next (trl ${wanted} over ${base}) ...`);
    if (!existsSync(nextPython)) run(base, ['-m', 'venv', next]);
    const sitePackages = (python) =>
      probe(python, "import sysconfig; print(sysconfig.get_paths()['purelib']); print(sysconfig.get_paths()['platlib'])")?.split('\n') ??
      [];
    const [own] = sitePackages(nextPython);
    writeFileSync(path.join(own, 'grpo-bench-base.pth'), [...new Set(sitePackages(base))].join('\n') + '\n');
    run(nextPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', pin]);
    say(`trl-next: .venv-trl-next ready (trl ${probe(nextPython, 'import trl; print(trl.__version__)')})`);
  }
}

// --- .venv-tools: the Python formatter (ruff, requirements-dev.txt), kept out of the workload
// Python so that a GPU host's own Python is never touched by a development tool.
if (extras.has('lint')) {
  const tools = path.join(root, '.venv-tools');
  const toolsPython = path.join(tools, 'bin', 'python');
  const [pin] = pinsOf(root, 'requirements-dev.txt', ['ruff']);
  const wanted = pin.split('==')[1];
  if (spawnSync(path.join(tools, 'bin', 'ruff'), ['--version'], { encoding: 'utf8' }).stdout?.trim() === `ruff ${wanted}`) {
    say(`lint: ruff ${wanted}`);
  } else {
    if (!existsSync(toolsPython)) run('python3', ['-m', 'venv', tools]);
    run(toolsPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', pin]);
    say(`lint: ruff ${wanted} in .venv-tools`);
  }
}

// --- Chromium, for the browser test of the HTML report
if (extras.has('browser')) {
  const chromium = process.env.GRPO_BENCH_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(chromium)) say(`browser: ${chromium}`);
  else if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    say('installing Chromium for the browser test (apt-get) ...');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else say('browser: no Chromium found and cannot install it here; the browser test will be skipped');
}
