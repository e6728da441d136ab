// The progress line follows trainer rank 0's event file as it grows, a line at a time.
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { followProgress } from '../../src/launch/progress.ts';
import type { UnitPlan } from '../../src/records/plan.ts';

test('progress counts steps as the file grows, waits for a line being written, and ends with the final word', async () => {
  const unitDir = await mkdtemp(path.join(tmpdir(), 'gb-progress-'));
  const out: string[] = [];
  const stream = { isTTY: false, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
  const unit = { mode: 'colocate', repeat: 0, point: 'default' } as UnitPlan;
  const done = followProgress({ unit, unitDir, steps: 3, index: 0, total: 2, stream });
  await sleep(300); // no events file yet
  await mkdir(path.join(unitDir, 'events'));
  const file = path.join(unitDir, 'events', 'trainer-0.jsonl');
  const step = (i: number, d: number) => `${JSON.stringify({ type: 'step', step: i, t0: 10 * i, t1: 10 * i + d })}\n`;
  await appendFile(file, `{"type":"start"}\n${step(0, 1.5)}${step(1, 0.25).slice(0, 20)}`);
  await sleep(1300);
  await appendFile(file, step(1, 0.25).slice(20) + step(2, 0.75));
  await sleep(1300);
  done('done');
  const lines = out.join('').trim().split('\n');
  assert.match(lines[0]!, /^\[1\/2\] colocate r0 {2}starting {2}elapsed 00:00$/);
  assert.ok(
    lines.some((l) => /step 1\/3 .*last step 1\.50 s$/.test(l)),
    lines.join('\n'),
  );
  assert.ok(!lines.some((l) => /step 2\/3/.test(l)), 'a half-written step was counted');
  assert.ok(
    lines.some((l) => /step 3\/3 .*last step 0\.75 s$/.test(l)),
    lines.join('\n'),
  );
  assert.match(lines.at(-1)!, /^\[1\/2\] colocate r0 {2}done {2}\(00:0\d\)$/);
});
