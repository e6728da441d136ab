// The profile driver's --config (grpo-bench profile, docs/whatif.md): the run configuration the
// workload's trainer would have read, and the requests to send (records/plan.ts ProbePlan). Defined here, generated into
// schemas/probe-config.schema.json (npm run schemas), validated by each workload's probe.py
// through src/workloads/common/contract.py; `run` is then validated against the workload's own
// --config schema.
import path from 'node:path';
import { z } from 'zod';
import type { PlanContext, UnitShell } from './types.ts';
import type { ProcessSpec } from '../records/plan.ts';
import { eventFile } from '../results/layout.ts';
import { ProbePlan } from '../records/plan.ts';

export const ProbeDriverConfig = z
  .strictObject({
    /** The trainer's --config in server mode (schemas/<workload>-config.schema.json). */
    run: z.record(z.string(), z.unknown()),
    probe: ProbePlan,
  })
  .meta({ description: "A profile driver's --config: the server-mode trainer's run configuration and the requests to send." });

/**
 * A profile unit's processes from the workload's own server-mode unit: its server as it is, and
 * in place of the trainer a driver (`probe.py` in the workload's folder `workloadDir`) on the CPU
 * that sends the plan's requests and writes trainer rank 0's event file.
 */
export function probeUnitProcesses(
  serverUnit: { procs: readonly ProcessSpec[]; config: unknown },
  workloadDir: string,
  unit: Pick<UnitShell, 'dir'>,
  ctx: Pick<PlanContext, 'root' | 'runDir' | 'python'>,
  probe: ProbePlan,
): ProcessSpec[] {
  const server = serverUnit.procs.find((p) => p.role === 'server')!;
  const trainer = serverUnit.procs.find((p) => p.role === 'trainer')!;
  return [
    server,
    {
      ...trainer,
      name: 'driver',
      argv: [ctx.python, path.join(ctx.root, workloadDir, 'probe.py'), '--config', JSON.stringify({ run: serverUnit.config, probe })],
      env: { ...trainer.env, CUDA_VISIBLE_DEVICES: '', GRPO_BENCH_EVENTS: path.join(ctx.runDir, unit.dir, eventFile('trainer', 0)) },
      gpus: [],
      ports: {},
      events: [eventFile('trainer', 0)],
    },
  ];
}
