// One row of telemetry.csv: one GPU at one instant, from either GPU sampler (the NVML
// sampler, or the nvidia-smi stream where pynvml is not importable). The columns only NVML
// fills (energy counter, GPM) are empty in nvidia-smi rows; `source` says which wrote the row.
import type { Cell } from './csv.ts';

export type GpuSource = 'nvml' | 'nvidia-smi';

export const TELEMETRY_HEADER = [
  't',
  'gpu',
  'util_pct',
  'mem_used_mib',
  'mem_total_mib',
  'power_w',
  'sm_clock_mhz',
  'temp_c',
  'throttle_reasons',
  'energy_mj',
  'sm_active_pct',
  'sm_occupancy_pct',
  'tensor_active_pct',
  'source',
] as const;

export interface GpuRow {
  /** Wall clock of the sample (epoch seconds): the NVML sampler's own clock, or when nvidia-smi's line was read. */
  t: number;
  gpu: number;
  /** utilization.gpu: % of the driver's window in which some kernel ran (not how much of the GPU it used). */
  util_pct: number | null;
  mem_used_mib: number | null;
  mem_total_mib: number | null;
  power_w: number | null;
  sm_clock_mhz: number | null;
  temp_c: number | null;
  /** Clock-event (throttle) reasons bitmask, 0x…, or null. */
  throttle_reasons: string | null;
  /** NVML's cumulative energy counter, mJ since the driver loaded. */
  energy_mj: number | null;
  /** GPM, over the interval since the previous sample: % of SMs busy, % of warp slots occupied, % of time tensor cores ran. */
  sm_active_pct: number | null;
  sm_occupancy_pct: number | null;
  tensor_active_pct: number | null;
  source: GpuSource;
}

/** The columns only the NVML sampler fills. */
export type NvmlOnlyField = 'energy_mj' | 'sm_active_pct' | 'sm_occupancy_pct' | 'tensor_active_pct';

/** The numeric columns whose effective sampling rate is recorded (how often their value actually changes). */
export const RATED_FIELDS = [
  'util_pct',
  'mem_used_mib',
  'power_w',
  'sm_clock_mhz',
  'temp_c',
  'energy_mj',
  'sm_active_pct',
  'sm_occupancy_pct',
  'tensor_active_pct',
] as const;
export type RatedField = (typeof RATED_FIELDS)[number];

export function gpuRowCells(r: GpuRow): Cell[] {
  return TELEMETRY_HEADER.map((k) => r[k]);
}
