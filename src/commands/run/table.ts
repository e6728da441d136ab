// The short table a run ends with. Formats the summary; computes nothing.
import type { Estimate, Summary } from '../../analysis/types.ts';

const fmt = (e: Estimate | undefined, digits = 2): string => {
  if (!e) return '–';
  // One run's range is the spread of its steps, not an interval: it says so.
  const steps = e.interval === 'within_run_spread' ? 'steps ' : '';
  const ci = e.low !== undefined && e.high !== undefined ? ` [${steps}${e.low.toFixed(digits)}, ${e.high.toFixed(digits)}]` : '';
  return `${e.value.toFixed(digits)}${ci}`;
};

export function formatSummaryTable(s: Summary): string {
  const header = ['point', 'mode', 'runs', 'steps', 'step s (median)', 'tok/s/alloc dev', 'tok/s/train dev', 'gen÷train', 'tok/sample'];
  const rows = s.modes.map((m) => [
    m.point,
    m.mode,
    `${m.runs.filter((r) => r.status === 'ok').length}/${m.runs.length}`,
    String(m.steps_measured),
    fmt(m.step_time_s, 3),
    fmt(m.completion_tokens_per_s_per_allocated_device, 1),
    fmt(m.completion_tokens_per_s_per_training_device, 1),
    m.generation_to_training_ratio.toFixed(2),
    String(m.completion_tokens_per_sample),
  ]);
  const single = s.points.length <= 1;
  const cols = single ? header.slice(1) : header;
  const body = single ? rows.map((r) => r.slice(1)) : rows;
  const widths = cols.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const out = [line(cols), line(widths.map((w) => '─'.repeat(w))), ...body.map(line)];
  if (s.comparisons.length) out.push('');
  for (const c of s.comparisons) out.push(c.statement);
  for (const n of s.notes) out.push(`${n.severity === 'warning' ? 'warning' : 'note'}: ${n.text}`);
  return out.join('\n');
}
