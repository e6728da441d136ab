// Where a unit's processes run and meet: the workload adapters ask here instead of writing
// loopback addresses themselves, so one adapter plans both a one-machine unit and one spread
// over the nodes of a SLURM job.
import path from 'node:path';
import type { Scenario } from '../scenario/schema.ts';
import type { PlanContext, UnitHosts } from './types.ts';
import type { UnitPlan } from '../records/plan.ts';

/** The unit's hosts: the launcher's when it spreads units over nodes, else this machine. */
export function unitHosts(scenario: Scenario, unit: Omit<UnitPlan, 'processes'>, ctx: PlanContext): UnitHosts {
  if (ctx.hosts) return ctx.hosts(unit);
  const bind = scenario.modes.server?.host ?? '127.0.0.1';
  return {
    dir: path.join(ctx.runDir, unit.dir),
    serverBind: bind,
    serverAddr: connectHost(bind),
    headAddr: '127.0.0.1',
    selfAddr: '127.0.0.1',
    trainerHosts: 1,
    hostRank: '0',
  };
}

/** A server bound to every interface is reached on loopback. */
export function connectHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** Trainer ranks on each host: the unit's training devices split evenly (the placement checked they divide). */
export function ranksPerHost(unit: Omit<UnitPlan, 'processes'>, hosts: UnitHosts): number {
  return unit.devices.training.length / hosts.trainerHosts;
}
