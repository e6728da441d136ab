// The one JSON document both Python programs of the synthetic workload read (`--config`):
// defined here, generated into schemas/synthetic-config.schema.json (npm run schemas),
// validated by config.py through src/workloads/common/contract.py.
import { z } from 'zod';
import { nonNegativeInt, positiveInt } from '../../scenario/fields.ts';
import { GrpoSettings, Scenario } from '../../scenario/schema.ts';
import { Sleep, Slowdown, SyntheticBackend } from './settings.ts';

const port = z.number().int().min(1).max(65535);

export const SyntheticConfig = z
  .strictObject({
    mode: z.enum(['server', 'colocate']),
    model: z
      .string()
      .regex(/^preset:/)
      .meta({ description: 'preset:<name>: the synthetic workload builds its model from a preset' }),
    device: z.enum(['cuda', 'cpu']),
    /** The scenario's seed plus the repeat. */
    seed: nonNegativeInt,
    steps: positiveInt,
    /** The scenario's GRPO settings, with the per-device batch the protocol fixed for this mode. */
    ...GrpoSettings.shape,
    completions: Scenario.shape.completions,
    backend: SyntheticBackend,
    /** Colocate mode only. */
    sleep: Sleep,
    slowdown: Slowdown,
    /**
     * Server mode: where the generation server listens (`host`, `port`), and where trainer rank 0
     * hosts the weight-sync store the server joins (`sync_host`, `sync_port`): trainer rank 0's own
     * address, which differs from the server's when they run on different nodes.
     */
    server: z
      .strictObject({
        host: z.string().min(1),
        port,
        sync_host: z.string().min(1),
        sync_port: port,
        world_size: z.number().int().min(2).meta({ description: 'trainer rank 0 plus one weight-sync rank per server device' }),
      })
      .optional(),
    /** Largest bucket of the flattened parameters broadcast per weight sync. */
    weight_sync_bucket_bytes: positiveInt.default(256 * 1024 * 1024),
    /** The clipped surrogate's ε. */
    epsilon: z.number().positive().default(0.2),
    /** Seconds to wait for the server, for collectives and for HTTP answers. */
    server_timeout_s: z.number().positive().default(600),
  })
  .meta({ description: "The synthetic workload's configuration: what trainer.py and server.py do, for one unit (mode, repeat) of a run." });
export type SyntheticConfig = z.input<typeof SyntheticConfig>;
