import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ScenarioError, UserError } from '../../src/errors.ts';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';

const minimal = `name: t
workload: synthetic
model: preset:tiny
modes:
  colocate: { devices: 2 }
`;

function problemsOf(text: string): ScenarioError['problems'] {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    assert.match(err.message, /^bad\.yaml: invalid scenario/);
    return err.problems;
  }
  assert.fail('the scenario was accepted');
}

test('a minimal scenario gets the documented defaults', () => {
  const { scenario, sweep } = parseScenario(minimal, 'ok.yaml');
  assert.equal(scenario.grpo.per_device_train_batch_size, 8);
  assert.equal(scenario.telemetry.interval_ms, 200);
  assert.equal(scenario.protocol, 'equal_per_device_batch');
  assert.equal(scenario.modes.colocate?.engine.backend, 'generate');
  assert.equal(sweep, undefined);
});

test('a wrong type names the field path, the expected type and the line', () => {
  const [p, ...rest] = problemsOf(minimal + 'steps: many\n');
  assert.equal(rest.length, 0);
  assert.equal(p!.path, 'steps');
  assert.match(p!.message, /expected number, got string "many"/);
  assert.equal(p!.line, 6);
});

test('an unknown field is an error naming the field, even nested', () => {
  const problems = problemsOf(minimal.replace('devices: 2', 'devices: 2, sleeep: true'));
  assert.deepEqual(problems.map((p) => [p.path, p.message]), [['modes.colocate.sleeep', "unknown field 'sleeep'"]]);
});

test('a value outside an enumeration lists the allowed values', () => {
  const [p] = problemsOf(minimal.replace('workload: synthetic', 'workload: vllm'));
  assert.equal(p!.path, 'workload');
  assert.match(p!.message, /expected one of "synthetic", "trl", got string "vllm"/);
});

test('a missing required field says it is required', () => {
  const [p] = problemsOf(minimal.replace('model: preset:tiny\n', ''));
  assert.equal(p!.path, 'model');
  assert.match(p!.message, /required/);
});

test('YAML syntax errors carry the line', () => {
  const [p] = problemsOf('name: [unclosed\n');
  assert.match(p!.message, /YAML syntax/);
});

test('a missing file is a user error naming the file', async () => {
  await assert.rejects(loadScenarioFile('no/such/scenario.yaml'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /no\/such\/scenario\.yaml: cannot read scenario file \(no such file\)/);
    return true;
  });
});

test('the shipped scenarios all validate', async () => {
  const { readdir } = await import('node:fs/promises');
  const dir = path.resolve(import.meta.dirname, '../../scenarios');
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    const loaded = await loadScenarioFile(path.join(dir, f));
    assert.ok(expandSweep(loaded.scenario, loaded.sweep, f).length >= 1, f);
  }
});

test('a sweep expands to the cartesian product, each point re-validated', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gb-scn-'));
  const file = path.join(dir, 's.yaml');
  await writeFile(file, minimal + 'sweep:\n  grpo.per_device_train_batch_size: [4, 8]\n  steps: [3, 5]\n');
  const loaded = await loadScenarioFile(file);
  const points = expandSweep(loaded.scenario, loaded.sweep, file);
  assert.deepEqual(points.map((p) => p.id), [
    'per_device_train_batch_size=4,steps=3',
    'per_device_train_batch_size=4,steps=5',
    'per_device_train_batch_size=8,steps=3',
    'per_device_train_batch_size=8,steps=5',
  ]);
  assert.equal(points[3]!.scenario.grpo.per_device_train_batch_size, 8);
  assert.equal(points[3]!.scenario.steps, 5);
});

test('a sweep over a misspelt field or a bad value is refused', () => {
  const bad = parseScenario(minimal + 'sweep:\n  grpo.per_device_batch: [4]\n', 's.yaml');
  assert.throws(() => expandSweep(bad.scenario, bad.sweep, 's.yaml'), /per_device_batch/);
  const neg = parseScenario(minimal + 'sweep:\n  steps: [0]\n', 's.yaml');
  assert.throws(() => expandSweep(neg.scenario, neg.sweep, 's.yaml'), /sweep → steps/);
});
