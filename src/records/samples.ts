// The samplers' CSV files of a unit (telemetry.csv, processes.csv, host.csv) as rows of numbers:
// written by src/telemetry/, read by results/read.ts.

export interface TelemetryRow {
  t: number;
  gpu: number;
  util_pct: number;
  mem_used_mib: number;
  mem_total_mib: number;
  power_w: number;
  sm_clock_mhz: number;
  temp_c: number;
  throttle_reasons: string;
  /** Columns of the NVML sampler (telemetry/gpu-row.ts); absent in files written before them, NaN in nvidia-smi rows. */
  energy_mj?: number;
  sm_active_pct?: number;
  sm_occupancy_pct?: number;
  tensor_active_pct?: number;
  /** `nvml` or `nvidia-smi`; absent in files written before the column. */
  source?: string;
  /** The node that sampled it, in a unit that ran on several nodes (docs/slurm.md). */
  node?: string;
}

/** The text columns of telemetry.csv; the others are numbers. */
export const TELEMETRY_TEXT_COLUMNS = ['throttle_reasons', 'source'] as const;

export interface ProcessRow {
  t: number;
  pid: number;
  process: string;
  role: string;
  cpu_pct: number;
  rss_mib: number;
  gpu_mem_mib: number;
  /** The node that sampled it, in a unit that ran on several nodes (docs/slurm.md). */
  node?: string;
}

export interface HostRow {
  t: number;
  cpu_pct: number;
  mem_used_mib: number;
  mem_total_mib: number;
  /** The node that sampled it, in a unit that ran on several nodes (docs/slurm.md). */
  node?: string;
}
