import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Note } from '../../src/records/notes.ts';
import { unitSteps } from '../../src/analysis/summary/steps.ts';
import { parseStepsCsv, stepsCsv } from '../../src/results/steps-csv.ts';
import type { UnitPlan } from '../../src/records/plan.ts';
import { parseEvents } from '../../src/records/events.ts';
import type { UnitData } from '../../src/results/read.ts';

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
    const l = [...phases(t, k), { type: 'step', step: k, t0: t, t1: t + d, prompt_tokens: 4, completion_tokens: 8, samples: 2 }].map((e) =>
      JSON.stringify(e),
    );
    t += d;
    return l;
  });
  const parsed = parseEvents(lines.join('\n') + '\n');
  return { plan, record: undefined, events: [{ file: 'x', role: 'trainer', rank: 0, parsed }] };
}

describe('step rows', () => {
  test('fixed warm-up, then settling cut on throughput and said, then measured steps with outliers flagged and named, not dropped', () => {
    const notes: Note[] = [];
    // warm-up 1; after it (8 tokens each): [4, 1, 1, 1.01, 0.99, 1, 1, 3, 1, 1.01, 0.99, 1]
    // reference = last 6 steps: 48 tokens / 8 s = 6/s. From step 1: 96/17 = 5.65 < 0.95·6; from step 2: 88/13 ✓
    const u = unitSteps(unitWith([9, 4, 1, 1, 1.01, 0.99, 1, 1, 3, 1, 1.01, 0.99, 1]), 1, notes);
    assert.deepEqual(
      u.rows.map((r) => r.excluded_by ?? '-'),
      ['warmup', 'settling', ...Array(11).fill('-')],
    );
    assert.deepEqual(
      u.measured.map((r) => r.step),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
    // measured median 1; 6 of 11 steps sit on it, so MAD = 0 and the mean absolute deviation
    // (2.04/11) stands in: z(3) = 2 / (1.253314 · 2.04/11) = 8.6 > 3.5
    assert.deepEqual(
      u.measured.filter((r) => r.outlier).map((r) => r.step),
      [8],
    );
    assert.deepEqual(
      notes.map((n) => n.kind),
      ['settling_cut', 'outlier_steps'],
    );
    // the cut step ran at 2 tokens/s against 6: 33%; keeping it would have given 96/17 ÷ 6 = 94%
    assert.equal(
      notes[0]!.text,
      "colocate/r0: 1 step(s) after the warm-up cut as settling: their throughput was 33% of the last 6 steps'; keeping them would have given 94%",
    );
    assert.equal(
      notes[1]!.text,
      'colocate/r0: step 8 (3.000 s, modified z 8.6) far from the other measured steps: flagged in steps.csv, kept',
    );
  });

  test('fast early steps are kept, and a run too short for the rule is said to be unchecked', () => {
    const notes: Note[] = [];
    const u = unitSteps(unitWith([9, 0.5, 0.5, 1, 1, 1, 1, 1, 1]), 1, notes);
    assert.deepEqual(
      u.measured.map((r) => r.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const short: Note[] = [];
    unitSteps(unitWith([9, 1, 1, 1]), 1, short);
    assert.deepEqual(
      short.map((n) => n.kind),
      ['steady_state_unchecked'],
    );
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

  test("idle: the step outside the union of rank 0's phases (nested phases count once)", () => {
    // each 2 s step: generate [0, 0.8], reward [0.5, 0.7] inside it, forward_backward [1, 1.5] → busy 1.3 s, idle 0.7 s
    const phase = (step: number, name: string, t0: number, t1: number) => ({
      type: 'phase',
      step,
      name,
      t0,
      t1,
      dur: t1 - t0,
      synced: true,
    });
    const u = unitSteps(
      unitWith([2, 2], (t, k) => [
        phase(k, 'generate', t, t + 0.8),
        phase(k, 'reward', t + 0.5, t + 0.7),
        phase(k, 'forward_backward', t + 1, t + 1.5),
      ]),
      0,
      [],
    );
    assert.deepEqual(
      u.rows.map((r) => Math.round(r.idle_s! * 1e9) / 1e9),
      [0.7, 0.7],
    );
    assert.deepEqual(unitSteps(unitWith([2]), 0, []).rows[0]!.idle_s, undefined, 'no phases, no idle');
  });

  test('steps.csv reads back into the same rows by the same column definitions', () => {
    const phase = (step: number, name: string, t0: number, t1: number) => ({
      type: 'phase',
      step,
      name,
      t0,
      t1,
      dur: t1 - t0,
      synced: true,
    });
    const rows = unitSteps(
      unitWith([9, 4, 1, 1, 1.01, 0.99, 1, 1, 3], (t, k) => [phase(k, 'generate', t, t + 0.5)]),
      1,
      [],
    ).rows;
    rows[2]!.loss = 0.25;
    assert.deepEqual(parseStepsCsv(stepsCsv(rows)), JSON.parse(JSON.stringify(rows)));
    const withRates = stepsCsv(rows, { rates: true });
    assert.match(withRates.split('\n')[0]!, /,completion_tokens,completion_tokens_per_s,phase_generate_s,idle_s,/);
    assert.deepEqual(parseStepsCsv(withRates), parseStepsCsv(stepsCsv(rows)), 'the derived rate is not read back');
  });
});
