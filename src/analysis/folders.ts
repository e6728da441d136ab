// Several results folders side by side: every (folder, point, mode) as one series, described by
// the fields of its manifest (machine, GPU, versions, settings, date) on which the series
// differ, and grouped by the work one sample costs (model, workload, num_generations, lengths):
// series of unequal work are not put on one axis. Pure: reads only the records given.
import type { Manifest } from '../records/manifest.ts';
import type { ModeName, Scenario } from '../scenario/schema.ts';
import { expandPoints } from '../scenario/sweep.ts';
import { profileIdentity, type ProfileIdentity } from './whatif/profile.ts';
import type { ModeSummary, Summary } from '../records/summary.ts';

/** One results folder as the comparison needs it. */
export interface FolderRecord {
  dir: string;
  summary: Summary;
  manifest?: Manifest;
}

/** One (folder, point, mode): the figures of one bar in every chart. */
export interface Series {
  folder: number;
  dir: string;
  run_id: string;
  point: string;
  mode: ModeName;
  figures: ModeSummary;
  /** Every field this series is described by, flattened: `machine`, `versions.torch`, `settings.grpo.max_completion_length`, its mode's own `mode.vllm.enable_sleep_mode`, … */
  fields: Record<string, string>;
  /** The fields on which it differs from the other series of its group, in `differing` order. */
  label: string[];
}

/** Series of equal work per sample: they share one axis. */
export interface SeriesGroup {
  work: ProfileIdentity | null;
  series: Series[];
  /** The fields whose values differ between the group's series (a mode's own settings only between series of that mode). */
  differing: string[];
  /** The fields every series of the group shares, with their value. */
  common: Record<string, string>;
  /** Why this group is not on the first group's axes; absent for the first group. */
  apart?: string;
}

export interface FolderComparison {
  groups: SeriesGroup[];
  /** Folders with no measured mode (every unit failed or was interrupted): nothing to chart. */
  unmeasured: { dir: string; run_id: string }[];
}

/** Fields that name or describe a run rather than what it ran, or that the tool sets per repeat on purpose. */
const IGNORED_SETTINGS = new Set(['name', 'description', 'seed', 'telemetry', 'timeouts', 'launcher', 'slurm', 'modes', 'claim']);
const IGNORED_VERSIONS = new Set(['harness_commit', 'trl[vllm]']);

/**
 * Field order: machine and GPU, the versions of the training stack, settings, the date, then the
 * rest of the machine and the other libraries: the order in which a reader tells two runs apart,
 * and the order of each label (a chart's labels show the first few).
 */
const FIELD_RANK = [
  'machine',
  'versions.trl',
  'versions.vllm',
  'versions.torch',
  'mode.',
  'settings.',
  'date',
  'versions.',
  'environment.',
];
const rank = (key: string) => FIELD_RANK.findIndex((p) => key === p || key.startsWith(p));

function flatten(prefix: string, value: unknown, out: Record<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
    return;
  }
  out[prefix] = value === undefined || value === null ? '' : Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function machine(m: Manifest | undefined): string {
  const env = m?.fingerprint?.environment ?? {};
  if (typeof env.gpu_name === 'string' && env.gpu_name) return `${env.gpu_count ?? 1} × ${env.gpu_name}`;
  return typeof env.cpu_model === 'string' && env.cpu_model ? `CPU (${env.cpu_model})` : 'unknown machine';
}

function seriesFields(m: Manifest | undefined, scenario: Scenario | undefined, mode: ModeName): Record<string, string> {
  const out: Record<string, string> = { machine: machine(m) };
  for (const [k, v] of Object.entries(m?.fingerprint?.environment ?? {}))
    if (k !== 'gpu_name' && k !== 'gpu_count') flatten(`environment.${k}`, v, out);
  for (const [k, v] of Object.entries(m?.fingerprint?.subject ?? {})) if (!IGNORED_VERSIONS.has(k)) flatten(`versions.${k}`, v, out);
  if (scenario) {
    for (const [k, v] of Object.entries(scenario)) if (!IGNORED_SETTINGS.has(k)) flatten(`settings.${k}`, v, out);
    flatten('mode', (scenario.modes as Record<string, unknown>)[mode], out);
  }
  if (m?.started) out.date = m.started.slice(0, 10);
  return out;
}

/** The scenario each point of a folder ran (its sweep values set), by point id. */
function pointScenarios(f: FolderRecord): Map<string, Scenario> {
  const m = f.manifest;
  if (!m) return new Map();
  try {
    return new Map(expandPoints(m.scenario, f.summary.points, f.dir).map((p) => [p.id, p.scenario]));
  } catch {
    // A point the current schema no longer accepts: described by the run's base scenario.
    return new Map(f.summary.points.map((p) => [p.id, m.scenario]));
  }
}

const workKey = (w: ProfileIdentity | null) => JSON.stringify(w);

function describeWork(a: ProfileIdentity, b: ProfileIdentity): string {
  const names: Record<keyof ProfileIdentity, string> = {
    model: 'model',
    workload: 'workload',
    num_generations: 'num_generations',
    max_prompt_length: 'max_prompt_length',
    max_completion_length: 'max_completion_length',
  };
  return (Object.keys(names) as (keyof ProfileIdentity)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${names[k]} ${String(a[k])} where the first group has ${String(b[k])}`)
    .join(', ');
}

/** Whether a field is compared between two series: a mode's own settings only between series of that mode. */
const comparable = (key: string, a: Series, b: Series) => !key.startsWith('mode.') || a.mode === b.mode;

/**
 * The folders' series in groups of equal work per sample (the first folder's first point's group
 * first), each series labelled by the fields on which it differs from the rest of its group.
 */
export function compareFolders(folders: readonly FolderRecord[]): FolderComparison {
  const byWork = new Map<string, { work: ProfileIdentity | null; series: Series[] }>();
  folders.forEach((f, folder) => {
    const scenarios = pointScenarios(f);
    for (const m of f.summary.modes) {
      const scenario = scenarios.get(m.point) ?? f.manifest?.scenario;
      const work = scenario ? profileIdentity(scenario) : null;
      const key = workKey(work);
      if (!byWork.has(key)) byWork.set(key, { work, series: [] });
      byWork.get(key)!.series.push({
        folder,
        dir: f.dir,
        run_id: f.summary.run_id,
        point: m.point,
        mode: m.mode,
        figures: m,
        fields: seriesFields(f.manifest, scenario, m.mode),
        label: [],
      });
    }
  });
  const raw = [...byWork.values()];
  const first = raw[0]?.work;
  const groups = raw.map(({ work, series }, i): SeriesGroup => {
    const keys = [...new Set(series.flatMap((s) => Object.keys(s.fields)))];
    const differing = keys
      .filter((k) => series.some((a) => series.some((b) => comparable(k, a, b) && (a.fields[k] ?? '') !== (b.fields[k] ?? ''))))
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const common: Record<string, string> = {};
    for (const k of keys) if (!differing.includes(k) && series.every((s) => s.fields[k] !== undefined)) common[k] = series[0]!.fields[k]!;
    for (const s of series)
      s.label = differing.filter(
        (k) =>
          s.fields[k] !== undefined && (!k.startsWith('mode.') || series.some((o) => o.mode === s.mode && o.fields[k] !== s.fields[k])),
      );
    const apart =
      i === 0
        ? undefined
        : work && first
          ? `unequal work per sample: ${describeWork(work, first)}`
          : 'no manifest to tell the work per sample';
    return { work, series, differing, common, ...(apart ? { apart } : {}) };
  });
  const unmeasured = folders.filter((f) => f.summary.modes.length === 0).map((f) => ({ dir: f.dir, run_id: f.summary.run_id }));
  return { groups, unmeasured };
}
