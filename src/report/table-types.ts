// The shape of a report table, which every renderer and every table builder shares.
import type { Figure } from '../value-format.ts';

export interface Table {
  id: string;
  title: string;
  /** A sentence under the title: what the numbers are and how they were measured. */
  caption?: string;
  columns: string[];
  /** Right-align these columns (numbers). */
  numeric?: boolean[];
  rows: Cell[][];
}

/** A table cell: text as it is shown, or a number that the renderer formats. */
export type Cell = string | Figure;
