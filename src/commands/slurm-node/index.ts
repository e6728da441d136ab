// `grpo-bench slurm-node`: the node agent the job script starts on each node of a unit
// (src/launch/slurm/agent.ts). Not for people to call; `run` writes the calls.
import os from 'node:os';
import type { Role } from '../../records/plan.ts';
import { PEER_ENDED, runNodeAgent } from '../../launch/slurm/agent.ts';
import { CLOCK_URL_ENV, NODE_ADDRS_ENV, parseNodeAddrs } from '../../launch/slurm/placeholders.ts';
import { PEER_ENDED_SIGNAL } from '../../launch/slurm/script.ts';

export interface SlurmNodeOptions {
  run: string;
  unit: number;
  role: Role;
  serverNodes: string;
  trainerNodes: string;
}

export async function slurmNodeCommand(o: SlurmNodeOptions): Promise<number> {
  const controller = new AbortController();
  // The job script's word that the unit's other group ended; SIGTERM (and SIGINT) are SLURM's:
  // scancel, the time limit, preemption.
  process.on(PEER_ENDED_SIGNAL, () => controller.abort(PEER_ENDED));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => controller.abort(sig));
  const list = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const node = process.env.SLURMD_NODENAME ?? os.hostname();
  const record = await runNodeAgent({
    runDir: o.run,
    unit: o.unit,
    role: o.role,
    serverNodes: list(o.serverNodes),
    trainerNodes: list(o.trainerNodes),
    node,
    addrs: parseNodeAddrs(process.env[NODE_ADDRS_ENV] ?? ''),
    clockUrl: process.env[CLOCK_URL_ENV] || undefined,
    signal: controller.signal,
  });
  if (record.status !== 'ok') console.error(`${node}: ${o.role} ${record.status}: ${record.error?.message ?? ''}`);
  return record.status === 'ok' ? 0 : 1;
}
