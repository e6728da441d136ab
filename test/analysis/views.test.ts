import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { segmentReadings } from '../../src/analysis/summary/segments.ts';
import { counterJoules, gpuEnergy, gpuSeries, idleJoules, intervalMean, type GpuSeries } from '../../src/analysis/summary/views.ts';
import type { PhaseEvent } from '../../src/records/events.ts';
import { readTable, readUnitEvents } from '../../src/results/read.ts';
import { TELEMETRY_TEXT_COLUMNS, type TelemetryRow } from '../../src/records/samples.ts';
import { fieldRates } from '../../src/telemetry/rates.ts';

const KNOWN_TRUTH = path.resolve(import.meta.dirname, '..', 'fixtures', 'nvml', 'handwritten-known-truth');

function series(t: number[], fields: Partial<Omit<GpuSeries, 'gpu' | 't'>>): GpuSeries {
  const nan = t.map(() => Number.NaN);
  return {
    gpu: 0,
    t,
    util_pct: nan,
    sm_active_pct: nan,
    sm_occupancy_pct: nan,
    tensor_active_pct: nan,
    power_w: nan,
    energy_mj: nan,
    ...fields,
  };
}

async function knownTruth() {
  const table = await readTable<TelemetryRow>(KNOWN_TRUTH, 'telemetry.csv', TELEMETRY_TEXT_COLUMNS);
  const events = await readUnitEvents(KNOWN_TRUTH, '');
  const phases = events.flatMap((f) => f.parsed.events.filter((e): e is PhaseEvent => e.type === 'phase'));
  return { rows: table!.rows, phases, problems: table!.problems };
}

test('a sample stands for the interval that ended at it: the window mean weighs each by its overlap', () => {
  // (0,1] → 10, (1,2] → 20, (2,3] → 30; [0.5, 2.5] takes half, all, half.
  assert.equal(intervalMean([0, 1, 2, 3], [99, 10, 20, 30], 0.5, 2.5), (0.5 * 10 + 20 + 0.5 * 30) / 2);
  assert.ok(Number.isNaN(intervalMean([0, 1], [1, 2], 5, 6)), 'no sample interval overlaps');
});

test('energy from the counter is its difference over the window, interpolated at the edges; unusable outside the samples or after a reset', () => {
  assert.equal(counterJoules([0, 1, 2], [0, 1000, 3000], 0.5, 1.5), 1.5);
  assert.equal(counterJoules([0, 1, 2], [0, 1000, 3000], 0, 2), 3);
  assert.equal(counterJoules([0, 1, 2], [0, 1000, 3000], 0.5, 2.5), undefined, 'window ends after the last sample');
  assert.equal(counterJoules([0, 1, 2], [5000, 1000, 3000], 0, 2), undefined, 'the counter went backwards (driver reload)');
});

test('energy prefers the counter and says so; without it, power is integrated and labelled as such', () => {
  const t = [0, 1, 2, 3, 4];
  const power = [100, 100, 200, 200, 200];
  const withCounter = series(t, { power_w: power, energy_mj: [0, 100_000, 250_000, 450_000, 650_000] });
  assert.deepEqual(gpuEnergy(withCounter, 1, 3), { joules: 350, source: 'energy counter' });
  assert.deepEqual(gpuEnergy(series(t, { power_w: power }), 1, 3), { joules: 350, source: 'power integration' });
  assert.equal(gpuEnergy(series(t, { power_w: power }), 10, 12), undefined, 'no power sample in the window');
});

test('idle energy is the energy of the sampling intervals outside the working phases', () => {
  const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const power = t.map(() => 100);
  const busy = [{ t0: 2, t1: 6 }];
  assert.equal(idleJoules(series(t, { power_w: power }), busy, 0, 10), 600);
  const counter = series(t, { power_w: power, energy_mj: t.map((x) => x * 100_000) });
  assert.equal(idleJoules(counter, busy, 0, 10), 600);
  assert.equal(idleJoules(counter, [{ t0: 2.5, t1: 3.5 }], 2, 4), 100, 'a busy interval inside a sampling interval takes its share of it');
});

test('known-truth recording: each view read per segment, GPM from the second sample on', async () => {
  const { rows, phases, problems } = await knownTruth();
  assert.deepEqual(problems, []);
  const s = gpuSeries(rows);
  assert.ok(Number.isNaN(s.get(0)!.sm_active_pct[0]!), 'the first GPM value is empty');
  const read = segmentReadings(phases, s.values(), 1);
  assert.deepEqual(
    read.map((r) => [r.name, r.read_from, r.t1]),
    [
      ['known-truth:idle', 1001, 1003],
      ['known-truth:one_sm', 1004, 1006],
      ['known-truth:matmul', 1007, 1009],
    ],
  );
  const [idle, oneSm, matmul] = read.map((r) => r.reading);
  assert.deepEqual([idle!.util_pct, idle!.sm_active_pct, idle!.tensor_active_pct, idle!.power_w], [0, 0, 0, 90]);
  assert.equal(idle!.energy?.source, 'energy counter');
  assert.ok(Math.abs(idle!.energy!.joules - 180) < 1e-6, `${idle!.energy!.joules}`);
  // A kernel spinning on one SM: utilization.gpu near 90 %, SM activity under 1 %.
  assert.ok(oneSm!.util_pct >= 89 && oneSm!.util_pct <= 90);
  assert.ok(Math.abs(oneSm!.sm_active_pct - 0.76) < 1e-9);
  assert.ok(Math.abs(oneSm!.energy!.joules - 240) < 1e-6);
  assert.deepEqual(
    [matmul!.util_pct, matmul!.sm_active_pct, matmul!.sm_occupancy_pct, matmul!.tensor_active_pct, matmul!.power_w],
    [100, 98, 60, 60, 600],
  );
  assert.ok(Math.abs(matmul!.energy!.joules - 1200) < 1e-6);
  assert.deepEqual((read[1]!.truth as { kernel_running_pct: number }).kernel_running_pct, 100);
});

test('known-truth recording: utilization.gpu is read 90 times but changes 16 times; the energy counter changes with every read', async () => {
  const { rows } = await knownTruth();
  const byField = Object.fromEntries(fieldRates(rows).map((r) => [r.field, r]));
  assert.deepEqual([byField.util_pct!.samples, byField.util_pct!.changes, byField.util_pct!.source], [90, 16, 'nvml']);
  assert.deepEqual([byField.energy_mj!.samples, byField.energy_mj!.changes], [90, 89]);
  assert.deepEqual([byField.sm_active_pct!.samples, byField.sm_active_pct!.changes], [89, 2]);
  assert.ok(Math.abs(byField.util_pct!.sample_hz - 10) < 1e-6, 'read at 10 Hz');
  assert.ok(Math.abs(byField.util_pct!.change_hz - 16 / 8.9) < 1e-6);
});
