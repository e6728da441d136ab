// nvidia-smi: the query fields and pure parsers for its CSV output (its `-lms` streams run
// through stream.ts).
import { execa } from 'execa';
import type { GpuRow, NvmlOnlyField } from './gpu-row.ts';

/** `--query-gpu` fields of the telemetry stream, in order; the throttle field is appended when the driver has one. */
export const GPU_STREAM_FIELDS = [
  'timestamp',
  'index',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'power.draw',
  'clocks.sm',
  'temperature.gpu',
] as const;
/** Newer drivers (R535+) name it clocks_event_reasons; older ones clocks_throttle_reasons. */
export const THROTTLE_FIELDS = ['clocks_event_reasons.active', 'clocks_throttle_reasons.active'] as const;
/** Per-process GPU memory, streamed at a slower rate. */
export const APPS_STREAM_FIELDS = ['pid', 'used_memory'] as const;

/** One line of the stream: a telemetry row without what only NVML reads, plus nvidia-smi's own timestamp. */
export type GpuSample = Omit<GpuRow, NvmlOnlyField | 'source'> & {
  /** nvidia-smi's own timestamp, local time without zone ("2024/06/11 14:02:07.123"): kept for reference, not used as `t` (the wall clock when the line was read). */
  smi_timestamp: string;
};

/** A cell as a number; `[N/A]`, `[Not Supported]`, `[Unknown Error]`, empty → null. */
export function num(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const s = cell.trim();
  if (s === '' || s.startsWith('[') || /^n\/?a$/i.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function text(cell: string | undefined): string | null {
  const s = cell?.trim() ?? '';
  return s === '' || s.startsWith('[') ? null : s;
}

/**
 * Splits one `--format=csv,noheader,nounits` row into `n` cells. nvidia-smi separates with
 * ", " and does not quote, so a free-text cell (a process name) may hold the separator: the
 * cell at `free` takes whatever is left over.
 */
export function splitRow(line: string, n: number, free = -1): string[] | null {
  const parts = line.split(', ');
  if (parts.length === n) return parts.map((p) => p.trim());
  if (free < 0 || parts.length < n) return null;
  const extra = parts.length - n;
  return [...parts.slice(0, free), parts.slice(free, free + extra + 1).join(', '), ...parts.slice(free + extra + 1)].map((p) => p.trim());
}

/** One line of the telemetry stream, read at wall time `t`; null for a line that is not a sample. */
export function parseGpuLine(line: string, t: number, withThrottle: boolean): GpuSample | null {
  const cells = splitRow(line.trim(), GPU_STREAM_FIELDS.length + (withThrottle ? 1 : 0));
  if (!cells) return null;
  const [ts, index, util, used, total, power, sm, temp, throttle] = cells;
  const gpu = num(index);
  if (gpu === null) return null;
  return {
    t,
    gpu,
    util_pct: num(util),
    mem_used_mib: num(used),
    mem_total_mib: num(total),
    power_w: num(power),
    sm_clock_mhz: num(sm),
    temp_c: num(temp),
    throttle_reasons: withThrottle ? text(throttle) : null,
    smi_timestamp: ts ?? '',
  };
}

/** The telemetry.csv row of a stream sample: nvidia-smi's stream has no energy counter and no GPM fields. */
export function sampleRow(s: GpuSample): GpuRow {
  const { smi_timestamp: _, ...row } = s;
  const none: Record<NvmlOnlyField, null> = { energy_mj: null, sm_active_pct: null, sm_occupancy_pct: null, tensor_active_pct: null };
  return { ...row, ...none, source: 'nvidia-smi' };
}

/** Which throttle field this driver accepts, from `nvidia-smi --help-query-gpu`; null if neither. */
export function chooseThrottleField(help: string): string | null {
  return THROTTLE_FIELDS.find((f) => help.includes(`"${f}"`)) ?? null;
}

const probed = new Map<string, Promise<string[]>>();

/** The stream's `--query-gpu` fields for this driver (probed once per binary per process). */
export function gpuStreamFields(smi = 'nvidia-smi'): Promise<string[]> {
  let fields = probed.get(smi);
  if (!fields) {
    fields = execa(smi, ['--help-query-gpu'], { reject: false, timeout: 5000 }).then((r) => {
      const throttle = r.exitCode === 0 ? chooseThrottleField(String(r.stdout)) : null;
      return throttle ? [...GPU_STREAM_FIELDS, throttle] : [...GPU_STREAM_FIELDS];
    });
    probed.set(smi, fields);
  }
  return fields;
}

/** Rows of a one-shot `--query-*` with `n` fields; `free` as in splitRow. */
export function parseRows(out: string, n: number, free = -1): string[][] {
  return out
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('No running'))
    .map((l) => splitRow(l, n, free))
    .filter((r): r is string[] => r !== null);
}

/** One-shot query: stdout, or throws with nvidia-smi's own complaint. */
export async function smiQuery(smi: string, args: string[], timeoutMs = 5000): Promise<string> {
  const r = await execa(smi, args, { reject: false, timeout: timeoutMs });
  if (r.exitCode !== 0) throw new Error(`${smi} ${args.join(' ')}: ${String(r.stderr || r.stdout).trim() || r.shortMessage}`);
  return String(r.stdout);
}
