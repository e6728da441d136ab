// report.md: the headline, the tables and the charts, fit to paste into a pull request or a post.
import { REPORT_FILES, reportChartFile, RUN_FILES } from '../results/layout.ts';
import type { ChartSpec, OmittedChart } from './charts.ts';
import { escapeMarkdown as md } from './escape.ts';
import type { ReportInput } from './load.ts';
import { cellText, reportFootnotes, reportHeader, reportTables, samplesFile, type Cell, type Table } from './tables.ts';

/** A cell: a Figure formatted, text escaped, its line breaks kept as <br> (GitHub renders them in tables). */
const cell = (c: Cell) => cellText(c).split('\n').map(md).join('<br>') || ' ';

export function markdownTable(t: Table): string {
  const align = t.columns.map((_, i) => (t.numeric?.[i] ? '---:' : ':---'));
  return [
    `| ${t.columns.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function renderMarkdown(input: ReportInput, charts: readonly ChartSpec[], omitted: readonly OmittedChart[] = []): string {
  const h = reportHeader(input);
  const out: string[] = [...(h.unverified ? [`**${md(h.unverified)}**`, ''] : []), `# ${md(h.title)}`, ''];
  for (const line of h.headlines) out.push(`> **${md(line)}**`, '');
  out.push(h.facts.map(md).join(' · '), '');
  for (const note of h.notes) out.push(`> **Note:** ${md(note)}`, '');
  const tables = reportTables(input);
  const chartsAfter: Record<string, string[]> = {
    comparisons: ['throughput', 'sweep-speedup', 'sweep-throughput'],
    'point-comparisons': ['sweep-points'],
    phases: ['phases'],
  };
  const shown = new Set<string>();
  for (const t of tables) {
    out.push(`## ${md(t.title)}`, '');
    if (t.caption) out.push(md(t.caption), '');
    out.push(markdownTable(t), '');
    for (const id of chartsAfter[t.id] ?? []) {
      const c = charts.find((x) => x.id === id);
      if (!c) continue;
      out.push(`![${md(c.title)}](${encodeURI(reportChartFile(c.id))})`, '');
      shown.add(c.id);
    }
  }
  const rest = charts.filter((c) => !shown.has(c.id));
  if (rest.length) {
    out.push('## More charts', '');
    for (const c of rest) out.push(`- [${md(c.title)}](${encodeURI(reportChartFile(c.id))})`);
    out.push('');
  }
  if (omitted.length) out.push('## Charts left out', '', ...omitted.map((c) => `- ${md(c.title)}: ${md(c.reason)}`), '');
  const foot = reportFootnotes(input);
  if (foot.notes.length) {
    out.push('## Notes', '', ...foot.notes.map((n) => `- ${md(n.text)}`), '');
  }
  if (foot.methods.length) {
    out.push(
      '## Methods',
      '',
      ...foot.methods.map(([k, v]) => `- **${md(k)}:** ${md(v)}`),
      '',
      'Definitions in full: docs/metrics.md.',
      '',
    );
  }
  out.push(
    `All numbers come from \`${RUN_FILES.summary}\`; per-step rows are in \`${REPORT_FILES.steps}\`, ${samplesFile(input)}. Open \`${REPORT_FILES.html}\` for interactive charts.`,
    '',
  );
  return out.join('\n');
}
