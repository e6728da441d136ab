// A unit that ran on several nodes: each node's files in `nodes/<node>/`, stamped by the node's
// own clock and naming the node's own GPUs. Read back, it must be the same unit as if one
// machine with one clock had recorded it.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { summarize } from '../../src/analysis/summary/summarize.ts';
import { readRun } from '../../src/results/read.ts';
import { NODE_RECORD, nodeDir } from '../../src/results/layout.ts';
import type { NodeRecord } from '../../src/records/nodes.ts';
import { buildRun } from '../analysis/fixture.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Event lines with every wall-clock time moved by `by` seconds. */
function shiftLines(text: string, by: number): string {
  return text
    .split('\n')
    .map((l) => {
      if (!l.trim()) return l;
      const e = JSON.parse(l) as Record<string, unknown>;
      for (const k of ['t', 't0', 't1']) if (typeof e[k] === 'number') e[k] = (e[k] as number) + by;
      return JSON.stringify(e);
    })
    .join('\n');
}

/**
 * Moves server/r0 of the fixture onto two nodes: the server (GPU slot 0, the node's GPU 3) on
 * n1 whose clock runs 10 s behind the submitting host's, the trainer (slot 1, the node's GPU 0)
 * on n2 whose clock runs 5 s ahead.
 */
async function splitOverNodes(runDir: string): Promise<void> {
  const unitDir = path.join(runDir, 'server', 'r0');
  const telemetry = (await readFile(path.join(unitDir, 'telemetry.csv'), 'utf8')).trimEnd().split('\n');
  const nodes = [
    { name: 'n1', role: 'server' as const, offset: 10, slot: 0, gpu: 3, events: 'server-0' },
    { name: 'n2', role: 'trainer' as const, offset: -5, slot: 1, gpu: 0, events: 'trainer-0' },
  ];
  for (const n of nodes) {
    const dir = nodeDir(unitDir, n.name);
    await mkdir(path.join(dir, 'events'), { recursive: true });
    const events = await readFile(path.join(unitDir, 'events', `${n.events}.jsonl`), 'utf8');
    await writeFile(path.join(dir, 'events', `${n.events}.jsonl`), shiftLines(events, -n.offset));
    const rows = telemetry.slice(1).filter((r) => r.split(',')[1] === String(n.slot));
    const local = rows.map((r) => {
      const [t, , ...rest] = r.split(',');
      return [Number(t) - n.offset, n.gpu, ...rest].join(',');
    });
    await writeFile(path.join(dir, 'telemetry.csv'), [telemetry[0], ...local, ''].join('\n'));
    const record: NodeRecord = {
      node: n.name,
      role: n.role,
      node_rank: 0,
      address: '10.0.0.1',
      pid: 1,
      slots: [n.slot],
      gpus: [n.gpu],
      clock: { offset_s: n.offset, rtt_s: 0.001, samples: 8, against: 'http://login:1/clock' },
      started: '2026-01-01T00:00:00.000Z',
      status: 'ok',
    };
    await writeFile(path.join(dir, NODE_RECORD), JSON.stringify(record));
    await unlink(path.join(unitDir, 'events', `${n.events}.jsonl`));
  }
  await unlink(path.join(unitDir, 'telemetry.csv'));
}

test('a unit recorded on two nodes with skewed clocks reads as one unit on the submitting host’s clock', async () => {
  const whole = await buildRun();
  const split = await buildRun();
  dirs.push(whole, split);
  await splitOverNodes(split);
  const [a, b] = await Promise.all([readRun(whole), readRun(split)]);

  const events = (u: (typeof a.units)[number]) => Object.fromEntries(u.events.map((f) => [`${f.role}-${f.rank}`, f.parsed.events]));
  assert.deepEqual(events(b.units[0]!), events(a.units[0]!));
  assert.deepEqual(b.units[0]!.events.map((f) => f.file), ['server/r0/nodes/n1/events/server-0.jsonl', 'server/r0/nodes/n2/events/trainer-0.jsonl']);
  const byTime = (rows: { t: number; gpu: number }[]) => [...rows].sort((x, y) => x.t - y.t || x.gpu - y.gpu);
  const telemetry = b.units[0]!.telemetry!;
  assert.deepEqual(byTime(telemetry.rows.map(({ node, ...r }) => r)), byTime(a.units[0]!.telemetry!.rows));
  // Each sample says which node took it: the server's GPU on n1, the trainer's on n2.
  assert.deepEqual([...new Set(telemetry.rows.map((r) => `${r.gpu}@${r.node}`))].sort(), ['0@n1', '1@n2']);
  assert.equal(telemetry.columns.at(-1), 'node');

  // And so the numbers every report shows are the same: steps, phases, energy of both GPUs.
  const summary = (r: typeof a) => summarize(r).summary.modes;
  assert.deepEqual(summary(b), summary(a));
});
