// manifest.json: written first when a run starts, updated as each unit ends, completed last.
// A run that crashes or is interrupted still leaves a manifest saying what finished. The zod
// schema below is the record's one definition: the types are inferred from it and the reader
// (results/read.ts) validates against it. Fields it does not name pass through as written.
import { z } from 'zod';
import type { Scenario } from '../scenario/schema.ts';
import { Count, Mode } from './common.ts';
import { MemoryError } from './events.ts';

/**
 * The format of a results folder as this harness writes it, stated in its manifest.json as
 * `schema_version`. The reader refuses a newer one and brings an older one up to date (results/migrate.ts).
 */
export const RESULTS_SCHEMA_VERSION = 1;

export const UnitStatus = z.enum(['ok', 'failed', 'partial', 'interrupted', 'timeout']);
export type UnitStatus = z.infer<typeof UnitStatus>;

/** The workload's own account of why a unit failed (results/failure.ts): the earliest `end` event with an error. */
export const WorkloadError = z.object({
  /** The event file it came from, relative to the unit folder, e.g. `events/trainer-1.jsonl`. */
  file: z.string(),
  /** The error as the workload wrote it: the exception first, then (maybe) its traceback. */
  error: z.string(),
  /** When the failure was memory: the phase it hit, the bytes asked and free (a sweep point that does not fit). */
  memory_error: MemoryError.optional(),
});
export type WorkloadError = z.infer<typeof WorkloadError>;

/**
 * Exit code or signal of the process that failed, the last lines of its log, and the first
 * error a workload process recorded in its `end` event (a launcher's log ends with its own
 * traceback, not the rank's).
 */
export const UnitError = z.looseObject({
  message: z.string(),
  process: z.string().optional(),
  exit_code: z.number().nullable().optional(),
  signal: z.string().nullable().optional(),
  log_tail: z.array(z.string()).optional(),
  workload_error: WorkloadError.optional(),
});
export type UnitError = z.infer<typeof UnitError>;

/** CPU seconds the harness itself (samplers included) spent per wall second of a unit. */
export const SamplerCost = z.object({ harness_cpu_s_per_s: z.number(), sampler_cpu_s_per_s: z.number() });

/** Which GPU sampler wrote telemetry.csv (GPU units): per GPU whether GPM metrics were read, and why not. */
export const TelemetrySource = z.object({
  source: z.enum(['nvml', 'nvidia-smi']),
  driver: z.string().optional(),
  pynvml: z.string().nullable().optional(),
  gpm: z.array(z.object({ gpu: z.number(), supported: z.boolean(), reason: z.string().nullable() })),
  /** Why NVML was not used where it was tried. */
  fallback: z.string().optional(),
});

/** A file a unit wrote, as it was when the unit ended: its size and sha256 (results/integrity.ts). */
export const FileDigest = z.object({ bytes: Count, sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type FileDigest = z.infer<typeof FileDigest>;
/** Digests by path relative to the run folder. */
export const FileDigests = z.record(z.string(), FileDigest);
export type FileDigests = z.infer<typeof FileDigests>;

export const UnitRecord = z.looseObject({
  dir: z.string(),
  point: z.string(),
  mode: Mode,
  repeat: Count,
  /** `skipped`: not started, for the reason in `error.message` (a search that ended at an earlier failure). */
  status: z.union([UnitStatus, z.enum(['planned', 'running', 'skipped'])]),
  started: z.string().optional(),
  /** Whether the compile cache folders its processes name held something as it started (false: a cold start-up); null when none is named; absent in older folders and from launchers that do not check. */
  cache_warm: z.boolean().nullable().optional(),
  ended: z.string().optional(),
  error: UnitError.optional(),
  sampler_cost: SamplerCost.optional(),
  telemetry: TelemetrySource.optional(),
  /** The raw files the unit wrote (events, samples, logs) with their digests, recorded when it ended; absent in folders written before digests. */
  files: FileDigests.optional(),
});
export type UnitRecord = z.infer<typeof UnitRecord>;

/** What the comparability gate splits in two (docs/results.md). */
export const Fingerprint = z.object({
  /** Must match between compared runs: GPU model and count, driver, CUDA, clocks, power limit, host CPU. */
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /** Expected to differ: library versions, the harness's own commit. */
  subject: z.record(z.string(), z.string().nullable()),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

/** A run submitted to SLURM as one batch job (docs/slurm.md). */
export const SlurmRecord = z.looseObject({
  job_id: z.string(),
  /** The job script and the job's own output, relative to the run folder. */
  script: z.string(),
  output: z.string(),
  submitted: z.string(),
  /** The job's last state as scontrol showed it, SLURM's reason, the job script's exit code. */
  state: z.string().optional(),
  reason: z.string().optional(),
  exit_code: z.string().optional(),
  /** The job's nodes, as SLURM writes them (n[1-2]). */
  nodes: z.string().optional(),
  /** Why the run ended before its last unit, in words; absent when the job completed. */
  ended_early: z.string().optional(),
});
export type SlurmRecord = z.infer<typeof SlurmRecord>;

/**
 * The scenario as resolved: the fields the reader relies on are checked; the rest is the scenario
 * as this harness's schema had it when the run was made (scenario/schema.ts), not checked again.
 */
const ResolvedScenario = z
  .looseObject({
    name: z.string(),
    workload: z.string(),
    protocol: z.enum(['equal_per_device_batch', 'equal_global_batch']),
    warmup_steps: Count,
  })
  .transform((s) => s as unknown as Scenario);

/** One variant of a run as probed before it started (src/env/variant-probe.ts variantRecord). */
export const VariantRecord = z.looseObject({
  python: z.string(),
  executable: z.string().nullable(),
  pythonpath: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  expect: z.record(z.string(), z.string()),
  /** Library → version as the variant's Python reported it (null: not installed); `driver` from the machine. */
  libraries: z.record(z.string(), z.string().nullable()),
  cuda_available: z.boolean(),
});
export type VariantRecord = z.output<typeof VariantRecord>;

// Keys in the order their problems are best reported in.
export const Manifest = z.looseObject({
  schema_version: z.number().int().positive(),
  run_id: z.string(),
  status: z.enum(['running', 'completed', 'partial', 'failed', 'interrupted']),
  started: z.string(),
  ended: z.string().optional(),
  harness: z.looseObject({ version: z.string(), git_sha: z.string().nullable(), git_dirty: z.boolean().nullable(), node: z.string() }),
  scenario_file: z.string(),
  /** The scenario as resolved (defaults applied), before sweep expansion. */
  scenario: ResolvedScenario,
  sweep: z.record(z.string(), z.array(z.unknown())).optional(),
  command: z.array(z.string()),
  fingerprint: Fingerprint,
  /** The workloads' compile-cache settings (src/env/compile-cache.ts); absent in folders written before they were recorded. */
  compile_cache: z.record(z.string(), z.string().nullable()).optional(),
  units: z.array(UnitRecord),
  /** A scenario's variants (src/scenario/variants.ts): each one's Python, import path, variables and the versions it holds. */
  variants: z.record(z.string(), VariantRecord).optional(),
  /** Present when the run was a SLURM job. */
  slurm: SlurmRecord.optional(),
  /** Digests of the files written for the whole run before its units (plan.json), by file name; absent before digests. */
  files: FileDigests.optional(),
  /** Digests of the derived files (steps.csv, summary.json) as the analysis wrote them, by file name; absent before digests. */
  derived: FileDigests.optional(),
});
export type Manifest = z.output<typeof Manifest>;
