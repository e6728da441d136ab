// Comparisons between sweep points within one mode (analysis/summary/points.ts), on per-run values by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pointComparisons, pointModeKey, type PointRuns } from '../../src/analysis/summary/points.ts';
import type { ModeSummary } from '../../src/records/summary.ts';
import { sweepPoints } from '../../src/scenario/sweep.ts';

const points = sweepPoints({ model: ['preset:0.5b', 'preset:1.5b'], 'modes.colocate.vllm.enable_sleep_mode': [false, true] });
const round = (x: number) => Number(x.toFixed(9));
const id = (m: string, s: boolean) =>
  points.find((p) => p.values.model === m && p.values['modes.colocate.vllm.enable_sleep_mode'] === s)!.id;

function arm(point: string, mode: 'colocate' | 'hf', throughput: number[], stepTime = throughput.map((t) => 2048 / t)): PointRuns {
  const summary = {
    point,
    mode,
    batch: { global_batch: 8 },
    completion_tokens_per_sample: 256,
    prompt_tokens_per_sample: 128,
  } as unknown as ModeSummary;
  return { summary, throughput, step_time: stepTime, steps: 4 * throughput.length };
}

test('each point is compared with the point that differs in one swept field, per mode: ratio of geometric means of runs', () => {
  const runs = new Map<string, PointRuns>([
    [pointModeKey(id('preset:0.5b', false), 'colocate'), arm(id('preset:0.5b', false), 'colocate', [2000, 2000, 2000])],
    [pointModeKey(id('preset:0.5b', true), 'colocate'), arm(id('preset:0.5b', true), 'colocate', [1600, 1600, 1600])],
    [pointModeKey(id('preset:1.5b', false), 'colocate'), arm(id('preset:1.5b', false), 'colocate', [1000])],
    [pointModeKey(id('preset:1.5b', true), 'colocate'), arm(id('preset:1.5b', true), 'colocate', [800])],
    [pointModeKey(id('preset:0.5b', false), 'hf'), arm(id('preset:0.5b', false), 'hf', [400, 400, 400])],
  ]);
  const out = pointComparisons(points, runs);
  assert.deepEqual(
    out.map((c) => [c.mode, c.baseline, c.point, c.field, round(c.throughput_ratio.value), round(c.step_time_ratio!.value)]),
    [
      ['colocate', id('preset:0.5b', false), id('preset:0.5b', true), 'modes.colocate.vllm.enable_sleep_mode', 0.8, 1.25],
      ['colocate', id('preset:0.5b', false), id('preset:1.5b', false), 'model', 0.5, 2],
      ['colocate', id('preset:0.5b', true), id('preset:1.5b', true), 'model', 0.5, 2],
      ['colocate', id('preset:1.5b', false), id('preset:1.5b', true), 'modes.colocate.vllm.enable_sleep_mode', 0.8, 1.25],
    ],
  );
  // Three runs a side with no spread: an interval of zero width, which excludes 1.
  assert.equal(
    out[0]!.statement,
    'colocate, model=preset:0.5b: enable_sleep_mode=true ran slower than enable_sleep_mode=false, at 0.80 × its throughput (95% CI 0.80–0.80; completion tokens/s per allocated device, 3 and 3 run(s))',
  );
  // One run a side: no interval, and no "slower".
  assert.equal(out[3]!.throughput_ratio.low, undefined);
  assert.match(
    out[3]!.statement,
    /^colocate, model=preset:1\.5b: enable_sleep_mode=true at 0\.80 × the throughput of enable_sleep_mode=false, from too few runs for a confidence interval/,
  );
});

test('a spread that does not exclude 1 is unresolved', () => {
  const [off, on] = sweepPoints({ 'modes.colocate.vllm.enable_sleep_mode': [false, true] });
  const runs = new Map<string, PointRuns>([
    [pointModeKey(off!.id, 'colocate'), arm(off!.id, 'colocate', [1000, 1200, 900])],
    [pointModeKey(on!.id, 'colocate'), arm(on!.id, 'colocate', [1100, 950, 1000])],
  ]);
  const [c] = pointComparisons([off!, on!], runs);
  assert.ok(c!.throughput_ratio.low! < 1 && c!.throughput_ratio.high! > 1);
  assert.match(c!.statement, /^colocate: no difference resolved between enable_sleep_mode=false and enable_sleep_mode=true \(±\d+\.\d%\)/);
});

test('no sweep, or no baseline point measured in that mode: no comparison', () => {
  assert.deepEqual(
    pointComparisons(sweepPoints(undefined), new Map([[pointModeKey('default', 'colocate'), arm('default', 'colocate', [1])]])),
    [],
  );
  const [off, on] = sweepPoints({ 'modes.colocate.vllm.enable_sleep_mode': [false, true] });
  assert.deepEqual(pointComparisons([off!, on!], new Map([[pointModeKey(on!.id, 'colocate'), arm(on!.id, 'colocate', [1])]])), []);
});
