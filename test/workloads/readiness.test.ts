// Each workload answers `doctor` about its own modes: what this machine lacks for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PythonInfo } from '../../src/env/libraries.ts';
import { adapterFor, workloadAdapters } from '../../src/workloads/adapters.ts';
import { TRL_1_13 } from './trl-fixtures.ts';

const python = (libraries: Record<string, string | null>, error?: string): PythonInfo => ({
  python: '/venv/bin/python',
  executable: error ? null : '/venv/bin/python',
  libraries,
  cuda_available: false,
  cuda_devices: 0,
  ...(error ? { error } : {}),
});

test('every workload answers for each of its modes once', () => {
  for (const adapter of workloadAdapters()) {
    const modes = adapter.readiness(python(TRL_1_13), 2).flatMap((r) => r.modes);
    assert.deepEqual([...modes].sort(), [...adapter.modes].sort(), adapter.name);
  }
});

test('synthetic: ready with torch, transformers and jsonschema; otherwise it names what is missing and how to get it', () => {
  const synthetic = adapterFor('synthetic');
  assert.deepEqual(synthetic.readiness(python(TRL_1_13), 0), [{ modes: ['server', 'colocate'], ok: true, missing: [] }]);
  assert.deepEqual(synthetic.readiness(python({ ...TRL_1_13, jsonschema: null }), 0)[0]!.missing, [
    'jsonschema (npm run setup; pip install -r requirements-harness.txt; offline, a harness bundle (grpo-bench bundle) ships it)',
  ]);
  const broken = synthetic.readiness(python({}, 'No module named torch'), 0)[0]!;
  assert.equal(broken.ok, false);
  assert.equal(broken.missing[0], 'a working Python (/venv/bin/python: No module named torch)');
});

test('trl: one answer per mode; without jsonschema every mode names it', () => {
  const r = adapterFor('trl').readiness(python({ ...TRL_1_13, jsonschema: null }), 2);
  assert.deepEqual(
    r.map((x) => [x.modes, x.ok]),
    [
      [['server'], false],
      [['colocate'], false],
      [['hf'], false],
    ],
  );
  for (const x of r)
    assert.ok(
      x.missing.some((m) => /^jsonschema is not installed/.test(m)),
      x.missing.join('\n'),
    );
});
