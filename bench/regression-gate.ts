// How often the regression gate says "regressed" when it should not (A/A pairs) and when it
// should (the candidate slowed by a known fraction, the synthetic workload's `slowdown`).
// Not a test: it runs the tiny CPU scenario many times. Usage:
//
//   GRPO_BENCH_PYTHON=.venv/bin/python npx tsx bench/regression-gate.ts \
//     [--pairs 20] [--slowdown 0.05 …] [--steps 30] [--repeats 1] [--mode colocate] [--threshold 0.02]
//     [--noise-profile FILE] [--out DIR]
//
// Without --noise-profile every pair is judged against the threshold alone; with one (from
// `grpo-bench calibrate` of the same scenario, steps and mode on this machine) against
// max(threshold, the machine's resolution), as `compare` judges once a machine is calibrated.
//
// Per pair i it runs the baseline A_i, an identical B_i and one slowed S_i per --slowdown, in an
// order rotated by i (so machine drift falls on every arm), then judges B_i and S_i against A_i.
// CPU time is the user + system time of this process and every process it waited for
// (/proc/self/stat utime, stime, cutime, cstime). Results: <out>/bench.json.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mean, sampleSd } from '../src/analysis/stats.ts';
import { compareRuns } from '../src/commands/compare/index.ts';
import { projectRoot } from '../src/env/python.ts';
import type { Verdict } from '../src/gate/types.ts';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/demo.yaml' },
    pairs: { type: 'string', default: '20' },
    slowdown: { type: 'string', multiple: true, default: ['0.05'] },
    steps: { type: 'string', default: '30' },
    repeats: { type: 'string', default: '1' },
    mode: { type: 'string', default: 'colocate' },
    threshold: { type: 'string', default: '0.02' },
    'noise-profile': { type: 'string' },
    out: { type: 'string', default: path.join('bench', 'out', `regression-gate-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
  },
});
const pairs = Number(args.pairs);
const slowdowns = args.slowdown.map(Number);
const threshold = Number(args.threshold);
const profile = args['noise-profile'] && path.resolve(args['noise-profile']);
const root = projectRoot();
const out = path.resolve(args.out);

/** User + system CPU seconds of this process and of every child it waited for (clock ticks of 1/100 s). */
async function readCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is stat field 3 (state); utime, stime, cutime, cstime are fields 14–17.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

async function scenarioFile(slowdown: number): Promise<string> {
  const text = await readFile(path.resolve(root, args.scenario), 'utf8');
  const file = path.join(out, `scenario-slowdown-${slowdown}.yaml`);
  await writeFile(file, `${text.trimEnd()}\nslowdown: ${slowdown}\n`);
  return file;
}

/** One `grpo-bench run` as a child process (logs to a file); the results folder it made. */
async function run(scenario: string, runs: string, log: string): Promise<string> {
  const before = new Set(await readdir(runs).catch(() => []));
  const argv = ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'run', scenario, '--mode', args.mode, '--steps', args.steps, '--repeats', args.repeats, '--out', runs, '--no-report'];
  const fd = openSync(log, 'a');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', fd, fd] });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  closeSync(fd);
  const made = (await readdir(runs)).filter((n) => !before.has(n));
  if (made.length !== 1) throw new Error(`run of ${scenario} made ${made.length} folders (exit ${code}); see ${log}`);
  if (code !== 0) console.error(`  warning: run exited ${code} (see ${log}); its finished steps are used`);
  return path.join(runs, made[0]!);
}

interface PairResult {
  pair: number;
  arm: string;
  ratio: number;
  low: number;
  high: number;
  p_adjusted: number;
  /** max(threshold, the profile's resolution): what "beyond noise" meant for this pair. */
  tested_threshold: number;
  outcome: string;
}

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  const runs = path.join(out, 'results');
  await mkdir(runs, { recursive: true });
  const log = path.join(out, 'runs.log');
  const arms = [{ name: 'A/A', slowdown: 0 }, ...slowdowns.map((s) => ({ name: `slowdown ${s}`, slowdown: s }))];
  const files = new Map<number, string>();
  for (const s of [0, ...slowdowns]) files.set(s, await scenarioFile(s));
  const cpu0 = await readCpu();
  const t0 = performance.now();
  const results: PairResult[] = [];
  const judge = (base: string, cand: string): Promise<Verdict> =>
    compareRuns({ baseline: base, candidate: cand, threshold, allowDifferent: ['slowdown'], noiseProfile: profile });

  for (let i = 0; i < pairs; i++) {
    // Units of this pair: the baseline, then every arm's candidate; the order rotates with i.
    const units = [{ arm: 'baseline', slowdown: 0 }, ...arms.map((a) => ({ arm: a.name, slowdown: a.slowdown }))];
    const rotated = units.map((_, k) => units[(k + i) % units.length]!);
    const dirs = new Map<string, string>();
    for (const u of rotated) dirs.set(u.arm, await run(files.get(u.slowdown)!, runs, log));
    for (const a of arms) {
      const v = await judge(dirs.get('baseline')!, dirs.get(a.name)!);
      const c = v.comparisons[0]!;
      results.push({ pair: i, arm: a.name, ratio: c.ratio, low: c.interval.low, high: c.interval.high, p_adjusted: c.p_adjusted, tested_threshold: c.tested_threshold, outcome: c.outcome });
      console.error(`pair ${i + 1}/${pairs} ${a.name.padEnd(16)} ratio ${c.ratio.toFixed(4)} [${c.interval.low.toFixed(4)}, ${c.interval.high.toFixed(4)}] ${c.outcome} (tested against ${(c.tested_threshold * 100).toFixed(1)} %)`);
    }
    await writeFile(path.join(out, 'bench.json'), JSON.stringify({ args, results }, null, 2) + '\n');
  }

  const cpu = (await readCpu()) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const table = arms.map((a) => {
    const rs = results.filter((r) => r.arm === a.name);
    const regressed = rs.filter((r) => r.outcome === 'regressed').length;
    const ratios = rs.map((r) => r.ratio);
    const sd = ratios.length > 1 ? sampleSd(ratios) : 0;
    return { arm: a.name, pairs: rs.length, regressed, improved: rs.filter((r) => r.outcome === 'improved').length, mean_ratio: mean(ratios), sd_ratio: sd };
  });
  const summary = { args, wall_s: wall, cpu_s: cpu, runs: pairs * (1 + arms.length), table, results };
  await writeFile(path.join(out, 'bench.json'), JSON.stringify(summary, null, 2) + '\n');
  const tested = [...new Set(results.map((r) => `${(r.tested_threshold * 100).toFixed(1)} %`))].join(', ');
  console.log(`\n${pairs} pairs, ${summary.runs} runs (${args.steps} steps × ${args.repeats} repeat(s), mode ${args.mode}), threshold ${threshold}${profile ? `, noise profile ${profile}` : ''}; tested against ${tested}`);
  console.log('arm               regressed  improved  mean ratio  sd of ratio');
  for (const t of table) {
    console.log(`${t.arm.padEnd(18)}${`${t.regressed}/${t.pairs}`.padEnd(11)}${`${t.improved}/${t.pairs}`.padEnd(10)}${t.mean_ratio.toFixed(4).padEnd(12)}${t.sd_ratio.toFixed(4)}`);
  }
  console.log(`wall ${wall.toFixed(0)} s, CPU ${cpu.toFixed(0)} s (this process and every process it waited for)`);
  console.log(`details: ${path.join(out, 'bench.json')}`);
}

await main();
