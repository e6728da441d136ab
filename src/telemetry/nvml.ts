// The NVML sampler (nvml_sampler.py beside this file) seen from the harness: started with the
// workloads' Python, it answers with a `meta` line (or exits 3 saying why NVML is unusable:
// then the nvidia-smi stream samples instead), then one JSON line per GPU per tick.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { projectRoot } from '../env/python.ts';
import type { GpuRow } from './gpu-row.ts';
import { LineStream } from './stream.ts';

export const NVML_SAMPLER = (root = projectRoot()) => path.join(root, 'src', 'telemetry', 'nvml_sampler.py');

const Num = z.number().nullable();
const Sample = z.object({
  kind: z.literal('sample'),
  t: z.number(),
  gpu: z.number().int().nonnegative(),
  util_pct: Num,
  mem_used_mib: Num,
  mem_total_mib: Num,
  power_w: Num,
  sm_clock_mhz: Num,
  temp_c: Num,
  throttle_reasons: z.string().nullable(),
  energy_mj: Num,
  sm_active_pct: Num,
  sm_occupancy_pct: Num,
  tensor_active_pct: Num,
});

export const NvmlMeta = z.looseObject({
  kind: z.literal('meta'),
  source: z.literal('nvml'),
  interval_ms: z.number(),
  driver: z.string(),
  nvml: z.string(),
  pynvml: z.string().nullable(),
  gpus: z.array(
    z.looseObject({ index: z.number(), gpm: z.boolean(), gpm_reason: z.string().nullable(), name: z.string().nullable().optional() }),
  ),
});
export type NvmlMeta = z.infer<typeof NvmlMeta>;

const Problem = z.looseObject({
  kind: z.literal('problem'),
  message: z.string(),
  gpu: z.number().optional(),
  field: z.string().optional(),
});

export type NvmlLine = { kind: 'meta'; meta: NvmlMeta } | { kind: 'sample'; row: GpuRow } | { kind: 'problem'; message: string };

/** One line of the sampler's output; null for a line that is not one of its messages (a line cut by a kill). */
export function parseNvmlLine(line: string): NvmlLine | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind === 'sample') {
    const s = Sample.safeParse(json);
    if (!s.success) return null;
    const { kind: _, ...row } = s.data;
    return { kind: 'sample', row: { ...row, source: 'nvml' } };
  }
  if (kind === 'meta') {
    const m = NvmlMeta.safeParse(json);
    return m.success ? { kind: 'meta', meta: m.data } : null;
  }
  if (kind === 'problem') {
    const p = Problem.safeParse(json);
    return p.success ? { kind: 'problem', message: `${p.data.gpu !== undefined ? `GPU ${p.data.gpu}: ` : ''}${p.data.message}` } : null;
  }
  return null;
}

export interface NvmlStreamOptions {
  python: string;
  gpus: number[];
  intervalMs: number;
  onRow: (row: GpuRow) => void;
  onProblem: (message: string) => void;
  /** How long to wait for the meta line (Python start-up and nvmlInit). */
  readyTimeoutMs?: number;
  /** The sampler script (default: the one beside this module, under the project root). */
  script?: string;
}

export type NvmlStart = { ok: true; stream: LineStream; meta: NvmlMeta } | { ok: false; why: string };

/** Starts the NVML sampler and waits for its meta line; `ok: false` with the reason when NVML cannot be used. */
export async function startNvmlStream(o: NvmlStreamOptions): Promise<NvmlStart> {
  let meta: ((m: NvmlMeta) => void) | undefined;
  const ready = new Promise<NvmlMeta>((resolve) => (meta = resolve));
  const args = [o.script ?? NVML_SAMPLER(), '--gpus', o.gpus.join(','), '--interval-ms', String(o.intervalMs)];
  const stream = new LineStream(
    o.python,
    args,
    (line) => {
      const m = parseNvmlLine(line);
      if (m?.kind === 'sample') o.onRow(m.row);
      else if (m?.kind === 'problem') o.onProblem(m.message);
      else if (m?.kind === 'meta') meta!(m.meta);
    },
    'NVML sampler',
  );
  const timeout = o.readyTimeoutMs ?? 30_000;
  const timer = new AbortController();
  const first = await Promise.race([
    ready,
    stream.exited.then(() => 'exited' as const),
    sleep(timeout, 'timeout' as const, { signal: timer.signal }).catch(() => 'exited' as const),
  ]);
  timer.abort();
  if (first === 'exited') return { ok: false, why: stream.failure ?? 'the NVML sampler exited before reporting' };
  if (first === 'timeout') {
    await stream.stop();
    return { ok: false, why: `the NVML sampler said nothing within ${timeout / 1000} s` };
  }
  return { ok: true, stream, meta: first };
}
