// A run as one SLURM batch job: the same units as on one machine, each placed on nodes of the
// job. Server mode puts the generation server on a node of its own and the trainers on the
// next ones; colocate and hf make every node a trainer. Pure, like the one-machine plan.
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { nodeDir } from '../../results/layout.ts';
import { MODE_NAMES, type DeviceSet, type ModeName, type Scenario } from '../../scenario/schema.ts';
import { modeDeviceSets } from '../../modes.ts';
import type { SweepPoint } from '../../scenario/sweep.ts';
import { planRun, type PlanOptions } from '../plan.ts';
import type { PlanContext, UnitHosts } from '../../workloads/types.ts';
import type { RunPlan, SlurmGroup, UnitPlan } from '../../records/plan.ts';
import { PLACEHOLDERS } from './placeholders.ts';

/** The device kind the job asks for and how many of them one node gives. */
export function slurmDevices(scenario: Scenario): { device: 'cuda' | 'cpu'; perNode: number } {
  const perNode = scenario.slurm.gpus_per_node;
  if (scenario.device === 'cpu') return { device: 'cpu', perNode: perNode ?? 1 };
  if (perNode === undefined) {
    throw new UserError(
      `scenario '${scenario.name}': the slurm launcher needs slurm.gpus_per_node (the GPUs of one node the job takes) unless device is cpu`,
      'Add e.g. `slurm: { gpus_per_node: 8 }` to the scenario.',
    );
  }
  return { device: 'cuda', perNode };
}

/**
 * The groups of one unit: which of the job's nodes run its server and its trainers, and the
 * unit's device slots on each. Ranks are spread evenly, so a trainer count above one node's
 * devices must be a multiple of the nodes it needs.
 */
export function placeUnit(scenario: Scenario, unit: Omit<UnitPlan, 'processes'>, perNode: number): SlurmGroup[] {
  const where = (role: string) => `scenario '${scenario.name}', ${unit.mode} mode: ${role}`;
  const groups: SlurmGroup[] = [];
  let next = 0;
  if (unit.devices.server.length > 0) {
    if (unit.devices.server.length > perNode) {
      throw new UserError(
        `${where('the server')} needs ${unit.devices.server.length} devices, more than one node's ${perNode}; a server spanning nodes is not supported`,
        'Give the server at most slurm.gpus_per_node devices.',
      );
    }
    groups.push({ role: 'server', nodes: [next++], slots: [unit.devices.server] });
  }
  const training = unit.devices.training;
  const nodes = Math.ceil(training.length / perNode);
  if (training.length % nodes !== 0) {
    throw new UserError(
      `${where('the trainers')} need ${training.length} devices on ${nodes} nodes of ${perNode}; ranks are spread evenly, so ${training.length} must divide by ${nodes}`,
      `Use a multiple of ${nodes} training devices, or at most ${perNode}.`,
    );
  }
  const each = training.length / nodes;
  groups.push({
    role: 'trainer',
    nodes: Array.from({ length: nodes }, (_, i) => next + i),
    slots: Array.from({ length: nodes }, (_, i) => training.slice(i * each, (i + 1) * each)),
  });
  return groups;
}

/** The one-machine plan of these points, placed on the nodes of one SLURM job. */
export function planSlurmRun(
  points: readonly SweepPoint[],
  ctx: Omit<PlanContext, 'gpuCount' | 'hosts'>,
  options: PlanOptions = {},
): RunPlan {
  const base = points[0]?.scenario;
  if (!base) throw new UserError('nothing to run: the sweep has no points');
  const { device, perNode } = slurmDevices(base);
  for (const p of points) refuseIndexLists(p.scenario);
  // Enough device slots for the largest mode of any point; each unit's placement checks its own.
  const slots = Math.max(...points.flatMap((p) => modeDeviceCounts(p.scenario)));
  const scenarioOf = (unit: Omit<UnitPlan, 'processes'>) => points.find((p) => p.id === unit.point)!.scenario;
  const hosts = (unit: Omit<UnitPlan, 'processes'>): UnitHosts => {
    const groups = placeUnit(scenarioOf(unit), unit, perNode);
    return {
      dir: nodeDir(path.join(ctx.runDir, unit.dir), PLACEHOLDERS.node),
      serverBind: PLACEHOLDERS.serverAddr,
      serverAddr: PLACEHOLDERS.serverAddr,
      headAddr: PLACEHOLDERS.headAddr,
      selfAddr: PLACEHOLDERS.nodeAddr,
      trainerHosts: groups.find((g) => g.role === 'trainer')!.nodes.length,
      hostRank: PLACEHOLDERS.nodeRank,
    };
  };
  const plan = planRun(points, { ...ctx, gpuCount: device === 'cuda' ? slots : 0, hosts }, options);
  const units = plan.units.map((u) => {
    const s = scenarioOf(u);
    return { dir: u.dir, groups: placeUnit(s, u, perNode), timeout_s: s.timeouts.run_s, telemetry: s.telemetry };
  });
  const nodes = Math.max(...units.flatMap((u) => u.groups.flatMap((g) => g.nodes))) + 1;
  return { ...plan, slurm: { nodes, per_node: perNode, units } };
}

/** The device sets of every mode the scenario defines, with the field each comes from. */
function deviceSets(s: Scenario): { mode: ModeName; field: string; set: DeviceSet }[] {
  return MODE_NAMES.filter((m) => s.modes[m] !== undefined).flatMap((mode) => {
    const sets = modeDeviceSets(s, mode);
    const field = (role: string) => (sets.server === null ? `modes.${mode}.devices` : `modes.${mode}.devices.${role}`);
    return [
      ...(sets.server === null ? [] : [{ mode, field: field('server'), set: sets.server }]),
      { mode, field: field('trainer'), set: sets.trainer },
    ];
  });
}

/** Device counts of every mode the scenario defines (a server's and its trainers' together). */
function modeDeviceCounts(s: Scenario): number[] {
  const size = (d: DeviceSet) => (typeof d === 'number' ? d : d.length);
  const byMode = new Map<ModeName, number>();
  for (const d of deviceSets(s)) byMode.set(d.mode, (byMode.get(d.mode) ?? 0) + size(d.set));
  return [...byMode.values()];
}

/** GPU indices name one machine's GPUs; on a cluster SLURM picks them, so a scenario gives counts. */
function refuseIndexLists(s: Scenario): void {
  const lists = deviceSets(s)
    .filter((d) => typeof d.set !== 'number')
    .map((d) => d.field);
  if (lists.length > 0) {
    throw new UserError(
      `scenario '${s.name}': ${lists.join(', ')} list${lists.length > 1 ? '' : 's'} GPU indices; with the slurm launcher SLURM picks each node's GPUs`,
      'Give device counts instead (e.g. devices: 4).',
    );
  }
}
