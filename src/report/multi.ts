// The page over several results folders: per metric one chart with every folder's modes and
// points, each bar labelled by what differs between the folders (analysis/folders.ts), the
// folders of unequal work per sample apart, with why. Formatting only: every number is a
// folder's own summary figure.
import { stringify } from 'csv-stringify/sync';
import type { FolderComparison, FolderRecord, Series, SeriesGroup } from '../analysis/folders.ts';
import type { Estimate, ModeSummary } from '../records/summary.ts';
import { modeColor, modeDisplayName } from '../modes.ts';
import { reportChartFile } from '../results/layout.ts';
import { estimateFigure, MISSING } from '../value-format.ts';
import { axis, roomFor, withFooter, type ChartSpec } from './charts.ts';
import { escapeHtml as esc, escapeMarkdown as md } from './escape.ts';
import { plural } from './format.ts';
import { figureHtml, htmlPage, tableHtml } from './html.ts';
import { markdownTable } from './markdown.ts';
import { footerLines } from './provenance.ts';
import type { Table } from './tables.ts';
import { INK, MUTED, PAPER, withAlpha } from './theme.ts';

export interface MultiInput {
  folders: readonly FolderRecord[];
  comparison: FolderComparison;
  /** The page's first line when some folders did not verify (only with --allow-unverified): which ones, and why. */
  unverified?: string;
}

/** Files of the page over several folders. */
export const MULTI_FILES = { markdown: 'report.md', html: 'report.html', summary: 'summary.csv', fields: 'fields.csv' } as const;

interface Metric {
  id: string;
  title: string;
  axis: string;
  of: (m: ModeSummary) => Estimate | undefined;
}

const METRICS: Metric[] = [
  {
    id: 'throughput',
    title: 'Throughput per allocated GPU',
    axis: 'completion tokens / s / allocated GPU',
    of: (m) => m.completion_tokens_per_s_per_allocated_device,
  },
  {
    id: 'throughput-training',
    title: 'Throughput per training GPU',
    axis: 'completion tokens / s / training GPU',
    of: (m) => m.completion_tokens_per_s_per_training_device,
  },
  { id: 'step-time', title: 'Step time', axis: 'seconds per step (median)', of: (m) => m.step_time_s },
];

/** Fields a chart's bar label shows; the table under the charts has every one. */
const LABEL_FIELDS = 4;

const FIELD_NAMES: Record<string, string> = {
  machine: 'machine',
  date: 'date',
  'versions.trl': 'TRL',
  'versions.vllm': 'vLLM',
  'versions.torch': 'torch',
};

/** A field's name for a reader: the last part of its path, or its usual name. */
export function fieldName(key: string): string {
  return FIELD_NAMES[key] ?? key.split('.').at(-1)!;
}

function fieldText(s: Series, key: string): string {
  const v = s.fields[key] || MISSING;
  return key === 'machine' || key === 'date' ? v : `${fieldName(key)} ${v}`;
}

/**
 * The fields a short label shows: the first LABEL_FIELDS on which the series differs, and where
 * that leaves two series of one mode looking alike, the first further field that tells them apart.
 */
function shownFields(g: SeriesGroup, s: Series): string[] {
  const head = s.label.slice(0, LABEL_FIELDS);
  const text = (o: Series, keys: string[]) => `${o.mode}|${keys.map((k) => o.fields[k] ?? '').join('|')}`;
  const twins = g.series.filter((o) => o !== s && text(o, head) === text(s, head));
  const extra = s.label.slice(LABEL_FIELDS).find((k) => twins.some((o) => (o.fields[k] ?? '') !== (s.fields[k] ?? '')));
  return extra ? [...head, extra] : head;
}

/** The words that tell a series from the rest of its group: its mode and the fields on which it differs (`shown` of them, then …). */
export function seriesLabel(s: Series, shown: readonly string[] = s.label): string {
  const fields = shown.map((k) => fieldText(s, k));
  return [modeDisplayName(s.mode), ...(fields.length ? fields : [s.run_id])].join(' · ') + (s.label.length > shown.length ? ' · …' : '');
}

const deviceKinds = (g: SeriesGroup) => new Set(g.series.map((s) => s.figures.devices.kind));
const axisText = (g: SeriesGroup, text: string) => (deviceKinds(g).has('cuda') ? text : text.replaceAll('GPU', 'device'));

function groupTitle(g: SeriesGroup, i: number): string {
  const w = g.work;
  const work = w
    ? `${w.model}, ${w.workload}, ${w.num_generations} generations of ≤ ${w.max_completion_length} tokens after ≤ ${w.max_prompt_length}`
    : 'work per sample unknown';
  return i === 0 ? `Compared: ${work}` : `Apart: ${work}`;
}

/** What a group's charts rest on, under each of them. */
function groupFooter(input: MultiInput, g: SeriesGroup): string[] {
  const common = (key: string, name: string) =>
    g.common[key] !== undefined ? `${name} ${g.common[key] || MISSING}` : `${name}: see labels`;
  const folders = new Set(g.series.map((s) => s.folder));
  const runs = g.series.reduce((n, s) => n + s.figures.runs.filter((r) => r.steps > 0).length, 0);
  const dates = [...new Set(g.series.map((s) => s.fields.date).filter(Boolean))].sort();
  return footerLines([
    g.common.machine ?? 'machines: see labels',
    `model ${g.work?.model ?? MISSING}`,
    common('versions.trl', 'TRL'),
    common('versions.vllm', 'vLLM'),
    common('versions.torch', 'torch'),
    `${plural(folders.size, 'folder')}, ${plural(runs, 'run')}`,
    "intervals: each folder's own",
    dates.length ? (dates.length === 1 ? dates[0]! : `${dates[0]} to ${dates.at(-1)}`) : `date ${MISSING}`,
  ]);
}

function metricChart(input: MultiInput, g: SeriesGroup, gi: number, metric: Metric): ChartSpec {
  const rows = g.series;
  const modes = [...new Set(rows.map((s) => s.mode))];
  // One dataset per mode (its colour and legend key), a bar only on that mode's rows; not grouped, so each row has one bar.
  const datasets = modes.map((mode) => {
    const ests = rows.map((s) => (s.mode === mode ? metric.of(s.figures) : undefined));
    return {
      label: modeDisplayName(mode),
      data: ests.map((e) => e?.value ?? null),
      errorBars: ests.map((e) => (e && e.low !== undefined && e.high !== undefined ? [e.low, e.high] : null)),
      errorBarColor: INK,
      backgroundColor: withAlpha(modeColor(mode), 0.85),
      borderColor: modeColor(mode),
      borderWidth: 1,
      grouped: false,
      maxBarThickness: 30,
    };
  });
  const labels = rows.map((s) => {
    const shown = shownFields(g, s);
    const fields = shown.map((k) => fieldText(s, k));
    const head = `${modeDisplayName(s.mode)}${fields.length ? '' : ` · ${s.run_id}`}`;
    return [
      head,
      ...(fields.length ? [fields.slice(0, 2).join(' · ')] : []),
      ...(fields.length > 2 ? [fields.slice(2).join(' · ') + (s.label.length > shown.length ? ' · …' : '')] : []),
    ];
  });
  const kinds = new Set(rows.map((s) => metric.of(s.figures)?.interval));
  const whiskers = [
    ...(kinds.has('confidence') ? ['a t interval over its runs where a folder has several'] : []),
    ...(kinds.has('within_run_spread') ? ['the 25th–75th percentile of its steps where it has one run'] : []),
  ];
  const title = `${metric.title}${gi === 0 ? '' : ' (apart: unequal work)'}`;
  const spec: ChartSpec = {
    id: gi === 0 ? metric.id : `${metric.id}-apart-${gi}`,
    title,
    width: 1000,
    height: 170 + rows.length * 50,
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        font: { size: 12 },
        color: INK,
        indexAxis: 'y',
        layout: { padding: { top: 4, right: 16, bottom: 6, left: 8 } },
        plugins: {
          title: {
            display: true,
            text: title,
            color: INK,
            align: 'start',
            font: { size: 15, weight: 600 },
            padding: { top: 4, bottom: 2 },
          },
          subtitle: {
            display: true,
            text: [
              `${plural(rows.length, 'series', 'series')} from ${plural(new Set(rows.map((s) => s.folder)).size, 'results folder')}, each labelled by what differs between them (every field in the table).`,
              `Whiskers: each folder's own interval${whiskers.length ? ` (${whiskers.join('; ')})` : ''}, not an interval on the difference between folders.`,
              ...(g.apart ? [`Apart from the first group: ${g.apart}.`] : []),
            ],
            color: MUTED,
            align: 'start',
            font: { size: 11.5 },
            padding: { bottom: 10 },
          },
          legend: { display: true, position: 'top', align: 'start', labels: { color: INK, boxWidth: 14, boxHeight: 10, padding: 12 } },
          tooltip: { enabled: true },
          gbBackground: { color: PAPER },
        },
        scales: {
          x: axis(axisText(g, metric.axis), { beginAtZero: true, ...roomFor(datasets) }),
          y: axis('', {
            grid: { display: false },
            title: { display: false },
            ticks: { color: INK, font: { size: 11.5 }, autoSkip: false },
          }),
        },
      },
    } as unknown as ChartSpec['config'],
  };
  return withFooter(spec, groupFooter(input, g));
}

/** Every chart of the page: per group, one per metric that some series has. */
export function multiCharts(input: MultiInput): ChartSpec[] {
  return input.comparison.groups.flatMap((g, gi) =>
    METRICS.filter((m) => g.series.some((s) => Number.isFinite(m.of(s.figures)?.value))).map((m) => metricChart(input, g, gi, m)),
  );
}

/** Per group: one row per series, its figures with its own interval. */
function seriesTable(g: SeriesGroup, gi: number): Table {
  const columns = ['#', 'series', 'folder', 'runs', 'step time (s)', 'tokens/s per allocated GPU', 'tokens/s per training GPU'];
  return {
    id: `series-${gi}`,
    title: groupTitle(g, gi),
    caption: `${g.apart ? `Not on the first group's axes: ${g.apart}. ` : ''}Each row is one mode at one point of one folder, with that folder's own interval in brackets (a t interval over its runs, or with one run the spread of its steps).`,
    columns,
    numeric: columns.map((_, i) => i >= 3),
    rows: g.series.map((s, i) => [
      String(i + 1),
      seriesLabel(s, shownFields(g, s)),
      `${s.dir}${s.point !== 'default' ? ` (${s.point})` : ''}`,
      `${s.figures.runs.filter((r) => r.steps > 0).length} of ${s.figures.runs.length}`,
      estimateFigure(s.figures.step_time_s),
      estimateFigure(s.figures.completion_tokens_per_s_per_allocated_device),
      estimateFigure(s.figures.completion_tokens_per_s_per_training_device),
    ]),
  };
}

/** Per group: every field on which its series differ, one column each. */
function fieldsTable(g: SeriesGroup, gi: number): Table {
  return {
    id: `fields-${gi}`,
    title: 'What differs between them',
    caption: g.differing.length
      ? `From each folder's manifest (machine, versions, settings of its point and mode, date); a mode's own settings are compared only between series of that mode. Shared by all: ${Object.entries(
          g.common,
        )
          .filter(([k]) => !k.startsWith('environment.') && !k.startsWith('settings.'))
          .map(([k, v]) => `${fieldName(k)} ${v || MISSING}`)
          .join(', ')}.`
      : 'Nothing recorded in the manifests differs between these series.',
    columns: ['#', 'mode', ...g.differing.map(fieldName)],
    rows: g.series.map((s, i) => [String(i + 1), modeDisplayName(s.mode), ...g.differing.map((k) => s.fields[k] || MISSING)]),
  };
}

/** The charts of group `gi` (metricChart's ids). */
const groupCharts = (charts: readonly ChartSpec[], gi: number) =>
  charts.filter((c) => (gi === 0 ? !/-apart-\d+$/.test(c.id) : c.id.endsWith(`-apart-${gi}`)));

/** The folders with nothing to chart, in words; empty when there are none. */
function unmeasuredText(input: MultiInput): string {
  const u = input.comparison.unmeasured;
  return u.length ? `Left out, no measured steps (every unit failed or was interrupted): ${u.map((x) => x.dir).join(', ')}.` : '';
}

const INTERVALS_NOTE =
  "Every interval is the folder's own (a t interval over its runs, or one run's spread of steps): the folders ran apart, on machines, versions or dates that may differ, so no interval on the difference between folders is computed. Series of unequal work per sample (another model, workload, num_generations or lengths) are shown apart.";

export function multiMarkdown(input: MultiInput, charts: readonly ChartSpec[]): string {
  const out = [
    ...(input.unverified ? [`**${md(input.unverified)}**`, ''] : []),
    `# Results folders side by side`,
    '',
    md(`${plural(input.folders.length, 'results folder')}: ${input.folders.map((f) => f.dir).join(', ')}`),
    '',
    `> ${md(INTERVALS_NOTE)}`,
    '',
    ...(unmeasuredText(input) ? [`> **Note:** ${md(unmeasuredText(input))}`, ''] : []),
  ];
  input.comparison.groups.forEach((g, gi) => {
    const t = seriesTable(g, gi);
    out.push(`## ${md(t.title)}`, '', md(t.caption ?? ''), '', markdownTable(t), '');
    for (const c of groupCharts(charts, gi)) out.push(`![${md(c.title)}](${encodeURI(reportChartFile(c.id))})`, '');
    const f = fieldsTable(g, gi);
    out.push(`### ${md(f.title)}`, '', md(f.caption ?? ''), '', markdownTable(f), '');
  });
  return out.join('\n');
}

export async function multiHtml(input: MultiInput, charts: readonly ChartSpec[], generator: string): Promise<string> {
  const sections = input.comparison.groups.map((g, gi) => {
    return `${tableHtml(seriesTable(g, gi))}
<div class="charts">
${groupCharts(charts, gi).map(figureHtml).join('\n')}
</div>
${tableHtml(fieldsTable(g, gi))}`;
  });
  const body = `${input.unverified ? `<p class="note"><strong>${esc(input.unverified)}</strong></p>\n` : ''}<header>
<h1>Results folders side by side</h1>
<p class="facts">${esc(`${plural(input.folders.length, 'results folder')}: ${input.folders.map((f) => f.dir).join(', ')}`)}</p>
<p class="note">${esc(INTERVALS_NOTE)}</p>
${unmeasuredText(input) ? `<p class="note">${esc(unmeasuredText(input))}</p>` : ''}
</header>
${sections.join('\n')}
<footer>Made by ${esc(generator)} from the summaries and manifests of the folders named above.</footer>`;
  return htmlPage({ title: 'Results folders side by side', generator, body, charts });
}

const csv = (rows: unknown[][]) => stringify(rows);
const est = (name: string, e: Estimate | undefined) => [
  [name, e?.value ?? ''],
  [`${name}_low`, e?.low ?? ''],
  [`${name}_high`, e?.high ?? ''],
  [`${name}_interval`, e?.interval ?? ''],
];

/** summary.csv: one row per series, its group, label and figures. */
export function multiSummaryCsv(input: MultiInput): string {
  const records = input.comparison.groups.flatMap((g, gi) =>
    g.series.map((s) =>
      Object.fromEntries([
        ['group', gi + 1],
        ['apart', g.apart ?? ''],
        ['folder', s.dir],
        ['run_id', s.run_id],
        ['point', s.point],
        ['mode', s.mode],
        ['label', seriesLabel(s)],
        ['runs_ok', s.figures.runs.filter((r) => r.status === 'ok').length],
        ['runs_total', s.figures.runs.length],
        ['steps_measured', s.figures.steps_measured],
        ...est('step_time_s', s.figures.step_time_s),
        ...est('completion_tokens_per_s_per_allocated_device', s.figures.completion_tokens_per_s_per_allocated_device),
        ...est('completion_tokens_per_s_per_training_device', s.figures.completion_tokens_per_s_per_training_device),
      ]),
    ),
  );
  const header = Object.keys(records[0] ?? { group: '' });
  return csv([header, ...records.map((r) => header.map((k) => r[k]))]);
}

/** fields.csv: every field of every series (group, run, point, mode, field, value), differing or not. */
export function multiFieldsCsv(input: MultiInput): string {
  const rows = input.comparison.groups.flatMap((g, gi) =>
    g.series.flatMap((s) => Object.entries(s.fields).map(([k, v]) => [gi + 1, s.run_id, s.point, s.mode, k, v, g.differing.includes(k)])),
  );
  return stringify([['group', 'run_id', 'point', 'mode', 'field', 'value', 'differs'], ...rows], {
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
}
