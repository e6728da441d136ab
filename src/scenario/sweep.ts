// Sweep expansion: a scenario's `sweep` varies fields (dotted paths) over lists of values;
// the run covers the cartesian product, every point in every mode.
import { z } from 'zod';
import { ScenarioError } from '../errors.ts';
import { Scenario } from './schema.ts';

const Scalar = z.union([z.number(), z.string(), z.boolean()]);
export const SweepSpec = z.record(
  z.string().regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/, 'a dotted field path such as grpo.per_device_train_batch_size'),
  z.array(Scalar).nonempty(),
);
export type SweepSpec = z.infer<typeof SweepSpec>;
export type ScalarValue = z.infer<typeof Scalar>;

/**
 * A sweep point's identity, fixed when the sweep is expanded and written to plan.json (and from
 * there to summary.json): everything that names, labels or orders a point reads it here, and
 * nothing parses an id back.
 */
export interface PointInfo {
  /** Folder-safe and stable: `per_device_train_batch_size=8,max_completion_length=64`; `default` without a sweep. */
  id: string;
  /** The swept values at this point, by full dotted path; empty without a sweep. */
  values: Record<string, ScalarValue>;
  /** For people: `per_device_train_batch_size=8, max_completion_length=64`; `default` without a sweep. */
  label: string;
}

export interface SweepPoint extends PointInfo {
  scenario: Scenario;
}

/** The point of a run without a sweep. */
export const DEFAULT_POINT: PointInfo = { id: 'default', values: {}, label: 'default' };

/** The points of a sweep, in expansion order (the cartesian product, the first field varying slowest); one default point without a sweep. */
export function sweepPoints(sweep: SweepSpec | undefined): PointInfo[] {
  const axes = Object.entries(sweep ?? {});
  if (axes.length === 0) return [{ ...DEFAULT_POINT, values: {} }];
  let combos: Record<string, ScalarValue>[] = [{}];
  for (const [path, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v })));
  return combos.map(pointOf);
}

/** A point named by its swept values: the id and the label each show every field by its last key. */
export function pointOf(values: Record<string, ScalarValue>): PointInfo {
  const entries = Object.entries(values);
  if (entries.length === 0) return { ...DEFAULT_POINT, values: {} };
  const short = (p: string) => p.split('.').at(-1)!;
  return {
    id: entries.map(([p, v]) => `${short(p)}=${String(v).replace(/[^A-Za-z0-9_.-]/g, '_')}`).join(','),
    values,
    label: entries.map(([p, v]) => `${short(p)}=${String(v)}`).join(', '),
  };
}

/** Every point of the sweep with its scenario, each validated like a scenario of its own. */
export function expandSweep(base: Scenario, sweep: SweepSpec | undefined, file: string): SweepPoint[] {
  return expandPoints(base, sweepPoints(sweep), file);
}

/** Points along separate axes, one field varied at a time (the others as the scenario has them), in axis order. */
export function axisPoints(axes: readonly { path: string; values: readonly ScalarValue[] }[]): PointInfo[] {
  return axes.flatMap(({ path, values }) => values.map((v) => pointOf({ [path]: v })));
}

/** The given points with their scenarios, each validated like a scenario of its own. */
export function expandPoints(base: Scenario, points: readonly PointInfo[], file: string): SweepPoint[] {
  return points.map((point) => {
    if (Object.keys(point.values).length === 0) return { ...point, scenario: base };
    const raw = structuredClone(base) as Record<string, unknown>;
    for (const [path, value] of Object.entries(point.values)) setPath(raw, path, value, file);
    const parsed = Scenario.safeParse(raw);
    if (!parsed.success) {
      throw new ScenarioError(
        file,
        parsed.error.issues.map((i) => ({ path: `sweep → ${i.path.join('.')}`, message: i.message })),
      );
    }
    return { ...point, scenario: parsed.data };
  });
}

function setPath(obj: Record<string, unknown>, path: string, value: ScalarValue, file: string): void {
  const keys = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new ScenarioError(file, [{ path: `sweep.${path}`, message: `'${key}' is not a section of the scenario` }]);
    }
    cur = next as Record<string, unknown>;
  }
  // A misspelt last key is caught by re-validating the point against the strict schema.
  cur[keys.at(-1)!] = value;
}
