// Append-only CSV files: the header once, then rows written through to the kernel as they come,
// so a crash keeps every row sampled before it.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';

export type Cell = string | number | null | undefined;

export class CsvAppender {
  readonly #fd: number;
  #closed = false;

  constructor(
    readonly file: string,
    header: readonly string[],
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a');
    if (fstatSync(this.#fd).size === 0) writeSync(this.#fd, stringify([header as string[]]));
  }

  append(rows: readonly (readonly Cell[])[]): void {
    if (this.#closed || rows.length === 0) return;
    writeSync(this.#fd, stringify(rows as Cell[][]));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
  }
}

/** Wall-clock seconds since the epoch: the clock event files use (Python's time.time()), so rows line up with them. */
export function wallSeconds(): number {
  return Date.now() / 1000;
}
