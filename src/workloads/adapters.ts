// Workload adapters by name. The names come from the registry (registry.ts); the type below
// fails to compile when a registered workload has no adapter.
import type { WorkloadAdapter } from './types.ts';
import type { WorkloadName } from './registry.ts';
import { synthetic } from './synthetic/adapter.ts';
import { trl } from './trl/adapter.ts';

const ADAPTERS: { readonly [N in WorkloadName]: WorkloadAdapter } = { synthetic, trl };

export function adapterFor(name: WorkloadName): WorkloadAdapter {
  return ADAPTERS[name];
}

/** Every adapter, in registration order (what `doctor` asks about readiness, what the contract lists). */
export function workloadAdapters(): WorkloadAdapter[] {
  return Object.values(ADAPTERS);
}
