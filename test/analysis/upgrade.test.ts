import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Summary } from '../../src/records/summary.ts';
import { upgradeSummary } from '../../src/analysis/summary/upgrade.ts';

test('a summary written before schema 3 gets its points as a list with labels from their values; ids stay as written', () => {
  const old = {
    schema_version: 2,
    points: { 'per_device_train_batch_size=8': { 'grpo.per_device_train_batch_size': 8 }, 'odd id': {} },
  } as unknown as Summary;
  assert.deepEqual(upgradeSummary(old).points, [
    { id: 'per_device_train_batch_size=8', values: { 'grpo.per_device_train_batch_size': 8 }, label: 'per_device_train_batch_size=8' },
    { id: 'odd id', values: {}, label: 'odd id' },
  ]);
});
