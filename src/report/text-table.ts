// A plain-text table for the terminal (the run's summary, calibrate's profile, compare's verdict, reproduce's table): every column as
// wide as its widest cell, a rule under the header. Figures are formatted by the value formatter.
import { cellText, type Cell } from './tables.ts';

/** `numeric[i]`: column i is right-aligned. */
export function textTable(columns: readonly string[], rows: readonly (readonly Cell[])[], numeric: readonly boolean[] = []): string {
  const body = rows.map((r) => r.map(cellText));
  const widths = columns.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '─'.repeat(w))), ...body.map(line)].join('\n');
}
