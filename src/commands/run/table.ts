// The short table a run ends with. Formats the summary (through the value formatter); computes nothing.
import { METRICS } from '../../records/metrics.ts';
import type { Summary } from '../../records/summary.ts';
import { modeDisplayName } from '../../modes.ts';
import { pointLabel } from '../../report/format.ts';
import type { Cell } from '../../report/tables.ts';
import { estimateFigure } from '../../value-format.ts';
import { textTable } from '../text-table.ts';

export function formatSummaryTable(s: Summary): string {
  const columns = ['point', 'mode', 'runs', 'steps', 'step s (median)', 'tok/s/alloc dev', 'tok/s/train dev', 'gen÷train', 'tok/sample'];
  const rows = s.modes.map((m): Cell[] => [
    pointLabel(s, m.point),
    modeDisplayName(m.mode),
    `${m.runs.filter((r) => r.status === 'ok').length}/${m.runs.length}`,
    { value: m.steps_measured, precision: { decimals: 0 } },
    ...(['step_time_s', 'completion_tokens_per_s_per_allocated_device', 'completion_tokens_per_s_per_training_device'] as const).map((name) =>
      estimateFigure(m[name], { precision: { decimals: METRICS[name].decimals } }),
    ),
    { value: m.generation_to_training_ratio, precision: { decimals: 2 } },
    { value: m.completion_tokens_per_sample },
  ]);
  // A run without a sweep has one point: its column says nothing.
  const single = s.points.length <= 1;
  const out = [single ? textTable(columns.slice(1), rows.map((r) => r.slice(1))) : textTable(columns, rows)];
  if (s.comparisons.length) out.push('');
  for (const c of s.comparisons) out.push(c.statement);
  for (const n of s.notes) out.push(`${n.severity === 'warning' ? 'warning' : 'note'}: ${n.text}`);
  return out.join('\n');
}
