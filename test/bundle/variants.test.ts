// A bundle's variant folders: `--variant trl=1.16.0` ships TRL 1.16.0's wheel alone, install.sh
// installs it in its own folder and env.sh says where (GRPO_BENCH_VARIANTS), and a scenario
// variant whose pythonpath names that folder runs TRL 1.16.0 over the workload Python's other
// packages. Real pip (the TRL wheel from the package index this machine has), real install.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { bundleCommand, parseVariant, type BundleManifest } from '../../src/commands/bundle/index.ts';
import { probeVariants } from '../../src/env/variant-probe.ts';
import { projectRoot } from '../../src/env/python.ts';
import { UserError } from '../../src/errors.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { python } from '../launch/fixtures.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'grpo-bench-bundle-variants-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('--variant is PACKAGE=VERSION', () => {
  assert.deepEqual(parseVariant('trl=1.16.0'), { folder: 'trl-1.16.0', pin: 'trl==1.16.0' });
  assert.deepEqual(parseVariant('trl==1.13.0'), { folder: 'trl-1.13.0', pin: 'trl==1.13.0' });
  assert.throws(
    () => parseVariant('trl'),
    (e: unknown) => e instanceof UserError && /--variant trl: write PACKAGE=VERSION/.test(e.message),
  );
});

test(
  'a bundle with a TRL variant folder: installed beside the site, found by a scenario variant through GRPO_BENCH_VARIANTS',
  { timeout: 300_000 },
  async (t) => {
    const pyVersion = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
    const out = path.join(work, 'bundle');
    try {
      await bundleCommand({
        out,
        python: pyVersion,
        resolverPython: python,
        entry: null,
        projectFiles: false,
        harnessRequirements: false,
        variants: ['trl=1.16.0'],
        log: () => {},
      });
    } catch (err) {
      if (err instanceof UserError && /could not download/.test(err.message))
        return t.skip(`no package index with trl 1.16.0 here: ${err.message.split('\n')[0]}`);
      throw err;
    }
    const manifest = JSON.parse(readFileSync(path.join(out, 'bundle.json'), 'utf8')) as BundleManifest;
    assert.deepEqual(
      manifest.variants.map((v) => [v.folder, v.wheel]),
      [['trl-1.16.0', 'trl-1.16.0-py3-none-any.whl']],
    );
    const dest = path.join(work, 'installed');
    const r = spawnSync('bash', [path.join(out, 'install.sh'), dest], {
      encoding: 'utf8',
      env: { ...process.env, GRPO_BENCH_PYTHON: python },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(path.join(dest, 'variants', 'trl-1.16.0', 'trl', '__init__.py')));
    const env = spawnSync('bash', ['-c', `source ${path.join(dest, 'env.sh')} && echo "$GRPO_BENCH_VARIANTS"`], {
      encoding: 'utf8',
    }).stdout.trim();
    assert.equal(env, path.join(dest, 'variants'));

    const { scenario } = parseScenario(
      `name: b
workload: synthetic
model: preset:tiny
modes: { colocate: { devices: 1 } }
variants:
  next: { python: ${python}, pythonpath: "\${GRPO_BENCH_VARIANTS}/trl-1.16.0", expect: { trl: 1.16.0 } }
`,
      's.yaml',
    );
    process.env.GRPO_BENCH_VARIANTS = env;
    try {
      const [next] = await probeVariants(scenario, projectRoot());
      assert.equal(next!.info.libraries.trl, '1.16.0');
      assert.deepEqual(next!.pythonpath, [path.join(dest, 'variants', 'trl-1.16.0')]);
    } finally {
      delete process.env.GRPO_BENCH_VARIANTS;
    }
  },
);

test(
  'variants setup makes a missing variant environment from its pins, layered over the workload Python',
  { timeout: 300_000 },
  async (t) => {
    const { variantsSetupCommand } = await import('../../src/commands/variants/setup.ts');
    const envDir = path.join(work, 'env-next');
    const file = path.join(work, 'setup.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      `name: s\nworkload: synthetic\nmodel: preset:tiny\nmodes: { colocate: { devices: 1 } }\nvariants:\n  next: { python: ${envDir}/bin/python, expect: { trl: 1.16.0 } }\n`,
    );
    const lines: string[] = [];
    try {
      assert.equal(await variantsSetupCommand({ scenario: file, over: python, noDeps: true, log: (l) => lines.push(l) }), 0);
    } catch (err) {
      if (err instanceof UserError && /pip install .* failed/.test(err.message))
        return t.skip(`no package index with trl 1.16.0 here: ${err.message}`);
      throw err;
    }
    assert.match(lines.join('\n'), /variant next: .*env-next\/bin\/python: .*torch \d.*trl 1\.16\.0/);
  },
);
