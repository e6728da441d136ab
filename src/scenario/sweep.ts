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
type ScalarValue = z.infer<typeof Scalar>;

export interface SweepPoint {
  /** Folder-safe and stable: `per_device_train_batch_size=8,max_completion_length=64`; `default` without a sweep. */
  id: string;
  /** The swept values at this point, by full dotted path. */
  values: Record<string, ScalarValue>;
  scenario: Scenario;
}

export function expandSweep(base: Scenario, sweep: SweepSpec | undefined, file: string): SweepPoint[] {
  const axes = Object.entries(sweep ?? {});
  if (axes.length === 0) return [{ id: 'default', values: {}, scenario: base }];
  let combos: Record<string, ScalarValue>[] = [{}];
  for (const [path, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v })));
  return combos.map((values) => {
    const raw = structuredClone(base) as Record<string, unknown>;
    for (const [path, value] of Object.entries(values)) setPath(raw, path, value, file);
    const parsed = Scenario.safeParse(raw);
    if (!parsed.success) {
      throw new ScenarioError(
        file,
        parsed.error.issues.map((i) => ({ path: `sweep → ${i.path.join('.')}`, message: i.message })),
      );
    }
    const id = Object.entries(values)
      .map(([p, v]) => `${p.split('.').at(-1)}=${String(v).replace(/[^A-Za-z0-9_.-]/g, '_')}`)
      .join(',');
    return { id, values, scenario: parsed.data };
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
