// Noise profiles: a machine's run-to-run noise of one metric for one scenario, measured by
// `calibrate` from several A/A results folders (sessions) and read by `compare`, whose interval
// then counts the spread between folders as well as within them. Stored as
//   <results>/noise-profiles/<scenario>-<environment hash>.json
// keyed by the environment fingerprint (its hash) and the scenario name. docs/metrics.md "Noise profile".
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CALIBRATION, GATE } from '../inference/constants.ts';
import { atRunsPerSide, detectableChange, outcomeProbabilities, type GateSense } from '../inference/gate-rule.ts';
import { fitNoiseModel, type NoiseModel } from '../inference/noise-model.ts';
import { comparisonVariance, familyLevel } from '../inference/gate-rule.ts';
import { UserError } from '../../errors.ts';
import type { Fingerprint } from '../../records/manifest.ts';
import { noiseProfileFile } from '../../results/layout.ts';
import { writeJsonAtomic } from '../../results/store.ts';
import type { ModeName } from '../../scenario/schema.ts';

/** 2: a random-effects noise model per (point, mode) from several folders; 1 (one A/A pair, a cv) is no longer read. */
export const NOISE_PROFILE_SCHEMA_VERSION = 2;

/** What the gate resolves with this profile at n runs per side. */
export interface OperatingPoint {
  runs_per_side: number;
  /** Smallest regression (fraction) called "regressed" with probability 0.8 and 0.95 (keys "0.8", "0.95"). */
  detectable: Record<string, number>;
  /** Probability that an unchanged candidate is judged "no regression" (rather than inconclusive). */
  unchanged_cleared: number;
}

export interface NoiseEntry {
  point: string;
  mode: ModeName;
  /** The metric of every run, per folder, in the order of the profile's `runs`. */
  sessions: number[][];
  model: NoiseModel;
  operating: OperatingPoint[];
}

export interface NoiseProfile {
  schema_version: typeof NOISE_PROFILE_SCHEMA_VERSION;
  created: string;
  environment_hash: string;
  environment: Fingerprint['environment'];
  scenario: string;
  metric: string;
  higher_is_better: boolean;
  /** The threshold the operating points are computed for. */
  threshold: number;
  /** The interval level of the operating points: the one `compare` uses for the first of the profile's (point, mode) comparisons. */
  level?: number;
  /** The A/A results folders, in the order they ran. */
  runs: string[];
  entries: NoiseEntry[];
}

/** sha256 of the environment with its keys sorted, first 12 hex digits. */
export function environmentHash(env: Fingerprint['environment']): string {
  const sorted = Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
}

export function noiseProfilePath(resultsRoot: string, env: Fingerprint['environment'], scenario: string): string {
  return noiseProfileFile(resultsRoot, scenario, environmentHash(env));
}

/**
 * The gate's operating points at each number of runs per side in CALIBRATION.table_runs, at the
 * level `compare` uses for the first of `comparisons` (point, mode) comparisons (Holm's first step,
 * 1 − α/m: the least any of them gets). Pure.
 */
export function operatingPoints(model: NoiseModel, sense: Omit<GateSense, 'level'>, comparisons = 1): OperatingPoint[] {
  const s: GateSense = { ...sense, level: familyLevel(comparisons, GATE.family_alpha) };
  const profiled = comparisonVariance([], [], model);
  return CALIBRATION.table_runs.map((n) => {
    const v = atRunsPerSide(profiled, model.within_df, n);
    return {
      runs_per_side: n,
      detectable: Object.fromEntries(GATE.report_powers.map((p) => [String(p), detectableChange(v, n, s, p)])),
      unchanged_cleared: outcomeProbabilities(v, n, n, 1, s).no_regression,
    };
  });
}

/** Per (point, mode), the metric of each run of each folder → the profile. Pure. */
export function noiseProfile(
  o: Pick<NoiseProfile, 'environment' | 'scenario' | 'metric' | 'higher_is_better' | 'threshold' | 'runs' | 'created'> & {
    sessions: { point: string; mode: ModeName; values: number[][] }[];
  },
): NoiseProfile {
  return {
    schema_version: NOISE_PROFILE_SCHEMA_VERSION,
    created: o.created,
    environment_hash: environmentHash(o.environment),
    environment: o.environment,
    scenario: o.scenario,
    metric: o.metric,
    higher_is_better: o.higher_is_better,
    threshold: o.threshold,
    runs: o.runs,
    level: familyLevel(o.sessions.length, GATE.family_alpha),
    entries: o.sessions.map((s) => {
      const model = fitNoiseModel(s.values);
      return { point: s.point, mode: s.mode, sessions: s.values, model, operating: operatingPoints(model, o, o.sessions.length) };
    }),
  };
}

export async function saveNoiseProfile(file: string, profile: NoiseProfile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, profile);
}

/**
 * Reads a profile; undefined when `file` does not exist and `optional`. A profile of an older
 * schema is an error when asked for by name, and `outdated` when found beside the baseline.
 */
export async function loadNoiseProfile(file: string, optional = false): Promise<NoiseProfile | 'outdated' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(
      `${file}: cannot read the noise profile (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      'Make one with `grpo-bench calibrate <scenario>`.',
    );
  }
  let p: NoiseProfile;
  try {
    p = JSON.parse(text) as NoiseProfile;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof p?.schema_version === 'number' && p.schema_version < NOISE_PROFILE_SCHEMA_VERSION && Array.isArray(p.entries)) {
    if (optional) return 'outdated';
    throw new UserError(
      `${file}: a noise profile of schema ${p.schema_version}, made by an older grpo-bench`,
      'Run `grpo-bench calibrate <scenario>` again (several A/A folders of ≥ 2 runs each).',
    );
  }
  if (p?.schema_version !== NOISE_PROFILE_SCHEMA_VERSION || !Array.isArray(p.entries)) {
    throw new UserError(`${file}: not a grpo-bench noise profile (schema_version ${NOISE_PROFILE_SCHEMA_VERSION} with entries)`);
  }
  return p;
}
