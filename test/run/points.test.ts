import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectPoints } from '../../src/scenario/overrides.ts';
import { UserError } from '../../src/errors.ts';
import { sweepPoints } from '../../src/scenario/sweep.ts';

const points = sweepPoints({ 'modes.colocate.vllm.enable_sleep_mode': [false, true], 'grpo.per_device_train_batch_size': [8, 16] });

test('--point keeps the named sweep points in sweep order; none named keeps them all', () => {
  assert.deepEqual(
    selectPoints(points, [
      'enable_sleep_mode=true,per_device_train_batch_size=8',
      'enable_sleep_mode=false,per_device_train_batch_size=16',
    ]).map((p) => p.id),
    ['enable_sleep_mode=false,per_device_train_batch_size=16', 'enable_sleep_mode=true,per_device_train_batch_size=8'],
  );
  assert.equal(selectPoints(points, undefined).length, 4);
});

test('an unknown --point is refused with the points the scenario has', () => {
  assert.throws(
    () => selectPoints(points, ['enable_sleep_mode=maybe']),
    (e: unknown) =>
      e instanceof UserError &&
      /--point enable_sleep_mode=maybe: no such sweep point \(the scenario has: enable_sleep_mode=false,per_device_train_batch_size=8, /.test(
        e.message,
      ),
  );
});
