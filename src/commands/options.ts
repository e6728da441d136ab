// Option builders shared by the commands: numbers checked when yargs reads them (so `--repeats abc`
// is answered with what was expected, never NaN), lists, and the options `run` and `calibrate`
// share. Every error here is a UsageError naming the flag.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.ts';
import { MODES } from '../modes.ts';
import type { ModeName } from '../scenario/schema.ts';
import { LAUNCHER_NAMES, type LauncherName } from '../launch/launchers.ts';
import { RESULTS_ROOT } from '../results/layout.ts';

export const MODE_CHOICES = Object.keys(MODES) as ModeName[];

/** One value of a flag that is not an array: given twice, yargs makes an array of it. */
function single(v: unknown, flag: string): string {
  if (Array.isArray(v)) throw new UsageError(`--${flag} was given ${v.length} times; give it once`);
  return String(v).trim();
}

function wholeNumber(v: unknown, flag: string, min: 0 | 1, example: string): number {
  const text = single(v, flag);
  const n = /^[+]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min)) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(text)}: expected ${min === 1 ? 'a positive' : 'a non-negative'} whole number, e.g. --${flag} ${example}`,
    );
  }
  return n;
}

/**
 * A numeric option as yargs sees it: without `type: 'number'`, which would turn `abc` into NaN
 * before anything could say what was wrong with it; its coerce checks the value as given.
 */
type NumberOption<D> = { describe: string; requiresArg: true; coerce: (v: unknown) => number } & (D extends number
  ? { default: number }
  : unknown);

function numberOption<D extends number | undefined>(describe: string, fallback: D, coerce: (v: unknown) => number): NumberOption<D> {
  return { describe, requiresArg: true, ...(fallback !== undefined ? { default: fallback } : {}), coerce } as NumberOption<D>;
}

/** A whole number ≥ 1 (`min: 0` allows 0). */
export function integerOption<D extends number | undefined = undefined>(
  flag: string,
  describe: string,
  o: { min?: 0 | 1; default?: D; example?: string } = {},
) {
  return numberOption(describe, o.default as D, (v) => wholeNumber(v, flag, o.min ?? 1, o.example ?? '3'));
}

/** A number > 0 (a duration, a size). */
export function positiveNumberOption<D extends number | undefined = undefined>(
  flag: string,
  describe: string,
  o: { default?: D; min?: 0; example?: string } = {},
) {
  return numberOption(describe, o.default as D, (v) => {
    const text = single(v, flag);
    const n = text === '' ? Number.NaN : Number(text);
    const ok = o.min === 0 ? n >= 0 : n > 0;
    if (!(Number.isFinite(n) && ok))
      throw new UsageError(
        `--${flag} ${JSON.stringify(text)}: expected a ${o.min === 0 ? 'non-negative' : 'positive'} number, e.g. --${flag} ${o.example ?? '1'}`,
      );
    return n;
  });
}

/** A fraction in (0, 1): a threshold. */
export function fractionOption<D extends number | undefined = undefined>(flag: string, describe: string, o: { default?: D } = {}) {
  return numberOption(describe, o.default as D, (v) => {
    const text = single(v, flag);
    const n = text === '' ? Number.NaN : Number(text);
    if (!(n > 0 && n < 1))
      throw new UsageError(`--${flag} ${JSON.stringify(text)}: expected a fraction between 0 and 1, e.g. --${flag} 0.02 for 2%`);
    return n;
  });
}

/** `8,16,32` → [8, 16, 32]. */
export function numberList(v: string | undefined, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const values = v.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x.trim())));
  if (values.some((x) => !Number.isFinite(x)))
    throw new UsageError(`--${flag} ${v}: give numbers separated by commas, e.g. --${flag} 8,16,32`);
  return values;
}

/** `1-8 12` → [1, …, 8, 12]: numbers and inclusive ranges, comma or space separated. */
export function integerList(items: readonly (string | number)[], flag: string): number[] {
  const out: number[] = [];
  for (const part of items.flatMap((i) => String(i).split(','))) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [Number.NaN, Number.NaN];
    if (!(a > 0 && b >= a)) throw new UsageError(`--${flag}: '${part}' is not a positive integer or a range like 1-8`);
    for (let k = a; k <= b; k++) out.push(k);
  }
  return [...new Set(out)];
}

/** The options `run` and `calibrate` share: which scenario, which modes, how much, where. */
export function runOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
    .option('mode', { type: 'string', array: true, choices: MODE_CHOICES, describe: 'Only these modes' })
    .option('repeats', integerOption('repeats', 'Override the scenario’s repeats'))
    .option('steps', integerOption('steps', 'Override the scenario’s steps', { example: '20' }))
    .option('warmup-steps', integerOption('warmup-steps', 'Override the scenario’s warm-up steps', { min: 0, example: '2' }))
    .option('point', { type: 'string', array: true, describe: 'Only these sweep points, by id (e.g. enable_sleep_mode=false)' })
    .option('launcher', {
      type: 'string',
      choices: LAUNCHER_NAMES,
      describe: 'Override the scenario’s launcher: local (this machine), or slurm (a batch job; docs/slurm.md)',
    })
    .option('out', { type: 'string', default: RESULTS_ROOT, describe: 'Folder that receives results/<run-id>/' });
}

export function runArgs(a: {
  scenario: string;
  mode?: string[];
  point?: string[];
  repeats?: number;
  steps?: number;
  'warmup-steps'?: number;
  launcher?: string;
  out: string;
}) {
  return {
    scenario: a.scenario,
    modes: a.mode as ModeName[] | undefined,
    pointIds: a.point,
    launcher: a.launcher as LauncherName | undefined,
    repeats: a.repeats,
    steps: a.steps,
    warmupSteps: a['warmup-steps'],
    out: a.out,
  };
}
