// How a variant is named among a plan's points: a variant at a point is a point of its own in
// plan.json (swept value `variant`), so the analysis and the reports see variants as they see
// sweep points. The planner that makes those points is src/launch/variants.ts.
import path from 'node:path';
import type { PointInfo } from './sweep.ts';

/** The swept-value key that names a unit's variant in plan.json's points. */
export const VARIANT_FIELD = 'variant';

/** A variant at a point: its own point id, the variant level first (`<variant>` alone without a sweep). */
export function variantPointId(variant: string, point: string, sweep: boolean): string {
  return sweep ? path.join(variant, point) : variant;
}

/** The variant a point of a plan belongs to; undefined in a plan without variants. */
export function variantOf(point: Pick<PointInfo, 'values'>): string | undefined {
  const v = point.values[VARIANT_FIELD];
  return typeof v === 'string' ? v : undefined;
}

/** The point's values without the variant: which sweep point it is, whatever the variant. */
export function sweepValues(point: Pick<PointInfo, 'values'>): Record<string, PointInfo['values'][string]> {
  const { [VARIANT_FIELD]: _, ...rest } = point.values;
  return rest;
}
