// Values a SLURM plan cannot know until the job has its nodes. The plan writes these names
// where an address, a node rank or a node's folder goes; the node agent fills them in on each
// node (argv and environment of every process it starts).
import type { ProcessSpec } from '../../records/plan.ts';

export const PLACEHOLDERS = {
  /** The name of the node the process runs on (SLURMD_NODENAME): names its folder in the unit. */
  node: '{node}',
  /** The node's index among its group's nodes (the trainers' --node-rank / --machine_rank). */
  nodeRank: '{node_rank}',
  /** The node's own address on the cluster network. */
  nodeAddr: '{node_addr}',
  /** The server node's address: the generation server binds it, trainers connect to it. */
  serverAddr: '{server_addr}',
  /** The first trainer node's address: the trainers' rendezvous, the weight-sync store. */
  headAddr: '{head_addr}',
} as const;

/** Set by the job script: `name=address,` for every node of the job. */
export const NODE_ADDRS_ENV = 'GRPO_BENCH_NODE_ADDRS';
/** Set at submission: the submitting host's clock (src/launch/slurm/clock.ts). */
export const CLOCK_URL_ENV = 'GRPO_BENCH_CLOCK_URL';

/** `n1=10.0.0.1,n2=10.0.0.2,` → { n1: '10.0.0.1', n2: '10.0.0.2' }. */
export function parseNodeAddrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

export type PlaceholderValues = Record<keyof typeof PLACEHOLDERS, string>;

export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  let out = text;
  for (const [key, token] of Object.entries(PLACEHOLDERS)) out = out.split(token).join(values[key as keyof typeof PLACEHOLDERS]);
  return out;
}

/** The spec with every placeholder in its argv, environment and readiness URL filled in. */
export function fillSpec(spec: ProcessSpec, values: PlaceholderValues): ProcessSpec {
  const fill = (s: string) => fillPlaceholders(s, values);
  return {
    ...spec,
    argv: spec.argv.map(fill),
    env: Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, fill(v)])),
    ready: spec.ready.kind === 'http' ? { ...spec.ready, url: fill(spec.ready.url) } : spec.ready,
  };
}
