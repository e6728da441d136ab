// Will a preset fit a planned unit's devices? Estimated at plan time so that a run that cannot
// fit is refused with the arithmetic instead of dying in an out-of-memory error minutes in.
import type { UnitShell } from '../types.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { PRESETS, presetName, unknownPreset, type Preset } from '../common/presets.ts';
import { formatBinaryBytes, formatNumber } from '../../value-format.ts';

export function parameterCount(p: Preset): number {
  const h = p.hidden_size;
  const kv = (h / p.num_attention_heads) * p.num_key_value_heads;
  const attention = h * h + h + 2 * (h * kv + kv) + h * h; // q (bias), k and v (bias), o
  const mlp = 3 * h * p.intermediate_size;
  const embeddings = p.vocab_size * h * (p.tie_word_embeddings ? 1 : 2);
  return embeddings + p.num_hidden_layers * (attention + mlp + 2 * h) + h;
}

export interface MemoryEstimate {
  parameters: number;
  /** Bytes on the busiest trainer device: weights, gradients, AdamW state, reference copy (beta > 0), activations for the loss. */
  trainer_bytes: number;
  /** What stays on a trainer device between optimizer steps (weights, AdamW state, reference copy): gradients are freed. */
  trainer_resident_bytes: number;
  /** Bytes of an inference copy plus the KV cache of one rank's generation batch (colocate adds it to the trainer). */
  generator_bytes: number;
  /** Bytes on each server device: an inference copy plus the KV cache of its share of every rank's prompts. */
  server_bytes: number;
}

/**
 * What trainer.py and server.py allocate. Parameters, gradients and AdamW state are all in the
 * model dtype (pure bf16 on GPU, no float32 master copy). A rank generates per_device ×
 * gradient_accumulation_steps completions at once (TRL: one generation per optimizer step).
 */
export function estimateMemory(
  p: Preset,
  s: Scenario,
  perDeviceBatch: number,
  device: 'cuda' | 'cpu',
  trainingDevices = 1,
  serverDevices = 1,
): MemoryEstimate {
  const bytes = device === 'cuda' ? 2 : 4; // bf16 on GPU, float32 on CPU
  const n = parameterCount(p);
  const seq = s.grpo.max_prompt_length + s.grpo.max_completion_length;
  const headDim = p.hidden_size / p.num_attention_heads;
  const kvPerSequence = 2 * p.num_hidden_layers * p.num_key_value_heads * headDim * seq * bytes;
  const generationBatch = perDeviceBatch * s.grpo.gradient_accumulation_steps;
  // The loss computes logits for the completion tokens only (logits_to_keep): model-dtype logits,
  // their float32 copy, the float32 log-softmax kept for backward and its gradient.
  const logits = perDeviceBatch * (s.grpo.max_completion_length + 1) * p.vocab_size * (bytes + 12);
  // Saved for backward per token and layer: attention inputs/outputs and norms (~10 × hidden) and
  // the MLP's gate, up, activation and product (4 × intermediate). Checked against the 0.5b preset
  // on an H200 (per-device batch 16, 128 + 256 tokens): estimate 19.6 GiB, peak reserved 20.8 GiB.
  const activations = perDeviceBatch * seq * p.num_hidden_layers * (10 * p.hidden_size + 4 * p.intermediate_size) * bytes;
  const reference = s.grpo.beta > 0 ? n * bytes : 0;
  const serverBatch = Math.ceil((generationBatch * trainingDevices) / Math.max(1, serverDevices));
  return {
    parameters: n,
    trainer_bytes: n * bytes * 4 + reference + logits + activations,
    trainer_resident_bytes: n * bytes * 3 + reference,
    generator_bytes: n * bytes + kvPerSequence * generationBatch,
    server_bytes: n * bytes + kvPerSequence * serverBatch,
  };
}

/** A model the synthetic workload cannot build: it builds presets only. */
export function modelProblems(model: string): string[] {
  const name = presetName(model);
  if (name === undefined)
    return [`model '${model}': the synthetic workload builds its model from a preset (preset:${Object.keys(PRESETS).join(' | preset:')})`];
  return unknownPreset(model);
}

/**
 * Problems that stop one planned unit from fitting its GPUs, one sentence each with the
 * estimate. The unit's own per-device batch counts: under equal_global_batch a server-mode
 * trainer takes a larger one than the scenario's.
 */
export function fitProblems(s: Scenario, unit: UnitShell, gpuMemoryBytes?: number): string[] {
  const name = presetName(s.model);
  const preset = name === undefined ? undefined : PRESETS[name];
  if (!preset || unit.devices.kind !== 'cuda' || gpuMemoryBytes === undefined) return [];
  const budget = gpuMemoryBytes * 0.92; // CUDA context, allocator fragmentation
  const fmt = (b: number) => formatBinaryBytes(b);
  const batch = unit.batch.per_device_train_batch_size;
  const at = `at a per-device batch of ${batch}`;
  const problems: string[] = [];
  if (unit.mode === 'colocate') {
    const sleep = s.modes.colocate?.sleep ?? false;
    const e = estimateMemory(preset, s, batch, 'cuda');
    // Without sleep the inference copy (and a static KV cache) stays through training; with
    // sleep it is freed for training and comes back while weights and AdamW state stay.
    const colocateBytes = sleep
      ? Math.max(e.trainer_bytes, e.trainer_resident_bytes + e.generator_bytes)
      : e.trainer_bytes + e.generator_bytes;
    if (colocateBytes > budget) {
      problems.push(
        `colocate: preset ${name} (${formatNumber(e.parameters / 1e9, { decimals: 2 })} B parameters) needs about ${fmt(colocateBytes)} per GPU ${at} ` +
          `(training ${fmt(e.trainer_bytes)} + inference copy and KV cache ${fmt(e.generator_bytes)}${sleep ? ', inference copy asleep while training' : ''}), more than ${fmt(budget)} usable`,
      );
    }
  } else {
    const e = estimateMemory(preset, s, batch, 'cuda', unit.devices.training.length, unit.devices.server.length);
    if (e.trainer_bytes > budget) {
      problems.push(`server: preset ${name} needs about ${fmt(e.trainer_bytes)} per training GPU ${at}, more than ${fmt(budget)} usable`);
    }
    if (e.server_bytes > budget) {
      problems.push(
        `server: preset ${name} needs about ${fmt(e.server_bytes)} per generation-server GPU (weights and KV cache of every trainer's prompts ${at}), more than ${fmt(budget)} usable`,
      );
    }
  }
  return problems;
}
