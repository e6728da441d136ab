// Noise profiles: a machine's run-to-run spread of one metric for one scenario, measured by
// `calibrate` (the scenario run twice, A/A) and read by `compare` to say when a threshold is
// below what the machine can resolve. Stored as
//   <results>/noise-profiles/<scenario>-<environment hash>.json
// keyed by the environment fingerprint (its hash) and the scenario name. docs/metrics.md.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { NOISE } from '../analysis/constants.ts';
import { mean, sampleSd } from '../analysis/stats.ts';
import { UserError } from '../errors.ts';
import type { Fingerprint } from '../results/manifest.ts';
import { noiseProfileFile } from '../results/layout.ts';
import { writeJsonAtomic } from '../results/store.ts';
import type { ModeName } from '../scenario/schema.ts';
import type { GateComparison, Verdict } from './types.ts';

export const NOISE_PROFILE_SCHEMA_VERSION = 1;

export interface NoiseEntry {
  point: string;
  mode: ModeName;
  /** Runs (repeats) on each side of the A/A pair. */
  runs_per_side: number;
  /** The A/A candidate ÷ baseline ratio and its unadjusted 95% bootstrap interval. */
  aa_ratio: { value: number; low: number; high: number; level: number };
  /** (high − low) / 2 of that interval. */
  aa_half_width: number;
  /** The metric per run, both sides together. */
  run_values: number[];
  /** Coefficient of variation of run_values: sample standard deviation ÷ mean. */
  run_cv: number;
}

export interface NoiseProfile {
  schema_version: typeof NOISE_PROFILE_SCHEMA_VERSION;
  created: string;
  environment_hash: string;
  environment: Fingerprint['environment'];
  scenario: string;
  metric: string;
  /** The two result folders of the A/A pair. */
  runs: [string, string];
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

/** The A/A verdict (same scenario, twice) and each run's per-run metric values → the profile. Pure. */
export function noiseProfile(
  aa: Verdict,
  environment: Fingerprint['environment'],
  runValues: (c: GateComparison) => number[],
  created: string,
): NoiseProfile {
  return {
    schema_version: NOISE_PROFILE_SCHEMA_VERSION,
    created,
    environment_hash: environmentHash(environment),
    environment,
    scenario: aa.baseline.scenario,
    metric: aa.metric,
    runs: [aa.baseline.dir, aa.candidate.dir],
    entries: aa.comparisons.map((c) => {
      const values = runValues(c);
      const iv = c.interval_unadjusted;
      return {
        point: c.point,
        mode: c.mode,
        runs_per_side: Math.min(c.baseline.n_runs, c.candidate.n_runs),
        aa_ratio: { value: c.ratio, ...iv },
        aa_half_width: (iv.high - iv.low) / 2,
        run_values: values,
        run_cv: coefficientOfVariation(values),
      };
    }),
  };
}

/** Sample standard deviation (n − 1) ÷ mean; NaN with fewer than two values. */
export function coefficientOfVariation(xs: readonly number[]): number {
  return sampleSd(xs) / mean(xs);
}

/**
 * Smallest change resolvable with `rb` baseline and `rc` candidate runs:
 * max(A/A interval half-width, z · cv · √(1/rb + 1/rc)) — the spread of a ratio of two means of
 * runs whose values vary by cv, or what the A/A pair showed, whichever is larger.
 */
export function resolution(entry: NoiseEntry, rb: number, rc: number): number {
  const fromRuns = Number.isFinite(entry.run_cv) ? NOISE.z * entry.run_cv * Math.sqrt(1 / rb + 1 / rc) : 0;
  return Math.max(entry.aa_half_width, fromRuns);
}

export async function saveNoiseProfile(file: string, profile: NoiseProfile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, profile);
}

/** Reads a profile; undefined when `file` does not exist and `optional`. */
export async function loadNoiseProfile(file: string, optional = false): Promise<NoiseProfile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${file}: cannot read the noise profile (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'Make one with `grpo-bench calibrate <scenario>`.');
  }
  let p: NoiseProfile;
  try {
    p = JSON.parse(text) as NoiseProfile;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (p.schema_version !== NOISE_PROFILE_SCHEMA_VERSION || !Array.isArray(p.entries)) {
    throw new UserError(`${file}: not a grpo-bench noise profile (schema_version ${NOISE_PROFILE_SCHEMA_VERSION} with entries)`);
  }
  return p;
}
