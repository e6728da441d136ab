// Pieces every record shares: the mode names, counts, figures that may be unknown, sweep points.
import { z } from 'zod';
import { MODE_NAMES, type ModeName } from '../scenario/schema.ts';

export const Mode = z.enum(MODE_NAMES as [ModeName, ...ModeName[]]);
export const Count = z.number().int().nonnegative();
/** A number the analysis could not compute: NaN, written to JSON as null. */
export const Figure = z.number().nullable();
/** A sweep point as planned (scenario/sweep.ts PointInfo). */
export const Point = z.looseObject({
  id: z.string(),
  values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  label: z.string(),
});
export const Role = z.enum(['trainer', 'server']);
export type Role = z.infer<typeof Role>;
