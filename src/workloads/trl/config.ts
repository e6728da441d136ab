// The one JSON document train.py reads (`--config`), and the model spec serve.py reads
// (`--model`): defined here, generated into schemas/trl-config.schema.json (npm run schemas),
// validated by train.py and serve.py through src/workloads/common/contract.py.
import { z } from 'zod';
import { nonNegativeInt, positiveInt } from '../../scenario/fields.ts';
import { GrpoSettings, Modes, Scenario } from '../../scenario/schema.ts';
import { ColocateVllm, ServerVllm, TrlSettings } from './settings.ts';
import { ServerStyle } from './versions.ts';

/** Where the model comes from; a preset is written once to `folder` (under a lock) by whichever process needs it first. */
export const ModelSpec = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('preset'), preset: z.string().min(1), seed: nonNegativeInt, folder: z.string().min(1) }),
  z.strictObject({ source: z.literal('local'), folder: z.string().min(1) }),
  z.strictObject({ source: z.literal('hub'), id: z.string().min(1) }),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;

const port = z.number().int().min(1).max(65535);

export const TrlRunConfig = z
  .strictObject({
    mode: Modes.keyof(),
    device: z.enum(['cuda', 'cpu']),
    /** The TRL version the plan was made for; train.py refuses to run under another. */
    trl_version: z.string().min(1),
    server_style: ServerStyle,
    model: ModelSpec,
    seed: nonNegativeInt,
    steps: positiveInt,
    /** The scenario's GRPO settings, with the per-device batch the protocol fixed for this mode. */
    grpo: GrpoSettings,
    completions: Scenario.shape.completions,
    trl: TrlSettings,
    /** How the trainer reaches its vLLM engine; absent in hf mode. */
    vllm: z
      .discriminatedUnion('mode', [
        z.strictObject({
          mode: z.literal('server'),
          base_url: z.string().min(1),
          host: z.string().min(1),
          port,
          group_port: port,
          /** `ipc`: the trainer sends CUDA IPC handles (ipc_client.py) to a server on its own GPU. */
          weight_transfer: ServerVllm.shape.weight_transfer,
        }),
        z.strictObject({ mode: z.literal('colocate'), ...ColocateVllm.shape, max_model_length: positiveInt.nullable() }),
      ])
      .optional(),
    output_dir: z.string().min(1),
  })
  .meta({ description: "The trl workload's run configuration: what train.py does, for one unit (mode, repeat) of a run." });
export type TrlRunConfig = z.input<typeof TrlRunConfig>;
