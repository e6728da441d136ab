// TRL 1.13.0 against 1.16.0 as two real environments of one run (scenarios/trl-cpu-variants.yaml,
// hf mode on CPU): .venv-trl-next is the workload Python with TRL 1.16.0 layered over it
// (`node scripts/setup.mjs --with trl-next`, part of `npm test`). Checks that each variant's
// units ran its own TRL, that the manifest and the gate name the versions that differ, and that
// the gate gives a verdict (never an error). CPU timings are not asserted.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GATE_EXIT } from '../../src/analysis/inference/constants.ts';
import { gateRun } from '../../src/commands/gate/index.ts';
import { runCommand } from '../../src/commands/run/index.ts';
import { projectRoot } from '../../src/env/python.ts';
import { installedLibraries } from './trl-fixtures.ts';

const root = projectRoot();
const next = path.join(root, '.venv-trl-next', 'bin', 'python');
const libraries = await installedLibraries();
const skip =
  libraries.trl !== '1.13.0'
    ? `needs trl 1.13.0 in the workload Python (found ${libraries.trl ?? 'none'})`
    : !existsSync(next)
      ? 'needs .venv-trl-next (node scripts/setup.mjs --with trl-next)'
      : false;

/** The TRL version the trainer reported in its events: what actually ran. */
function trlOfUnit(unitDir: string): string | undefined {
  const text = readFileSync(path.join(unitDir, 'events', 'trainer-0.jsonl'), 'utf8');
  return /"trl_version":"([^"]+)"/.exec(text)?.[1];
}

test(
  'TRL 1.13.0 vs 1.16.0 in one interleaved run: each variant runs its own TRL, and the gate judges 1.16.0 against 1.13.0',
  { skip, timeout: 600_000 },
  async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'grpo-bench-trl-variants-'));
    try {
      const { exitCode, runDir } = await runCommand({ scenario: path.join(root, 'scenarios', 'trl-cpu-variants.yaml'), out, repeats: 2 });
      assert.equal(exitCode, 0);
      for (const [variant, version] of [
        ['trl-1.13.0', '1.13.0'],
        ['trl-1.16.0', '1.16.0'],
      ] as const) {
        for (const r of ['r0', 'r1']) assert.equal(trlOfUnit(path.join(runDir, variant, 'hf', r)), version, `${variant}/hf/${r}`);
      }
      const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.variants['trl-1.16.0'].libraries.trl, '1.16.0');
      assert.equal(manifest.variants['trl-1.13.0'].libraries.trl, '1.13.0');
      const v = await gateRun({ runs: [runDir] });
      assert.deepEqual(
        v.versions.map((d) => d.library),
        ['trl'],
      );
      assert.deepEqual(
        [v.baseline, v.comparisons.map((c) => `${c.candidate} ${c.point}/${c.mode} ${c.design}`)],
        ['trl-1.13.0', ['trl-1.16.0 default/hf paired']],
      );
      assert.equal(v.exit_code, GATE_EXIT[v.outcome]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
