// Each workload's --config across the language boundary: what the adapters plan is valid against
// the generated schema in Python, and a bad document stops the real Python program with a
// message that names the field, without a traceback.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import type { ProcessSpec } from '../../src/records/plan.ts';
import { GPU_SCENARIO, PYTHON, ROOT, TRL_1_13, context, plan } from '../workloads/trl-fixtures.ts';
import { planProbe, probePlan } from '../../src/launch/plan.ts';
import { parseScenario } from '../../src/scenario/load.ts';

const WORKLOADS = path.join(ROOT, 'src/workloads');

/** Runs Python with src/workloads importable; the last stdout line is parsed as JSON. */
function python(code: string, input: unknown) {
  const r = spawnSync(PYTHON, ['-c', `import json, sys\nsys.path.insert(0, ${JSON.stringify(WORKLOADS)})\n${code}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}
const validateAll = (name: string, documents: unknown[], part?: string): string[][] =>
  python(
    'from common.contract import validate\nq = json.load(sys.stdin)\nprint(json.dumps([validate(q["name"], d, q["part"]) for d in q["documents"]]))',
    {
      name,
      documents,
      part: part ?? null,
    },
  );
const configOf = (p: ProcessSpec) => JSON.parse(p.argv[p.argv.indexOf('--config') + 1]!);

const SYNTHETIC = `
name: s
workload: synthetic
model: preset:tiny
grpo: { per_device_train_batch_size: 8, num_generations: 4, beta: 0.04 }
protocol: equal_global_batch
modes:
  server: { devices: { server: 1, trainer: 2 }, engine: { backend: static_compiled } }
  colocate: { devices: 4, sleep: true }
`;

suite('what the adapters plan follows the generated schemas', () => {
  test('synthetic: the server and trainer configs of both modes, on GPU and CPU', () => {
    const docs = [4, 0].flatMap((gpus) => plan(SYNTHETIC, context(undefined, gpus)).units.flatMap((u) => u.processes.map(configOf)));
    assert.equal(docs.length, 6);
    assert.deepEqual(
      validateAll('synthetic-config', docs),
      docs.map(() => []),
    );
  });

  test('trl: the trainer config of every mode and the model spec the server gets', () => {
    const units = (['server', 'colocate', 'hf'] as const).map((m) => plan(GPU_SCENARIO, context(TRL_1_13, 4), [m]).units[0]!);
    const trainers = units.map((u) => configOf(u.processes.at(-1)!));
    assert.deepEqual(
      validateAll('trl-config', trainers),
      trainers.map(() => []),
    );
    const server = units[0]!.processes[0]!;
    const model = JSON.parse(server.argv[server.argv.indexOf('--model') + 1]!);
    assert.deepEqual(validateAll('trl-config', [model], 'model'), [[]]);
  });
});

suite('what the profile drivers are planned to read follows the generated schemas', () => {
  test("both workloads: the driver's config follows probe-config, its run the workload's own config", () => {
    const synthetic = parseScenario(SYNTHETIC, 's.yaml').scenario;
    const trl = parseScenario(GPU_SCENARIO, 't.yaml').scenario;
    const drivers = [
      { name: 'synthetic-config', unit: planProbe(synthetic, context(undefined, 0), probePlan(synthetic, [1, 2], [8], 2, 1)) },
      { name: 'trl-config', unit: planProbe(trl, context(TRL_1_13, 1), probePlan(trl, [1, 7], [8], 2, 1)) },
    ];
    for (const { name, unit } of drivers) {
      const doc = configOf(unit.processes.find((p) => p.name === 'driver')!);
      assert.deepEqual(validateAll('probe-config', [doc]), [[]], name);
      assert.deepEqual(validateAll(name, [doc.run]), [[]], name);
    }
  });
});

suite('a bad configuration is named field by field', () => {
  const good = () => configOf(plan(SYNTHETIC, context(undefined, 0)).units[1]!.processes[0]!);

  test('the synthetic trainer refuses a bad --config with the field, the value and no traceback', () => {
    const bad = { ...good(), per_device_train_batch_size: 0, backend: 'vllm', sleeep: true };
    const r = spawnSync(PYTHON, [path.join(WORKLOADS, 'synthetic/trainer.py'), '--config', JSON.stringify(bad)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--config does not match schemas\/synthetic-config\.schema\.json/);
    assert.match(r.stderr, /per_device_train_batch_size: 0 is less than or equal to the minimum of 0/);
    assert.match(r.stderr, /backend: 'vllm' is not one of \['generate', 'static_compiled'\]/);
    assert.match(r.stderr, /Additional properties are not allowed \('sleeep' was unexpected\) \(known fields: .*sleep/);
    assert.doesNotMatch(r.stderr, /Traceback/);
  });

  test('the synthetic server refuses a server config without its address, and fields that do not go together', () => {
    const bad = { ...good(), mode: 'server', per_device_train_batch_size: 6 };
    const r = spawnSync(PYTHON, [path.join(WORKLOADS, 'synthetic/server.py'), '--config', JSON.stringify(bad)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /per_device_train_batch_size \(6\) must be a multiple of num_generations \(4\)/);
    assert.match(r.stderr, /server mode needs server \{host, port, sync_host, sync_port, world_size\}/);
    assert.match(r.stderr, /sleep applies to colocate mode only/);
    assert.doesNotMatch(r.stderr, /Traceback/);
  });

  test('the trl trainer names a field deep in a union (a prompt source) and a wrong type', () => {
    const cfg = configOf(plan(GPU_SCENARIO, context(TRL_1_13, 4), ['hf']).units[0]!.processes[0]!);
    const bad = { ...cfg, grpo: { ...cfg.grpo, num_generations: 'eight' }, trl: { ...cfg.trl, prompts: { source: 'file' } } };
    const r = spawnSync(PYTHON, [path.join(WORKLOADS, 'trl/train.py'), '--config', JSON.stringify(bad)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /grpo\.num_generations: 'eight' is not of type 'integer'/);
    assert.match(r.stderr, /trl\.prompts: 'path' is a required property/);
    assert.doesNotMatch(r.stderr, /Traceback/);
  });

  test("the trl server names a bad model spec's field", () => {
    const r = spawnSync(
      PYTHON,
      [path.join(WORKLOADS, 'trl/serve.py'), '--model', '{"source":"hub"}', '--style', 'vllm-serve', '--', 'true'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /--model does not match schemas\/trl-config\.schema\.json \(its field model\):\n {2}\(document\): 'id' is a required property/,
    );
  });
});

test('a hand-written synthetic config gets the schema defaults for what it leaves out', () => {
  const out = python(
    'from synthetic.config import load\ncfg = load(sys.stdin.read())\nprint(json.dumps({k: cfg[k] for k in ("slowdown", "sleep", "epsilon", "weight_sync_bucket_bytes", "server_timeout_s", "completions")} | {"samples": cfg.samples_per_rank, "port": cfg.server.port}))',
    {
      mode: 'server',
      model: 'preset:tiny',
      device: 'cpu',
      seed: 0,
      steps: 2,
      per_device_train_batch_size: 4,
      num_generations: 2,
      backend: 'generate',
      server: { host: '127.0.0.1', port: 29731, sync_host: '127.0.0.1', sync_port: 29732, world_size: 2 },
    },
  );
  assert.deepEqual(out, {
    slowdown: 0,
    sleep: false,
    epsilon: 0.2,
    weight_sync_bucket_bytes: 268435456,
    server_timeout_s: 600,
    completions: 'fixed',
    samples: 4,
    port: 29731,
  });
});
