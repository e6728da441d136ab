// The busy views and energy aggregation on a real NVML recording (one H200, driver 580.159.04,
// 100 ms; test/fixtures/nvml/README.md): what a user checks the harness against — that
// utilization.gpu calls a GPU busy when one SM of 132 works or when only copies run, that GPM's
// SM activity tells those apart, and that the energy counter and integrated power agree.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { segmentReadings, type SegmentReading } from '../../src/analysis/summary/segments.ts';
import { counterJoules, gpuEnergy, gpuSeries, idleJoules, readViews, type GpuSeries } from '../../src/analysis/summary/views.ts';
import { integrate } from '../../src/analysis/inference/stats.ts';
import type { PhaseEvent } from '../../src/records/events.ts';
import { readTable, readUnitEvents } from '../../src/results/read.ts';
import { TELEMETRY_TEXT_COLUMNS, type TelemetryRow } from '../../src/records/samples.ts';
import { fieldRates, type FieldRate } from '../../src/telemetry/rates.ts';

const RECORDING = path.resolve(import.meta.dirname, '..', 'fixtures', 'nvml', 'h200-580-known-truth');
/** The H200's SM count: the one-SM kernel's truth is 1/132 of the SMs busy. */
const ONE_SM_PCT = 100 / 132;

interface Truth {
  kernel_running_pct: number | null;
  sm_active_pct: number | null;
}

async function recording(): Promise<{ gpu: GpuSeries; phases: PhaseEvent[]; segments: Map<string, SegmentReading>; rows: TelemetryRow[] }> {
  const table = await readTable<TelemetryRow>(RECORDING, 'telemetry.csv', TELEMETRY_TEXT_COLUMNS);
  assert.ok(table, 'telemetry.csv read');
  assert.deepEqual(table.problems, []);
  const events = await readUnitEvents(RECORDING, '');
  const phases = events.flatMap((f) => f.parsed.events.filter((e): e is PhaseEvent => e.type === 'phase'));
  const series = gpuSeries(table.rows);
  assert.deepEqual([...series.keys()], [0]);
  // Each segment name occurs once in the slice (idle, one_sm, matmul, tiny_kernels, h2d_copy).
  const segments = new Map(segmentReadings(phases, series.values()).map((s) => [s.name, s]));
  return { gpu: series.get(0)!, phases, segments, rows: table.rows };
}

const truthOf = (s: SegmentReading) => s.truth as Truth;

test('H200 recording: the slice holds the five segments the known-truth program ran, each read from 1 s after its start', async () => {
  const { segments } = await recording();
  assert.deepEqual([...segments.keys()], ['idle', 'one_sm', 'matmul', 'tiny_kernels', 'h2d_copy']);
  for (const s of segments.values()) assert.ok(Math.abs(s.read_from - s.t0 - 1) < 1e-9, s.name);
});

test('H200 recording: one SM of 132 spinning reads ~100 % utilization.gpu but ~0.76 % SM activity, so the SM-activity idle view says idle', async () => {
  const { segments } = await recording();
  const oneSm = segments.get('one_sm')!;
  assert.equal(truthOf(oneSm).kernel_running_pct, 100);
  assert.ok(Math.abs(truthOf(oneSm).sm_active_pct! - ONE_SM_PCT) < 1e-9);
  const r = oneSm.reading;
  assert.ok(r.util_pct >= 99, `utilization.gpu ${r.util_pct}`);
  // GPM counts the SMs busy: within a tenth of a point of the one SM's 0.76 %.
  assert.ok(Math.abs(r.sm_active_pct - ONE_SM_PCT) < 0.1, `SM activity ${r.sm_active_pct}`);
  const idleBySm = 1 - r.sm_active_pct / 100;
  assert.ok(idleBySm > 0.99, `idle by SM activity ${idleBySm}`);
  assert.ok(r.tensor_active_pct < 0.1, `tensor activity ${r.tensor_active_pct}`);
});

test('H200 recording: host-to-device copies with no kernel read ~100 % utilization.gpu and 0 % SM activity', async () => {
  const { segments } = await recording();
  const copy = segments.get('h2d_copy')!;
  assert.deepEqual([truthOf(copy).kernel_running_pct, truthOf(copy).sm_active_pct], [0, 0]);
  assert.ok(copy.reading.util_pct >= 99, `utilization.gpu ${copy.reading.util_pct}`);
  assert.ok(copy.reading.sm_active_pct < 0.1, `SM activity ${copy.reading.sm_active_pct}`);
});

test('H200 recording: large bf16 matmuls read busy in every view, with tensor cores active and several times idle power', async () => {
  const { segments } = await recording();
  const idle = segments.get('idle')!.reading;
  const r = segments.get('matmul')!.reading;
  assert.equal(truthOf(segments.get('matmul')!).sm_active_pct, 100);
  assert.ok(r.util_pct >= 99, `utilization.gpu ${r.util_pct}`);
  assert.ok(r.sm_active_pct >= 90, `SM activity ${r.sm_active_pct}`);
  assert.ok(r.tensor_active_pct >= 80, `tensor activity ${r.tensor_active_pct}`);
  assert.ok(r.power_w > 4 * idle.power_w, `power ${r.power_w} W vs idle ${idle.power_w} W`);
  // Sleeping: every view reads nothing.
  assert.deepEqual([idle.util_pct, idle.sm_active_pct, idle.tensor_active_pct], [0, 0, 0]);
});

test('H200 recording: a stream of tiny kernels reads partly busy by utilization.gpu, and nearly no SM activity', async () => {
  const { segments } = await recording();
  const tiny = segments.get('tiny_kernels')!;
  assert.equal(truthOf(tiny).sm_active_pct, null, 'the program cannot know the truth here');
  assert.ok(tiny.reading.util_pct > 10 && tiny.reading.util_pct < 60, `utilization.gpu ${tiny.reading.util_pct}`);
  assert.ok(tiny.reading.sm_active_pct < 1, `SM activity ${tiny.reading.sm_active_pct}`);
});

test('H200 recording: over the whole recording the energy counter and integrated power agree within 1 %', async () => {
  const { gpu } = await recording();
  const a = gpu.t[0]!;
  const b = gpu.t.at(-1)!;
  const counter = counterJoules(gpu.t, gpu.energy_mj, a, b);
  assert.ok(counter !== undefined && counter > 0);
  const power = integrate(gpu.t, gpu.power_w, a, b);
  assert.ok(Math.abs(power / counter - 1) < 0.01, `counter ${counter} J, ∫ power ${power} J`);
  assert.equal(gpuEnergy(gpu, a, b)?.source, 'energy counter', 'the counter is preferred where it was read');
});

test('H200 recording: within a segment, from 1 s after it starts, counter and integrated power agree within 2 %; from its start integrated power lags the counter', async () => {
  const { gpu, segments } = await recording();
  for (const s of segments.values()) {
    const counter = counterJoules(gpu.t, gpu.energy_mj, s.read_from, s.t1)!;
    const power = integrate(gpu.t, gpu.power_w, s.read_from, s.t1);
    assert.ok(Math.abs(power / counter - 1) < 0.02, `${s.name}: counter ${counter} J, ∫ power ${power} J`);
  }
  // NVML's power reading averages a trailing window, so over the whole matmul segment (from the
  // step up from ~120 W) it misses part of the first second that the counter saw.
  const matmul = segments.get('matmul')!;
  const counter = counterJoules(gpu.t, gpu.energy_mj, matmul.t0, matmul.t1)!;
  const power = integrate(gpu.t, gpu.power_w, matmul.t0, matmul.t1);
  assert.ok(power < 0.95 * counter, `matmul from its start: counter ${counter} J, ∫ power ${power} J`);
});

test('H200 recording: energy outside the working phases is the energy of the segments not taken as busy', async () => {
  const { gpu, phases } = await recording();
  const a = phases[0]!.t0;
  const b = phases.at(-1)!.t1;
  // Take the matmul segment as the only working phase: the rest of the program's span is idle.
  const matmul = phases.find((p) => p.name === 'matmul')!;
  const idle = idleJoules(gpu, [matmul], a, b)!;
  const total = gpuEnergy(gpu, a, b)!.joules;
  const busy = counterJoules(gpu.t, gpu.energy_mj, matmul.t0, matmul.t1)!;
  // Samples are 0.1 s apart; the counter is split at the phase edges in proportion to time, so
  // idle + busy equals the total up to one sampling interval's share at each edge.
  assert.ok(Math.abs(idle + busy - total) < 0.01 * total, `idle ${idle} + busy ${busy} vs total ${total}`);
  assert.ok(idle < 0.5 * total, 'the matmuls draw most of the energy');
});

test('H200 recording: utilization.gpu changes about once a second however fast it is read; the energy counter with every read', async () => {
  const { rows } = await recording();
  const rates = new Map<string, FieldRate>(fieldRates(rows).map((r) => [r.field, r]));
  const util = rates.get('util_pct')!;
  assert.ok(Math.abs(util.sample_hz - 10) < 0.1, `read at ${util.sample_hz} Hz`);
  assert.ok(util.change_hz > 0.5 && util.change_hz < 2, `changed at ${util.change_hz} Hz`);
  const energy = rates.get('energy_mj')!;
  assert.equal(energy.changes, energy.samples - 1);
  // The sampler's own count over the whole recording (telemetry-fields.csv) says the same.
  const recorded = await readTable<{ field: string; change_hz: number }>(RECORDING, 'telemetry-fields.csv', ['field', 'source']);
  const utilRecorded = recorded!.rows.find((r) => r.field === 'util_pct')!;
  assert.ok(Math.abs(util.change_hz - utilRecorded.change_hz) < 0.3, `slice ${util.change_hz} Hz, recording ${utilRecorded.change_hz} Hz`);
});

test('H200 recording: GPM has no value on the first sample (it needs two), and every view is read over the same windows', async () => {
  const { gpu } = await recording();
  assert.ok(Number.isNaN(gpu.sm_active_pct[0]!));
  assert.ok(Number.isFinite(gpu.sm_active_pct[1]!));
  const whole = readViews(gpu, gpu.t[0]!, gpu.t.at(-1)!);
  for (const f of ['util_pct', 'sm_active_pct', 'tensor_active_pct', 'power_w'] as const) assert.ok(Number.isFinite(whole[f]), f);
});
