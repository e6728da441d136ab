// What the harness's own hot paths cost, measured with tinybench: parsing a workload's event
// file (done every progress tick and at analysis) and reading a whole committed run folder.
//   npm run bench
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Bench } from 'tinybench';
import { parseEvents } from '../src/results/events.ts';
import { readRun } from '../src/results/read.ts';

const root = path.resolve(import.meta.dirname, '..');
const run = path.join(root, 'bench/gpu/results/2026-11-27-2xH200/runs/trl-0.5b-2gpu-20261127-114611');
const eventsText = await readFile(path.join(run, 'colocate/r0/events/trainer-0.jsonl'), 'utf8');
// A long run's file: the same lines many times over, as a run of thousands of steps writes.
const longText = eventsText.repeat(200);

const bench = new Bench({ time: 2000 });
bench
  .add(`parse one event file (${eventsText.split('\n').length} lines)`, () => {
    parseEvents(eventsText);
  })
  .add(`parse a long event file (${longText.split('\n').length} lines)`, () => {
    parseEvents(longText);
  })
  .add('read a committed run folder (manifest, plan, events, telemetry)', async () => {
    await readRun(run);
  });
await bench.run();
console.table(bench.table());
