// Builds a real bundle of small locally made wheels, splits it, and runs the real install.sh.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { execa } from 'execa';
import { bundleCommand, parseHave, type BundleManifest } from '../../src/commands/bundle/index.ts';

const PY = process.env.GRPO_BENCH_TEST_PYTHON ?? 'python3';
const pyVersion = execFileSync(PY, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();

// Writes pure-Python wheels by hand (a wheel is a zip with METADATA, WHEEL and RECORD).
const MAKE_WHEELS = String.raw`
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
def wheel(name, requires=(), files=None):
    files = dict(files or {})
    files.setdefault(f"{name}/__init__.py", f"NAME = {name!r}\n".encode())
    di = f"{name}-1.0.dist-info"
    files[f"{di}/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name
        + "".join(f"Requires-Dist: {r}\n" for r in requires)).encode()
    files[f"{di}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = []
    for p, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec.append(f"{p},sha256={h},{len(data)}")
    rec.append(f"{di}/RECORD,,")
    files[f"{di}/RECORD"] = ("\n".join(rec) + "\n").encode()
    with zipfile.ZipFile(os.path.join(out, f"{name}-1.0-py3-none-any.whl"), "w") as z:
        for p, data in files.items():
            z.writestr(p, data)
wheel("tinya", ["tinyb", "tinyc>=1", "tinyd", 'tinyf; python_version < "3.0"'])
wheel("tinyb", [], {"tinyb/blob.bin": os.urandom(1536 * 1024), "tinyb/junk.txt": b"strip me\n"})
wheel("tinyc")
wheel("tinyd", ["tinye"])
wheel("tinye")
wheel("tinyf")
wheel("tinyg")
`;

let work: string;
let out: string;
let manifest: BundleManifest;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'grpo-bench-bundle-test-'));
  const wheels = path.join(work, 'wheels');
  await mkdir(wheels);
  execFileSync(PY, ['-c', MAKE_WHEELS, wheels]);
  // A project root with one workload file and one scenario.
  const root = path.join(work, 'project');
  await mkdir(path.join(root, 'src', 'workloads', 'w'), { recursive: true });
  await mkdir(path.join(root, 'scenarios'));
  await writeFile(path.join(root, 'src', 'workloads', 'w', 'train.py'), 'print("hi")\n');
  await writeFile(path.join(root, 'scenarios', 's.yaml'), 'name: s\n');
  await writeFile(path.join(root, 'requirements-x.txt'), 'tinya==1.0\n');
  // What the project's workloads import beside a PyTorch stack: shipped with the harness by default.
  await writeFile(path.join(root, 'requirements-harness.txt'), '# why\ntinyg==1.0\n');
  // A stand-in Node binary: answers --version, otherwise runs this node.
  const fakeNode = path.join(work, 'fake-node');
  await writeFile(fakeNode, `#!/bin/sh\n[ "$1" = --version ] && { echo v0.0.0-test; exit 0; }\nexec "${process.execPath}" "$@"\n`);
  await chmod(fakeNode, 0o755);
  out = path.join(work, 'out');
  await bundleCommand({
    out,
    python: pyVersion,
    resolverPython: PY,
    requirements: ['tinya==1.0'],
    have: ['tinyc==1.0'],
    exclude: ['tinyd'],
    strip: ['tinyb:tinyb/junk.txt'],
    noIndex: true,
    findLinks: [wheels],
    entry: path.join(import.meta.dirname, 'fixtures', 'entry.ts'),
    node: fakeNode,
    root,
    splitMib: 1,
    log: () => {},
  });
  manifest = JSON.parse(await readFile(path.join(out, 'bundle.json'), 'utf8')) as BundleManifest;
});

function install(dir: string, dest: string) {
  return spawnSync('bash', [path.join(dir, 'install.sh'), dest], { encoding: 'utf8', env: { ...process.env, GRPO_BENCH_PYTHON: PY } });
}

test('ships what the host lacks: not what it has, not what only an excluded package needs, not what a marker rules out', () => {
  assert.deepEqual(manifest.wheels.map((w) => w.name).sort(), ['tinya', 'tinyb', 'tinyg']);
  assert.deepEqual(manifest.excluded, ['tinyd']);
  assert.deepEqual(manifest.wheels.find((w) => w.name === 'tinyb')?.stripped, ['tinyb/junk.txt']);
});

test("a bundle with the harness ships the wheels of the project's requirements-harness.txt besides the requirements named, and carries the file", () => {
  assert.equal(manifest.harnessRequirements, 'requirements-harness.txt');
  assert.ok(manifest.wheels.some((w) => w.name === 'tinyg' && w.requiredBy === '(requested)'));
  assert.ok(manifest.projectFiles.includes('requirements-harness.txt'), manifest.projectFiles.join(' '));
});

test('a payload over --split-mib is split into parts no larger than it, each in SHA256SUMS', async () => {
  assert.ok(manifest.parts.length >= 2, `${manifest.parts.length} part(s)`);
  for (const p of manifest.parts) assert.ok(p.bytes <= 1024 * 1024, `${p.file}: ${p.bytes} bytes`);
  const sums = await readFile(path.join(out, 'SHA256SUMS'), 'utf8');
  for (const p of manifest.parts) assert.ok(sums.includes(`${p.sha256}  ${p.file}`));
  const files = await readdir(out);
  assert.ok(files.includes('install.sh') && files.includes('README.md'));
});

test('install.sh reassembles, installs into its own folder, and the packages, node and harness run from there', async () => {
  const dest = path.join(work, 'installed');
  const r = install(out, dest);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`source ${dest}/env.sh`));
  const env = readFileSync(path.join(dest, 'env.sh'), 'utf8');
  assert.match(env, /NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1/);
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source ${dest}/env.sh && ${PY} -c 'import tinya, tinyb, tinyg, os; print(tinya.NAME, tinyb.__file__, os.path.exists(os.path.join(os.path.dirname(tinyb.__file__), "junk.txt")))' && node --version && grpo-bench x && ls $GRPO_BENCH_ROOT/src/workloads/w $GRPO_BENCH_ROOT/scenarios`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`tinya ${dest}/site/tinyb/__init__.py False`));
  assert.match(run.stdout, /v0\.0\.0-test/);
  assert.match(run.stdout, /bundled: true\nargs:\n {2}- x/);
  assert.match(run.stdout, /s\.yaml/);
  assert.match(run.stdout, /train\.py/);
  const imp = spawnSync(PY, ['-c', 'import tinyd'], { env: { ...process.env, PYTHONPATH: path.join(dest, 'site') } });
  assert.notEqual(imp.status, 0, 'tinyd was excluded but is importable');
});

test('a corrupted part stops install.sh with a message naming it; a missing part is named too', async () => {
  const bad = path.join(work, 'bad');
  execFileSync('cp', ['-r', out, bad]);
  const part = path.join(bad, manifest.parts[1]!.file);
  const bytes = await readFile(part);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(part, bytes);
  const r = install(bad, path.join(work, 'bad-installed'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`checksum mismatch: ${manifest.parts[1]!.file} is corrupt`));
  const check = spawnSync('bash', [path.join(bad, 'install.sh'), '--check'], { encoding: 'utf8' });
  assert.match(check.stdout, new RegExp(`${manifest.parts[1]!.file} CORRUPT`));
  execFileSync('rm', [part]);
  const m = install(bad, path.join(work, 'bad-installed'));
  assert.notEqual(m.status, 0);
  assert.match(m.stderr, new RegExp(`missing part\\(s\\): ${manifest.parts[1]!.file}`));
});

test('parseHave reads pip freeze lines, name==version and bare names', () => {
  assert.deepEqual(parseHave(['torch==2.11.0+cu130', 'Typing_Extensions==4.15.0', 'numba', '# c', 'foo @ file:///x/foo.whl', '-e .']), {
    torch: '2.11.0+cu130',
    'typing-extensions': '4.15.0',
    numba: null,
    foo: null,
  });
});

test('a bundle without flashinfer tells vLLM not to use its sampler, and one with it leaves vLLM alone', async () => {
  const { bundleEnvironment } = await import('../../src/commands/bundle/index.ts');
  assert.deepEqual(bundleEnvironment(['flashinfer_python', 'tilelang']), [
    'export VLLM_USE_FLASHINFER_SAMPLER=0  # flashinfer is not in this bundle',
  ]);
  assert.deepEqual(bundleEnvironment(['tilelang']), []);
});

test('the CLI reads --no-harness, --no-harness-requirements and --no-index: no harness or no harness wheels in the bundle, and pip never asks the index', async () => {
  // A real index that answers nothing and counts who asked: pip, told of it, asks it unless --no-index.
  const asked: string[] = [];
  const index = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(index.address() as AddressInfo).port}/simple/`;
  // Asynchronous, so that this process's index can answer while pip runs.
  const cli = (args: string[]) =>
    execa(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, '..', '..', 'src', 'cli.ts'),
        'bundle',
        '--python',
        pyVersion,
        '--resolver-python',
        PY,
        '--find-links',
        path.join(work, 'wheels'),
        ...args,
      ],
      {
        cwd: path.join(import.meta.dirname, '..', '..'),
        env: { PIP_INDEX_URL: url, PIP_RETRIES: '0', PIP_DEFAULT_TIMEOUT: '20' },
        reject: false,
      },
    );
  try {
    const offline = await cli(['--no-harness', '--no-index', '--out', path.join(work, 'cli-out'), 'tinyc==1.0']);
    assert.equal(offline.exitCode, 0, offline.stderr);
    assert.equal(asked.length, 0, `with --no-index pip asked the index: ${asked.join(', ')}`);
    const m = JSON.parse(await readFile(path.join(work, 'cli-out', 'bundle.json'), 'utf8')) as BundleManifest;
    assert.equal(m.harness, null);
    // Without the harness, requirements-harness.txt is not shipped unasked.
    assert.equal(m.harnessRequirements, null);
    assert.deepEqual(
      m.wheels.map((w) => w.name),
      ['tinyc'],
    );
    // Sourced after the harness's env.sh (or before), a wheels-only bundle leaves GRPO_BENCH_ROOT alone.
    const r = install(path.join(work, 'cli-out'), path.join(work, 'cli-installed'));
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(readFileSync(path.join(work, 'cli-installed', 'env.sh'), 'utf8'), /GRPO_BENCH_ROOT=/);

    // The harness without its requirements' wheels: only what was named.
    const bare = await cli(['--no-harness-requirements', '--no-index', '--out', path.join(work, 'cli-out-bare'), 'tinyc==1.0']);
    assert.equal(bare.exitCode, 0, bare.stderr);
    const b = JSON.parse(await readFile(path.join(work, 'cli-out-bare', 'bundle.json'), 'utf8')) as BundleManifest;
    assert.equal(b.harness, 'dist/cli/grpo-bench.mjs');
    assert.equal(b.harnessRequirements, null);
    assert.deepEqual(
      b.wheels.map((w) => w.name),
      ['tinyc'],
    );
    assert.equal(asked.length, 0, `with --no-index pip asked the index: ${asked.join(', ')}`);

    const online = await cli(['--no-harness', '--out', path.join(work, 'cli-out-index'), 'tinyc==1.0']);
    assert.equal(online.exitCode, 0, online.stderr);
    assert.ok(
      asked.some((u) => u.includes('tinyc')),
      `without --no-index pip should ask the index for tinyc; it asked ${JSON.stringify(asked)}`,
    );
  } finally {
    index.close();
  }
});
