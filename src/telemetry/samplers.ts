// The samplers of one unit, started together and stopped together:
//   telemetry.csv  one row per GPU per sample, from one long-lived nvidia-smi stream (GPU units only);
//   processes.csv  CPU and RSS of every live process of the unit from /proc deltas (what stands in
//                  for GPU utilisation on CPU), with per-pid GPU memory from a slower nvidia-smi stream;
//   host.csv       host CPU and memory via systeminformation.
// Rows are appended as they come; stop() flushes and returns what sampling cost.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import si from 'systeminformation';
import { readStat } from '../launch/proc.ts';
import type { Member } from '../launch/supervisor.ts';
import { SAMPLE_FILES } from '../results/layout.ts';
import type { UnitRecord } from '../results/manifest.ts';
import { CsvAppender, wallSeconds } from './csv.ts';
import { APPS_STREAM_FIELDS, GPU_STREAM_FIELDS, TELEMETRY_HEADER, gpuStreamFields, num, parseGpuLine, sampleRow, SmiStream, splitRow } from './nvidia-smi.ts';

export type SamplerCost = NonNullable<UnitRecord['sampler_cost']>;

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
}

export interface Sampling {
  /** Stops every sampler, flushes the files, and says what sampling cost per wall second. */
  stop(): Promise<SamplerCost>;
  /** Problems met while sampling (a stream that died), for the unit's record. */
  readonly problems: string[];
}

const MIB = 1024 * 1024;

export async function startSampling(o: SamplingOptions): Promise<Sampling> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const problems: string[] = [];
  const streams: SmiStream[] = [];
  const files: CsvAppender[] = [];
  const smi = o.smi ?? 'nvidia-smi';

  /** pid → GPU MiB with when it was read. */
  const gpuMem = new Map<number, { mib: number | null; t: number }>();
  let apps: SmiStream | undefined;
  if (o.gpus.length > 0) {
    const fields = await gpuStreamFields(smi);
    const withThrottle = fields.length > GPU_STREAM_FIELDS.length;
    const telemetry = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.telemetry), TELEMETRY_HEADER);
    files.push(telemetry);
    const select = ['-i', o.gpus.join(',')];
    streams.push(
      new SmiStream(smi, [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits', ...select, `-lms`, String(o.intervalMs)], (line, t) => {
        const s = parseGpuLine(line, t, withThrottle);
        if (s) telemetry.append([sampleRow(s)]);
      }),
    );
    const memMs = o.gpuMemIntervalMs ?? Math.max(1000, o.intervalMs);
    apps = new SmiStream(smi, [`--query-compute-apps=${APPS_STREAM_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `-lms`, String(memMs)], (line, t) => {
      const cells = splitRow(line.trim(), APPS_STREAM_FIELDS.length);
      const pid = num(cells?.[0]);
      if (pid !== null) gpuMem.set(pid, { mib: num(cells?.[1]), t });
    });
    streams.push(apps);
  }
  const gpuMemOf = (pid: number, now: number): number | null => {
    if (!apps?.running) return null;
    const m = gpuMem.get(pid);
    // A pid the stream has not listed lately holds no GPU memory.
    const stale = 3 * (o.gpuMemIntervalMs ?? Math.max(1000, o.intervalMs)) / 1000;
    return m && now - m.t <= stale ? m.mib : 0;
  };

  const processes = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.processes), PROCESSES_HEADER);
  const host = new CsvAppender(path.join(o.unitDir, SAMPLE_FILES.host), HOST_HEADER);
  files.push(processes, host);
  await si.currentLoad(); // primes its counters: the next call measures from here

  /** pid:starttime → CPU seconds and wall time at the previous sample. */
  const last = new Map<string, { cpu: number; at: number }>();
  const tickProcesses = () => {
    const t = wallSeconds();
    const at = performance.now();
    const rows = [];
    const seen = new Set<string>();
    for (const m of o.members()) {
      const s = readStat(m.pid);
      if (!s) continue;
      const key = `${m.pid}:${s.starttime}`;
      seen.add(key);
      const prev = last.get(key);
      last.set(key, { cpu: s.cpu_s, at });
      const cpuPct = prev ? (100 * (s.cpu_s - prev.cpu)) / ((at - prev.at) / 1000) : null;
      rows.push([t, m.pid, m.process, m.role, cpuPct === null ? null : round(cpuPct, 1), round(s.rss_bytes / MIB, 1), gpuMemOf(m.pid, t)]);
    }
    for (const k of last.keys()) if (!seen.has(k)) last.delete(k);
    processes.append(rows);
  };
  const tickHost = async () => {
    const t = wallSeconds();
    const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
    host.append([[t, round(load.currentLoad, 1), round((mem.total - mem.available) / MIB, 0), round(mem.total / MIB, 0)]]);
  };

  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const began = performance.now();
      try {
        tickProcesses();
        await tickHost();
      } catch (e) {
        problems.push(`sampling: ${(e as Error).message}`);
      }
      const wait = Math.max(0, o.intervalMs - (performance.now() - began));
      await sleep(wait, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();

  return {
    problems,
    async stop() {
      stopping.abort();
      await loop;
      for (const s of streams) {
        const why = s.failure;
        if (why) problems.push(why);
      }
      await Promise.all(streams.map((s) => s.stop()));
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

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
