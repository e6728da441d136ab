// A step's nested phases add up once: protocol phases come out of their parent, details stay under it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepBreakdown } from '../../src/analysis/summary/phases.ts';
import type { PhaseEvent } from '../../src/records/events.ts';

let clock = 100;
function phase(name: string, dur: number, parent?: string): PhaseEvent {
  const t0 = clock;
  clock += dur;
  return { type: 'phase', step: 3, name, t0, t1: t0 + dur, dur, synced: false, ...(parent ? { parent } : {}) } as PhaseEvent;
}

test('TRL colocate with sleep: the breakdown adds up to the top-level phases, sleep and wake are their own, details are not added', () => {
  // What train.py writes for one step (children first: a phase is written when it closes).
  const events = [
    phase('wake', 0.25, 'weight_sync'), // the weights' wake-up, inside TRL's sync_weights timer
    phase('weight_sync', 1.0, 'trl:prepare_inputs'),
    phase('wake', 0.5, 'trl:prepare_inputs'), // the KV cache's
    phase('generate', 4.0, 'trl:prepare_inputs'),
    phase('sleep', 0.75, 'trl:prepare_inputs'),
    phase('trl:random_reward', 0.125, 'reward'),
    phase('reward', 0.25, 'trl:prepare_inputs'),
    phase('trl:prepare_inputs', 7.0),
    phase('trl:get_per_token_logps_and_entropies', 0.5, 'trl:compute_loss'),
    phase('trl:compute_loss', 1.5, 'forward_backward'),
    phase('forward_backward', 3.0),
    phase('optimizer', 0.5),
  ];
  const { phases, nested } = stepBreakdown(events);
  assert.deepEqual(phases, {
    wake: 0.75,
    weight_sync: 0.75,
    generate: 4.0,
    sleep: 0.75,
    reward: 0.25,
    'trl:prepare_inputs': 7.0 - 1.0 - 0.5 - 4.0 - 0.75 - 0.25,
    forward_backward: 3.0,
    optimizer: 0.5,
  });
  const top = 7.0 + 3.0 + 0.5;
  assert.equal(
    Object.values(phases).reduce((a, b) => a + b, 0),
    top,
  );
  assert.deepEqual(nested, [
    { parent: 'reward', name: 'trl:random_reward', seconds: 0.125 },
    { parent: 'trl:compute_loss', name: 'trl:get_per_token_logps_and_entropies', seconds: 0.5 },
    { parent: 'forward_backward', name: 'trl:compute_loss', seconds: 1.5 },
  ]);
});

test('phases without parents (the synthetic workload, older runs) are added as they are', () => {
  const { phases, nested } = stepBreakdown([phase('generate', 2), phase('sleep', 0.5), phase('forward_backward', 1), phase('generate', 1)]);
  assert.deepEqual(phases, { generate: 3, sleep: 0.5, forward_backward: 1 });
  assert.deepEqual(nested, []);
});

test('older runs: raw TRL timer names as parents, and TRL timers at the top inside a harness phase, nest as now', () => {
  // As train.py wrote them before TRL's timers shared the harness's phase stack.
  const old = (name: string, dur: number, parent: string | null, source: string) => ({ ...phase(name, dur), parent, source }) as PhaseEvent;
  const gen = old('generate', 2, '_prepare_inputs', 'trl.profiling');
  const fn = old('trl:random_reward', 0.25, '_calculate_rewards', 'trl.profiling');
  const reward = old('reward', 0.5, '_prepare_inputs', 'trl.profiling');
  const prep = old('trl:_prepare_inputs', 3, null, 'trl.profiling');
  const fbStart = clock;
  const loss = old('trl:compute_loss', 1, null, 'trl.profiling');
  const fb = { ...old('forward_backward', 0, null, 'grpo-bench'), t0: fbStart, t1: fbStart + 2, dur: 2 } as PhaseEvent;
  const { phases, nested } = stepBreakdown([gen, fn, reward, prep, loss, fb]);
  assert.deepEqual(phases, { generate: 2, reward: 0.5, 'trl:prepare_inputs': 0.5, forward_backward: 2 });
  assert.deepEqual(nested, [
    { parent: 'reward', name: 'trl:random_reward', seconds: 0.25 },
    { parent: 'forward_backward', name: 'trl:compute_loss', seconds: 1 },
  ]);
});

test('a protocol phase inside a detail comes out of the detail’s parent in the breakdown', () => {
  const { phases } = stepBreakdown([
    phase('old_logprobs', 0.5, 'trl:helper'),
    phase('trl:helper', 1, 'forward_backward'),
    phase('forward_backward', 4),
  ]);
  assert.deepEqual(phases, { old_logprobs: 0.5, forward_backward: 3.5 });
});
