// The progress line of a run: mode, repeat, step x/y, elapsed, last step time. It follows
// trainer rank 0's event file, the same record the analysis reads.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import path from 'node:path';
import type { UnitPlan } from '../../launch/types.ts';
import { eventFile } from '../../results/layout.ts';

export interface ProgressOptions {
  unit: UnitPlan;
  unitDir: string;
  steps: number;
  index: number;
  total: number;
  stream?: NodeJS.WriteStream;
}

export function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

/** Starts following the unit; the returned function stops and prints the final line. */
export function followProgress(o: ProgressOptions): (final: string) => void {
  const stream = o.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const started = Date.now();
  const file = path.join(o.unitDir, eventFile('trainer', 0));
  const label = `[${o.index + 1}/${o.total}] ${o.unit.mode} r${o.unit.repeat}${o.unit.point !== 'default' ? ` ${o.unit.point}` : ''}`;
  let shownSteps = -1;
  let lastLine = '';
  // Read incrementally: only the bytes appended since the last tick, so a long run's growing
  // event file costs the harness (whose CPU time is measured) nothing extra per tick.
  let offset = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8'); // a character cut between two reads is held back
  let steps = 0;
  let last: number | undefined;
  let busy = false;

  const readNew = async () => {
    let fh;
    try {
      fh = await open(file, 'r');
    } catch {
      return; // not created yet: the workload is still starting
    }
    try {
      const { size } = await fh.stat();
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      const lines = (partial + decoder.write(buf.subarray(0, bytesRead))).split('\n');
      partial = lines.pop() ?? ''; // a line being written right now; the next tick reads it whole
      for (const line of lines) {
        if (!line.includes('"type":"step"')) continue;
        try {
          const e = JSON.parse(line) as { t0: number; t1: number };
          steps++;
          last = e.t1 - e.t0;
        } catch {
          // not an event the analysis could read either; the analysis reports it
        }
      }
    } finally {
      await fh.close();
    }
  };

  const render = async () => {
    if (busy) return;
    busy = true;
    try {
      await readNew();
    } finally {
      busy = false;
    }
    const elapsed = formatDuration((Date.now() - started) / 1000);
    const phase = steps === 0 ? 'starting' : `step ${steps}/${o.steps}`;
    lastLine = `${label}  ${phase}  elapsed ${elapsed}${last !== undefined ? `  last step ${last.toFixed(2)} s` : ''}`;
    if (tty) stream.write(`\r\x1b[K${lastLine}`);
    else if (steps !== shownSteps) stream.write(`${lastLine}\n`);
    shownSteps = steps;
  };
  void render();
  const timer = setInterval(() => void render(), tty ? 500 : 1000);
  return (final: string) => {
    clearInterval(timer);
    const line = `${label}  ${final}  (${formatDuration((Date.now() - started) / 1000)})`;
    stream.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
  };
}
