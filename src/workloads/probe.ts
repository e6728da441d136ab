// The profile driver's --config (grpo-bench profile, docs/whatif.md): the run configuration the
// workload's trainer would have read, and the requests to send. Defined here, generated into
// schemas/probe-config.schema.json (npm run schemas), validated by each workload's probe.py
// through src/workloads/common/contract.py; `run` is then validated against the workload's own
// --config schema.
import path from 'node:path';
import { z } from 'zod';
import type { ProcessSpec } from '../launch/types.ts';
import { nonNegativeInt, positiveInt } from '../scenario/fields.ts';

const Point = z.strictObject({ trainers: positiveInt, per_device_batch: positiveInt });

/** What a profile unit's driver sends: one request per point and repeat. */
export const ProbePlan = z
  .strictObject({
    /** One repeat's requests in order (odd repeats run backwards); each holds trainers × per_device_batch completions. */
    points: z.array(Point),
    repeats: positiveInt,
    /** Requests at the largest point before measuring (kernel compilation, CUDA-graph shapes, allocator). */
    warmup: nonNegativeInt,
    /** Points asked for that TRL could not run (trainers × batch not a multiple of num_generations). */
    skipped: z.array(z.strictObject({ ...Point.shape, why: z.string() })),
  })
  .meta({ description: 'The requests a profile driver sends: for each point, trainers × per_device_batch completions in one request.' });
export type ProbePlan = z.infer<typeof ProbePlan>;

export const ProbeDriverConfig = z
  .strictObject({
    /** The trainer's --config in server mode (schemas/<workload>-config.schema.json). */
    run: z.record(z.string(), z.unknown()),
    probe: ProbePlan,
  })
  .meta({ description: "A profile driver's --config: the server-mode trainer's run configuration and the requests to send." });

/**
 * A profile unit's processes from the workload's own server-mode unit: its server as it is, and
 * in place of the trainer a driver (`probe.py` beside the workload's trainer) on the CPU that sends
 * the plan's requests and writes trainer rank 0's event file.
 */
export function probeUnitProcesses(serverUnit: readonly ProcessSpec[], driver: { script: string; run: unknown; probe: ProbePlan; python: string; eventsPath: string }): ProcessSpec[] {
  const server = serverUnit.find((p) => p.role === 'server')!;
  const trainer = serverUnit.find((p) => p.role === 'trainer')!;
  return [
    server,
    {
      ...trainer,
      name: 'driver',
      argv: [driver.python, driver.script, '--config', JSON.stringify({ run: driver.run, probe: driver.probe })],
      env: { ...trainer.env, CUDA_VISIBLE_DEVICES: '', GRPO_BENCH_EVENTS: driver.eventsPath },
      gpus: [],
      ports: {},
      events: [path.basename(driver.eventsPath)],
    },
  ];
}
