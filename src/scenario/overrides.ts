// What a command line changes in a scenario before it is planned: steps, warm-up, repeats, the
// launcher, and which sweep points run.
import { UsageError } from '../errors.ts';
import type { LauncherName, Scenario } from './schema.ts';
import type { PointInfo } from './sweep.ts';

export interface ScenarioOverrides {
  steps?: number;
  warmupSteps?: number;
  repeats?: number;
  launcher?: LauncherName;
}

/** The sweep's points, or only those named (in sweep order); an unknown name is refused with the ones there are. */
export function selectPoints(points: readonly PointInfo[], ids: readonly string[] | undefined): PointInfo[] {
  if (!ids?.length) return [...points];
  const unknown = ids.filter((id) => !points.some((p) => p.id === id));
  if (unknown.length)
    throw new UsageError(`--point ${unknown.join(', ')}: no such sweep point (the scenario has: ${points.map((p) => p.id).join(', ')})`);
  return points.filter((p) => ids.includes(p.id));
}

export function applyOverrides(s: Scenario, o: ScenarioOverrides): Scenario {
  const steps = o.steps ?? s.steps;
  const warmup = o.warmupSteps ?? Math.min(s.warmup_steps, Math.max(0, steps - 1));
  if (warmup >= steps)
    throw new UsageError(
      `--warmup-steps ${warmup} must be fewer than steps (${steps}): nothing would be measured`,
      'Lower --warmup-steps or raise --steps.',
    );
  return { ...s, steps, warmup_steps: warmup, repeats: o.repeats ?? s.repeats, launcher: o.launcher ?? s.launcher };
}
