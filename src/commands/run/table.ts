// The short table a run ends with. Formats the summary (through the value formatter); computes nothing.
import { METRICS } from '../../records/metrics.ts';
import type { Summary } from '../../records/summary.ts';
import { modeDisplayName } from '../../modes.ts';
import { comparisonHeadlines, pointLabel } from '../../report/format.ts';
import type { Cell } from '../../report/tables.ts';
import { estimateFigure } from '../../value-format.ts';
import { renderDoc, type Block, type OutputFormat } from '../../report/doc.ts';

/** The summary as plain aligned text (a terminal, a pipe), or as Markdown when asked. */
export function formatSummaryTable(s: Summary, format: OutputFormat = 'text'): string {
  const columns = ['point', 'mode', 'runs', 'steps', 'step s (median)', 'tok/s/alloc dev', 'tok/s/train dev', 'gen÷train', 'tok/sample'];
  const rows = s.modes.map((m): Cell[] => [
    pointLabel(s, m.point),
    modeDisplayName(m.mode),
    `${m.runs.filter((r) => r.status === 'ok').length}/${m.runs.length}`,
    { value: m.steps_measured, precision: { decimals: 0 } },
    ...(['step_time_s', 'completion_tokens_per_s_per_allocated_device', 'completion_tokens_per_s_per_training_device'] as const).map(
      (name) => estimateFigure(m[name], { precision: { decimals: METRICS[name].decimals } }),
    ),
    { value: m.generation_to_training_ratio, precision: { decimals: 2 } },
    { value: m.completion_tokens_per_sample },
  ]);
  // A run without a sweep has one point: its column says nothing.
  const single = s.points.length <= 1;
  const table = {
    id: 'run',
    title: 'Per mode',
    columns: single ? columns.slice(1) : columns,
    rows: single ? rows.map((r) => r.slice(1)) : rows,
  };
  const numeric = table.columns.map((_, i) => i >= (single ? 1 : 2));
  const blocks: Block[] = [{ kind: 'table', table: { ...table, numeric } }];
  if (s.comparisons.length > 0) blocks.push({ kind: 'lines', lines: comparisonHeadlines(s).map((h) => [{ escape: h }]) });
  if (s.notes.length)
    blocks.push({ kind: 'lines', lines: s.notes.map((n) => [`${n.severity === 'warning' ? 'warning' : 'note'}: `, { escape: n.text }]) });
  return renderDoc(blocks, format);
}
