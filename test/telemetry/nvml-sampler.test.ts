// The NVML sampler (src/telemetry/nvml_sampler.py) on the stand-in pynvml of test/telemetry/fake-pynvml
// (no NVIDIA driver here): GPM is read at its own, slower rate, the other fields every tick.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, resolvePython } from '../../src/env/python.ts';

const root = projectRoot();

function sample(args: string[]): Record<string, unknown>[] {
  const r = spawnSync(
    resolvePython(root),
    [path.join(root, 'src', 'telemetry', 'nvml_sampler.py'), '--gpus', '0', '--count', '7', ...args],
    {
      env: {
        ...process.env,
        PYTHONPATH: path.join(root, 'test', 'telemetry', 'fake-pynvml'),
        FAKE_NVML: JSON.stringify({ count: 1, sm_pct: [40] }),
      },
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('at the default, GPM is read once a second: every fifth tick at 200 ms, power and memory every tick', () => {
  const [meta, ...rows] = sample(['--interval-ms', '200']);
  assert.equal(meta!.gpm_interval_ms, 1000);
  // GPM on ticks 0 and 5; the first has no previous sample, so its value comes at tick 5.
  assert.deepEqual(
    rows.map((r) => r.sm_active_pct),
    [null, null, null, null, null, 40, null],
  );
  assert.ok(rows.every((r) => typeof r.power_w === 'number' && typeof r.mem_used_mib === 'number'));
});

test('--gpm-interval-ms sets its own rate, in whole ticks; at or below the tick interval GPM is read every tick', () => {
  const [meta, ...rows] = sample(['--interval-ms', '20', '--gpm-interval-ms', '60']);
  assert.equal(meta!.gpm_interval_ms, 60);
  assert.deepEqual(
    rows.map((r) => r.sm_active_pct !== null),
    [false, false, false, true, false, false, true],
  );
  const [every, ...each] = sample(['--interval-ms', '20', '--gpm-interval-ms', '10']);
  assert.equal(every!.gpm_interval_ms, 20);
  assert.deepEqual(
    each.map((r) => r.sm_active_pct !== null),
    [false, true, true, true, true, true, true],
  );
});
