import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { planRun } from '../../src/launch/plan.ts';
import type { PlanContext } from '../../src/workloads/types.ts';
import { UserError } from '../../src/errors.ts';

const yaml = (extra = '') => `name: p
workload: synthetic
model: preset:tiny
grpo: { per_device_train_batch_size: 8, num_generations: 4 }
steps: 5
repeats: 2
modes:
  server: { devices: { server: 1, trainer: 3 } }
  colocate: { devices: 4 }
${extra}`;

function ctx(gpuCount: number, gpuMemoryBytes?: number): PlanContext {
  let port = 40000;
  return { root: '/repo', runDir: '/runs/r1', python: '/py', gpuCount, gpuMemoryBytes, nextPort: () => port++ };
}

function plan(text: string, c = ctx(4)) {
  const { scenario, sweep } = parseScenario(text, 's.yaml');
  return planRun(expandSweep(scenario, sweep, 's.yaml'), c);
}

test('repeats interleave the modes ABBA so that drift falls on both', () => {
  const p = plan(yaml());
  assert.deepEqual(
    p.units.map((u) => `${u.mode}/r${u.repeat}`),
    ['server/r0', 'colocate/r0', 'colocate/r1', 'server/r1'],
  );
  assert.deepEqual(
    p.units.map((u) => u.dir),
    ['server/r0', 'colocate/r0', 'colocate/r1', 'server/r1'],
  );
});

test('server mode on GPUs: a server on GPU 0 with a health probe, torchrun trainers on GPUs 1-3', () => {
  const u = plan(yaml()).units[0]!;
  assert.deepEqual(u.devices, { kind: 'cuda', allocated: [0, 1, 2, 3], training: [1, 2, 3], server: [0] });
  const [server, trainer] = u.processes;
  assert.equal(server!.role, 'server');
  assert.deepEqual(server!.gpus, [0]);
  assert.equal(server!.env.CUDA_VISIBLE_DEVICES, '0');
  assert.equal(server!.env.GRPO_BENCH_EVENTS, '/runs/r1/server/r0/events/server-0.jsonl');
  assert.deepEqual(server!.ports, { http: 40000, weight_sync: 40001 });
  assert.deepEqual(server!.ready, { kind: 'http', url: 'http://127.0.0.1:40000/health', timeout_s: 600 });
  assert.equal(server!.finishes_unit, false);
  assert.deepEqual(server!.argv.slice(0, 3), ['/py', '/repo/src/workloads/synthetic/server.py', '--config']);
  const config = JSON.parse(server!.argv[3]!);
  assert.deepEqual(config.server, { host: '127.0.0.1', port: 40000, sync_host: '127.0.0.1', sync_port: 40001, world_size: 2 });
  assert.equal(config.device, 'cuda');

  assert.equal(trainer!.env.CUDA_VISIBLE_DEVICES, '1,2,3');
  assert.equal(trainer!.env.GRPO_BENCH_EVENTS, '/runs/r1/server/r0/events/trainer-{rank}.jsonl');
  assert.deepEqual(trainer!.argv.slice(0, 14), [
    '/py',
    '-m',
    'torch.distributed.run',
    '--nnodes',
    '1',
    '--node-rank',
    '0',
    '--nproc-per-node',
    '3',
    '--master-addr',
    '127.0.0.1',
    '--master-port',
    '40002',
    '/repo/src/workloads/synthetic/trainer.py',
  ]);
  assert.deepEqual(trainer!.events, ['events/trainer-0.jsonl', 'events/trainer-1.jsonl', 'events/trainer-2.jsonl']);
  assert.equal(trainer!.finishes_unit, true);
});

test('colocate mode: one launcher over all GPUs, no server, no weight-sync port', () => {
  const u = plan(yaml()).units[1]!;
  assert.equal(u.mode, 'colocate');
  assert.deepEqual(u.devices, { kind: 'cuda', allocated: [0, 1, 2, 3], training: [0, 1, 2, 3], server: [] });
  assert.equal(u.processes.length, 1);
  const config = JSON.parse(u.processes[0]!.argv.at(-1)!);
  assert.equal(config.mode, 'colocate');
  assert.equal(config.server, undefined);
  assert.equal(u.processes[0]!.env.CUDA_VISIBLE_DEVICES, '0,1,2,3');
});

test('on CPU the device counts become processes and CUDA is hidden', () => {
  const u = plan(yaml(), ctx(0)).units[0]!;
  assert.equal(u.devices.kind, 'cpu');
  assert.deepEqual(
    u.processes.map((p) => p.env.CUDA_VISIBLE_DEVICES),
    ['', ''],
  );
  assert.deepEqual(
    u.processes.map((p) => p.gpus),
    [[], []],
  );
  assert.equal(JSON.parse(u.processes[0]!.argv.at(-1)!).device, 'cpu');
});

test('equal per-device batch: server does 3/4 of colocate’s work per step', () => {
  const [server, colocate] = plan(yaml()).units;
  assert.deepEqual([server!.batch.global_batch, colocate!.batch.global_batch], [24, 32]);
  assert.deepEqual([server!.batch.prompts_per_step, colocate!.batch.prompts_per_step], [6, 8]);
});

test('equal global batch: server trainers take a larger per-device batch, or the plan says why not', () => {
  const even = plan(yaml('protocol: equal_global_batch').replace('trainer: 3', 'trainer: 2').replace('server: 1', 'server: 2'));
  assert.deepEqual(
    even.units.map((u) => u.batch.per_device_train_batch_size),
    [16, 8, 8, 16],
  );
  assert.throws(
    () => plan(yaml('protocol: equal_global_batch')),
    /32 completions per step spread over 3 training device\(s\) in server mode/,
  );
});

test('asking for more GPUs than the machine has is refused with the numbers', () => {
  assert.throws(
    () => plan(yaml(), ctx(2)),
    (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /needs GPUs 2, 3 but this machine has 2 \(0–1\)/);
      return true;
    },
  );
});

test('a plan to be read (plan anywhere) lists what the machine lacks instead of refusing, and still shows every process', () => {
  const { scenario, sweep } = parseScenario(yaml(), 's.yaml');
  const p = planRun(expandSweep(scenario, sweep, 's.yaml'), ctx(2), { lacking: 'warn' });
  assert.deepEqual(p.warnings, [
    { kind: 'cannot_run_here', message: 'modes.server.devices needs GPUs 2, 3 but this machine has 2 (0–1)' },
    { kind: 'cannot_run_here', message: 'modes.colocate.devices needs GPUs 2, 3 but this machine has 2 (0–1)' },
  ]);
  assert.deepEqual(
    p.units.map((u) => u.processes.map((x) => x.name)),
    [['server-0', 'trainer'], ['trainer'], ['trainer'], ['server-0', 'trainer']],
  );
  assert.equal(plan(yaml()).warnings, undefined, 'a plan the machine can run has no warnings');
});

test('explicit GPU indices are used as given', () => {
  const p = plan(yaml().replace('{ server: 1, trainer: 3 }', '{ server: [3], trainer: [0, 1] }').replace('devices: 4', 'devices: [1, 2]'));
  assert.deepEqual(p.units[0]!.devices, { kind: 'cuda', allocated: [3, 0, 1], training: [0, 1], server: [3] });
  assert.deepEqual(p.units[1]!.devices.training, [1, 2]);
});

test('a 7b preset that cannot fit an 80 GB GPU in colocate mode is refused at plan time with the estimate', () => {
  const text = yaml().replace('preset:tiny', 'preset:7b').replace('num_generations: 4', 'num_generations: 4, max_completion_length: 1024');
  assert.throws(() => plan(text, ctx(4, 80 * 2 ** 30)), /colocate: preset 7b \(7\.\d+ B parameters\) needs about [\d.]+ GiB per GPU/);
  assert.doesNotThrow(() => plan(yaml().replace('preset:tiny', 'preset:0.5b'), ctx(4, 80 * 2 ** 30)));
});

test('equal global batch: the fit is judged at the per-device batch each mode really takes', () => {
  // Colocate trains 8 per device on 4 GPUs; server's one trainer then takes all 32.
  const text = yaml()
    .replace('preset:tiny', 'preset:0.5b')
    .replace('num_generations: 4', 'num_generations: 4, max_prompt_length: 128, max_completion_length: 1024')
    .replace('trainer: 3', 'trainer: 1');
  assert.doesNotThrow(() => plan(text, ctx(5, 80 * 2 ** 30)));
  assert.throws(
    () => plan(text + 'protocol: equal_global_batch\n', ctx(5, 80 * 2 ** 30)),
    /server: preset 0\.5b needs about 115\.5 GiB per training GPU at a per-device batch of 32, more than 73\.6 GiB usable/,
  );
});

test('the same inputs give the same plan (no hidden state)', () => {
  assert.deepEqual(plan(yaml()), plan(yaml()));
});

test('a sweep puts each point in its own folder', () => {
  const p = plan(yaml('sweep:\n  grpo.per_device_train_batch_size: [4, 8]').replace('repeats: 2', 'repeats: 1'));
  assert.deepEqual(
    p.units.map((u) => u.dir),
    [
      'per_device_train_batch_size=4/server/r0',
      'per_device_train_batch_size=4/colocate/r0',
      'per_device_train_batch_size=8/server/r0',
      'per_device_train_batch_size=8/colocate/r0',
    ],
  );
});

test('plan.json names every sweep point once, with its id, swept values and label, and each unit refers to it by id', () => {
  const p = plan(yaml('sweep:\n  grpo.per_device_train_batch_size: [4, 8]\n  model: ["preset:tiny"]\n'));
  assert.deepEqual(p.points, [
    {
      id: 'per_device_train_batch_size=4,model=preset_tiny',
      values: { 'grpo.per_device_train_batch_size': 4, model: 'preset:tiny' },
      label: 'per_device_train_batch_size=4, model=preset:tiny',
    },
    {
      id: 'per_device_train_batch_size=8,model=preset_tiny',
      values: { 'grpo.per_device_train_batch_size': 8, model: 'preset:tiny' },
      label: 'per_device_train_batch_size=8, model=preset:tiny',
    },
  ]);
  assert.deepEqual(
    [...new Set(p.units.map((u) => u.point))],
    p.points.map((x) => x.id),
  );
  assert.ok(p.units.every((u) => u.dir.startsWith(`${u.point}/`)));
  assert.deepEqual(plan(yaml()).points, [{ id: 'default', values: {}, label: 'default' }]);
});
