// The synthetic workload's settings in a scenario file (docs/scenarios.md). The core schema
// (src/scenario/schema.ts) places them: `engine` in the server and colocate sections, `sleep`
// in colocate, `slowdown` at the top. The workload's --config (config.ts) reuses them.
import { z } from 'zod';

/** `generate`: transformers' generate with a dynamic cache; `static_compiled`: static KV cache + torch.compile'd decoding. */
export const SyntheticBackend = z.enum(['generate', 'static_compiled']);

const Engine = z.strictObject({ backend: SyntheticBackend.default('generate') });

/** Free the inference copy (weights and KV cache) while training, restore it before generating. */
export const Sleep = z.boolean().default(false);

/** Extra work per training step as a fraction of the step: a known slowdown to test regression gates. */
export const Slowdown = z.number().nonnegative().lt(10).default(0);

export const syntheticSettings = {
  scenario: { slowdown: Slowdown },
  server: { engine: Engine.prefault({}) },
  colocate: { engine: Engine.prefault({}), sleep: Sleep },
};
