// manifest.json: written first when a run starts, updated as each unit ends, completed last.
// A run that crashes or is interrupted still leaves a manifest saying what finished.
import type { VariantRecord } from '../env/variant-probe.ts';
import type { ModeName, Scenario } from '../scenario/schema.ts';
import type { UnitStatus } from '../analysis/types.ts';
import type { WorkloadError } from './failure.ts';

/**
 * The format of a results folder as this harness writes it, stated in its manifest.json as
 * `schema_version`. The reader refuses a newer one and brings an older one up to date (migrate.ts).
 */
export const RESULTS_SCHEMA_VERSION = 1;

export interface UnitRecord {
  dir: string;
  point: string;
  mode: ModeName;
  repeat: number;
  /** `skipped`: not started, for the reason in `error.message` (a search that ended at an earlier failure). */
  status: UnitStatus | 'planned' | 'running' | 'skipped';
  started?: string;
  ended?: string;
  /**
   * Exit code or signal of the process that failed, the last lines of its log, and the first
   * error a workload process recorded in its `end` event (a launcher's log ends with its own
   * traceback, not the rank's).
   */
  error?: {
    message: string;
    process?: string;
    exit_code?: number | null;
    signal?: string | null;
    log_tail?: string[];
    workload_error?: WorkloadError;
  };
  /** CPU seconds the harness itself (samplers included) spent per wall second of this unit. */
  sampler_cost?: { harness_cpu_s_per_s: number; sampler_cpu_s_per_s: number };
  /** Which GPU sampler wrote telemetry.csv (GPU units): per GPU whether GPM metrics were read, and why not. */
  telemetry?: {
    source: 'nvml' | 'nvidia-smi';
    driver?: string;
    pynvml?: string | null;
    gpm: { gpu: number; supported: boolean; reason: string | null }[];
    /** Why NVML was not used where it was tried. */
    fallback?: string;
  };
}

/** What the comparability gate splits in two (docs/results.md). */
export interface Fingerprint {
  /** Must match between compared runs: GPU model and count, driver, CUDA, clocks, power limit, host CPU. */
  environment: Record<string, string | number | null>;
  /** Expected to differ: library versions, the harness's own commit. */
  subject: Record<string, string | null>;
}

/** A run submitted to SLURM as one batch job (docs/slurm.md). */
export interface SlurmRecord {
  job_id: string;
  /** The job script and the job's own output, relative to the run folder. */
  script: string;
  output: string;
  submitted: string;
  /** The job's last state as scontrol showed it, SLURM's reason, the job script's exit code. */
  state?: string;
  reason?: string;
  exit_code?: string;
  /** The job's nodes, as SLURM writes them (n[1-2]). */
  nodes?: string;
  /** Why the run ended before its last unit, in words; absent when the job completed. */
  ended_early?: string;
}

export interface Manifest {
  schema_version: typeof RESULTS_SCHEMA_VERSION;
  run_id: string;
  status: 'running' | 'completed' | 'partial' | 'failed' | 'interrupted';
  started: string;
  ended?: string;
  harness: { version: string; git_sha: string | null; git_dirty: boolean | null; node: string };
  scenario_file: string;
  /** The scenario as resolved (defaults applied), before sweep expansion. */
  scenario: Scenario;
  sweep?: Record<string, unknown[]>;
  command: string[];
  fingerprint: Fingerprint;
  units: UnitRecord[];
  /** A scenario's variants (src/scenario/variants.ts): each one's Python, import path, variables and the versions it holds. */
  variants?: Record<string, VariantRecord>;
  /** Present when the run was a SLURM job. */
  slurm?: SlurmRecord;
}
