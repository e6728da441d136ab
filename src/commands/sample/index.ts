// `grpo-bench sample -- CMD…`: runs any program under the harness's samplers (the same ones a
// unit of `run` gets) and says what each view read during each of the program's `phase`
// events. With bench/gpu/known-truth.py as the program, whose events say what the GPU truly
// did, the table checks the views against the truth.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { segmentReadings, SEGMENT_SETTLE_S, type SegmentReading } from '../../analysis/summary/segments.ts';
import { gpuSeries } from '../../analysis/summary/views.ts';
import { UsageError, UserError } from '../../errors.ts';
import type { ProcessSpec } from '../../records/plan.ts';
import { runUnit, UnitProcesses, type UnitOutcome } from '../../launch/supervisor.ts';
import type { PhaseEvent } from '../../records/events.ts';
import { eventFile, RANK_PLACEHOLDER, RESULTS_ROOT, SAMPLE_COMMAND_FILES, SAMPLE_FILES } from '../../results/layout.ts';
import { readTable, readUnitEvents } from '../../results/read.ts';
import { TELEMETRY_TEXT_COLUMNS, type TelemetryRow } from '../../records/samples.ts';
import { fieldRates, type FieldRate } from '../../telemetry/rates.ts';
import { startSampling, type GpuSourceChoice, type GpuTelemetry, type SamplerCost } from '../../telemetry/samplers.ts';
import { segmentTable, ratesTable } from './table.ts';
import { formatPercentText } from '../../value-format.ts';

export interface SampleOptions {
  /** The program and its arguments. */
  command: string[];
  /** Folder for events, logs, telemetry and the tables (default results/sample-<time>). */
  out?: string;
  intervalMs: number;
  /** GPU indices to sample; the program sees them as CUDA_VISIBLE_DEVICES (PCI bus order). Empty: CPU only. */
  gpus: number[];
  source: GpuSourceChoice;
  /** Seconds skipped at the start of each segment before reading it. */
  settleS?: number;
  timeoutS: number;
  signal?: AbortSignal;
}

/** What `sample` leaves in `sample.json` beside the tables. */
export interface SampleRecord {
  command: string[];
  interval_ms: number;
  gpus: number[];
  outcome: UnitOutcome;
  sampler_cost: SamplerCost;
  telemetry?: GpuTelemetry;
  problems: string[];
  settle_s: number;
  segments: SegmentReading[];
  field_rates: FieldRate[];
}

export async function sampleCommand(o: SampleOptions): Promise<{ exitCode: number; out: string; record: SampleRecord }> {
  if (o.command.length === 0)
    throw new UsageError(
      'sample: no program given',
      'Put the program after --, e.g. grpo-bench sample --gpus 0 -- python3 bench/gpu/known-truth.py',
    );
  const out = path.resolve(
    o.out ?? path.join(RESULTS_ROOT, `sample-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`),
  );
  if (existsSync(path.join(out, SAMPLE_FILES.telemetry)) || existsSync(path.join(out, SAMPLE_FILES.processes))) {
    throw new UserError(`sample: ${out} already holds samples`, 'Give an empty or new folder with --out.');
  }
  await mkdir(out, { recursive: true });
  const spec: ProcessSpec = {
    name: 'program',
    role: 'trainer',
    argv: o.command,
    env: {
      GRPO_BENCH_EVENTS: path.join(out, eventFile('program', RANK_PLACEHOLDER)),
      ...(o.gpus.length > 0 ? { CUDA_VISIBLE_DEVICES: o.gpus.join(','), CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } : {}),
    },
    cwd: process.cwd(),
    gpus: o.gpus,
    ports: {},
    ready: { kind: 'none' },
    events: [eventFile('program', 0)],
    finishes_unit: true,
  };
  const tracker = new UnitProcesses();
  const sampling = await startSampling({
    unitDir: out,
    intervalMs: o.intervalMs,
    gpus: o.gpus,
    members: () => tracker.sampledMembers(),
    gpuSource: o.source,
  });
  let outcome: UnitOutcome;
  let cost: SamplerCost;
  try {
    outcome = await runUnit({ unitDir: out, processes: [spec], timeoutS: o.timeoutS, signal: o.signal, tracker });
  } finally {
    cost = await sampling.stop();
  }

  const settle = o.settleS ?? SEGMENT_SETTLE_S;
  const events = await readUnitEvents(out, '');
  const phases = events.flatMap((f) => f.parsed.events.filter((e): e is PhaseEvent => e.type === 'phase'));
  const telemetry = await readTable<TelemetryRow>(out, SAMPLE_FILES.telemetry, TELEMETRY_TEXT_COLUMNS);
  const rows = telemetry?.rows ?? [];
  const segments = segmentReadings(phases, gpuSeries(rows).values(), settle);
  const rates = fieldRates(rows);
  const record: SampleRecord = {
    command: o.command,
    interval_ms: o.intervalMs,
    gpus: o.gpus,
    outcome,
    sampler_cost: cost,
    ...(sampling.gpu ? { telemetry: sampling.gpu } : {}),
    problems: sampling.problems,
    settle_s: settle,
    segments,
    field_rates: rates,
  };
  await writeFile(path.join(out, SAMPLE_COMMAND_FILES.record), JSON.stringify(record, null, 2) + '\n');
  const text = [
    `# What each view read, per segment`,
    '',
    `\`${o.command.join(' ')}\`, sampled every ${o.intervalMs} ms; ${describeSource(sampling.gpu)}.`,
    `Each segment is read from ${settle} s after its start to its end (views that average a trailing window would otherwise carry the previous segment in).`,
    '',
    segments.length > 0 ? segmentTable(segments) : '_The program wrote no phase events, or no GPU was sampled._',
    '',
    '## Effective sampling rate per field',
    '',
    rates.length > 0 ? ratesTable(rates) : '_No GPU samples._',
    '',
    `Sampling cost: harness ${formatPercentText(cost.harness_cpu_s_per_s, { decimals: 2 })} of one core, sampler processes ${formatPercentText(cost.sampler_cpu_s_per_s, { decimals: 2 })}.`,
    ...(sampling.problems.length > 0 ? ['', '## Problems', '', ...sampling.problems.map((p) => `- ${p}`)] : []),
    ...(outcome.status !== 'ok' ? ['', `The program did not finish cleanly: ${outcome.message}`] : []),
    '',
  ].join('\n');
  await writeFile(path.join(out, SAMPLE_COMMAND_FILES.table), text);
  process.stdout.write(text);
  return { exitCode: outcome.status === 'ok' ? 0 : 1, out, record };
}

function describeSource(gpu: GpuTelemetry | undefined): string {
  if (!gpu) return 'no GPU sampled';
  const gpm = gpu.gpm.filter((g) => g.supported).map((g) => g.gpu);
  const without = gpu.gpm.filter((g) => !g.supported);
  const gpmText =
    without.length === 0
      ? 'GPM metrics on every GPU'
      : gpm.length === 0
        ? `GPM not available (${without[0]!.reason})`
        : `GPM on GPU ${gpm.join(', ')} only (GPU ${without.map((g) => `${g.gpu}: ${g.reason}`).join('; ')})`;
  return `GPU telemetry from ${gpu.source === 'nvml' ? `NVML (driver ${gpu.driver ?? '?'}, nvidia-ml-py ${gpu.pynvml ?? '?'})` : 'the nvidia-smi stream'}, ${gpmText}`;
}
