// The node agent: grpo-bench on one node of a SLURM job, running that node's share of one unit.
// It fills the plan's placeholders with the job's nodes and addresses, measures the node's
// clock against the submitting host, runs its processes like a one-machine unit (GPU hygiene,
// samplers, the supervisor's teardown on every way out, which also reaches a process that
// left the job's process tracking) and writes node.json: started, then with its outcome.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { nodeDir, NODE_RECORD, RUN_FILES } from '../../results/layout.ts';
import type { ClockRecord, NodeRecord } from '../../records/nodes.ts';
import { writeJsonAtomic } from '../../results/store.ts';
import { environmentFingerprint, inventory } from '../../telemetry/inventory.ts';
import { waitHttp, type UnitOutcome } from '../supervisor.ts';
import type { ProcessSpec, Role, RunPlan } from '../../records/plan.ts';
import { outcomeError, runSampledUnit } from '../unit.ts';
import { measureClock } from './clock.ts';
import { CLOCK_URL_ENV, fillPlaceholders, fillSpec, type PlaceholderValues } from './placeholders.ts';
import { PEER_ENDED_SIGNAL } from './script.ts';

/** The abort reason of the job script's signal that the other group of the unit has ended. */
export const PEER_ENDED = 'peer-ended';
/** SIGTERM to SIGKILL is SLURM's KillWait (30 s by default); the agent's own teardown stays well inside it. */
const GRACE_MS = 2000;
/** How much longer than the unit's time limit a server waits to be told that its trainers are done. */
const SERVER_MARGIN_S = 30;

export interface AgentOptions {
  runDir: string;
  /** Index into the plan's units. */
  unit: number;
  role: Role;
  /** The unit's server and trainer nodes by name, in the job script's order (the first trainer is the head). */
  serverNodes: string[];
  trainerNodes: string[];
  /** This node's name (SLURMD_NODENAME). */
  node: string;
  /** Every node's address on the cluster network, by name. */
  addrs: Record<string, string>;
  clockUrl: string | undefined;
  /** Aborted with PEER_ENDED (the job script's signal) or the name of a signal SLURM sent. */
  signal: AbortSignal;
}

export async function runNodeAgent(o: AgentOptions): Promise<NodeRecord> {
  const plan = await readPlan(o.runDir);
  const unit = plan.units[o.unit];
  const placement = plan.slurm?.units[o.unit];
  if (!unit || !placement) throw new UserError(`${path.join(o.runDir, RUN_FILES.plan)} has no unit ${o.unit} placed on SLURM nodes`);
  const group = placement.groups.find((g) => g.role === o.role);
  const nodes = o.role === 'server' ? o.serverNodes : o.trainerNodes;
  const rank = nodes.indexOf(o.node);
  if (!group || rank < 0)
    throw new UserError(`node ${o.node} is not one of unit ${unit.dir}'s ${o.role} nodes (${nodes.join(', ') || 'none'})`);

  const addr = (node: string | undefined) => (node === undefined ? '' : (o.addrs[node] ?? node));
  const values: PlaceholderValues = {
    node: o.node,
    nodeRank: String(rank),
    nodeAddr: addr(o.node),
    serverAddr: addr(o.serverNodes[0]),
    headAddr: addr(o.trainerNodes[0]),
  };
  const slots = group.slots[rank] ?? [];
  const visible = unit.devices.kind === 'cuda' ? visibleGpus(slots.length, process.env.CUDA_VISIBLE_DEVICES) : undefined;
  const gpus = visible?.indices ?? [];
  const processes = unit.processes.filter((p) => p.role === o.role).map((p) => onNode(fillSpec(p, values), rank, visible));
  const dir = nodeDir(path.join(o.runDir, unit.dir), o.node);
  await mkdir(dir, { recursive: true });
  const write = (r: NodeRecord) => writeJsonAtomic(path.join(dir, NODE_RECORD), r);

  const clock: Promise<ClockRecord> = o.clockUrl
    ? measureClock(o.clockUrl)
    : Promise.resolve({ offset_s: null, error: `${CLOCK_URL_ENV} was not set in the job's environment` });
  const [measured, machine] = await Promise.all([clock, inventory()]);
  const started = new Date().toISOString();
  let record: NodeRecord = {
    node: o.node,
    role: o.role,
    node_rank: rank,
    address: values.nodeAddr,
    pid: process.pid,
    slots,
    gpus,
    clock: measured,
    environment: environmentFingerprint(machine),
    started,
    status: 'running',
  };
  await write(record);

  let timeoutS = placement.timeout_s + (o.role === 'server' ? SERVER_MARGIN_S : 0);
  let outcome: UnitOutcome | undefined;
  let sampled: Awaited<ReturnType<typeof runSampledUnit>> | undefined;
  // Trainers start once the server answers, as on one machine; here the server is on another node.
  const server = unit.processes.find((p) => p.role === 'server');
  if (o.role === 'trainer' && server?.ready.kind === 'http') {
    const url = fillPlaceholders(server.ready.url, values);
    const t0 = Date.now();
    const ready = await waitHttp(url, server.ready.timeout_s * 1000, o.signal);
    timeoutS -= (Date.now() - t0) / 1000;
    if (!ready.ok && !o.signal.aborted) {
      outcome = {
        status: 'timeout',
        message: `${server.name} on ${o.serverNodes[0]} was not ready after ${server.ready.timeout_s} s (GET ${url}: ${ready.last})`,
        process: server.name,
        log_tail: [],
      };
    }
  }
  if (!outcome && !o.signal.aborted) {
    sampled = await runSampledUnit({
      dir,
      processes,
      gpus,
      telemetry: placement.telemetry,
      timeoutS: Math.max(1, timeoutS),
      signal: o.signal,
      graceMs: GRACE_MS,
    });
    outcome = sampled.outcome;
  }
  outcome = readOutcome(outcome, o.role, o.signal);
  record = {
    ...record,
    status: outcome.status,
    ended: new Date().toISOString(),
    ...(outcome.status === 'ok' ? {} : { error: await outcomeError(outcome, dir) }),
    ...(sampled?.samplerCost ? { sampler_cost: sampled.samplerCost } : {}),
    ...(sampled?.gpuTelemetry ? { telemetry: sampled.gpuTelemetry } : {}),
  };
  await write(record);
  for (const p of sampled?.samplerProblems ?? []) console.error(`${o.node}: sampler: ${p}`);
  return record;
}

/**
 * What an ending means on this node. A server ends when told its trainers are done: that is
 * its normal end. Trainers told that the server's step ended stopped because of it. Any other
 * abort is SLURM's signal: the job was cancelled or reached its time limit.
 */
function readOutcome(outcome: UnitOutcome | undefined, role: Role, signal: AbortSignal): UnitOutcome {
  if (outcome && outcome.status !== 'interrupted') return outcome;
  if (signal.reason === PEER_ENDED) {
    return role === 'server' ? { status: 'ok' } : { status: 'interrupted', message: "stopped: the server's step ended first" };
  }
  const why = typeof signal.reason === 'string' ? signal.reason : 'a signal';
  return { status: 'interrupted', message: `stopped by ${why} from SLURM (the job was cancelled or reached its time limit)` };
}

/**
 * The spec as this node runs it. Ports are listened on by the first node of a group only (the
 * trainers' rendezvous is on the head). The process ignores the job script's signal: srun hands
 * a signal to every process of the step, and it is meant for this agent alone (which then ends
 * the processes as the supervisor does); an ignored signal stays ignored across exec.
 */
function onNode(spec: ProcessSpec, rank: number, gpus: { names: string[]; indices: number[] } | undefined): ProcessSpec {
  return {
    ...spec,
    argv: ['/bin/sh', '-c', `trap '' ${PEER_ENDED_SIGNAL.slice(3)}; exec "$@"`, spec.name, ...spec.argv],
    ports: rank === 0 ? spec.ports : {},
    ...(gpus ? { gpus: gpus.indices, env: { ...spec.env, CUDA_VISIBLE_DEVICES: gpus.names.join(',') } } : {}),
  };
}

/**
 * The first `count` GPUs SLURM gave this step (CUDA_VISIBLE_DEVICES, by index or UUID), and
 * their indices for nvidia-smi (the position when SLURM named them by UUID).
 */
export function visibleGpus(count: number, visible: string | undefined): { names: string[]; indices: number[] } {
  const given = (visible ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const names = given.length >= count ? given.slice(0, count) : Array.from({ length: count }, (_, i) => String(i));
  const indices = names.map((n, i) => (/^\d+$/.test(n) ? Number(n) : i));
  return { names, indices };
}

async function readPlan(runDir: string): Promise<RunPlan> {
  const file = path.join(runDir, RUN_FILES.plan);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunPlan;
  } catch (err) {
    throw new UserError(
      `${file}: cannot read the run's plan on this node (${(err as Error).message})`,
      'The results folder must be on a filesystem every node shares (docs/slurm.md).',
    );
  }
}
