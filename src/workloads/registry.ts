// Every workload, named once: its name (the scenario's `workload` values) and its scenario
// settings (src/workloads/<name>/settings.ts), which the core scenario schema places into its
// sections. Only what the file format needs is here, so the scenario schema can be built from it;
// each workload's adapter (its plans, readiness and run configuration contract) is looked up by
// these names in adapters.ts, whose type requires one for every name.
import type { z } from 'zod';
import { syntheticSettings } from './synthetic/settings.ts';
import { trlSettings } from './trl/settings.ts';

/** A workload's scenario keys: at the top level, in modes.server, in modes.colocate. */
export interface WorkloadSettings {
  scenario: Record<string, z.ZodType>;
  server: Record<string, z.ZodType>;
  colocate: Record<string, z.ZodType>;
}

export const WORKLOADS = {
  synthetic: syntheticSettings,
  trl: trlSettings,
} as const satisfies Record<string, WorkloadSettings>;

export type WorkloadName = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as [WorkloadName, ...WorkloadName[]];

type Section = keyof WorkloadSettings;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every workload's keys for one section of the scenario, in registration order (a later workload's key wins). */
export function workloadSettings<S extends Section>(section: S): UnionToIntersection<(typeof WORKLOADS)[WorkloadName][S]> {
  return Object.assign({}, ...Object.values(WORKLOADS).map((w) => w[section]));
}
