// The synthetic workload end to end with real processes on CPU: both modes of the tiny preset,
// launched by the harness's supervisor with the exact argv/env the adapter plans, every event file validated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { projectRoot, resolvePython } from '../../src/env/python.ts';
import { planRun } from '../../src/launch/plan.ts';
import type { UnitPlan } from '../../src/records/plan.ts';
import { portPool } from '../../src/launch/ports.ts';
import { runUnit as superviseUnit } from '../../src/launch/supervisor.ts';
import type { Event, PhaseEvent, StepEvent } from '../../src/records/events.ts';
import { readEventsFile } from '../../src/results/read.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { assertEventFilesValid } from '../contract/python.ts';

const STEPS = 3;
const SCENARIO = `name: synthetic-e2e
workload: synthetic
model: preset:tiny
device: cpu
grpo: { per_device_train_batch_size: 4, num_generations: 2, max_prompt_length: 16, max_completion_length: 16, beta: 0.04 }
completions: fixed
steps: ${STEPS}
modes:
  server: { devices: { server: 1, trainer: 1 } }
  colocate: { devices: 2, sleep: true }
`;

const runDir = mkdtempSync(path.join(tmpdir(), 'grpo-bench-synthetic-'));
after(() => rmSync(runDir, { recursive: true, force: true }));

async function plan(): Promise<UnitPlan[]> {
  const { scenario, sweep } = parseScenario(SCENARIO, 'synthetic-e2e.yaml');
  const root = projectRoot();
  return planRun(expandSweep(scenario, sweep, 'synthetic-e2e.yaml'), {
    root,
    runDir,
    python: resolvePython(root),
    gpuCount: 0,
    nextPort: await portPool(6),
  }).units;
}

/** Runs a unit under the harness's supervisor and returns every process's events, validated on both sides of the contract. */
async function runUnit(unit: UnitPlan): Promise<Map<string, Event[]>> {
  const unitDir = path.join(runDir, unit.dir);
  const outcome = await superviseUnit({ unitDir, processes: unit.processes, timeoutS: 180 });
  assert.equal(
    outcome.status,
    'ok',
    'status' in outcome && outcome.status !== 'ok' ? `${outcome.message}\n${'log_tail' in outcome ? outcome.log_tail.join('\n') : ''}` : '',
  );
  const out = new Map<string, Event[]>();
  assertEventFilesValid(unit.processes.flatMap((p) => p.events.map((rel) => path.join(unitDir, rel))));
  for (const p of unit.processes) {
    for (const rel of p.events) {
      const parsed = await readEventsFile(path.join(unitDir, rel));
      assert.deepEqual(parsed.problems, [], `${unit.dir}/${rel}: invalid events`);
      assert.equal(parsed.truncated, false);
      out.set(path.basename(rel, '.jsonl'), parsed.events);
    }
  }
  return out;
}

const phases = (evs: Event[], name: string) => evs.filter((e): e is PhaseEvent => e.type === 'phase' && e.name === name);
const steps = (evs: Event[]) => evs.filter((e): e is StepEvent => e.type === 'step');
const paramBytes = (evs: Event[]) => {
  const c = evs.find((e) => e.type === 'config');
  assert.ok(c && c.type === 'config');
  return c.config.param_bytes as number;
};

function checkProcess(name: string, evs: Event[]): void {
  assert.ok(evs.length > 2, `${name}: no events`);
  // Start-up parts (imports, model load …) come before the process says it is ready; then `start`.
  const ready = evs.findIndex((e) => e.type !== 'startup');
  assert.ok(ready > 0 && evs.slice(0, ready).some((e) => e.type === 'startup' && e.part === 'imports'), `${name}: start-up events first`);
  assert.equal(evs[ready]!.type, 'start', `${name}: first event after the start-up parts`);
  const end = evs.at(-1)!;
  assert.ok(end.type === 'end' && end.status === 'ok', `${name}: last event ${JSON.stringify(end)}`);
  for (const p of evs.filter((e): e is PhaseEvent => e.type === 'phase')) assert.equal(p.synced, true, `${name}: ${p.name} not synced`);
}

function checkTrainer(name: string, evs: Event[], perRankSamples: number): number {
  checkProcess(name, evs);
  const s = steps(evs);
  assert.deepEqual(
    s.map((e) => e.step),
    [...Array(STEPS).keys()],
    `${name}: one step event per optimizer step`,
  );
  for (const e of s) {
    assert.equal(e.samples, perRankSamples, `${name}: samples per rank`);
    assert.equal(e.prompt_tokens, perRankSamples * 16);
    assert.ok(Number.isFinite(e.loss) && Number.isFinite(e.reward_mean));
  }
  for (const phase of ['generate', 'reward', 'ref_logprobs', 'forward_backward', 'optimizer']) {
    assert.equal(phases(evs, phase).length, STEPS, `${name}: ${phase} phases`);
  }
  return s.reduce((a, e) => a + e.completion_tokens, 0) / s.reduce((a, e) => a + e.samples, 0);
}

test('synthetic workload, tiny preset on CPU: both modes run, validate and do the same work per sample', { timeout: 240_000 }, async () => {
  const units = await plan();
  const server = units.find((u) => u.mode === 'server')!;
  const colocate = units.find((u) => u.mode === 'colocate')!;

  const s = await runUnit(server);
  const perSampleServer = checkTrainer('server/trainer-0', s.get('trainer-0')!, 4);
  const srv = s.get('server-0')!;
  checkProcess('server-0', srv);
  const bytes = paramBytes(s.get('trainer-0')!);
  assert.equal(paramBytes(srv), bytes);
  for (const evs of [s.get('trainer-0')!, srv]) {
    const ws = phases(evs, 'weight_sync');
    assert.equal(ws.length, STEPS);
    assert.equal(
      ws.reduce((a, p) => a + p.bytes!, 0),
      bytes * STEPS,
      'weight_sync bytes = parameter bytes × steps',
    );
    assert.ok(ws.every((p) => p.buckets! >= 1));
  }
  assert.equal(phases(srv, 'generate').length, STEPS);
  const requests = s
    .get('trainer-0')!
    .filter((e) => e.type === 'request')
    .map((e) => (e as { endpoint: string }).endpoint);
  assert.deepEqual(requests.filter((r) => r === '/generate').length, STEPS);
  assert.ok(requests.includes('/init_weight_sync') && requests.at(-1) === '/close');
  // Each /generate is recorded on both sides under one id.
  type Req = { endpoint: string; t0: number; t1: number; id?: string };
  const sent = s.get('trainer-0')!.filter((e) => e.type === 'request' && e.endpoint === '/generate') as unknown as Req[];
  const served = new Map((srv.filter((e) => e.type === 'request' && e.endpoint === '/generate') as unknown as Req[]).map((e) => [e.id, e]));
  assert.equal(sent.length, STEPS);
  for (const r of sent) assert.ok(r.id && served.has(r.id), `server record of request ${r.id}`);

  const c = await runUnit(colocate);
  const perSample = [0, 1].map((r) => checkTrainer(`colocate/trainer-${r}`, c.get(`trainer-${r}`)!, 4));
  for (const r of [0, 1]) {
    const evs = c.get(`trainer-${r}`)!;
    const ws = phases(evs, 'weight_sync');
    assert.equal(
      ws.reduce((a, p) => a + p.bytes!, 0),
      paramBytes(evs) * STEPS,
    );
    assert.equal(phases(evs, 'sleep').length, STEPS);
    assert.equal(phases(evs, 'wake').length, STEPS - 1);
  }
  assert.deepEqual(perSample, [16, 16]);
  assert.equal(perSampleServer, 16, 'fixed completions: max_completion_length tokens per sample in both modes');
});
