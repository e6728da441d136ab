// The model presets every workload can build (`preset:<name>`): Qwen2-shaped configs with random
// weights, listed in presets.json beside this file, which presets.py reads too.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../env/python.ts';

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
  readFileSync(path.join(projectRoot(), 'src', 'workloads', 'common', 'presets.json'), 'utf8'),
) as Record<string, Preset>;

export function presetName(model: string): string | undefined {
  return model.startsWith('preset:') ? model.slice('preset:'.length) : undefined;
}

/** The refusal of a `preset:<name>` that names no preset; none for a known preset or another model. */
export function unknownPreset(model: string): string[] {
  const name = presetName(model);
  return name !== undefined && !PRESETS[name] ? [`model '${model}': no such preset (known: ${Object.keys(PRESETS).join(', ')})`] : [];
}
