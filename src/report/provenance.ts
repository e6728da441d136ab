// The footer every figure carries, so that a chart pasted into a post still says what it shows:
// machine and GPU, model, TRL / vLLM / torch versions, runs, interval kind and date, from the
// manifest and the summary. Formatting only.
import type { Profile } from '../records/profile.ts';
import type { ModeSummary, Summary } from '../records/summary.ts';
import type { Manifest } from '../records/manifest.ts';
import { MISSING } from '../value-format.ts';
import { plural } from './format.ts';

/** Characters per footer line: the narrowest chart (900 px) holds about this many at the footer's size. */
const FOOTER_LINE_CHARS = 150;

/** `1 × NVIDIA H200 (Intel Xeon, 16 cores)`, or the CPU alone on a machine without GPUs. */
export function machineText(m: Manifest | undefined): string {
  const env = m?.fingerprint?.environment ?? {};
  const cpu =
    typeof env.cpu_model === 'string' && env.cpu_model ? `${env.cpu_model}${env.cpu_cores ? `, ${env.cpu_cores} cores` : ''}` : undefined;
  if (typeof env.gpu_name === 'string' && env.gpu_name) return `${env.gpu_count ?? 1} × ${env.gpu_name}${cpu ? ` (${cpu})` : ''}`;
  return cpu ? `no GPU (${cpu})` : `machine ${MISSING}`;
}

/** `TRL 1.13.0 · vLLM 0.26.0 · torch 2.11.0`, each as the manifest recorded it. */
export function versionsText(m: Manifest | undefined): string {
  const v = m?.fingerprint?.subject ?? {};
  return [
    ['TRL', 'trl'],
    ['vLLM', 'vllm'],
    ['torch', 'torch'],
  ]
    .map(([name, key]) => `${name} ${v[key!] || MISSING}`)
    .join(' · ');
}

/** What the whiskers are: the run's interval kinds, in words. */
export function intervalText(modes: readonly ModeSummary[]): string {
  const kinds = new Set(modes.map((m) => m.completion_tokens_per_s.interval));
  const level = modes.find((m) => m.completion_tokens_per_s.ci_level)?.completion_tokens_per_s.ci_level;
  const words = [...kinds].map((k) =>
    k === 'confidence'
      ? `${level ? Math.round(level * 100) : 95}% t interval over runs`
      : k === 'within_run_spread'
        ? 'one run: 25th–75th percentile of its steps'
        : 'no interval',
  );
  return `intervals: ${words.join('; ')}`;
}

/** `3 runs per mode` or `colocate 3 runs, hf 1 run`. */
function runsText(modes: readonly ModeSummary[]): string {
  const counts = modes.map((m) => m.runs.filter((r) => r.steps > 0).length);
  const per = new Set(modes.map((m) => m.point)).size > 1 ? 'point and mode' : 'mode';
  return counts.every((n) => n === counts[0])
    ? `${plural(counts[0] ?? 0, 'run')} per ${per}`
    : `${counts.reduce((a, b) => a + b, 0)} runs in all`;
}

/** The model, or every model the measured points of a sweep ran. */
function modelText(summary: Summary, m: Manifest | undefined): string {
  const measured = new Set(summary.modes.map((x) => x.point));
  const swept = [
    ...new Set(summary.points.filter((p) => measured.has(p.id) && p.values.model !== undefined).map((p) => String(p.values.model))),
  ];
  if (swept.length > 1) return `models ${swept.join(', ')}`;
  return `model ${swept[0] ?? m?.scenario.model ?? MISSING}`;
}

/** Footer parts cut into lines that fit under a chart. */
export function footerLines(parts: readonly string[]): string[] {
  const lines: string[] = [];
  for (const p of parts) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 3 + p.length <= FOOTER_LINE_CHARS) lines[lines.length - 1] = `${last} · ${p}`;
    else lines.push(p);
  }
  return lines;
}

/** The footer of one run's charts. */
export function runFooter(summary: Summary, manifest: Manifest | undefined): string[] {
  return footerLines([
    machineText(manifest),
    modelText(summary, manifest),
    versionsText(manifest),
    runsText(summary.modes),
    intervalText(summary.modes),
    `${manifest?.started ? manifest.started.slice(0, 10) : MISSING}`,
    `run ${summary.run_id}`,
  ]);
}

/** The footer of a profile's charts, and of a prediction's (said to be one): what they rest on. */
export function profileFooter(p: Profile, predicted: boolean): string[] {
  const runs = p.sources.map((x) => x.run_id);
  const shown = runs.length > 3 ? `${runs.slice(0, 3).join(', ')} and ${runs.length - 3} more` : runs.join(', ');
  return footerLines([
    predicted ? 'PREDICTED by the what-if model, not measured' : 'MEASURED',
    `profile of model ${p.model} (${p.workload}) on ${p.device_name ?? (p.device_kind === 'cpu' ? 'CPU' : MISSING)}`,
    `measured in ${plural(runs.length, 'run folder')}: ${shown || MISSING}`,
  ]);
}
