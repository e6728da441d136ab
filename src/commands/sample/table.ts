// The Markdown tables `grpo-bench sample` prints: per segment what each view read beside what
// the program says was true, and per field how often its value changed. Cells are Figures,
// formatted by the value formatter and rendered as the report's tables are.
import type { SegmentReading } from '../../analysis/summary/segments.ts';
import type { FieldRate } from '../../telemetry/rates.ts';
import { markdownTable } from '../../report/markdown.ts';
import type { Cell, Table } from '../../report/tables.ts';
import type { Figure } from '../../value-format.ts';

/** A percentage (0–100) to 3 significant digits, so one SM of 132 shows (0.758 %). */
const pct = (x: number | null | undefined): Figure => ({ value: x, unit: '%' });

function truthOf(s: SegmentReading): { kernel: Cell; sms: Cell } {
  const t = (s.truth ?? null) as { kernel_running_pct?: number | null; sm_active_pct?: number | null } | null;
  if (!t) return { kernel: pct(undefined), sms: pct(undefined) };
  const known = (x: number | null | undefined) => (x === null ? 'not known' : pct(x));
  return { kernel: known(t.kernel_running_pct), sms: known(t.sm_active_pct) };
}

export function segmentTable(segments: readonly SegmentReading[]): string {
  const columns = [
    '#',
    'segment',
    'GPU',
    'read (s)',
    'truth: a kernel ran',
    'truth: SMs busy',
    'utilization.gpu',
    'SM activity',
    'SM occupancy',
    'tensor activity',
    'power (W)',
    'energy (J)',
  ];
  const rows = segments.map((s): Cell[] => {
    const truth = truthOf(s);
    const r = s.reading;
    const energy: Cell = r.energy
      ? { value: r.energy.joules, precision: { decimals: 0 }, aside: r.energy.source === 'energy counter' ? 'counter' : '∫ power' }
      : { value: undefined };
    return [
      String(s.index),
      s.name,
      String(s.gpu),
      { value: s.t1 - s.read_from, precision: { decimals: 1 } },
      truth.kernel,
      truth.sms,
      pct(r.util_pct),
      pct(r.sm_active_pct),
      pct(r.sm_occupancy_pct),
      pct(r.tensor_active_pct),
      { value: r.power_w, precision: { decimals: 0 } },
      energy,
    ];
  });
  return markdownTable(table('segments', columns, 2, rows));
}

export function ratesTable(rates: readonly FieldRate[]): string {
  const columns = ['GPU', 'field', 'source', 'samples', 'value changes', 'read (Hz)', 'changed (Hz)', 'reads per value'];
  const rows = rates.map((r): Cell[] => [
    String(r.gpu),
    r.field,
    r.source,
    { value: r.samples, precision: { decimals: 0 } },
    { value: r.changes, precision: { decimals: 0 } },
    { value: r.sample_hz, precision: { decimals: 2 } },
    { value: r.change_hz, precision: { decimals: 2 } },
    { value: r.changes > 0 ? r.samples / (r.changes + 1) : undefined, precision: { decimals: 2 } },
  ]);
  return markdownTable(table('rates', columns, 3, rows));
}

/** A table whose first `text` columns are text, the rest numbers. */
function table(id: string, columns: string[], text: number, rows: Cell[][]): Table {
  return { id, title: id, columns, numeric: columns.map((_, i) => i >= text), rows };
}
