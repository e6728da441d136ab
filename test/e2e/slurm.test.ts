// End to end on a real SLURM cluster: the tiny scenario through the slurm launcher on two nodes
// (scripts/slurm-test-cluster.sh starts one on this host; .ci/run does so around the tests).
// Outside CI the tests that need the cluster are skipped, with the reason, when none answers;
// in CI (CI=true) a missing cluster is a failure.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { parseEvents } from '../../src/records/events.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import type { NodeRecord } from '../../src/records/nodes.ts';
import type { Summary } from '../../src/records/summary.ts';
import { cli, onlyRunDir, processesMentioning, readJsonFile, ROOT, tinyScenario, workspace } from './helpers.ts';

const DEFAULT_CONF = path.join(process.env.GRPO_BENCH_SLURM_DIR ?? '/tmp/grpo-bench-slurm', 'slurm.conf');

/** The cluster's environment for the CLI, or why there is none: at least two nodes must answer. */
async function findCluster(): Promise<{ env: Record<string, string> } | { missing: string }> {
  const conf = process.env.SLURM_CONF ?? (existsSync(DEFAULT_CONF) ? DEFAULT_CONF : undefined);
  const env: Record<string, string> = conf ? { SLURM_CONF: conf } : {};
  const r = await execa('sinfo', ['-h', '-N', '-o', '%N %t'], { env, reject: false, timeout: 10_000 });
  if (r.exitCode !== 0 || r.failed) {
    return {
      missing: `no SLURM cluster answers (sinfo: ${String(r.stderr || r.shortMessage || '')
        .split('\n')
        .at(-1)}); start one with scripts/slurm-test-cluster.sh start`,
    };
  }
  const up = new Set(
    r.stdout
      .split('\n')
      .filter((l) => /\s(idle|mix|alloc)\S*$/.test(l))
      .map((l) => l.split(/\s+/)[0]),
  );
  if (up.size < 2)
    return { missing: `the SLURM cluster has ${up.size} node(s) up, the tests need 2 (sinfo: ${r.stdout.trim().replace(/\n/g, '; ')})` };
  return { env };
}

const cluster = await findCluster();
const missing = 'missing' in cluster ? cluster.missing : undefined;
const env = 'env' in cluster ? cluster.env : {};
if (missing && process.env.CI === 'true') {
  test('the SLURM test cluster is up (CI starts it in .ci/run)', () => assert.fail(missing));
}
const needsCluster = { skip: missing && process.env.CI !== 'true' ? missing : false };

const slurmScenario = (extra = '') => tinyScenario(`launcher: slurm\nslurm: { time_limit: 10 }\n${extra}`);

async function inQueue(jobId: string): Promise<boolean> {
  const r = await execa('squeue', ['-h', '-j', jobId, '-o', '%T'], { env, reject: false });
  return r.stdout.trim() !== '';
}

function nodes(runDir: string, unit: string): NodeRecord[] {
  const dir = path.join(runDir, unit, 'nodes');
  return readdirSync(dir)
    .sort()
    .map((n) => JSON.parse(readFileSync(path.join(dir, n, 'node.json'), 'utf8')) as NodeRecord);
}

/** Waits until trainer rank 0 (on whichever node) has written `steps` steps of the unit. */
async function waitForSteps(results: string, unit: string, steps: number, within_s: number): Promise<string> {
  const deadline = Date.now() + within_s * 1000;
  for (;;) {
    assert.ok(Date.now() < deadline, `the run never reached step ${steps} of ${unit}`);
    await sleep(500);
    const runDir = existsSync(results) ? await onlyRunDir(results).catch(() => undefined) : undefined;
    const nodesDir = runDir && path.join(runDir, unit, 'nodes');
    if (!nodesDir || !existsSync(nodesDir)) continue;
    for (const n of readdirSync(nodesDir)) {
      const file = path.join(nodesDir, n, 'events', 'trainer-0.jsonl');
      if (existsSync(file) && readFileSync(file, 'utf8').split('"type":"step"').length > steps) return runDir;
    }
  }
}

/** A colocate run far longer than any test waits for, started in the background. */
const longScenario = () => slurmScenario().replace('steps: 4', 'steps: 100000');
function startLongRun(ws: { scenario: string; results: string }) {
  return execa(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'colocate'],
    {
      cwd: ROOT,
      env,
      reject: false,
      all: true,
    },
  );
}

test('plan prints the job script without submitting it', async () => {
  const ws = await workspace(slurmScenario());
  const r = await cli(['plan', ws.scenario]);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /^#!\/bin\/bash\n/);
  assert.match(r.stdout, /^#SBATCH --nodes=2$/m);
  assert.match(r.stdout, /^#SBATCH --time=10$/m);
  assert.match(r.stdout, /unit 0 "\$\(names 0 1\)" "\$\(names 1 1\)" 1/);
  assert.equal(existsSync(ws.results), false);
});

test('both modes run through SLURM: the server on one node and the trainer on the other, colocate across both', needsCluster, async () => {
  const ws = await workspace(slurmScenario());
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report'], env);
  assert.equal(r.exitCode, 0, r.all);
  const runDir = await onlyRunDir(ws.results);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.status, 'completed');
  assert.deepEqual(
    manifest.units.map((u) => [u.dir, u.status]),
    [
      ['server/r0', 'ok'],
      ['colocate/r0', 'ok'],
    ],
  );
  assert.equal(manifest.slurm?.state, 'COMPLETED');
  assert.match(r.all, new RegExp(`job ${manifest.slurm!.job_id}: running on `));
  assert.equal(await inQueue(manifest.slurm!.job_id), false);
  assert.ok(existsSync(path.join(runDir, 'slurm', 'job.sh')));
  assert.ok(existsSync(path.join(runDir, manifest.slurm!.output)), 'the job’s own output is kept');
  assert.equal(manifest.fingerprint.environment.slurm_nodes, 2, 'the environment is the compute nodes’');

  // Server mode: the server on one node, the trainer on another, each with its own record.
  const server = nodes(runDir, 'server/r0');
  assert.deepEqual(
    server.map((n) => [n.role, n.status]),
    [
      ['server', 'ok'],
      ['trainer', 'ok'],
    ],
  );
  assert.notEqual(server[0]!.node, server[1]!.node);
  // Colocate: every node a trainer, ranks 0 and 1 one on each.
  const colocate = nodes(runDir, 'colocate/r0');
  assert.deepEqual(
    colocate.map((n) => [n.role, n.node_rank, n.status]),
    [
      ['trainer', 0, 'ok'],
      ['trainer', 1, 'ok'],
    ],
  );
  for (const [unit, recs] of [
    ['server/r0', server],
    ['colocate/r0', colocate],
  ] as const) {
    for (const n of recs) {
      assert.equal(typeof n.clock.offset_s, 'number', `${unit} ${n.node}: clock offset measured`);
      assert.ok('rtt_s' in n.clock && n.clock.rtt_s >= 0);
      const dir = path.join(runDir, unit, 'nodes', n.node);
      assert.ok(existsSync(path.join(dir, 'processes.csv')), `${unit} ${n.node}: per-process samples`);
      assert.ok(existsSync(path.join(dir, 'host.csv')), `${unit} ${n.node}: host samples`);
      assert.ok(readdirSync(path.join(dir, 'logs')).length > 0, `${unit} ${n.node}: logs`);
    }
  }
  const eventsOf = (unit: string, node: string, file: string) =>
    parseEvents(readFileSync(path.join(runDir, unit, 'nodes', node, 'events', file), 'utf8'));
  const t0 = eventsOf('server/r0', server[1]!.node, 'trainer-0.jsonl');
  assert.deepEqual(t0.problems, []);
  assert.equal(t0.events.filter((e) => e.type === 'step').length, 4);
  assert.equal(eventsOf('server/r0', server[0]!.node, 'server-0.jsonl').events.at(-1)?.type, 'end', 'the server was ended normally');
  assert.equal(eventsOf('colocate/r0', colocate[0]!.node, 'trainer-0.jsonl').events.filter((e) => e.type === 'step').length, 4);
  assert.equal(eventsOf('colocate/r0', colocate[1]!.node, 'trainer-1.jsonl').events.filter((e) => e.type === 'step').length, 4);

  // The results read like a local run's.
  const summary = await readJsonFile<Summary>(path.join(runDir, 'summary.json'));
  const byMode = Object.fromEntries(summary.modes.map((m) => [m.mode, m]));
  assert.equal(byMode.server!.completion_tokens_per_sample, 8);
  assert.equal(byMode.colocate!.completion_tokens_per_sample, 8);
  assert.equal(summary.comparisons[0]!.equal_work.equal, true);
  assert.ok((byMode.server!.weight_sync_bytes_per_step ?? 0) > 0, 'weights went from the trainer node to the server node');
  const differs = Object.fromEntries(summary.settings_differences.map((d) => [d.key, d.values]));
  assert.deepEqual(differs.world_size, { server: '1', colocate: '2' });
  assert.ok(r.stdout.includes(summary.comparisons[0]!.statement), 'the run prints the comparison of the two modes');
  assert.deepEqual(processesMentioning(runDir), []);
});

test('Ctrl-C cancels the job: nothing left in squeue, no process behind, and the run says why', needsCluster, async () => {
  const ws = await workspace(longScenario());
  const child = startLongRun(ws);
  const runDir = await waitForSteps(ws.results, 'colocate/r0', 2, 300);
  child.kill('SIGINT');
  const r = await child;
  assert.equal(r.exitCode, 130, r.all);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.status, 'interrupted');
  assert.equal(manifest.slurm?.state, 'CANCELLED');
  assert.equal(manifest.units[0]!.status, 'interrupted');
  assert.match(manifest.units[0]!.error!.message, /job \d+ cancelled by grpo-bench on SIGINT/);
  assert.equal(await inQueue(manifest.slurm!.job_id), false);
  assert.deepEqual(processesMentioning(runDir), [], 'no process of the run is left on any node');
  const summary = await readJsonFile<Summary>(path.join(runDir, 'summary.json'));
  assert.ok(summary.modes[0]!.steps_measured >= 1, 'the steps finished before Ctrl-C are summarised');
});

test('a job SLURM ends at its time limit is a partial run with SLURM’s reason, keeping what was measured', needsCluster, async () => {
  const ws = await workspace(longScenario());
  const child = startLongRun(ws);
  // Once steps were measured, the limit comes down to the next whole minute of the job's run
  // time (sbatch's unit); SLURM notices within about 30 s more and ends the job.
  const runDir = await waitForSteps(ws.results, 'colocate/r0', 2, 300);
  const jobId = (await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'))).slurm!.job_id;
  const shown = await execa('scontrol', ['show', 'job', '-o', jobId], { env });
  const [h, m, sec] = /RunTime=(\d+):(\d+):(\d+)/.exec(shown.stdout)!.slice(1).map(Number) as [number, number, number];
  const minutes = Math.ceil((h * 3600 + m * 60 + sec + 1) / 60);
  await execa('scontrol', ['update', `JobId=${jobId}`, `TimeLimit=${minutes}`], { env });
  const r = await child;
  assert.equal(r.exitCode, 1, r.all);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.status, 'partial');
  assert.equal(manifest.slurm?.state, 'TIMEOUT');
  assert.equal(manifest.slurm?.reason, 'TimeLimit');
  assert.match(manifest.slurm!.ended_early!, /at its time limit/);
  assert.equal(manifest.units[0]!.status, 'interrupted');
  assert.match(manifest.units[0]!.error!.message, /SLURM ended job \d+ at its time limit \(TIMEOUT, TimeLimit\)/);
  assert.match(r.all, /at its time limit/);
  assert.equal(await inQueue(jobId), false);
  assert.deepEqual(processesMentioning(runDir), []);
  const summary = await readJsonFile<Summary>(path.join(runDir, 'summary.json'));
  assert.ok(summary.modes[0]!.steps_measured >= 1, 'the steps finished before the time limit are summarised');
});

test('a harness killed outright still has its job cancelled', needsCluster, async () => {
  const ws = await workspace(longScenario());
  const child = startLongRun(ws);
  const runDir = await waitForSteps(ws.results, 'colocate/r0', 1, 300);
  const jobId = (await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'))).slurm!.job_id;
  child.kill('SIGKILL');
  await child;
  const deadline = Date.now() + 60_000;
  while ((await inQueue(jobId)) && Date.now() < deadline) await sleep(500);
  assert.equal(await inQueue(jobId), false, `job ${jobId} still queued a minute after the harness died`);
  assert.deepEqual(processesMentioning(runDir), []);
});
