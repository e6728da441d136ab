// The samplers of one unit, started together and stopped together:
//   telemetry.csv  one row per GPU per sample (GPU units only), from one long-lived process: the
//                  NVML sampler where pynvml is importable (GPM SM/tensor activity, energy
//                  counter), else the nvidia-smi stream; telemetry-fields.csv beside it says how
//                  often each field was read and how often its value changed;
//   processes.csv  CPU and RSS of every live process of the unit from /proc deltas (what stands in
//                  for GPU utilisation on CPU), with per-pid GPU memory from a slower nvidia-smi stream;
//   host.csv       host CPU and memory via systeminformation.
// Rows are appended as they come; stop() flushes and returns what sampling cost.
import { cpus } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import si from 'systeminformation';
import { UnavailableError } from '../errors.ts';
import { readStat, type Member } from './proc.ts';
import { SAMPLE_FILES } from '../results/layout.ts';
import type { UnitRecord } from '../records/manifest.ts';
import { resolvePython } from '../env/python.ts';
import { CsvAppender, wallSeconds, type Cell } from './csv.ts';
import { gpuRowCells, TELEMETRY_HEADER, type GpuRow, type GpuSource } from './gpu-row.ts';
import { APPS_STREAM_FIELDS, GPU_STREAM_FIELDS, gpuStreamFields, num, parseGpuLine, sampleRow, splitRow } from './nvidia-smi.ts';
import { startNvmlStream } from './nvml.ts';
import { FIELD_RATES_HEADER, FieldRates } from './rates.ts';
import { LineStream } from './stream.ts';

export type SamplerCost = NonNullable<UnitRecord['sampler_cost']>;
export type GpuTelemetry = NonNullable<UnitRecord['telemetry']>;
/** `auto`: NVML where pynvml is importable, else nvidia-smi. */
export type GpuSourceChoice = 'auto' | GpuSource;

export const PROCESSES_HEADER = ['t', 'pid', 'process', 'role', 'cpu_pct', 'rss_mib', 'gpu_mem_mib'] as const;
export const HOST_HEADER = ['t', 'cpu_pct', 'mem_used_mib', 'mem_total_mib'] as const;

export interface SamplingOptions {
  unitDir: string;
  intervalMs: number;
  /** The unit's GPU indices; empty on a CPU unit (then nvidia-smi is not started). */
  gpus: number[];
  /** The unit's live processes now (UnitProcesses.members). */
  members: () => Member[];
  /** Per-process GPU memory stream period (GPU units). */
  gpuMemIntervalMs?: number;
  /** nvidia-smi executable. */
  smi?: string;
  /** Which GPU sampler (default `auto`). */
  gpuSource?: GpuSourceChoice;
  /** Python that runs the NVML sampler (default: the workloads' Python). */
  python?: string;
}

export interface Sampling {
  /** Stops every sampler, flushes the files, and says what sampling cost per wall second. */
  stop(): Promise<SamplerCost>;
  /** Problems met while sampling (a stream that died), for the unit's record. */
  readonly problems: string[];
  /** Which GPU sampler wrote telemetry.csv and what it could read; absent on a CPU unit. */
  readonly gpu?: GpuTelemetry;
}

const MIB = 1024 * 1024;

export async function startSampling(o: SamplingOptions): Promise<Sampling> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const problems: string[] = [];
  const streams: LineStream[] = [];
  const files: { close(): void }[] = [];
  const smi = o.smi ?? 'nvidia-smi';

  /** pid → GPU MiB with when it was read. */
  const gpuMem = new Map<number, { mib: number | null; t: number }>();
  let apps: LineStream | undefined;
  let gpu: GpuTelemetry | undefined;
  let telemetry: GpuTelemetryFile | undefined;
  if (o.gpus.length > 0) {
    telemetry = new GpuTelemetryFile(path.join(o.unitDir, SAMPLE_FILES.telemetry));
    files.push(telemetry);
    try {
      gpu = await startGpuSampler(o, smi, telemetry.record, problems, streams);
    } catch (err) {
      telemetry.close();
      throw err;
    }
    const memMs = o.gpuMemIntervalMs ?? Math.max(1000, o.intervalMs);
    apps = new LineStream(
      smi,
      [`--query-compute-apps=${APPS_STREAM_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `-lms`, String(memMs)],
      (line, t) => {
        const cells = splitRow(line.trim(), APPS_STREAM_FIELDS.length);
        const pid = num(cells?.[0]);
        if (pid !== null) gpuMem.set(pid, { mib: num(cells?.[1]), t });
      },
    );
    streams.push(apps);
  }
  const gpuMemOf = (pid: number, now: number): number | null => {
    if (!apps?.running) return null;
    const m = gpuMem.get(pid);
    // A pid the stream has not listed lately holds no GPU memory.
    const stale = (3 * (o.gpuMemIntervalMs ?? Math.max(1000, o.intervalMs))) / 1000;
    return m && now - m.t <= stale ? m.mib : 0;
  };

  const processes = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.processes), PROCESSES_HEADER);
  const host = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.host), HOST_HEADER);
  files.push(processes, host);
  const processSampler = new ProcessSampler(o.members, gpuMemOf);
  const hostSampler = new HostSampler();

  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const began = performance.now();
      try {
        processes.append(processSampler.tick());
        host.append([await hostSampler.row()]);
      } catch (e) {
        problems.push(`sampling: ${(e as Error).message}`);
      }
      const wait = Math.max(0, o.intervalMs - (performance.now() - began));
      await sleep(wait, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();

  return {
    problems,
    ...(gpu ? { gpu } : {}),
    async stop() {
      stopping.abort();
      await loop;
      for (const s of streams) {
        const why = s.failure;
        if (why) problems.push(why);
      }
      await Promise.all(streams.map((s) => s.stop()));
      if (telemetry) {
        const fields = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.telemetryFields), FIELD_RATES_HEADER);
        fields.append(
          telemetry.rates.rates().map((r) => FIELD_RATES_HEADER.map((k) => (typeof r[k] === 'number' ? round(r[k] as number, 3) : r[k]))),
        );
        files.push(fields);
      }
      for (const f of files) f.close();
      const wall = (performance.now() - wall0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const samplerCpu = streams.reduce((a, s) => a + s.cpuSeconds(), 0);
      return {
        harness_cpu_s_per_s: wall > 0 ? (cpu.user + cpu.system) / 1e6 / wall : 0,
        sampler_cpu_s_per_s: wall > 0 ? samplerCpu / wall : 0,
      };
    },
  };
}

/** telemetry.csv as the GPU samplers fill it: each row written through as it comes, and counted for telemetry-fields.csv. */
export class GpuTelemetryFile {
  readonly rates = new FieldRates();
  readonly #csv: CsvAppender;

  constructor(file: string) {
    this.#csv = new CsvAppender(file, TELEMETRY_HEADER);
  }

  /** One sample of one GPU (a callback: passed to the sampler streams as it is). */
  readonly record = (row: GpuRow): void => {
    this.#csv.append([gpuRowCells(row)]);
    this.rates.add(row);
  };

  close(): void {
    this.#csv.close();
  }
}

/**
 * The per-process sampler: each tick, CPU % (from /proc deltas since the previous tick) and RSS
 * of every live process of the unit, with its GPU memory from `gpuMemOf`; rows of processes.csv.
 */
export class ProcessSampler {
  /** pid:starttime → CPU seconds and wall time at the previous sample (a reused pid is a new process). */
  readonly #last = new Map<string, { cpu: number; at: number }>();

  constructor(
    private readonly members: () => Member[],
    private readonly gpuMemOf: (pid: number, now: number) => number | null,
  ) {}

  tick(): Cell[][] {
    const t = wallSeconds();
    const at = performance.now();
    const rows: Cell[][] = [];
    const seen = new Set<string>();
    for (const m of this.members()) {
      const s = readStat(m.pid);
      if (!s) continue;
      const key = `${m.pid}:${s.starttime}`;
      seen.add(key);
      const prev = this.#last.get(key);
      this.#last.set(key, { cpu: s.cpu_s, at });
      const cpuPct = prev ? (100 * (s.cpu_s - prev.cpu)) / ((at - prev.at) / 1000) : null;
      rows.push([
        t,
        m.pid,
        m.process,
        m.role,
        cpuPct === null ? null : round(cpuPct, 1),
        round(s.rss_bytes / MIB, 1),
        this.gpuMemOf(m.pid, t),
      ]);
    }
    for (const k of this.#last.keys()) if (!seen.has(k)) this.#last.delete(k);
    return rows;
  }
}

/**
 * The host sampler: host.csv's rows, CPU load since the previous row and memory in use. The load
 * comes from the kernel's per-CPU times as Node reads them (os.cpus()), not from
 * systeminformation's currentLoad, which on Linux runs `cat /proc/stat | grep cpu` through a
 * shell at every call, synchronously: three processes per tick, the largest part of what sampling
 * cost the harness (docs/metrics.md, "What measuring costs"). Memory still comes from
 * systeminformation, which reads /proc/meminfo.
 */
export class HostSampler {
  #last = cpuTimes();

  async row(): Promise<Cell[]> {
    const t = wallSeconds();
    const now = cpuTimes();
    const busy = now.busy - this.#last.busy;
    const total = now.total - this.#last.total;
    this.#last = now;
    const mem = await si.mem();
    return [t, total > 0 ? round((100 * busy) / total, 1) : null, round((mem.total - mem.available) / MIB, 0), round(mem.total / MIB, 0)];
  }
}

/** Milliseconds every CPU of the host spent busy and in all, since boot. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

/**
 * The GPU sampler of the unit: NVML when asked for or when `auto` finds pynvml usable, else
 * the nvidia-smi stream (the reason NVML was not used goes to `problems`).
 */
async function startGpuSampler(
  o: SamplingOptions,
  smi: string,
  record: (row: GpuRow) => void,
  problems: string[],
  streams: LineStream[],
): Promise<GpuTelemetry> {
  const choice = o.gpuSource ?? 'auto';
  let fallback: string | undefined;
  if (choice !== 'nvidia-smi') {
    const nvml = await startNvmlStream({
      python: o.python ?? resolvePython(),
      gpus: o.gpus,
      intervalMs: o.intervalMs,
      onRow: record,
      onProblem: (m) => problems.push(`NVML sampler: ${m}`),
    });
    if (nvml.ok) {
      streams.push(nvml.stream);
      const gpm = nvml.meta.gpus.map((g) => ({ gpu: g.index, supported: g.gpm, reason: g.gpm_reason }));
      return { source: 'nvml', driver: nvml.meta.driver, pynvml: nvml.meta.pynvml, gpm };
    }
    if (choice === 'nvml')
      throw new UnavailableError(
        `telemetry source nvml: ${nvml.why}`,
        "Install nvidia-ml-py for the workloads' Python, or let the source be auto (nvidia-smi is used where NVML is not).",
      );
    fallback = `NVML sampler not used (${nvml.why.trim()}); GPU telemetry from the nvidia-smi stream, without SM activity, tensor activity or the energy counter`;
    problems.push(fallback);
  }
  const fields = await gpuStreamFields(smi);
  const withThrottle = fields.length > GPU_STREAM_FIELDS.length;
  streams.push(
    new LineStream(
      smi,
      [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits', '-i', o.gpus.join(','), `-lms`, String(o.intervalMs)],
      (line, t) => {
        const s = parseGpuLine(line, t, withThrottle);
        if (s) record(sampleRow(s));
      },
    ),
  );
  const reason = 'nvidia-smi stream: no GPM metrics (pynvml not used)';
  return { source: 'nvidia-smi', gpm: o.gpus.map((g) => ({ gpu: g, supported: false, reason })), ...(fallback ? { fallback } : {}) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
