// `grpo-bench headroom` end to end on CPU: the search runs each point as a unit of one run folder
// and writes its verdict beside the results.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Headroom } from '../../src/analysis/summary/headroom.ts';
import { cli, onlyRunDir, processesMentioning, tinyScenario, workspace } from './helpers.ts';

test('headroom runs the batch search in colocate mode, one unit per point, and writes its verdict', { timeout: 600_000 }, async () => {
  const ws = await workspace(tinyScenario());
  const r = await cli(['headroom', ws.scenario, '--batches', '2,4', '--steps', '2', '--warmup-steps', '1', '--out', ws.results]);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /headroom of preset:tiny in colocate mode/);
  assert.match(r.stdout, /per_device_train_batch_size: every value tried fits; the largest that fits is at least 4/);
  const runDir = await onlyRunDir(ws.results);
  for (const point of ['per_device_train_batch_size=2', 'per_device_train_batch_size=4'])
    assert.ok(existsSync(path.join(runDir, point, 'colocate', 'r0')), point);
  assert.equal(existsSync(path.join(runDir, 'server')), false, 'only the probed mode runs');
  const h = JSON.parse(readFileSync(path.join(runDir, 'headroom.json'), 'utf8')) as Headroom;
  assert.deepEqual(
    h.axes.map((a) => [a.field, a.probes.map((p) => [p.value, p.outcome]), a.best]),
    [
      [
        'grpo.per_device_train_batch_size',
        [
          [2, 'fits'],
          [4, 'fits'],
        ],
        4,
      ],
    ],
  );
  assert.ok(h.axes[0]!.probes.every((p) => p.step_time_s! > 0));
  assert.deepEqual(processesMentioning(runDir), []);
});
