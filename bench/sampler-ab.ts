// What measuring costs: the same scenario run with its samplers at the scenario's rate (A) and
// with `telemetry.enabled: false` (B, no sampler at all), interleaved in ABBA blocks in one
// sitting, so that machine drift falls on both sides. Not a test: it runs the scenario many
// times. Usage:
//
//   GRPO_BENCH_PYTHON=.venv/bin/python nice -n 10 npx tsx bench/sampler-ab.ts \
//     [--scenario scenarios/gate-cpu.yaml] [--blocks 8] [--steps N] [--warmup-steps N] [--budget-s 840] [--out DIR]
//
// Each block is one run with sampling and one without, in the order AB in even blocks and BA in
// odd ones. Each run is a real `grpo-bench run` of one mode and one repeat; its figures come from
// the folder through the harness's own reader and analysis (summary.json). The ratios A ÷ B of
// per-run step time and throughput are paired by block (src/analysis/inference/intervals.ts, as between
// modes of a run), so the interval says which change this many runs can resolve. The samplers' CPU
// cost is what the runs with sampling recorded (the manifest's sampler_cost): the sampler
// processes (NVML or nvidia-smi, GPU runs only) and the harness process while it sampled (where the
// per-process and host samplers run, beside supervising the workload). A block does not start when
// the blocks so far say it would end after --budget-s. Results: <out>/sampler-ab.json, rewritten
// after every block.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { blockRatio, resolveChange, runLevelEstimate, type BlockValue, type RatioEstimate } from '../src/analysis/inference/intervals.ts';
import { projectRoot } from '../src/env/python.ts';
import { readRun } from '../src/results/read.ts';
import { loadScenarioFile } from '../src/scenario/load.ts';
import { formatFigure, formatNumber, formatPercentText, percentFigure } from '../src/value-format.ts';
import { cli, readCpu } from './cli-runs.ts';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/gate-cpu.yaml' },
    blocks: { type: 'string', default: '8' },
    steps: { type: 'string' },
    'warmup-steps': { type: 'string' },
    'budget-s': { type: 'string', default: '840' },
    out: { type: 'string', default: path.join('bench', 'out', `sampler-ab-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
  },
});
const budget = Number(args['budget-s']);
const root = projectRoot();
const out = path.resolve(args.out);
const results = path.join(out, 'results');
const log = path.join(out, 'runs.log');

type Side = 'sampling' | 'off';

interface RunFigures {
  block: number;
  side: Side;
  dir: string;
  step_time_s: number;
  completion_tokens_per_s: number;
  /** CPU seconds of the whole run: the harness and every workload process. */
  cpu_s: number;
  wall_s: number;
  /** The manifest's sampler_cost (runs with sampling only). */
  harness_cpu_s_per_s?: number;
  sampler_cpu_s_per_s?: number;
}

/** The scenario with telemetry on as it stands, or switched off; written beside the results. */
async function scenarioFile(side: Side): Promise<{ file: string; intervalMs: number }> {
  const doc = parse(await readFile(path.resolve(root, args.scenario), 'utf8')) as Record<string, unknown>;
  const telemetry = { ...((doc.telemetry as Record<string, unknown> | undefined) ?? {}), enabled: side === 'sampling' };
  const file = path.join(out, `scenario-${side}.yaml`);
  await writeFile(file, stringify({ ...doc, telemetry }));
  // Read back as `run` will read it: checked, and the interval as the schema resolves it.
  return { file, intervalMs: (await loadScenarioFile(file)).scenario.telemetry.interval_ms };
}

/** The one mode's figures of a one-run folder, read back through the harness's reader. */
async function runFigures(dir: string, block: number, side: Side, cpu_s: number, wall_s: number): Promise<RunFigures> {
  const run = await readRun(dir);
  const mode = run.analysis?.summary.modes[0];
  if (!mode || !(mode.step_time_s.n_steps > 0)) throw new Error(`${dir}: no measured steps (see ${log})`);
  const cost = run.manifest.units[0]?.sampler_cost;
  return {
    block,
    side,
    dir,
    step_time_s: mode.step_time_s.value,
    completion_tokens_per_s: mode.completion_tokens_per_s.value,
    cpu_s,
    wall_s,
    ...(cost ? { harness_cpu_s_per_s: cost.harness_cpu_s_per_s, sampler_cpu_s_per_s: cost.sampler_cpu_s_per_s } : {}),
  };
}

function ratio(runs: readonly RunFigures[], value: (r: RunFigures) => number): RatioEstimate {
  const side = (s: Side): BlockValue[] => runs.filter((r) => r.side === s).map((r) => ({ block: r.block, value: value(r) }));
  return blockRatio(side('off'), side('sampling'));
}

/** `1.004 × (95% CI 0.99–1.02): no change resolved (±2.1%)`, as the run summaries word it. */
function describeRatio(r: RatioEstimate): string {
  const iv = r.interval;
  const figure = formatFigure({ value: r.ratio, low: iv?.low, high: iv?.high, unit: '×' });
  const res = resolveChange(r);
  const verdict =
    res.kind === 'unresolved'
      ? `no change resolved (±${formatPercentText(res.within)})`
      : res.kind === 'no_interval'
        ? 'too few runs for an interval'
        : `sampling ${res.kind === 'faster' ? 'raised' : 'lowered'} it`;
  return `${figure}, ${iv ? iv.method : r.design}: ${verdict}`;
}

async function main(): Promise<void> {
  await mkdir(results, { recursive: true });
  const files = { sampling: await scenarioFile('sampling'), off: await scenarioFile('off') };
  const size = [
    ...(args.steps ? ['--steps', args.steps] : []),
    ...(args['warmup-steps'] ? ['--warmup-steps', args['warmup-steps']] : []),
    '--repeats',
    '1',
    '--out',
    results,
  ];
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const runs: RunFigures[] = [];
  const save = async (extra: object = {}) =>
    writeFile(
      path.join(out, 'sampler-ab.json'),
      JSON.stringify({ args, interval_ms: files.sampling.intervalMs, runs, ...extra }, null, 2) + '\n',
    );

  let blocks = 0;
  for (let b = 0; b < Number(args.blocks); b++) {
    if (blocks > 0 && elapsed() + elapsed() / blocks > budget) break;
    const order: Side[] = b % 2 === 0 ? ['sampling', 'off'] : ['off', 'sampling'];
    for (const side of order) {
      const cpu0 = await readCpu();
      const w0 = performance.now();
      const [dir] = await cli(['run', files[side].file, '--no-report', ...size], results, log);
      if (!dir) throw new Error(`run made no results folder (see ${log})`);
      runs.push(await runFigures(dir, b, side, (await readCpu()) - cpu0, (performance.now() - w0) / 1000));
      const r = runs.at(-1)!;
      console.error(
        `block ${b + 1} ${side.padEnd(8)} step ${formatNumber(r.step_time_s)} s, ${formatNumber(r.completion_tokens_per_s)} tok/s (${elapsed().toFixed(0)} s)`,
      );
    }
    blocks++;
    await save();
  }

  const sampled = runs.filter((r) => r.side === 'sampling');
  const meanOf = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const estimate = (side: Side, value: (r: RunFigures) => number) => runLevelEstimate(runs.filter((r) => r.side === side).map(value));
  const figures = {
    blocks,
    runs_per_side: sampled.length,
    step_time_ratio: ratio(runs, (r) => r.step_time_s),
    throughput_ratio: ratio(runs, (r) => r.completion_tokens_per_s),
    run_cpu_ratio: ratio(runs, (r) => r.cpu_s),
    step_time_s: { sampling: estimate('sampling', (r) => r.step_time_s), off: estimate('off', (r) => r.step_time_s) },
    harness_cpu_s_per_s: meanOf(sampled.map((r) => r.harness_cpu_s_per_s ?? Number.NaN)),
    sampler_cpu_s_per_s: meanOf(sampled.map((r) => r.sampler_cpu_s_per_s ?? Number.NaN)),
    wall_s: elapsed(),
  };
  await save(figures);
  const est = (e: ReturnType<typeof runLevelEstimate>) => {
    const iv = e.interval?.kind === 'confidence' ? e.interval : undefined;
    return formatFigure({ value: e.value, low: iv?.low, high: iv?.high, unit: 's' });
  };
  console.log(
    [
      '',
      `${args.scenario}: sampling every ${files.sampling.intervalMs} ms (A) vs telemetry.enabled: false (B), ${blocks} ABBA blocks, ${sampled.length} runs per side, one sitting (${formatNumber(figures.wall_s, { decimals: 0 })} s)`,
      '',
      `- step time (median per run), A ÷ B: ${describeRatio(figures.step_time_ratio)}`,
      `  A ${est(figures.step_time_s.sampling)}, B ${est(figures.step_time_s.off)}`,
      `- completion tokens/s, A ÷ B: ${describeRatio(figures.throughput_ratio)}`,
      `- CPU seconds of the whole run (harness + workload), A ÷ B: ${describeRatio(figures.run_cpu_ratio)}`,
      `- harness process while sampling: ${formatFigure(percentFigure(figures.harness_cpu_s_per_s, { decimals: 2 }))} of one core; sampler processes (NVML / nvidia-smi): ${formatFigure(percentFigure(figures.sampler_cpu_s_per_s, { decimals: 2 }))}`,
      '',
      `details: ${path.join(out, 'sampler-ab.json')}`,
    ].join('\n'),
  );
}

await main();
