// `grpo-bench history`: a metric over versions and dates from many run folders, one line per
// comparable configuration (machine, model, mode, settings), as one self-contained HTML page and
// a CSV. A point is one (run, sweep point, variant, mode): its estimate with its interval, the
// date the run started and the library versions it ran. Configurations seen in one folder only
// are listed apart, with what sets them apart from the nearest other configuration.
import { stringify } from 'csv-stringify/sync';
import type { Estimate, Summary } from '../records/summary.ts';
import { settings } from '../analysis/gate/comparable.ts';
import type { Manifest } from '../records/manifest.ts';
import { sweepValues, variantOf } from '../scenario/variants.ts';
import { formatNumber } from '../value-format.ts';
import { escapeHtml as esc, jsonForScript } from './escape.ts';
import { seriesColor, withAlpha } from './theme.ts';

/** The libraries whose versions name a point: the subject under test. */
export const HISTORY_LIBRARIES = ['trl', 'vllm', 'torch', 'transformers', 'accelerate'] as const;

export interface HistoryRun {
  dir: string;
  manifest: Pick<Manifest, 'run_id' | 'started' | 'scenario' | 'sweep' | 'fingerprint' | 'variants'>;
  summary: Summary;
}

export interface HistoryPoint {
  run_id: string;
  dir: string;
  started: string;
  variant: string | null;
  versions: Record<string, string | null>;
  estimate: Estimate;
}

export interface HistoryLine {
  /** Machine, model, mode and the settings that define the configuration, for people. */
  label: string;
  key: string;
  machine: string;
  model: string;
  mode: string;
  points: HistoryPoint[];
}

export interface HistoryApart {
  dir: string;
  why: string;
}

export interface History {
  metric: string;
  lines: HistoryLine[];
  apart: HistoryApart[];
}

/** Settings that name a run, not what it measures (as the gate ignores them), and the variant fields. */
const NOT_CONFIGURATION = ['variants', 'baseline', 'sweep', 'model'];

function machineOf(env: Record<string, string | number | null>): string {
  return env.gpu_count ? `${env.gpu_count}× ${env.gpu_name}` : `CPU ${env.cpu_model ?? '?'} (${env.cpu_cores ?? '?'} cores)`;
}

/** Everything that must match for two points to lie on one line. */
function configuration(
  run: HistoryRun,
  mode: string,
  pointValues: Record<string, unknown>,
): { key: Record<string, unknown>; machine: string; model: string } {
  const env = run.manifest.fingerprint.environment;
  const machine = machineOf(env);
  const s = settings(run.manifest as Pick<Manifest, 'fingerprint' | 'scenario' | 'sweep'>);
  // Only this mode's own settings: a run that also defined (or ran) another mode still compares.
  const kept = Object.fromEntries(
    Object.entries(s).filter(
      ([k]) =>
        !NOT_CONFIGURATION.some((n) => k === n || k.startsWith(`${n}.`)) && (!k.startsWith('modes.') || k.startsWith(`modes.${mode}.`)),
    ),
  );
  const model = String(pointValues.model ?? run.manifest.scenario.model);
  const key = {
    machine,
    gpu_memory_mib: env.gpu_memory_mib,
    mode,
    ...kept,
    ...Object.fromEntries(Object.entries(pointValues).map(([k, v]) => [k, v])),
    model,
  };
  return { key, machine, model };
}

export function buildHistory(
  runs: readonly HistoryRun[],
  metric: keyof Summary['modes'][number],
  unreadable: readonly HistoryApart[] = [],
): History {
  const lines = new Map<string, HistoryLine & { keyObject: Record<string, unknown> }>();
  for (const run of runs) {
    for (const m of run.summary.modes) {
      const info = run.summary.points.find((p) => p.id === m.point);
      const variant = info ? (variantOf(info) ?? null) : null;
      const values = info ? sweepValues(info) : {};
      const estimate = m[metric] as Estimate | undefined;
      if (!estimate || typeof estimate !== 'object' || !Number.isFinite(estimate.value)) continue;
      const libraries = variant ? (run.manifest.variants?.[variant]?.libraries ?? {}) : run.manifest.fingerprint.subject;
      const versions = Object.fromEntries(HISTORY_LIBRARIES.map((l) => [l, libraries[l] ?? null]));
      const { key: base, machine, model } = configuration(run, m.mode, values);
      // A variant's variables are settings too (GRPO_BENCH_SLOWDOWN): only equal ones share a line.
      const env = variant ? run.manifest.variants?.[variant]?.env : undefined;
      const key = env && Object.keys(env).length ? { ...base, variant_env: env } : base;
      const k = JSON.stringify(
        Object.keys(key)
          .sort()
          .map((x) => [x, key[x]]),
      );
      const line = lines.get(k) ?? {
        key: k,
        keyObject: key,
        label: `${machine} · ${model} · ${m.mode}${
          Object.keys(values).length
            ? ` · ${Object.entries(values)
                .filter(([f]) => f !== 'model')
                .map(([f, v]) => `${f.split('.').at(-1)}=${String(v)}`)
                .join(', ')}`
            : ''
        }`,
        machine,
        model,
        mode: m.mode,
        points: [],
      };
      line.points.push({ run_id: run.manifest.run_id, dir: run.dir, started: run.manifest.started, variant, versions, estimate });
      lines.set(k, line);
    }
  }
  const all = [...lines.values()];
  for (const l of all) l.points.sort((a, b) => a.started.localeCompare(b.started) || (a.variant ?? '').localeCompare(b.variant ?? ''));
  const drawn = all.filter((l) => new Set(l.points.map((p) => p.run_id)).size > 1 || l.points.length > 1);
  const apart: HistoryApart[] = [...unreadable];
  for (const l of all.filter((x) => !drawn.includes(x))) {
    const nearest = all
      .filter((o) => o !== l && o.mode === l.mode)
      .map((o) => ({ o, fields: differingFields(l.keyObject, o.keyObject) }))
      .sort((a, b) => a.fields.length - b.fields.length)[0];
    const why = nearest
      ? `${l.label}: the only run of its configuration; the nearest (${nearest.o.points[0]!.run_id}) differs in ${nearest.fields
          .slice(0, 4)
          .map((f) => `${f} (${show(l.keyObject[f])} vs ${show(nearest.o.keyObject[f])})`)
          .join(', ')}${nearest.fields.length > 4 ? ` and ${nearest.fields.length - 4} more` : ''}`
      : `${l.label}: the only run of its configuration, and no other run has the ${l.mode} mode`;
    apart.push({ dir: l.points[0]!.dir, why });
  }
  return { metric: String(metric), lines: drawn.map(({ keyObject: _, ...l }) => l), apart };
}

const show = (v: unknown) => (v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null))
    .sort();
}

/** The versions of a point as a short label: `trl 1.16.0 · vllm 0.26.0`, only the libraries present. */
export function versionLabel(v: Record<string, string | null>): string {
  return (
    Object.entries(v)
      .filter(([, x]) => x)
      .map(([k, x]) => `${k} ${x}`)
      .join(' · ') || 'versions unknown'
  );
}

export function historyCsv(h: History): string {
  const rows = h.lines.flatMap((l) =>
    l.points.map((p) => [
      l.label,
      l.machine,
      l.model,
      l.mode,
      p.started,
      p.run_id,
      p.variant ?? '',
      ...HISTORY_LIBRARIES.map((x) => p.versions[x] ?? ''),
      p.estimate.value,
      p.estimate.low ?? '',
      p.estimate.high ?? '',
      p.estimate.interval ?? '',
      p.dir,
    ]),
  );
  return stringify([
    [
      'configuration',
      'machine',
      'model',
      'mode',
      'started',
      'run_id',
      'variant',
      ...HISTORY_LIBRARIES,
      h.metric,
      'low',
      'high',
      'interval',
      'folder',
    ],
    ...rows,
  ]);
}

/** One chart per configuration: the metric at each (run, variant) in date order, its interval as a band, the versions on the axis. */
export function historyCharts(h: History): { id: string; title: string; config: unknown }[] {
  return h.lines.map((l, i) => {
    const color = seriesColor('trainer', i);
    const labels = l.points.map((p) => [`${p.started.slice(0, 10)}${p.variant ? ` ${p.variant}` : ''}`, versionLabel(p.versions)]);
    const data = (f: (p: HistoryPoint) => number | undefined) => l.points.map((p) => f(p) ?? null);
    return {
      id: `history-${i}`,
      title: l.label,
      config: {
        type: 'line',
        data: {
          labels,
          datasets: [
            { label: 'interval low', data: data((p) => p.estimate.low), borderWidth: 0, pointRadius: 0, fill: false },
            {
              label: 'interval',
              data: data((p) => p.estimate.high),
              borderWidth: 0,
              pointRadius: 0,
              backgroundColor: withAlpha(color, 0.2),
              fill: '-1',
            },
            {
              label: h.metric,
              data: data((p) => p.estimate.value),
              borderColor: color,
              backgroundColor: color,
              pointRadius: 4,
              tension: 0,
            },
          ],
        },
        options: {
          animation: false,
          plugins: { title: { display: true, text: l.label }, legend: { display: false } },
          scales: { y: { title: { display: true, text: h.metric } } },
        },
      },
    };
  });
}

export function historyHtml(h: History, chartJs: string, generator: string): string {
  const charts = historyCharts(h);
  const table = (l: HistoryLine) =>
    `<table><thead><tr><th>started</th><th>run</th><th>variant</th><th>versions</th><th class="num">${esc(h.metric)}</th><th class="num">interval</th></tr></thead><tbody>${l.points
      .map(
        (p) =>
          `<tr><td>${esc(p.started)}</td><td>${esc(p.run_id)}</td><td>${esc(p.variant ?? '')}</td><td>${esc(versionLabel(p.versions))}</td><td class="num">${esc(formatNumber(p.estimate.value, 4))}</td><td class="num">${p.estimate.low !== undefined && p.estimate.high !== undefined ? `${esc(formatNumber(p.estimate.low, 4))}–${esc(formatNumber(p.estimate.high, 4))}${p.estimate.interval === 'within_run_spread' ? ' (one run: its steps’ 25th–75th percentile)' : ''}` : '—'}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>grpo-bench history: ${esc(h.metric)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1f2937}table{border-collapse:collapse;margin:.5em 0 2em}td,th{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left}.num{text-align:right}canvas{max-height:360px}</style>
</head><body>
<h1>${esc(h.metric)} over versions and dates</h1>
<p>${h.lines.length} configuration(s) (machine, model, mode and settings equal along a line); bands: each point's interval as its summary gives it. Made by ${esc(generator)}.</p>
${h.lines.map((l, i) => `<h2>${esc(l.label)}</h2><canvas id="chart-history-${i}"></canvas>${table(l)}`).join('\n')}
${h.apart.length ? `<h2>Not compared</h2><ul>${h.apart.map((a) => `<li><code>${esc(a.dir)}</code>: ${esc(a.why)}</li>`).join('')}</ul>` : ''}
<script>${chartJs}</script>
<script type="application/json" id="gb-charts">${jsonForScript(charts)}</script>
<script>
for (const c of JSON.parse(document.getElementById('gb-charts').textContent)) new Chart(document.getElementById('chart-' + c.id), c.config);
</script>
</body></html>
`;
}
