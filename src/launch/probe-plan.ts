// What a profile unit's driver sends (grpo-bench profile, docs/whatif.md): part of the plan, so
// it sits with the plan's types; the driver's --config (src/workloads/probe.ts) carries it.
import { z } from 'zod';
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

