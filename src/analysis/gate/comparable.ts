// The comparability gate: two runs may be compared when their environment fingerprints and their
// workload settings match. The subject under test (library versions, the harness's commit) is
// expected to differ and is listed. Pure; docs/metrics.md "Regression gate".
import { UserError } from '../../errors.ts';
import type { Fingerprint, Manifest } from '../../records/manifest.ts';
import type { Change, Difference } from '../../records/verdict.ts';

/** Scenario fields that do not change the work measured: labels, repeat count, sampling, timeouts, the published claim. */
export const SETTINGS_IGNORED = ['name', 'description', 'repeats', 'telemetry', 'timeouts', 'claim'] as const;

/** What comparability reads from a manifest. */
export type ComparableManifest = Pick<Manifest, 'fingerprint' | 'scenario' | 'sweep' | 'compile_cache'>;

export interface Comparability {
  /** Differences the user allowed. */
  allowed: Difference[];
  /** Differences not allowed: non-empty means the runs cannot be compared. */
  refused: Difference[];
  changed: Change[];
  /** `--allow-different` names that matched no difference (probably a typo or no longer needed). */
  unused: string[];
}

/** `work`: differences in what the runs measured (tokens per sample), found by the caller. */
export function checkComparable(
  base: ComparableManifest,
  cand: ComparableManifest,
  allow: readonly string[] = [],
  work: readonly Difference[] = [],
): Comparability {
  const differences: Difference[] = [
    ...diff(base.fingerprint.environment, cand.fingerprint.environment).map((d) => ({
      ...d,
      field: `environment.${d.field}`,
      kind: 'environment' as const,
    })),
    ...diff(settings(base), settings(cand)).map((d) => ({ ...d, kind: 'settings' as const })),
    // Compile caches decide how long a start-up takes; folders written before they were recorded are not held to it.
    ...(base.compile_cache && cand.compile_cache
      ? diff(base.compile_cache, cand.compile_cache).map((d) => ({ ...d, field: `compile_cache.${d.field}`, kind: 'settings' as const }))
      : []),
    ...work,
  ];
  const allows = (field: string) => allow.some((a) => field === a || field.startsWith(`${a}.`));
  const allowed = differences.filter((d) => allows(d.field));
  const refused = differences.filter((d) => !allows(d.field));
  const unused = allow.filter((a) => !differences.some((d) => d.field === a || d.field.startsWith(`${a}.`)));
  return { allowed, refused, changed: subjectChanges(base.fingerprint, cand.fingerprint), unused };
}

/** Throws the "not comparable" UserError (exit code 2) listing each refused field with both values. */
export function assertComparable(c: Comparability): void {
  if (c.refused.length === 0) return;
  const lines = c.refused.map((d) => `  ${d.field}: ${show(d.baseline)} (baseline) ≠ ${show(d.candidate)} (candidate)`);
  const flags = c.refused.map((d) => `--allow-different ${d.field}`).join(' ');
  throw new UserError(
    `the runs are not comparable: ${c.refused.length} ${c.refused.length === 1 ? 'field differs' : 'fields differ'}\n${lines.join('\n')}`,
    `Compare runs made on the same machine with the same scenario settings and the same work per sample, or accept the differences with ${flags}`,
    2,
  );
}

/** The workload settings: the scenario minus SETTINGS_IGNORED, flattened to dotted paths; sweep axes as `sweep.<path>`. */
export function settings(m: ComparableManifest): Record<string, unknown> {
  const scenario = Object.fromEntries(Object.entries(m.scenario).filter(([k]) => !(SETTINGS_IGNORED as readonly string[]).includes(k)));
  const flat = flatten(scenario);
  for (const [k, v] of Object.entries(m.sweep ?? {})) flat[`sweep.${k}`] = v;
  return flat;
}

function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

function diff(a: Record<string, unknown>, b: Record<string, unknown>): Omit<Difference, 'kind'>[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null))
    .map((k) => ({ field: k, baseline: a[k] ?? null, candidate: b[k] ?? null }));
}

function subjectChanges(a: Fingerprint, b: Fingerprint): Change[] {
  return diff(a.subject, b.subject).map((d) => ({
    field: d.field,
    baseline: (d.baseline as string | null) ?? null,
    candidate: (d.candidate as string | null) ?? null,
  }));
}

export function show(v: unknown): string {
  return v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}
