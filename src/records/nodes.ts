// node.json: a node's share of a unit that ran on several nodes (docs/slurm.md), written when the
// share starts and completed when it ends. Read by results/nodes.ts; written by the node agent.
import { z } from 'zod';
import { Role } from './common.ts';
import { Fingerprint, SamplerCost, TelemetrySource, UnitError } from './manifest.ts';

/**
 * The node's clock against the submitting host's, measured when its share of the unit began
 * (the exchange with the smallest round trip of several). `offset_s` is added to the node's
 * timestamps: host time ≈ node time + offset_s, within ± rtt_s / 2.
 */
export const ClockRecord = z.union([
  z.object({ offset_s: z.number(), rtt_s: z.number(), samples: z.number(), against: z.string() }),
  z.object({ offset_s: z.null(), error: z.string() }),
]);
export type ClockRecord = z.infer<typeof ClockRecord>;

export const NodeStatus = z.enum(['running', 'ok', 'failed', 'timeout', 'interrupted']);
export type NodeStatus = z.infer<typeof NodeStatus>;

export const NodeRecord = z.looseObject({
  node: z.string(),
  role: Role,
  /** Index among the nodes of its role in this unit (trainers: the launcher's node rank). */
  node_rank: z.number().int().nonnegative(),
  /** The node's address on the cluster network, as its peers reached it. */
  address: z.string(),
  /** The node agent's pid on the node. */
  pid: z.number().int(),
  /** The unit's device slots (the plan's device numbers) this node held … */
  slots: z.array(z.number()),
  /** … and the node's own GPU index for each (empty on CPU). */
  gpus: z.array(z.number()),
  clock: ClockRecord,
  /** What the node is: GPU model, driver, CPU, as in a manifest's fingerprint. */
  environment: Fingerprint.shape.environment.optional(),
  started: z.string(),
  status: NodeStatus,
  ended: z.string().optional(),
  error: UnitError.optional(),
  sampler_cost: SamplerCost.optional(),
  /** Which GPU sampler ran on this node and whether GPM was available. */
  telemetry: TelemetrySource.optional(),
});
export type NodeRecord = z.infer<typeof NodeRecord>;
