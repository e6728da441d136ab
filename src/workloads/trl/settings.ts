// The trl workload's settings in a scenario file (docs/scenarios.md, docs/workload-trl.md). The
// core schema (src/scenario/schema.ts) places them: `trl` at the top, `vllm` in the server and
// colocate sections. TRL's names (GRPOConfig's, `trl vllm-serve`'s) where TRL has them.
import { z } from 'zod';
import { positiveInt } from '../../scenario/fields.ts';

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

/** vLLM server settings of server mode (trl vllm-serve's names). */
export const ServerVllm = z.strictObject({
  tensor_parallel_size: positiveInt.default(1),
  data_parallel_size: positiveInt.default(1),
  gpu_memory_utilization: z.number().gt(0).lte(1).default(0.9),
  max_model_len: positiveInt.optional(),
  enable_prefix_caching: z.boolean().optional(),
  /**
   * How the trainer pushes weights to the server: `nccl` (TRL's own, a server on GPUs of its own)
   * or `ipc` (vLLM's CUDA-IPC backend, for a server on the trainer's one GPU: not a layout TRL
   * supports; the server binds loopback and accepts pickled IPC handles, docs/workload-trl.md).
   */
  weight_transfer: z.enum(['nccl', 'ipc']).default('nccl'),
});
export type ServerVllm = z.infer<typeof ServerVllm>;

/** The in-process vLLM engine of colocate mode (GRPOConfig's vllm_* names without the prefix). */
export const ColocateVllm = z.strictObject({
  tensor_parallel_size: positiveInt.default(1),
  gpu_memory_utilization: z.number().gt(0).lte(1).default(0.3),
  enable_sleep_mode: z.boolean().default(false),
  max_model_length: positiveInt.optional(),
});

export const trlSettings = {
  /** Settings of the trl workload only (ignored by synthetic). */
  scenario: { trl: TrlSettings.prefault({}) },
  server: { vllm: ServerVllm.prefault({}) },
  colocate: { vllm: ColocateVllm.prefault({}) },
};
