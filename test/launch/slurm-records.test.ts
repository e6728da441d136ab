// What the harness reads back from SLURM and from the node agents: scontrol's job line (recorded
// from SLURM 22.05), sbatch's answer, the clock exchange, and a unit's record from its nodes'.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { endedEarly, parseJobInfo, parseSubmitted } from '../../src/launch/slurm/scontrol.ts';
import { bestOffset } from '../../src/launch/slurm/clock.ts';
import { combineNodes } from '../../src/launch/slurm/outcome.ts';
import type { NodeRecord } from '../../src/records/nodes.ts';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'slurm', name), 'utf8');

test('scontrol show job -o: state, reason, exit code and nodes of a job', () => {
  assert.deepEqual(parseJobInfo(fixture('completed.txt')), {
    id: '10',
    state: 'COMPLETED',
    reason: 'None',
    exitCode: '0:0',
    nodeList: 'n[1-2]',
    runTime: '00:04:09',
    timeLimit: '00:10:00',
  });
  const held = parseJobInfo(fixture('pending-held.txt'))!;
  assert.deepEqual([held.state, held.reason, held.nodeList], ['PENDING', 'JobHeldUser', '']);
  const cancelled = parseJobInfo(fixture('cancelled.txt'))!;
  assert.equal(cancelled.state, 'CANCELLED');
  assert.equal(parseJobInfo(fixture('invalid.txt')), null);
});

test('sbatch --parsable answers the job id, with the cluster name on a federation', () => {
  assert.equal(parseSubmitted('12\n'), '12');
  assert.equal(parseSubmitted('4711;cluster-a\n'), '4711');
  assert.equal(parseSubmitted('sbatch: error: Batch job submission failed'), null);
});

test('why a job ended, in words; nothing when it completed', () => {
  const job = { id: '7', exitCode: '0:0' };
  assert.equal(endedEarly({ ...job, state: 'COMPLETED', reason: 'None' }), null);
  assert.equal(endedEarly({ ...job, state: 'TIMEOUT', reason: 'TimeLimit' }), 'SLURM ended job 7 at its time limit (TIMEOUT, TimeLimit)');
  assert.equal(endedEarly({ ...job, state: 'CANCELLED', reason: 'None' }, 'SIGINT'), 'job 7 cancelled by grpo-bench on SIGINT (CANCELLED)');
  assert.equal(endedEarly({ ...job, state: 'CANCELLED', reason: 'None' }), 'job 7 was cancelled outside grpo-bench (scancel) (CANCELLED)');
  assert.equal(endedEarly({ ...job, state: 'NODE_FAIL', reason: 'NodeDown' }), 'SLURM ended job 7: a node failed (NODE_FAIL, NodeDown)');
  assert.equal(
    endedEarly({ id: '7', exitCode: '1:0', state: 'FAILED', reason: 'NonZeroExitCode' }),
    'job 7 failed: the job script exited with 1:0 (FAILED, NonZeroExitCode)',
  );
});

test('the clock offset comes from the exchange with the smallest round trip', () => {
  const samples = [
    { sent: 100.0, host: 150.2, received: 100.4 }, // rtt 0.4
    { sent: 101.0, host: 151.05, received: 101.1 }, // rtt 0.1: host = node + 50.0
    { sent: 102.0, host: 152.3, received: 102.2 }, // rtt 0.2
  ];
  const best = bestOffset(samples)!;
  assert.ok(Math.abs(best.offset_s - 50.0) < 1e-9, String(best.offset_s));
  assert.ok(Math.abs(best.rtt_s - 0.1) < 1e-9, String(best.rtt_s));
  assert.equal(bestOffset([]), null);
});

const node = (name: string, extra: Partial<NodeRecord>): NodeRecord => ({
  node: name,
  role: 'trainer',
  node_rank: 0,
  address: '10.0.0.1',
  pid: 1,
  slots: [0],
  gpus: [],
  clock: { offset_s: 0, rtt_s: 0.001, samples: 8, against: 'http://login:1/clock' },
  started: '2026-01-01T00:00:00.000Z',
  status: 'ok',
  ended: '2026-01-01T00:01:00.000Z',
  ...extra,
});

test('a unit is ok when every node ended ok, and waits for nodes still running', () => {
  const a = node('n1', {
    role: 'server',
    started: '2026-01-01T00:00:01.000Z',
    sampler_cost: { harness_cpu_s_per_s: 0.1, sampler_cpu_s_per_s: 0 },
  });
  const b = node('n2', { ended: '2026-01-01T00:02:00.000Z', sampler_cost: { harness_cpu_s_per_s: 0.3, sampler_cpu_s_per_s: 0.01 } });
  assert.deepEqual(combineNodes([a, b], 2), {
    status: 'ok',
    started: '2026-01-01T00:00:00.000Z',
    ended: '2026-01-01T00:02:00.000Z',
    sampler_cost: { harness_cpu_s_per_s: 0.3, sampler_cpu_s_per_s: 0.01 },
  });
  assert.equal(combineNodes([a, { ...b, status: 'running' }], 2), null);
  assert.equal(combineNodes([a], 2), null);
});

test('a failure on one node is the unit’s, before the other group’s consequent stop', () => {
  const server = node('n1', {
    role: 'server',
    status: 'failed',
    ended: '2026-01-01T00:00:30.000Z',
    error: { message: 'server-0 exited with code 1', exit_code: 1, log_tail: ['OOM'] },
  });
  const trainer = node('n2', { status: 'interrupted', error: { message: "stopped: the server's step ended first" } });
  const v = combineNodes([server, trainer], 2)!;
  assert.equal(v.status, 'failed');
  assert.deepEqual(v.error, { message: 'n1: server-0 exited with code 1', exit_code: 1, log_tail: ['OOM'] });
});

test('a unit cut short by the job says why in the job’s words, also for nodes that recorded no end', () => {
  const trainer = node('n2', { status: 'interrupted', error: { message: 'stopped by SIGTERM from SLURM' } });
  const why = 'SLURM ended job 7 at its time limit (TIMEOUT, TimeLimit)';
  assert.deepEqual(combineNodes([trainer], 2, { why })!.error, { message: why });
  assert.equal(combineNodes([trainer, node('n1', { status: 'running' })], 2, { why })!.status, 'interrupted');
  assert.deepEqual(combineNodes([node('n1', { status: 'running' })], 2, { why: null })!.error, {
    message: '2 of 2 node(s) recorded no end',
  });
});
