import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Note } from '../../src/analysis/notes.ts';
import { detectSteadyState, unitSteps } from '../../src/analysis/steps.ts';
import { parseStepsCsv, stepsCsv } from '../../src/results/steps-csv.ts';
import type { UnitPlan } from '../../src/launch/types.ts';
import { parseEvents } from '../../src/results/events.ts';
import type { UnitData } from '../../src/results/read.ts';

describe('steady-state detection', () => {
  test('skips compile-slow first steps: the earliest step below m + max(3σ̂, 5%·m) with the rest\'s median within 5%', () => {
    // reference = last 5: median 1.0, MAD 0.01 → threshold 1 + max(0.0445, 0.05) = 1.05
    const d = [5, 3, 1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01];
    assert.deepEqual(detectSteadyState(d), { start: 2, settled: true, checked: true });
  });

  test('a series steady from the start is measured whole', () => {
    assert.deepEqual(detectSteadyState([1, 1.02, 0.99, 1, 1.01, 1, 0.98]), { start: 0, settled: true, checked: true });
  });

  test('a drifting series never settles; only the reference half is measured', () => {
    // reference [5,4,3,2,1]: m 3, threshold 3 + 3·1.4826 = 7.45; k = 3 (7) passes the first test but the
    // median of 7…1 is 4, not within 5% of 3; k = 4: median 3.5, no → not settled, start at index 5
    assert.deepEqual(detectSteadyState([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), { start: 5, settled: false, checked: true });
  });

  test('too few steps: not applied', () => {
    assert.deepEqual(detectSteadyState([9, 1, 1, 1, 1]), { start: 0, settled: true, checked: false });
  });
});

const plan: UnitPlan = {
  point: 'default',
  mode: 'colocate',
  repeat: 0,
  dir: 'colocate/r0',
  devices: { kind: 'cpu', allocated: [0], training: [0], server: [] },
  batch: { per_device_train_batch_size: 2, training_devices: 1, global_batch: 2, num_generations: 2, prompts_per_step: 1 },
  processes: [],
};

function unitWith(durations: number[], phases: (t0: number, step: number) => object[] = () => []): UnitData {
  let t = 100;
  const lines = durations.flatMap((d, k) => {
    const l = [...phases(t, k), { type: 'step', step: k, t0: t, t1: t + d, prompt_tokens: 4, completion_tokens: 8, samples: 2 }].map((e) => JSON.stringify(e));
    t += d;
    return l;
  });
  const parsed = parseEvents(lines.join('\n') + '\n');
  return { plan, record: undefined, events: [{ file: 'x', role: 'trainer', rank: 0, parsed }] };
}

describe('step rows', () => {
  test('fixed warm-up, then settling, then measured steps with MAD outliers flagged, not dropped', () => {
    const notes: Note[] = [];
    // warm-up 1; after it: [4, 1, 1, 1.01, 0.99, 1, 1, 3, 1, 1.01, 0.99, 1]
    const u = unitSteps(unitWith([9, 4, 1, 1, 1.01, 0.99, 1, 1, 3, 1, 1.01, 0.99, 1]), 1, notes);
    assert.deepEqual(u.rows.map((r) => r.excluded_by ?? '-'), ['warmup', 'settling', ...Array(11).fill('-')]);
    assert.deepEqual(u.measured.map((r) => r.step), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // measured median 1, MAD 0.01 → z(3) = 0.6745 · 2 / 0.01 = 134.9 > 3.5
    assert.deepEqual(u.measured.filter((r) => r.outlier).map((r) => r.step), [8]);
    assert.deepEqual(notes, []);
  });

  test('steps.csv: true/false booleans, empty for missing values, one column per phase seen', () => {
    const u = unitSteps(unitWith([2, 1]), 1, []);
    assert.equal(
      stepsCsv(u.rows),
      'point,mode,repeat,step,warmup,excluded_by,outlier,t0,t1,duration_s,samples,prompt_tokens,completion_tokens,idle_s,weight_sync_bytes,loss,reward_mean\n' +
        'default,colocate,0,0,true,warmup,false,100,102,2,2,4,8,,,,\n' +
        'default,colocate,0,1,false,,false,102,103,1,2,4,8,,,,\n',
    );
  });

  test('idle: the step outside the union of rank 0\'s phases (nested phases count once)', () => {
    // each 2 s step: generate [0, 0.8], reward [0.5, 0.7] inside it, forward_backward [1, 1.5] → busy 1.3 s, idle 0.7 s
    const phase = (step: number, name: string, t0: number, t1: number) => ({ type: 'phase', step, name, t0, t1, dur: t1 - t0, synced: true });
    const u = unitSteps(
      unitWith([2, 2], (t, k) => [phase(k, 'generate', t, t + 0.8), phase(k, 'reward', t + 0.5, t + 0.7), phase(k, 'forward_backward', t + 1, t + 1.5)]),
      0,
      [],
    );
    assert.deepEqual(u.rows.map((r) => Math.round(r.idle_s! * 1e9) / 1e9), [0.7, 0.7]);
    assert.deepEqual(unitSteps(unitWith([2]), 0, []).rows[0]!.idle_s, undefined, 'no phases, no idle');
  });

  test('steps.csv reads back into the same rows by the same column definitions', () => {
    const phase = (step: number, name: string, t0: number, t1: number) => ({ type: 'phase', step, name, t0, t1, dur: t1 - t0, synced: true });
    const rows = unitSteps(unitWith([9, 4, 1, 1, 1.01, 0.99, 1, 1, 3], (t, k) => [phase(k, 'generate', t, t + 0.5)]), 1, []).rows;
    rows[2]!.loss = 0.25;
    assert.deepEqual(parseStepsCsv(stepsCsv(rows)), JSON.parse(JSON.stringify(rows)));
    const withRates = stepsCsv(rows, { rates: true });
    assert.match(withRates.split('\n')[0]!, /,completion_tokens,completion_tokens_per_s,phase_generate_s,idle_s,/);
    assert.deepEqual(parseStepsCsv(withRates), parseStepsCsv(stepsCsv(rows)), 'the derived rate is not read back');
  });
});
