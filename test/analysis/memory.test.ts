import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { loadReportInput } from '../../src/report/load.ts';

// Real TRL 1.13 + vLLM 0.26 colocate runs of the 0.5b preset on one H200, sleep mode on and off.
const RUNS = path.resolve(import.meta.dirname, '..', '..', 'bench/gpu/results/2026-12-01-1xH200/trl-1gpu/results');

test('GPU memory of a colocate run with sleep mode: sleep gives back the KV cache and wake takes it again, peaks per phase within the device', async () => {
  const { summary } = await loadReportInput(path.join(RUNS, 'trl-1gpu-0.5b-sleep-20261201-190411'));
  const m = summary.modes[0]!.memory!;
  const kv = m.engine!.kv_cache_bytes!;
  assert.ok(m.sleep_freed_bytes! >= 0.9 * kv, `sleep freed ${m.sleep_freed_bytes} of a ${kv}-byte KV cache`);
  assert.ok(Math.abs(m.wake_taken_bytes! - m.sleep_freed_bytes!) <= 0.05 * m.sleep_freed_bytes!, 'wake takes back what sleep gave');
  const peaks = m.peak_allocated_by_phase!;
  for (const phase of ['generate', 'forward_backward', 'optimizer', 'sleep', 'wake']) assert.ok(peaks[phase]! > 0, phase);
  // Training on top of what the engine keeps through sleep is where the allocator peaks.
  assert.ok(peaks.forward_backward! >= peaks.generate!);
  assert.ok(m.device_used_peak_bytes! <= m.device_total_bytes!);
  assert.ok(m.engine!.requested_bytes! >= m.engine!.weights_bytes! + kv, 'the engine sized itself within what it asked for');
});

test('without sleep mode nothing is given back between steps', async () => {
  const { summary } = await loadReportInput(path.join(RUNS, 'trl-1gpu-0.5b-20261201-190226'));
  const m = summary.modes[0]!.memory!;
  assert.equal(m.sleep_freed_bytes, undefined);
  assert.equal(m.wake_taken_bytes, undefined);
  assert.ok(m.device_used_peak_bytes! > m.engine!.kv_cache_bytes!, 'the KV cache stays on the device');
});
