// The scenario file's schema: the one place that says what a scenario may hold.
// Every object is strict, so a misspelt key is an error rather than a silently ignored setting.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** A device set: a count (the first free devices, or processes on CPU) or explicit GPU indices. */
export const DeviceSet = z.union([
  positiveInt,
  z.array(nonNegativeInt).nonempty().refine((a) => new Set(a).size === a.length, 'device indices must be distinct'),
]);
export type DeviceSet = z.infer<typeof DeviceSet>;

/** GRPOConfig fields both workloads understand; TRL's names and meanings. */
export const GrpoSettings = z.strictObject({
  /** Completions per training device per optimizer step (TRL's meaning). */
  per_device_train_batch_size: positiveInt.default(8),
  num_generations: positiveInt.default(4),
  max_prompt_length: positiveInt.default(32),
  max_completion_length: positiveInt.default(32),
  gradient_accumulation_steps: positiveInt.default(1),
  learning_rate: z.number().positive().default(1e-5),
  beta: z.number().nonnegative().default(0),
  temperature: z.number().positive().default(1.0),
});
export type GrpoSettings = z.infer<typeof GrpoSettings>;

const SyntheticEngine = z.strictObject({
  /** `generate`: transformers' generate with a dynamic cache; `static_compiled`: static KV cache + torch.compile'd decoding. */
  backend: z.enum(['generate', 'static_compiled']).default('generate'),
});

export const ServerMode = z.strictObject({
  devices: z.strictObject({ server: DeviceSet, trainer: DeviceSet }),
  /** Address the generation server binds; loopback unless a multi-host setup needs otherwise. */
  host: z.string().default('127.0.0.1'),
  engine: SyntheticEngine.prefault({}),
  /** vLLM server settings, for the trl workload (trl vllm-serve's names). */
  vllm: z
    .strictObject({
      tensor_parallel_size: positiveInt.default(1),
      data_parallel_size: positiveInt.default(1),
      gpu_memory_utilization: z.number().gt(0).lte(1).default(0.9),
      max_model_len: positiveInt.optional(),
      enable_prefix_caching: z.boolean().optional(),
    })
    .prefault({}),
});
export type ServerMode = z.infer<typeof ServerMode>;

export const ColocateMode = z.strictObject({
  devices: DeviceSet,
  engine: SyntheticEngine.prefault({}),
  /** Free the inference copy (weights and KV cache) while training, restore it before generating. */
  sleep: z.boolean().default(false),
  vllm: z
    .strictObject({
      tensor_parallel_size: positiveInt.default(1),
      gpu_memory_utilization: z.number().gt(0).lte(1).default(0.3),
      enable_sleep_mode: z.boolean().default(false),
      max_model_length: positiveInt.optional(),
    })
    .prefault({}),
});
export type ColocateMode = z.infer<typeof ColocateMode>;

/** TRL without vLLM (use_vllm=False): generation through transformers on the training devices. */
export const HfMode = z.strictObject({ devices: DeviceSet });
export type HfMode = z.infer<typeof HfMode>;

export const Modes = z
  .strictObject({
    server: ServerMode.optional(),
    colocate: ColocateMode.optional(),
    hf: HfMode.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'at least one mode is needed');
export type Modes = z.infer<typeof Modes>;
export type ModeName = keyof Modes;
export const MODE_NAMES: readonly ModeName[] = ['server', 'colocate', 'hf'];

/** Where the trl workload's prompts come from. */
export const TrlPrompts = z.discriminatedUnion('source', [
  /** Word prompts of exactly max_prompt_length tokens (exact with a preset's tokenizer, one token per word). */
  z.strictObject({ source: z.literal('generated') }),
  /** A local JSONL file (one object per line, the prompt under `column`) or a text file (one prompt per line). */
  z.strictObject({ source: z.literal('file'), path: z.string().min(1), column: z.string().default('prompt') }),
  /** A dataset from the hub (or the local datasets cache), by name. */
  z.strictObject({
    source: z.literal('hub'),
    name: z.string().min(1),
    config: z.string().optional(),
    split: z.string().default('train'),
    column: z.string().default('prompt'),
  }),
]);
export type TrlPrompts = z.infer<typeof TrlPrompts>;

/** TRL-specific settings of the trl workload; GRPOConfig's names where they are GRPOConfig fields. */
export const TrlSettings = z.strictObject({
  prompts: TrlPrompts.default({ source: 'generated' }),
  /** A built-in reward function (cheap, no model): seeded noise (so advantages are not all zero), unique-token ratio, or length ratio. */
  reward: z.enum(['random', 'unique_tokens', 'length']).default('random'),
  /** Micro-batches per generation (TRL's default: gradient_accumulation_steps). */
  steps_per_generation: positiveInt.optional(),
  num_iterations: positiveInt.default(1),
  loss_type: z.string().min(1).default('dapo'),
  scale_rewards: z.enum(['group', 'batch', 'none']).default('group'),
  importance_sampling_level: z.enum(['token', 'sequence']).default('token'),
  /** vLLM modes: correct for the vLLM/trainer logprob mismatch (ships logprobs with each completion). */
  vllm_importance_sampling_correction: z.boolean().default(true),
  gradient_checkpointing: z.boolean().default(true),
  /** Weights' dtype when loading: auto = bfloat16 on GPU, float32 on CPU (bf16 training follows). */
  dtype: z.enum(['auto', 'bfloat16', 'float32']).default('auto'),
  vllm_server_timeout: z.number().positive().default(240),
  /** Further GRPOConfig fields, passed as named; the training script refuses names GRPOConfig does not have. */
  config: z.record(z.string(), z.unknown()).default({}),
});
export type TrlSettings = z.infer<typeof TrlSettings>;

export const Scenario = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  workload: z.enum(['synthetic', 'trl']),
  /** `preset:<name>` (random weights from a config), a hub id, or a local folder. */
  model: z.string().min(1),
  /** `auto`: GPUs when the machine has them, else CPU. */
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  seed: nonNegativeInt.default(0),
  grpo: GrpoSettings.prefault({}),
  /** `fixed`: every completion is exactly max_completion_length tokens, so both modes do the same work. */
  completions: z.enum(['fixed', 'natural']).default('fixed'),
  protocol: z.enum(['equal_per_device_batch', 'equal_global_batch']).default('equal_per_device_batch'),
  steps: positiveInt.default(10),
  warmup_steps: nonNegativeInt.default(2),
  repeats: positiveInt.default(1),
  modes: Modes,
  /** Extra work per training step as a fraction of the step (synthetic only): a known slowdown to test regression gates. */
  slowdown: z.number().nonnegative().lt(10).default(0),
  /** Settings of the trl workload only (ignored by synthetic). */
  trl: TrlSettings.prefault({}),
  telemetry: z.strictObject({ interval_ms: z.number().int().min(20).max(60_000).default(200) }).prefault({}),
  timeouts: z
    .strictObject({
      /** Seconds for a server to answer its health probe. */
      ready_s: z.number().positive().default(600),
      /** Seconds for one (mode, repeat) from launch to the last process's exit. */
      run_s: z.number().positive().default(3600),
    })
    .prefault({}),
  /** A published figure the run is meant to reproduce; shown beside the measured one. */
  claim: z
    .strictObject({
      value: z.number().positive(),
      metric: z.enum(['speedup_per_training_device', 'speedup_per_allocated_device']),
      source: z.string(),
    })
    .optional(),
});
export type Scenario = z.infer<typeof Scenario>;
