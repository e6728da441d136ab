// profile.json (`grpo-bench profile`, docs/whatif.md): the measured halves of a GRPO step that the
// what-if model composes. Built by analysis/whatif/profile.ts, read back with parseProfile there;
// docs/metrics.md "What-if model" defines every field.
import { z } from 'zod';
import { Mode } from './common.ts';

export const PROFILE_SCHEMA_VERSION = 1;

/** Seconds per run: the outer list is runs (the independent unit), the inner one the repeats or measured steps of that run. */
export const RunSamples = z.array(z.array(z.number()));
export type RunSamples = z.infer<typeof RunSamples>;

export const GenerationPoint = z.object({
  /** Completions in the one request: trainers × per-device batch. */
  completions: z.number().int().positive(),
  trainers: z.number().int().positive(),
  per_device_batch: z.number().int().positive(),
  /** Unique prompts in the request (completions ÷ num_generations); the server makes n = num_generations of each. */
  prompts: z.number().int().positive(),
  seconds: RunSamples,
  /** `probe`: a profile driver's request; `server-run`: a server-mode run's generate phase as trainer rank 0 waited for it. */
  source: z.enum(['probe', 'server-run']),
  /** `<run id>/<unit dir>` of every unit it came from. */
  from: z.array(z.string()),
});
export type GenerationPoint = z.infer<typeof GenerationPoint>;

/** How the server's generation time grows with the completions it is asked for, at one engine layout. */
export const ServerCurve = z.object({
  tensor_parallel_size: z.number().int().positive(),
  data_parallel_size: z.number().int().positive(),
  /** The server's memory share (vLLM's gpu_memory_utilization), where the workload sets one. */
  gpu_memory_utilization: z.number().optional(),
  /** Sorted by completions. */
  points: z.array(GenerationPoint),
});
export type ServerCurve = z.infer<typeof ServerCurve>;

/** One mode's step at one per-device batch, split so that no second is counted twice (docs/metrics.md). */
export const TrainerHalf = z.object({
  mode: Mode,
  per_device_batch: z.number().int().positive(),
  /** Ranks of the measured runs (gradient all-reduce grows with them). */
  training_devices: z.number().int().positive(),
  /** colocate: whether the engine slept between generations. */
  sleep_mode: z.boolean(),
  /** colocate: the in-process engine's tensor-parallel size. */
  tensor_parallel_size: z.number().int().positive(),
  /** colocate: the in-process engine's memory share (vLLM's gpu_memory_utilization); runs at another share are not repeats. */
  gpu_memory_utilization: z.number().optional(),
  /** Step time outside generate, weight sync/load, sleep and wake: rewards, log-probs, forward/backward, optimizer, idle. */
  compute_s: RunSamples,
  /** The generate phase: colocate, one rank's share; server, the wait for the server; hf, transformers' generate. */
  generate_s: RunSamples,
  /** Weight sync or load outside generate, sleep and wake: colocate, into the in-process engine; server, to the server. */
  weight_sync_s: RunSamples,
  /** Sleep and wake outside generate (colocate with sleep mode). */
  sleep_wake_s: RunSamples,
  /** Bytes rank 0 reported per weight sync, when the workload reports them. */
  weight_sync_bytes: z.number().optional(),
  from: z.array(z.string()),
});
export type TrainerHalf = z.infer<typeof TrainerHalf>;

export const Profile = z.object({
  schema_version: z.literal(PROFILE_SCHEMA_VERSION),
  kind: z.literal('grpo-bench-profile'),
  scenario: z.string(),
  workload: z.enum(['synthetic', 'trl']),
  model: z.string(),
  device_kind: z.enum(['cuda', 'cpu']),
  /** GPU model of the machine measured (fingerprint), when it had one. */
  device_name: z.string().nullable(),
  shape: z.object({
    num_generations: z.number().int().positive(),
    max_prompt_length: z.number().int().positive(),
    max_completion_length: z.number().int().positive(),
    /** Measured: completion tokens per completion, over every measured request and step. */
    completion_tokens_per_sample: z.number().positive(),
  }),
  /** Bytes of the weights as sent to a generator: reported by weight syncs, or a preset's parameter count × dtype bytes. */
  parameter_bytes: z.object({ value: z.number().positive(), source: z.string() }).nullable(),
  server: z.array(ServerCurve),
  trainer: z.array(TrainerHalf),
  sources: z.array(z.object({ run_id: z.string(), dir: z.string(), units: z.array(z.string()) })),
  notes: z.array(z.string()),
});
export type Profile = z.infer<typeof Profile>;
