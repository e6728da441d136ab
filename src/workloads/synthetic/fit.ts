// Will a preset fit the scenario's devices? Estimated at plan time so that a run that cannot
// fit is refused with the arithmetic instead of dying in an out-of-memory error minutes in.
import { readFileSync } from 'node:fs';
import type { Scenario } from '../../scenario/schema.ts';

export interface Preset {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
  tie_word_embeddings: boolean;
}

export const PRESETS: Record<string, Preset> = JSON.parse(
  readFileSync(new URL('../common/presets.json', import.meta.url), 'utf8'),
) as Record<string, Preset>;

export function presetName(model: string): string | undefined {
  return model.startsWith('preset:') ? model.slice('preset:'.length) : undefined;
}

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
  /** Bytes on the busiest trainer device: weights, gradients, AdamW state, activations for the loss. */
  trainer_bytes: number;
  /** Bytes of an inference copy plus its KV cache (colocate adds it to the trainer; server holds it alone). */
  generator_bytes: number;
}

const GiB = 1024 ** 3;

export function estimateMemory(p: Preset, s: Scenario, perDeviceBatch: number, device: 'cuda' | 'cpu'): MemoryEstimate {
  const bytes = device === 'cuda' ? 2 : 4; // bf16 on GPU, float32 on CPU
  const n = parameterCount(p);
  const seq = s.grpo.max_prompt_length + s.grpo.max_completion_length;
  const headDim = p.hidden_size / p.num_attention_heads;
  const kvCache = 2 * p.num_hidden_layers * p.num_key_value_heads * headDim * seq * perDeviceBatch * bytes;
  // The loss holds float32 logits and their gradient for every completion token.
  const logits = 2 * perDeviceBatch * s.grpo.max_completion_length * p.vocab_size * 4;
  const activations = perDeviceBatch * seq * p.hidden_size * p.num_hidden_layers * 16 * bytes;
  return {
    parameters: n,
    trainer_bytes: n * bytes * 4 + logits + activations,
    generator_bytes: n * bytes + kvCache,
  };
}

/** Problems that stop the synthetic workload from fitting, one sentence each with the estimate. */
export function fitProblems(s: Scenario, device: 'cuda' | 'cpu', _gpuCount: number, gpuMemoryBytes?: number): string[] {
  const name = presetName(s.model);
  if (name === undefined) return [`model '${s.model}': the synthetic workload builds its model from a preset (preset:${Object.keys(PRESETS).join(' | preset:')})`];
  const preset = PRESETS[name];
  if (!preset) return [`model '${s.model}': no such preset (known: ${Object.keys(PRESETS).join(', ')})`];
  if (device !== 'cuda' || gpuMemoryBytes === undefined) return [];
  const problems: string[] = [];
  const budget = gpuMemoryBytes * 0.92; // CUDA context, allocator fragmentation
  const fmt = (b: number) => `${(b / GiB).toFixed(1)} GiB`;
  const batch = s.grpo.per_device_train_batch_size;
  const e = estimateMemory(preset, s, batch, device);
  const colocateBytes = e.trainer_bytes + (s.modes.colocate?.sleep ? 0 : e.generator_bytes);
  if (s.modes.colocate && colocateBytes > budget) {
    problems.push(
      `colocate: preset ${name} (${(e.parameters / 1e9).toFixed(2)} B parameters) needs about ${fmt(colocateBytes)} per GPU ` +
        `(training ${fmt(e.trainer_bytes)} + inference copy and KV cache ${fmt(e.generator_bytes)}), more than ${fmt(budget)} usable`,
    );
  }
  if (s.modes.server && e.trainer_bytes > budget) {
    problems.push(`server: preset ${name} needs about ${fmt(e.trainer_bytes)} per training GPU, more than ${fmt(budget)} usable`);
  }
  return problems;
}
