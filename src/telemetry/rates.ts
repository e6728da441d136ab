// Effective sampling rate per field: how often a field's value actually changes, beside how
// often it was read. utilization.gpu refreshes more slowly than it can be polled (each value
// repeats about twice at 100 ms on an H200), so the polling rate overstates what a view resolves.
// Fed one row at a time (the samplers, while they run) or from a whole telemetry.csv (analysis).
import { RATED_FIELDS, type GpuSource, type RatedField } from './gpu-row.ts';

export const FIELD_RATES_HEADER = ['gpu', 'field', 'source', 'samples', 'changes', 'span_s', 'sample_hz', 'change_hz'] as const;

export interface FieldRate {
  gpu: number;
  field: RatedField;
  source: GpuSource | string;
  /** Samples with a value. */
  samples: number;
  /** Samples whose value differs from the previous value. */
  changes: number;
  /** First to last sample with a value, seconds. */
  span_s: number;
  /** (samples − 1) ÷ span: how often the field was read. */
  sample_hz: number;
  /** changes ÷ span: how often it brought news; equal to sample_hz when every read changed. */
  change_hz: number;
}

interface Acc {
  gpu: number;
  field: RatedField;
  source: string;
  samples: number;
  changes: number;
  first: number;
  last: number;
  value: number;
}

type RowLike = { t: number; gpu: number; source?: string } & Partial<Record<RatedField, number | null>>;

export class FieldRates {
  readonly #acc = new Map<string, Acc>();

  add(row: RowLike): void {
    for (const field of RATED_FIELDS) {
      const v = row[field];
      if (v === null || v === undefined || !Number.isFinite(v) || !Number.isFinite(row.t)) continue;
      const key = `${row.gpu}\u0000${field}\u0000${row.source ?? ''}`;
      const a = this.#acc.get(key);
      if (!a) {
        this.#acc.set(key, { gpu: row.gpu, field, source: row.source ?? '', samples: 1, changes: 0, first: row.t, last: row.t, value: v });
        continue;
      }
      a.samples++;
      if (v !== a.value) a.changes++;
      a.value = v;
      a.last = row.t;
    }
  }

  /** One row per (GPU, field, source) that had values, sorted by GPU then field order. */
  rates(): FieldRate[] {
    const order = (f: RatedField) => RATED_FIELDS.indexOf(f);
    return [...this.#acc.values()]
      .sort((a, b) => a.gpu - b.gpu || order(a.field) - order(b.field) || a.source.localeCompare(b.source))
      .map((a) => {
        const span = a.last - a.first;
        return {
          gpu: a.gpu,
          field: a.field,
          source: a.source,
          samples: a.samples,
          changes: a.changes,
          span_s: span,
          sample_hz: span > 0 ? (a.samples - 1) / span : Number.NaN,
          change_hz: span > 0 ? a.changes / span : Number.NaN,
        };
      });
  }
}

export function fieldRates(rows: Iterable<RowLike>): FieldRate[] {
  const r = new FieldRates();
  for (const row of rows) r.add(row);
  return r.rates();
}
