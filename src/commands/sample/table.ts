// The Markdown tables `grpo-bench sample` prints: per segment what each view read beside what
// the program says was true, and per field how often its value changed.
import type { SegmentReading } from '../../analysis/segments.ts';
import type { FieldRate } from '../../telemetry/rates.ts';
import { escapeMarkdown } from '../../report/escape.ts';

const DASH = '—';

/** A percentage: two decimals below 10 % (one SM of 132 is 0.76 %), one above. */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return `${x.toFixed(Math.abs(x) < 10 ? 2 : 1)}%`;
}

const fixed = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? DASH : x.toFixed(digits));

function truthOf(s: SegmentReading): { kernel: string; sms: string } {
  const t = (s.truth ?? null) as { kernel_running_pct?: number | null; sm_active_pct?: number | null } | null;
  if (!t) return { kernel: DASH, sms: DASH };
  const known = (x: number | null | undefined) => (x === null ? 'not known' : pct(x));
  return { kernel: known(t.kernel_running_pct), sms: known(t.sm_active_pct) };
}

function row(cells: string[]): string {
  return `| ${cells.map(escapeMarkdown).join(' | ')} |`;
}

export function segmentTable(segments: readonly SegmentReading[]): string {
  const head = ['#', 'segment', 'GPU', 'read (s)', 'truth: a kernel ran', 'truth: SMs busy', 'utilization.gpu', 'SM activity', 'SM occupancy', 'tensor activity', 'power (W)', 'energy (J)'];
  const lines = [row(head), `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const s of segments) {
    const truth = truthOf(s);
    const r = s.reading;
    const energy = r.energy ? `${r.energy.joules.toFixed(0)} (${r.energy.source === 'energy counter' ? 'counter' : '∫ power'})` : DASH;
    lines.push(row([String(s.index), s.name, String(s.gpu), fixed(s.t1 - s.read_from, 1), truth.kernel, truth.sms, pct(r.util_pct), pct(r.sm_active_pct), pct(r.sm_occupancy_pct), pct(r.tensor_active_pct), fixed(r.power_w, 0), energy]));
  }
  return lines.join('\n');
}

export function ratesTable(rates: readonly FieldRate[]): string {
  const head = ['GPU', 'field', 'source', 'samples', 'value changes', 'read (Hz)', 'changed (Hz)', 'reads per value'];
  const lines = [row(head), `|${head.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rates) {
    lines.push(row([String(r.gpu), r.field, r.source, String(r.samples), String(r.changes), fixed(r.sample_hz, 2), fixed(r.change_hz, 2), r.changes > 0 ? (r.samples / (r.changes + 1)).toFixed(2) : DASH]));
  }
  return lines.join('\n');
}
