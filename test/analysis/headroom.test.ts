// The headroom search's verdict (analysis/summary/headroom.ts) and where it stops (commands/headroom).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeAxis, type Probe } from '../../src/analysis/summary/headroom.ts';
import { BATCH_FIELD, defaultUtilizations, plannedSearches, stopReason, UTILIZATION_FIELD } from '../../src/commands/headroom/index.ts';
import type { UnitRecord } from '../../src/records/manifest.ts';
import { parseScenario } from '../../src/scenario/load.ts';

const GiB = 2 ** 30;
const oom = {
  kind: 'oom' as const,
  phase: 'trl:compute_loss',
  phase_path: ['forward_backward', 'trl:compute_loss'],
  asked_bytes: 4 * GiB,
  free_bytes: 1 * GiB,
};

test('the largest batch that fits is the last before the first out-of-memory, with the peak of the one that fit', () => {
  const probes: Probe[] = [
    { point: 'b=8', value: 8, outcome: 'fits', peak_allocated_bytes: 60 * GiB, peak_phase: 'forward_backward' },
    { point: 'b=16', value: 16, outcome: 'fits', peak_allocated_bytes: 90 * GiB, peak_phase: 'forward_backward' },
    { point: 'b=32', value: 32, outcome: 'out_of_memory', memory_error: oom },
    { point: 'b=64', value: 64, outcome: 'not_run', reason: 'b=32 did not fit' },
  ];
  const a = judgeAxis(BATCH_FIELD, 'largest', probes);
  assert.equal(a.best, 16);
  assert.equal(a.limit, 32);
  assert.equal(a.bracketed, true);
  assert.equal(
    a.statement,
    'per_device_train_batch_size: the largest that fits is 16 (allocator peak 90.0 GiB in forward_backward); 32 ran out of memory in forward_backward › trl:compute_loss (asked 4.0 GiB, 1.0 GiB free)',
  );
});

test('the smallest memory share that fits; vLLM refusing to start is a memory outcome', () => {
  const a = judgeAxis(UTILIZATION_FIELD, 'smallest', [
    { point: 'u=0.3', value: 0.3, outcome: 'fits' },
    {
      point: 'u=0.1',
      value: 0.1,
      outcome: 'out_of_memory',
      memory_error: { kind: 'kv_cache', phase: 'engine_start', asked_bytes: 2 * GiB, free_bytes: GiB / 2 },
    },
  ]);
  assert.deepEqual([a.best, a.limit, a.bracketed], [0.3, 0.1, true]);
  assert.match(
    a.statement,
    /^gpu_memory_utilization: the smallest that fits is 0\.3; 0\.1 left vLLM no room for one sequence’s KV cache in engine_start \(asked 2\.0 GiB, 0\.5 GiB free\)$/,
  );
});

test('a search that found no limit, one where nothing fit, and one stopped by another failure say so', () => {
  const fits = (v: number): Probe => ({ point: `b=${v}`, value: v, outcome: 'fits' });
  assert.equal(
    judgeAxis(BATCH_FIELD, 'largest', [fits(8), fits(16)]).statement,
    'per_device_train_batch_size: every value tried fits; the largest that fits is at least 16',
  );
  const none = judgeAxis(BATCH_FIELD, 'largest', [{ point: 'b=8', value: 8, outcome: 'out_of_memory', memory_error: oom }]);
  assert.equal(none.best, undefined);
  assert.match(none.statement, /^per_device_train_batch_size: none of the values tried fits; 8 ran out of memory/);
  const other = judgeAxis(BATCH_FIELD, 'largest', [
    fits(8),
    { point: 'b=16', value: 16, outcome: 'failed', reason: 'trainer exited with code 1' },
  ]);
  assert.equal(other.bracketed, false);
  assert.equal(
    other.statement,
    'per_device_train_batch_size: the search stopped at 16, which failed for another reason than memory (trainer exited with code 1); 8 fits',
  );
});

test('a search stops after its first point that did not run through; the other search goes on', () => {
  const fieldOf = new Map([
    ['per_device_train_batch_size=8', BATCH_FIELD],
    ['per_device_train_batch_size=16', BATCH_FIELD],
    ['gpu_memory_utilization=0.3', UTILIZATION_FIELD],
  ]);
  const rec = (point: string, status: UnitRecord['status'], memory = false): UnitRecord => ({
    dir: `${point}/colocate/r0`,
    point,
    mode: 'colocate',
    repeat: 0,
    status,
    ...(status !== 'ok'
      ? {
          error: {
            message: 'trainer exited with code 1',
            ...(memory ? { workload_error: { file: 'events/trainer-0.jsonl', error: 'OOM', memory_error: oom } } : {}),
          },
        }
      : {}),
  });
  assert.equal(stopReason(BATCH_FIELD, [rec('per_device_train_batch_size=8', 'ok')], fieldOf), undefined);
  assert.equal(
    stopReason(BATCH_FIELD, [rec('per_device_train_batch_size=8', 'failed', true)], fieldOf),
    'per_device_train_batch_size=8 did not fit: the search along per_device_train_batch_size stops there',
  );
  assert.equal(
    stopReason(BATCH_FIELD, [rec('per_device_train_batch_size=8', 'failed')], fieldOf),
    'per_device_train_batch_size=8 ended failed: the search along per_device_train_batch_size stops there',
  );
  assert.equal(
    stopReason(
      UTILIZATION_FIELD,
      [rec('per_device_train_batch_size=8', 'failed', true), rec('gpu_memory_utilization=0.3', 'planned')],
      fieldOf,
    ),
    undefined,
  );
});

test('the searches a scenario gets: batches upwards in multiples of num_generations, memory shares downwards for trl colocate only', () => {
  const trl = parseScenario(
    'name: h\nworkload: trl\nmodel: preset:7b\ndevice: cuda\ngrpo: { per_device_train_batch_size: 8, num_generations: 8 }\nmodes:\n  colocate: { devices: 1, vllm: { gpu_memory_utilization: 0.3 } }\n  hf: { devices: 1 }\n',
    'h.yaml',
  ).scenario;
  assert.deepEqual(plannedSearches(trl, 'colocate', {}), [
    { field: BATCH_FIELD, want: 'largest', values: [8, 16, 32, 64] },
    { field: UTILIZATION_FIELD, want: 'smallest', values: [0.3, 0.25, 0.2, 0.15, 0.1, 0.05] },
  ]);
  assert.deepEqual(plannedSearches(trl, 'hf', { batches: [32, 16] }), [{ field: BATCH_FIELD, want: 'largest', values: [16, 32] }]);
  assert.throws(
    () => plannedSearches(trl, 'colocate', { batches: [12] }),
    /--batches 12: a per-device batch must be a positive multiple of num_generations \(8\)/,
  );
  assert.throws(
    () => plannedSearches(trl, 'hf', { axis: 'utilization' }),
    /gpu_memory_utilization is a setting of the trl workload's colocate mode/,
  );
  assert.deepEqual(defaultUtilizations(0.9), [0.9, 0.85, 0.8, 0.75, 0.7, 0.65]);
});
