// Workload adapters by name; the CLI's choices and the scenario's `workload` field use these keys.
import type { Scenario } from '../scenario/schema.ts';
import type { WorkloadAdapter } from '../launch/types.ts';
import { synthetic } from './synthetic/adapter.ts';
import { trl } from './trl/adapter.ts';

const adapters: Record<Scenario['workload'], WorkloadAdapter | undefined> = {
  synthetic,
  trl,
};

export function adapterFor(name: Scenario['workload']): WorkloadAdapter {
  const adapter = adapters[name];
  if (!adapter) throw new Error(`no adapter registered for workload '${name}'`);
  return adapter;
}

/** Every registered adapter, in registration order (what `doctor` asks about readiness). */
export function workloadAdapters(): WorkloadAdapter[] {
  return Object.values(adapters).filter((a): a is WorkloadAdapter => a !== undefined);
}
