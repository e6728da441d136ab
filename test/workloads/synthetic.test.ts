// The synthetic workload end to end with real processes on CPU: both modes of the tiny preset,
// launched with the exact argv/env the adapter plans, every event file validated.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { projectRoot, resolvePython } from '../../src/env/python.ts';
import { planRun } from '../../src/launch/plan.ts';
import type { ProcessSpec, UnitPlan } from '../../src/launch/types.ts';
import { readEventsFile, type Event, type PhaseEvent, type StepEvent } from '../../src/results/events.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function plan(): Promise<UnitPlan[]> {
  const ports = await Promise.all(Array.from({ length: 6 }, freePort));
  const { scenario, sweep } = parseScenario(SCENARIO, 'synthetic-e2e.yaml');
  const root = projectRoot();
  return planRun(expandSweep(scenario, sweep, 'synthetic-e2e.yaml'), {
    root, runDir, python: resolvePython(root), gpuCount: 0, nextPort: () => ports.shift()!,
  }).units;
}

/** Starts one planned process in its own process group, output to logs/<name>.log. */
function launch(unitDir: string, p: ProcessSpec): { child: ChildProcess; exit: Promise<number | null>; log: string } {
  mkdirSync(path.join(unitDir, 'logs'), { recursive: true });
  const log = path.join(unitDir, 'logs', `${p.name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(p.argv[0]!, p.argv.slice(1), { cwd: p.cwd, env: { ...process.env, ...p.env }, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, log };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitHealthy(url: string, ms: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('server exited before it was healthy');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within ${ms} ms`);
}

/** The promise's value, or 'timeout' after ms (the timer is cleared, so it keeps nothing alive). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

const tail = (file: string) => readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');

/** Runs a unit: the server first (if any) until healthy, then the trainers; the server is always ended. */
async function runUnit(unit: UnitPlan): Promise<Map<string, Event[]>> {
  const unitDir = path.join(runDir, unit.dir);
  const started: ReturnType<typeof launch>[] = [];
  try {
    for (const p of unit.processes) {
      const proc = launch(unitDir, p);
      started.push(proc);
      if (p.ready.kind === 'http') {
        let gone = false;
        void proc.exit.then(() => (gone = true));
        await waitHealthy(p.ready.url, 60_000, () => gone).catch((e) => {
          throw new Error(`${p.name}: ${(e as Error).message}\n${tail(proc.log)}`);
        });
      }
    }
    const trainer = started.at(-1)!;
    const code = await within(trainer.exit, 90_000);
    assert.equal(code, 0, `trainer exited ${code}:\n${tail(trainer.log)}`);
    if (started.length > 1) {
      // The trainer told the server to close: it exits by itself, promptly.
      const server = started[0]!;
      const sc = await within(server.exit, 15_000);
      assert.equal(sc, 0, `server did not exit cleanly after /close (${sc}):\n${tail(server.log)}`);
    }
  } finally {
    for (const p of started) killGroup(p.child, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    for (const p of started) killGroup(p.child, 'SIGKILL');
  }
  const out = new Map<string, Event[]>();
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
  assert.equal(evs[0]!.type, 'start', `${name}: first event`);
  const end = evs.at(-1)!;
  assert.ok(end.type === 'end' && end.status === 'ok', `${name}: last event ${JSON.stringify(end)}`);
  for (const p of evs.filter((e): e is PhaseEvent => e.type === 'phase')) assert.equal(p.synced, true, `${name}: ${p.name} not synced`);
}

function checkTrainer(name: string, evs: Event[], perRankSamples: number): number {
  checkProcess(name, evs);
  const s = steps(evs);
  assert.deepEqual(s.map((e) => e.step), [...Array(STEPS).keys()], `${name}: one step event per optimizer step`);
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
    assert.equal(ws.reduce((a, p) => a + p.bytes!, 0), bytes * STEPS, 'weight_sync bytes = parameter bytes × steps');
    assert.ok(ws.every((p) => p.buckets! >= 1));
  }
  assert.equal(phases(srv, 'generate').length, STEPS);
  const requests = s.get('trainer-0')!.filter((e) => e.type === 'request').map((e) => (e as { endpoint: string }).endpoint);
  assert.deepEqual(requests.filter((r) => r === '/generate').length, STEPS);
  assert.ok(requests.includes('/init_weight_sync') && requests.at(-1) === '/close');

  const c = await runUnit(colocate);
  const perSample = [0, 1].map((r) => checkTrainer(`colocate/trainer-${r}`, c.get(`trainer-${r}`)!, 4));
  for (const r of [0, 1]) {
    const evs = c.get(`trainer-${r}`)!;
    const ws = phases(evs, 'weight_sync');
    assert.equal(ws.reduce((a, p) => a + p.bytes!, 0), paramBytes(evs) * STEPS);
    assert.equal(phases(evs, 'sleep').length, STEPS);
    assert.equal(phases(evs, 'wake').length, STEPS - 1);
  }
  assert.deepEqual(perSample, [16, 16]);
  assert.equal(perSampleServer, 16, 'fixed completions: max_completion_length tokens per sample in both modes');
});
