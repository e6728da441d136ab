// The launcher registry and the run engine's refusals, on the real launchers.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { executePlan, type ExecuteOptions } from '../../src/launch/engine.ts';
import { LAUNCHER_NAMES, launcherFor } from '../../src/launch/launchers.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { LAUNCHERS } from '../../src/scenario/schema.ts';

test('every launcher a scenario may name is registered, and says whether it runs here and what it submits', async () => {
  assert.deepEqual([...LAUNCHER_NAMES].sort(), [...LAUNCHERS].sort());
  const local = await launcherFor('local');
  const slurm = await launcherFor('slurm');
  assert.equal(local.onThisMachine, true);
  assert.equal(local.script, undefined);
  assert.equal(slurm.onThisMachine, false);
  assert.equal(typeof slurm.script, 'function');
});

test('a run that skips units as it goes is refused on a launcher that cannot, before its results folder exists', async () => {
  const { scenario } = parseScenario(
    'name: t\nworkload: synthetic\nmodel: preset:tiny\nlauncher: slurm\nmodes:\n  colocate: { devices: 1 }\n',
    't.yaml',
  );
  const runDir = path.join(await mkdtemp(path.join(tmpdir(), 'gb-engine-')), 'run');
  const options = {
    plan: { scenario: 't', workload: 'synthetic', device: 'cpu', points: [], units: [] },
    launcher: await launcherFor('slurm'),
    runId: 'run',
    runDir,
    root: process.cwd(),
    python: 'python3',
    scenarioFile: 't.yaml',
    scenario,
    pointScenario: () => scenario,
    skip: () => undefined,
  } as unknown as ExecuteOptions;
  await assert.rejects(
    executePlan(options),
    (err) => err instanceof UsageError && /runs on this machine, not with the slurm launcher/.test(err.message),
  );
  assert.equal(existsSync(runDir), false);
});
