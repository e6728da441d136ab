// Variants as an axis of the plan. Each variant's units are planned as the scenario's own (every
// point, mode and repeat), with that variant's Python, import path and variables, in its own
// folder level `<variant>/`. The order interleaves the variants in ABBA blocks (repeat k: A B,
// repeat k+1: B A), so that drift between blocks falls on every variant alike and the gate can
// pair them by block. Point naming: src/scenario/variants.ts.
import path from 'node:path';
import { UserError } from '../errors.ts';
import { interleave, planRun, type PlanOptions } from './plan.ts';
import type { PlanContext } from '../workloads/types.ts';
import type { RunPlan, UnitPlan } from '../records/plan.ts';
import { variantEnv, type ResolvedVariant } from '../env/variant-probe.ts';
import type { SweepPoint } from '../scenario/sweep.ts';
import { VARIANT_FIELD, variantPointId } from '../scenario/variants.ts';

/**
 * One plan over every variant (baseline first in `variants`). A variant that cannot run here is
 * refused with its name; the units are `variant × point × mode × repeat`, ordered point by point,
 * then block by block (repeat), the variants in ABBA order within each block.
 */
export function planVariantRun(
  points: readonly SweepPoint[],
  ctx: PlanContext,
  variants: readonly ResolvedVariant[],
  options: PlanOptions = {},
): RunPlan {
  if (variants.length === 0) return planRun(points, ctx, options);
  const sweep = points.length > 1;
  const plans = variants.map((v) => {
    try {
      const plan = planRun(
        points,
        { ...ctx, python: v.python, libraries: v.info.libraries, runDir: path.join(ctx.runDir, v.name) },
        options,
      );
      return { v, plan };
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`variant '${v.name}': ${err.message}`, err.hint, err.exitCode);
      throw err;
    }
  });
  const units = new Map<string, UnitPlan[]>();
  const key = (variant: string, point: string, repeat: number) => `${variant}\u0000${point}\u0000${repeat}`;
  for (const { v, plan } of plans) {
    const env = variantEnv(v);
    for (const u of plan.units) {
      const unit: UnitPlan = {
        ...u,
        point: variantPointId(v.name, u.point, sweep),
        dir: path.join(v.name, u.dir),
        processes: u.processes.map((p) => ({ ...p, env: { ...p.env, ...env } })),
      };
      const k = key(v.name, u.point, u.repeat);
      units.set(k, [...(units.get(k) ?? []), unit]);
    }
  }
  const ordered: UnitPlan[] = [];
  const repeats = Math.max(...points.map((p) => p.scenario.repeats));
  for (const point of points) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const v of interleave(variants, repeat)) ordered.push(...(units.get(key(v.name, point.id, repeat)) ?? []));
    }
  }
  const warnings = plans.flatMap(({ v, plan }) =>
    (plan.warnings ?? []).map((w) => ({ ...w, message: `variant '${v.name}': ${w.message}` })),
  );
  return {
    ...plans[0]!.plan,
    points: variants.flatMap((v) =>
      points.map(({ id, values, label }) => ({
        id: variantPointId(v.name, id, sweep),
        values: { [VARIANT_FIELD]: v.name, ...values },
        label: sweep ? `${v.name}, ${label}` : v.name,
      })),
    ),
    units: ordered,
    ...(warnings.length ? { warnings } : {}),
  };
}
