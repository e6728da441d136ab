// The regression gate on real runs: how often it says "regressed", "no regression" and
// "inconclusive" for an unchanged candidate (A/A) and for candidates slowed by a known fraction
// (the synthetic workload's `slowdown`: extra time = fraction × step time), with Clopper–Pearson
// intervals on every rate, beside what the machine's noise profile predicts. Not a test: it runs
// the scenario many times. Usage:
//
//   GRPO_BENCH_PYTHON=.venv/bin/python nice -n 10 npx tsx bench/regression-gate.ts \
//     [--scenario scenarios/gate-cpu.yaml] [--repeats 5] [--pairs 1] [--trials 3] [--slowdown 0.05 --slowdown 0.1]
//     [--steps 10] [--warmup-steps 2] [--threshold 0.02] [--budget-s 840] [--out DIR]
//
// First `grpo-bench calibrate` (A/A pairs of folders of --repeats runs) makes the noise profile.
// Then each trial runs a baseline folder B, an identical folder A′ and one slowed folder per
// --slowdown, in an order that alternates from trial to trial (B A′ S… then S… A′ B, so drift
// falls on both sides), and judges A′ and each S against B with the profile, as `compare` does.
// No trial starts after --budget-s seconds. CPU time is the user + system time of this process
// and every process it waited for. Results: <out>/bench.json, rewritten after every trial.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GATE } from '../src/analysis/inference/constants.ts';
import { atRunsPerSide, outcomeProbabilities, type GateOutcome } from '../src/analysis/inference/gate-rule.ts';
import { clopperPearson, type Proportion } from '../src/analysis/inference/intervals.ts';
import { comparisonVariance } from '../src/analysis/inference/gate-rule.ts';
import { compareRuns } from '../src/commands/compare/index.ts';
import { projectRoot } from '../src/env/python.ts';
import { loadNoiseProfile, type NoiseProfile } from '../src/analysis/gate/noise.ts';
import { cli, readCpu } from './cli-runs.ts';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'scenarios/gate-cpu.yaml' },
    repeats: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '1' },
    trials: { type: 'string', default: '3' },
    slowdown: { type: 'string', multiple: true, default: ['0.05', '0.1'] },
    steps: { type: 'string', default: '10' },
    'warmup-steps': { type: 'string', default: '2' },
    threshold: { type: 'string', default: String(GATE.threshold) },
    'budget-s': { type: 'string', default: '840' },
    out: { type: 'string', default: path.join('bench', 'out', `regression-gate-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
  },
});
const repeats = Number(args.repeats);
const slowdowns = args.slowdown.map(Number);
const threshold = Number(args.threshold);
const budget = Number(args['budget-s']);
const root = projectRoot();
const out = path.resolve(args.out);
const results = path.join(out, 'results');
const log = path.join(out, 'runs.log');

async function scenarioFile(slowdown: number): Promise<string> {
  const text = (await readFile(path.resolve(root, args.scenario), 'utf8')).replace(/^slowdown:.*$/m, '');
  const file = path.join(out, `scenario-slowdown-${slowdown}.yaml`);
  await writeFile(file, `${text.trimEnd()}\nslowdown: ${slowdown}\n`);
  return file;
}

const run = (argv: string[]) => cli(argv, results, log);

const size = ['--repeats', String(repeats), '--steps', args.steps, '--warmup-steps', args['warmup-steps'], '--out', results];

interface Judged {
  trial: number;
  arm: string;
  slowdown: number;
  ratio: number;
  low: number | null;
  high: number | null;
  outcome: GateOutcome;
  runs_needed: number | null | undefined;
}

async function main(): Promise<void> {
  await mkdir(results, { recursive: true });
  const arms = [{ name: 'A/A', slowdown: 0 }, ...slowdowns.map((s) => ({ name: `${+(100 * s).toFixed(1)} % slower`, slowdown: s }))];
  const files = new Map<number, string>();
  for (const s of [0, ...slowdowns]) files.set(s, await scenarioFile(s));
  const cpu0 = await readCpu();
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;

  console.error(`calibrate: ${args.pairs} A/A pair(s) × ${repeats} runs`);
  const calibration = await run(['calibrate', files.get(0)!, '--pairs', args.pairs, '--threshold', String(threshold), ...size]);
  const profileDir = path.join(results, 'noise-profiles');
  const [profileName] = await readdir(profileDir);
  const profile = (await loadNoiseProfile(path.join(profileDir, profileName!))) as NoiseProfile;
  const model = profile.entries[0]!.model;
  const sense = { threshold, higher_is_better: true, level: 1 - GATE.family_alpha };
  const predicted = Object.fromEntries(
    arms.map((a) => [
      a.name,
      outcomeProbabilities(
        atRunsPerSide(comparisonVariance([], [], model), model.within_df, repeats),
        repeats,
        repeats,
        1 / (1 + a.slowdown),
        sense,
      ),
    ]),
  );
  console.error(
    `  within-folder sd ${(100 * Math.sqrt(model.within)).toFixed(1)} %, between-folder sd ${(100 * Math.sqrt(model.between)).toFixed(1)} % (${elapsed().toFixed(0)} s)`,
  );

  const judged: Judged[] = [];
  const save = async (extra: object = {}) =>
    writeFile(
      path.join(out, 'bench.json'),
      JSON.stringify({ args, calibration, profile: path.join(profileDir, profileName!), model, predicted, judged, ...extra }, null, 2) +
        '\n',
    );
  let trials = 0;
  for (let i = 0; i < Number(args.trials) && elapsed() < budget; i++, trials++) {
    const units = [{ arm: 'baseline', slowdown: 0 }, ...arms.map((a) => ({ arm: a.name, slowdown: a.slowdown }))];
    const ordered = i % 2 === 0 ? units : [...units].reverse();
    const dirs = new Map<string, string>();
    for (const u of ordered) dirs.set(u.arm, (await run(['run', files.get(u.slowdown)!, '--no-report', ...size]))[0]!);
    for (const a of arms) {
      const v = await compareRuns({
        baseline: dirs.get('baseline')!,
        candidate: dirs.get(a.name)!,
        threshold,
        allowDifferent: ['slowdown'],
      });
      const c = v.comparisons[0]!;
      judged.push({
        trial: i,
        arm: a.name,
        slowdown: a.slowdown,
        ratio: c.ratio,
        low: c.interval?.low ?? null,
        high: c.interval?.high ?? null,
        outcome: c.outcome,
        runs_needed: c.runs_needed,
      });
      const iv = c.interval ? `[${c.interval.low.toFixed(3)}, ${c.interval.high.toFixed(3)}]` : '(no interval)';
      console.error(
        `trial ${i + 1} ${a.name.padEnd(14)} ratio ${c.ratio.toFixed(3)} ${iv} ${c.outcome}${c.runs_needed ? ` (~${c.runs_needed} runs per side)` : ''} (${elapsed().toFixed(0)} s)`,
      );
    }
    await save();
  }

  const cpu = (await readCpu()) - cpu0;
  const wall = elapsed();
  const rate = (arm: string, o: GateOutcome): Proportion => {
    const rs = judged.filter((j) => j.arm === arm);
    return clopperPearson(rs.filter((j) => j.outcome === o).length, rs.length);
  };
  const table = arms.map((a) => ({
    arm: a.name,
    regressed: rate(a.name, 'regressed'),
    no_regression: rate(a.name, 'no_regression'),
    inconclusive: rate(a.name, 'inconclusive'),
    predicted: predicted[a.name]!,
  }));
  await save({ wall_s: wall, cpu_s: cpu, trials, table });
  const f = (p: Proportion) => `${p.k}/${p.n} [${(100 * p.low).toFixed(0)}, ${(100 * p.high).toFixed(0)} %]`;
  const q = (x: number) => `${(100 * x).toFixed(0)} %`;
  console.log(
    `\n${args.scenario}, ${repeats} runs per folder (${args.steps} steps, ${args['warmup-steps']} warm-up), threshold ${100 * threshold} %; profile: ${args.pairs} A/A pair(s), within-folder sd ${(100 * Math.sqrt(model.within)).toFixed(1)} %, between-folder sd ${(100 * Math.sqrt(model.between)).toFixed(1)} %; ${trials} trial(s)\n`,
  );
  console.log('| candidate | regressed | no regression | inconclusive | predicted by the profile (regressed / no regression) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const t of table) {
    console.log(
      `| ${t.arm} | ${f(t.regressed)} | ${f(t.no_regression)} | ${f(t.inconclusive)} | ${q(t.predicted.regressed)} / ${q(t.predicted.no_regression)} |`,
    );
  }
  console.log(
    `\nwall ${wall.toFixed(0)} s, CPU ${cpu.toFixed(0)} s (this process and every process it waited for); details: ${path.join(out, 'bench.json')}`,
  );
}

await main();
