// `grpo-bench bundle`: an offline bundle for a host that lacks network (and Node, TRL, vLLM):
// the harness as one file, every file the workloads read at run time and the scenarios, optionally a Node
// binary, and the wheels the host lacks for its Python and platform (with the harness, those of
// requirements-harness.txt, which the workloads import beside the host's PyTorch stack, by default); checksummed, split into
// parts of at most N MiB, with an install.sh that needs no root and no network.
// Runs from a checkout (it reads wheels.py and install.sh beside this file).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError, UserError } from '../../errors.ts';
import { formatBinaryBytes, formatNumber } from '../../value-format.ts';

/** manylinux tags a glibc 2.39 host (Ubuntu 24.04) accepts, newest first. */
export const DEFAULT_PLATFORMS: readonly string[] = [
  ...Array.from({ length: 39 - 17 + 1 }, (_, i) => `manylinux_2_${39 - i}_x86_64`),
  'manylinux2014_x86_64',
  'manylinux2010_x86_64',
  'manylinux1_x86_64',
];

/** What the workloads import beside a PyTorch stack, in the project root (requirements.txt includes it). */
export const HARNESS_REQUIREMENTS = 'requirements-harness.txt';

export interface BundleOptions {
  /** Output folder: the parts, SHA256SUMS, install.sh, README.md, bundle.json. Emptied first. */
  out: string;
  /** Target Python, major.minor ("3.12"). */
  python: string;
  /** Wheel platform tags the target accepts (default: DEFAULT_PLATFORMS). */
  platforms?: readonly string[];
  /** What the host already has: "name==version" or a bare "name" (version unknown). Never shipped. */
  have?: readonly string[];
  /** Files listing what the host has: `pip freeze` output or one name per line. */
  haveFiles?: readonly string[];
  /** Requirements to make installable on the host ("trl==1.13.0", "vllm==0.26.0"). */
  requirements?: readonly string[];
  /** Requirement files (pip's -r). */
  requirementFiles?: readonly string[];
  /**
   * Ship the wheels of HARNESS_REQUIREMENTS (jsonschema and what it needs), less what the host
   * has, besides the requirements above: a host with its own PyTorch stack lacks them, and the
   * workloads stop at once without them (default: when the bundle has the harness).
   */
  harnessRequirements?: boolean;
  /** Packages not to ship, nor anything needed only through them. */
  exclude?: readonly string[];
  /** Ship these even though the host has them (a version the host's does not satisfy). */
  forceShip?: readonly string[];
  /** "name:glob" — remove members matching glob from that package's wheel (e.g. kernels for other GPUs). */
  strip?: readonly string[];
  /** Extra folders of wheels for pip (--find-links). */
  findLinks?: readonly string[];
  /** Use only findLinks, no package index. */
  noIndex?: boolean;
  /** Python used to resolve; must be the target's major.minor (default: python<ver>, else python3). */
  resolverPython?: string;
  /** Harness entry to bundle with esbuild into dist/cli/grpo-bench.mjs; null: no harness. */
  entry?: string | null;
  /** Include a Node.js binary (xz): true for this node, or a path. */
  node?: boolean | string;
  /** Include the runtime files (runtimeFiles), schemas/*.schema.json, scenarios/ and requirements*.txt (default true). */
  projectFiles?: boolean;
  /** Split the payload into parts of at most this many MiB (default: one part). */
  splitMib?: number;
  /**
   * Pure-Python packages installed each in its own folder, `<dest>/variants/<name>-<version>/`, beside
   * the shared site (`trl=1.16.0`): a scenario variant puts one first on its pythonpath, so several
   * releases of TRL run over one vLLM (docs/offline-hosts.md "Variants").
   */
  variants?: readonly string[];
  /** Project root (default: the checkout this file is in). */
  root?: string;
  /** Progress lines go here (default: stderr). */
  log?: (line: string) => void;
}

export interface BundleWheel {
  name: string;
  version: string;
  file: string;
  bytes: number;
  requiredBy: string;
  stripped?: string[];
}

export interface BundleManifest {
  createdAt: string;
  target: { python: string; platforms: readonly string[] };
  have: Record<string, string | null>;
  requirements: string[];
  /** HARNESS_REQUIREMENTS when its wheels were asked for, null when left out. */
  harnessRequirements: string | null;
  wheels: BundleWheel[];
  excluded: string[];
  warnings: string[];
  harness: string | null;
  node: string | null;
  /** The variant folders (BundleOptions.variants), each with its one wheel. */
  variants: { folder: string; wheel: string; bytes: number }[];
  projectFiles: string[];
  tar: { bytes: number; sha256: string };
  parts: { file: string; bytes: number; sha256: string }[];
}

const HERE = import.meta.dirname;
const MiB = 1024 * 1024;
const norm = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

/** Parses `pip freeze` lines, "name==version", or bare names into name → version|null. */
export function parseHave(lines: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const raw of lines) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line || line.startsWith('-')) continue;
    const at = line.match(/^([A-Za-z0-9][A-Za-z0-9._-]*)\s*@/); // name @ file:///…
    if (at) {
      out[norm(at[1]!)] = null;
      continue;
    }
    const m = line.match(/^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:===?\s*([^\s;]+))?/);
    if (!m)
      throw new UsageError(
        `--have/--have-file: cannot read "${raw}" as a package the host has`,
        'Write name==version or a bare name, one per line (pip freeze output works).',
      );
    out[norm(m[1]!)] = m[2] ?? null;
  }
  return out;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

async function findResolverPython(o: BundleOptions, onlyHarness: boolean): Promise<string> {
  const candidates = o.resolverPython ? [o.resolverPython] : [`python${o.python}`, 'python3'];
  for (const py of candidates) {
    const r = await execa(py, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { reject: false });
    if (r.exitCode === 0 && r.stdout.trim() === o.python) return py;
  }
  throw new UserError(
    `no Python ${o.python} here to resolve the target's dependencies with (tried ${candidates.join(', ')})`,
    `install Python ${o.python} locally (pyenv, uv python) and pass --resolver-python PATH` +
      (onlyHarness ? `, or leave ${HARNESS_REQUIREMENTS}'s wheels out (--no-harness-requirements) where the host has them` : ''),
  );
}

/** Splits a file into parts of at most partBytes: NAME.part000, NAME.part001 … */
async function splitFile(file: string, partBytes: number): Promise<string[]> {
  const size = (await stat(file)).size;
  const parts: string[] = [];
  for (let i = 0, off = 0; off < size || i === 0; i++, off += partBytes) {
    const part = `${file}.part${String(i).padStart(3, '0')}`;
    const end = Math.min(size, off + partBytes) - 1;
    if (end >= off) await pipeline(createReadStream(file, { start: off, end }), createWriteStream(part));
    else await writeFile(part, '');
    parts.push(part);
  }
  return parts;
}

async function listFiles(dir: string, keep: (rel: string) => boolean): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const all = await readdir(dir, { recursive: true, withFileTypes: true });
  return all
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .filter((rel) => !rel.split(path.sep).includes('__pycache__') && keep(rel))
    .sort();
}

/**
 * The files the harness's processes read at run time, relative to the project root: everything
 * under src/ that is not TypeScript (which esbuild puts in the one-file CLI) nor Python's
 * byte-code — the workloads' Python, their data and launcher configs, the NVML sampler. Derived
 * from the tree, not listed, so a file a workload starts to read travels without anyone
 * remembering to add it.
 */
export async function runtimeFiles(root: string): Promise<string[]> {
  const skip = (f: string) => /\.(ts|pyc)$/.test(f);
  return (await listFiles(path.join(root, 'src'), (f) => !skip(f))).map((f) => path.join('src', f));
}

export async function bundleCommand(o: BundleOptions): Promise<number> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const root = o.root ?? path.resolve(HERE, '..', '..', '..');
  const platforms = o.platforms?.length ? o.platforms : DEFAULT_PLATFORMS;
  if (!/^\d+\.\d+$/.test(o.python)) throw new UsageError(`--python ${o.python}: give major.minor, like 3.12`);
  if (o.splitMib !== undefined && !(o.splitMib > 0)) throw new UsageError('--split-mib must be a positive number');
  const strip = new Map<string, string[]>();
  for (const s of o.strip ?? []) {
    const i = s.indexOf(':');
    if (i <= 0) throw new UsageError(`--strip ${s}: write NAME:GLOB, e.g. vllm:vllm/vllm_flash_attn/_vllm_fa2_C*.so`);
    strip.set(norm(s.slice(0, i)), [...(strip.get(norm(s.slice(0, i))) ?? []), s.slice(i + 1)]);
  }

  const have: Record<string, string | null> = { ...parseHave(o.have ?? []) };
  for (const f of o.haveFiles ?? []) Object.assign(have, parseHave((await readFile(f, 'utf8')).split('\n')));

  const out = path.resolve(o.out);
  await rm(out, { recursive: true, force: true });
  const payload = path.join(out, 'payload');
  await mkdir(payload, { recursive: true });
  const pipIndexArgs = [...(o.noIndex ? ['--no-index'] : []), ...(o.findLinks ?? []).flatMap((d) => ['--find-links', path.resolve(d)])];

  const entry = o.entry === undefined ? path.join(root, 'src', 'cli.ts') : o.entry;
  if (entry !== null && !existsSync(entry)) {
    if (o.entry !== undefined) throw new UserError(`bundle entry ${entry} does not exist`);
    log(`no ${path.relative(root, entry)} yet: the bundle has no harness`);
  }
  const withHarness = entry !== null && existsSync(entry);

  // 1. Wheels.
  const harnessRequirements = (o.harnessRequirements ?? withHarness) ? HARNESS_REQUIREMENTS : null;
  if (harnessRequirements && !existsSync(path.join(root, harnessRequirements))) {
    throw new UserError(
      `${path.join(root, harnessRequirements)} is missing: it lists what the workloads import beside the host's PyTorch stack`,
      'pass --no-harness-requirements to build the bundle without those wheels',
    );
  }
  const requirementFiles = [...(harnessRequirements ? [path.join(root, harnessRequirements)] : []), ...(o.requirementFiles ?? [])];
  const requirements = [...(o.requirements ?? []), ...requirementFiles.flatMap((f) => ['-r', path.resolve(f)])];
  let wheels: BundleWheel[] = [];
  let excluded: string[] = [];
  let warnings: string[] = [];
  if (requirements.length) {
    const onlyHarness = harnessRequirements !== null && !o.requirements?.length && !o.requirementFiles?.length;
    const py = await findResolverPython(o, onlyHarness);
    const scratch = path.join(tmpdir(), `grpo-bench-bundle-${process.pid}`);
    await mkdir(scratch, { recursive: true });
    try {
      const spec = path.join(scratch, 'spec.json');
      const res = path.join(scratch, 'resolved.json');
      await writeFile(
        spec,
        JSON.stringify({
          pythonVersion: o.python,
          have,
          exclude: o.exclude ?? [],
          forceShip: o.forceShip ?? [],
          requirements,
          pipArgs: pipIndexArgs,
        }),
      );
      log(`resolving ${requirements.join(' ')} for Python ${o.python} (host has ${Object.keys(have).length} packages) ...`);
      await execa(py, [path.join(HERE, 'wheels.py'), 'resolve', spec, res], { stderr: 'inherit' });
      const r = JSON.parse(await readFile(res, 'utf8')) as
        | { ok: false; error: string }
        | { ok: true; ship: { name: string; version: string; requiredBy: string }[]; excluded: string[]; warnings: string[] };
      if (!r.ok)
        throw new UserError(
          `pip could not resolve the requirements:\n${r.error}`,
          'loosen --have pins, or --exclude the package in conflict',
        );
      excluded = r.excluded;
      warnings = r.warnings;
      for (const w of warnings) log(`warning: ${w}`);
      const wheelDir = path.join(payload, 'wheels');
      await mkdir(wheelDir);
      if (r.ship.length) {
        const reqFile = path.join(scratch, 'ship.txt');
        await writeFile(reqFile, r.ship.map((s) => `${s.name}==${s.version}\n`).join(''));
        log(`downloading ${r.ship.length} wheels for cp${o.python.replace('.', '')} ${platforms[0]}… ...`);
        const dl = await execa(
          py,
          [
            ...pipDownload(o.python, wheelDir, pipIndexArgs),
            '--implementation',
            'cp',
            ...platforms.flatMap((p) => ['--platform', p]),
            '-r',
            reqFile,
          ],
          { reject: false },
        );
        if (dl.exitCode !== 0) {
          const err = dl.stderr
            .split('\n')
            .filter((l) => !l.startsWith('WARNING: Location'))
            .join('\n');
          throw new UserError(
            `pip could not download a wheel for the target:\n${err}`,
            'add --platform tags the host accepts, or --exclude the package',
          );
        }
      }
      const files = (await readdir(wheelDir)).filter((f) => f.endsWith('.whl'));
      const byName = new Map(files.map((f) => [norm(f.split('-')[0]!), f]));
      for (const s of r.ship) {
        const file = byName.get(s.name);
        if (!file) throw new UserError(`no wheel of ${s.name}==${s.version} was downloaded`);
        const w: BundleWheel = { ...s, file, bytes: 0 };
        const globs = strip.get(s.name);
        if (globs) {
          const st = await execa(py, [path.join(HERE, 'wheels.py'), 'strip', path.join(wheelDir, file), ...globs]);
          w.stripped = JSON.parse(st.stdout) as string[];
          if (!w.stripped.length) warnings.push(`--strip ${s.name}: nothing matched ${globs.join(' ')}`);
        }
        w.bytes = (await stat(path.join(wheelDir, file))).size;
        wheels.push(w);
      }
      for (const name of strip.keys()) if (!r.ship.some((s) => s.name === name)) warnings.push(`--strip ${name}: not shipped`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  wheels = wheels.sort((a, b) => b.bytes - a.bytes);

  const variants = await variantWheels(o.variants ?? [], payload, o.python, pipIndexArgs, () => findResolverPython(o, false), log);

  // 2. Harness and project files.
  let harness: string | null = null;
  if (withHarness) {
    const esbuild = await import('esbuild');
    harness = 'dist/cli/grpo-bench.mjs';
    await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(payload, harness),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@napi-rs/canvas', '*.node'],
      banner: { js: "import { createRequire as __gbRequire } from 'node:module'; const require = __gbRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }
  const projectFiles: string[] = [];
  if (o.projectFiles ?? true) {
    const pick = [
      ...(await runtimeFiles(root)),
      ...(await listFiles(path.join(root, 'scenarios'), () => true)).map((f) => path.join('scenarios', f)),
      // The contract the workloads validate their configuration and events against.
      ...(await listFiles(path.join(root, 'schemas'), (f) => f.endsWith('.schema.json'))).map((f) => path.join('schemas', f)),
      ...(await readdir(root)).filter((f) => /^requirements.*\.txt$/.test(f)),
    ];
    for (const rel of pick) {
      await mkdir(path.dirname(path.join(payload, rel)), { recursive: true });
      await copyFile(path.join(root, rel), path.join(payload, rel));
      projectFiles.push(rel);
    }
  }

  // 3. Node.
  let node: string | null = null;
  if (o.node) {
    const bin = typeof o.node === 'string' ? o.node : process.execPath;
    log(`compressing ${bin} ...`);
    await execa('xz', ['-T0', '-6', '-c', bin], { stdout: { file: path.join(payload, 'node.xz') } });
    node = (await execa(bin, ['--version'])).stdout.trim();
  }

  // 4. Manifest, tar, parts, sums, installer.
  const manifest: BundleManifest = {
    createdAt: new Date().toISOString(),
    target: { python: o.python, platforms },
    have,
    requirements,
    harnessRequirements,
    wheels,
    excluded,
    warnings,
    harness,
    node,
    variants,
    projectFiles,
    tar: { bytes: 0, sha256: '' },
    parts: [],
  };
  await writeFile(path.join(payload, 'bundle.json'), JSON.stringify(manifest, null, 2) + '\n');
  const tar = path.join(out, 'bundle.tar');
  await execa('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', tar, '-C', payload, '.']);
  await rm(payload, { recursive: true, force: true });
  manifest.tar = { bytes: (await stat(tar)).size, sha256: await sha256File(tar) };
  const partBytes = o.splitMib ? Math.floor(o.splitMib * MiB) : Math.max(1, manifest.tar.bytes);
  const parts = await splitFile(tar, partBytes);
  await rm(tar);
  for (const p of parts) manifest.parts.push({ file: path.basename(p), bytes: (await stat(p)).size, sha256: await sha256File(p) });
  await writeFile(path.join(out, 'SHA256SUMS'), manifest.parts.map((p) => `${p.sha256}  ${p.file}\n`).join(''));
  const haveSpecs = Object.entries(have).map(([n, v]) => (v ? `${n}==${v}` : n));
  const script = (await readFile(path.join(HERE, 'install.sh'), 'utf8'))
    .replace('@@TAR_SHA256@@', manifest.tar.sha256)
    .replace('@@PYTHON_VERSION@@', o.python)
    .replace('@@PARTS@@', manifest.parts.map((p) => p.file).join(' '))
    .replace('@@HAVE@@', haveSpecs.map((s) => `'${s}'`).join(' '))
    .replace('@@ENV@@', bundleEnvironment(manifest.excluded).join('\n'));
  await writeFile(path.join(out, 'install.sh'), script);
  await chmod(path.join(out, 'install.sh'), 0o755);
  await writeFile(path.join(out, 'bundle.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(path.join(out, 'README.md'), readme(manifest));
  const total = manifest.parts.reduce((s, p) => s + p.bytes, 0);
  log(`${out}: ${wheels.length} wheels, ${formatBinaryBytes(total, 'MiB')} in ${parts.length} part(s)`);
  return 0;
}

/** `trl=1.16.0` or `trl==1.16.0` → its folder name and pin; anything else is refused, naming the flag. */
export function parseVariant(spec: string): { folder: string; pin: string } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==?([0-9][A-Za-z0-9.+!-]*)$/.exec(spec.trim());
  if (!m) throw new UserError(`--variant ${spec}: write PACKAGE=VERSION, e.g. --variant trl=1.16.0`);
  return { folder: `${norm(m[1]!)}-${m[2]}`, pin: `${m[1]}==${m[2]}` };
}

/**
 * Each variant's one wheel, without its dependencies (they are the shared site's), into
 * payload/variants/<folder>/. Only pure-Python wheels: a compiled one would have to match the
 * shared site's binaries, which a wheel without dependencies cannot promise.
 */
async function variantWheels(
  specs: readonly string[],
  payload: string,
  python: string,
  pipIndexArgs: readonly string[],
  resolver: () => Promise<string>,
  log: (line: string) => void,
): Promise<BundleManifest['variants']> {
  if (specs.length === 0) return [];
  const py = await resolver();
  const out: BundleManifest['variants'] = [];
  for (const spec of specs) {
    const { folder, pin } = parseVariant(spec);
    const dir = path.join(payload, 'variants', folder);
    await mkdir(dir, { recursive: true });
    log(`variant ${folder}: downloading ${pin} (no dependencies) ...`);
    const dl = await execa(py, [...pipDownload(python, dir, pipIndexArgs), pin], { reject: false });
    if (dl.exitCode !== 0) throw new UserError(`--variant ${spec}: pip could not download ${pin}:\n${dl.stderr}`);
    const [wheel] = (await readdir(dir)).filter((f) => f.endsWith('.whl'));
    if (!wheel || !wheel.endsWith('-none-any.whl'))
      throw new UserError(
        `--variant ${spec}: ${wheel ?? 'no wheel'} is not a pure-Python wheel; a variant folder holds only pure-Python packages over the shared site`,
      );
    out.push({ folder, wheel, bytes: (await stat(path.join(dir, wheel))).size });
  }
  return out;
}

function readme(m: BundleManifest): string {
  const mib = (b: number) => formatNumber(b / MiB, { decimals: 1 });
  return [
    '# grpo-bench offline bundle',
    '',
    `Built ${m.createdAt} for Python ${m.target.python} (${m.target.platforms[0]} …).`,
    `${m.parts.length} part(s), ${mib(m.tar.bytes)} MiB in all. Copy every part, \`SHA256SUMS\` and`,
    '`install.sh` into one folder on the host, then `bash install.sh [DEST]` and source the line it prints.',
    '`bash install.sh --check` says which parts are there and whether they verify.',
    '',
    '| part | MiB | sha256 |',
    '| --- | --- | --- |',
    ...m.parts.map((p) => `| ${p.file} | ${mib(p.bytes)} | \`${p.sha256.slice(0, 16)}…\` |`),
    '',
    `Harness: ${m.harness ?? 'none'}. Node: ${m.node ?? 'none'}.`,
    `What the workloads import beside the host's PyTorch stack (${HARNESS_REQUIREMENTS}): ${m.harnessRequirements ? 'shipped, less what the host has' : 'left out (--no-harness-requirements, or no harness)'}.`,
    `Assumed on the host (not shipped): ${
      Object.entries(m.have)
        .map(([n, v]) => (v ? `${n}==${v}` : n))
        .join(', ') || 'nothing'
    }.`,
    `Excluded on request (with what only they need): ${m.excluded.join(', ') || 'nothing'}.`,
    `Variant folders (\`$GRPO_BENCH_VARIANTS/<folder>\` after install, each for a scenario variant's pythonpath): ${m.variants.map((v) => `${v.folder} (${v.wheel})`).join(', ') || 'none'}.`,
    '',
    '| wheel | MiB | needed by | stripped |',
    '| --- | --- | --- | --- |',
    ...m.wheels.map((w) => `| ${w.file} | ${mib(w.bytes)} | ${w.requiredBy} | ${w.stripped?.join(' ') ?? ''} |`),
    ...(m.warnings.length ? ['', '## Warnings', '', ...m.warnings.map((w) => `- ${w}`)] : []),
    '',
  ].join('\n');
}

/**
 * Settings the installed environment needs because of what the bundle left out. vLLM's sampler
 * imports flashinfer unguarded unless told not to use it (seen with vLLM 0.26: the engine core
 * died with "No module named 'flashinfer'" in both TRL modes).
 */
export function bundleEnvironment(excluded: readonly string[]): string[] {
  const out: string[] = [];
  if (excluded.some((n) => norm(n) === 'flashinfer-python')) {
    out.push('export VLLM_USE_FLASHINFER_SAMPLER=0  # flashinfer is not in this bundle');
  }
  return out;
}

/** pip's arguments to download binary wheels for a target Python into `dir`, one by one as named (no dependencies). */
function pipDownload(python: string, dir: string, indexArgs: readonly string[]): string[] {
  return [
    '-m',
    'pip',
    'download',
    '--quiet',
    '--disable-pip-version-check',
    '--no-deps',
    '--only-binary=:all:',
    '--python-version',
    python,
    ...indexArgs,
    '-d',
    dir,
  ];
}
