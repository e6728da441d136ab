// The progress line of a run: mode, repeat, step x/y, elapsed, last step time. It follows
// trainer rank 0's event file through the results reader, as the analysis reads it.
import path from 'node:path';
import type { UnitPlan } from '../records/plan.ts';
import { eventFile } from '../results/layout.ts';
import { followEventLines } from '../results/read.ts';
import { formatFigure } from '../value-format.ts';

export interface ProgressOptions {
  unit: UnitPlan;
  unitDir: string;
  steps: number;
  index: number;
  total: number;
  /** Trainer rank 0's event file, when not `<unitDir>/events/trainer-0.jsonl` (a node's folder under SLURM). */
  eventsFile?: string;
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
  const file = o.eventsFile ?? path.join(o.unitDir, eventFile('trainer', 0));
  const label = `[${o.index + 1}/${o.total}] ${o.unit.mode} r${o.unit.repeat}${o.unit.point !== 'default' ? ` ${o.unit.point}` : ''}`;
  let shownSteps = -1;
  let lastLine = '';
  const nextLines = followEventLines(file);
  let steps = 0;
  let last: number | undefined;
  let busy = false;

  const readNew = async () => {
    for (const e of await nextLines()) {
      if (e.type !== 'step') continue;
      steps++;
      last = Number(e.t1) - Number(e.t0);
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
    lastLine = `${label}  ${phase}  elapsed ${elapsed}${last !== undefined ? `  last step ${formatFigure({ value: last, unit: 's', precision: { decimals: 2 } })}` : ''}`;
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
