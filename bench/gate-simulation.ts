// The regression gate's operating characteristics by simulation. First, with the true ratio
// exactly at the threshold: how often the interval covers it, and how often the gate says
// "regressed" or "no regression" (each should be ≤ 2.5 %), at 3, 5, 10 and 20 runs per side, with a
// profile from calibrate's default (3 A/A pairs × 3 runs) and from one A/A pair × 5 runs. Then how
// often it says each outcome for an unchanged candidate (A/A) and for one slowed by 5 % and 10 %.
// Every trial calibrates first, then judges a baseline folder against a candidate folder with that
// profile, exactly by src/analysis/inference/gate-rule.ts. Last, sequential stopping as
// `run --until-resolved` does it (src/analysis/inference/sequential.ts), at most 6, 10 and 20 blocks.
// Seeded: the same arguments give the same table. Usage:
//
//   npx tsx bench/gate-simulation.ts [--trials 2000] [--threshold 0.02] [--seed 1] [--json FILE]
//
// Rates carry 95 % Clopper–Pearson intervals. docs/metrics.md "Operating characteristics" holds a run of it.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { gateDecision, type GateOutcome } from '../src/analysis/inference/gate-rule.ts';
import { clopperPearson, type Proportion } from '../src/analysis/inference/intervals.ts';
import { CALIBRATION } from '../src/analysis/inference/constants.ts';
import { fitNoiseModel } from '../src/analysis/inference/noise-model.ts';
import { normalStream, simulateSession, type MachineNoise } from '../src/analysis/inference/simulate.ts';
import { sampleSd, seedFor } from '../src/analysis/inference/stats.ts';
import { sequentialTrial } from '../src/analysis/inference/sequential.ts';
import { simulateBlock } from '../src/analysis/inference/simulate.ts';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '2000' },
    threshold: { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const trials = Number(args.trials);
const threshold = Number(args.threshold);
const seed = Number(args.seed);

/**
 * Machines: 20 measured steps per run, ln step time AR(1) with φ 0.5; they differ in how much
 * steps, runs and folders (sessions) vary. The table states each machine's resulting spread of
 * ln(value per run) within a folder, and between folders, as measured from the model.
 */
const MACHINES: { name: string; noise: MachineNoise }[] = [
  { name: 'quiet', noise: { steps: 20, step_sd: 0.02, phi: 0.5, run_sd: 0.005, session_sd: 0.0025 } },
  { name: 'moderate', noise: { steps: 20, step_sd: 0.03, phi: 0.5, run_sd: 0.01, session_sd: 0.005 } },
  { name: 'noisy', noise: { steps: 20, step_sd: 0.05, phi: 0.5, run_sd: 0.02, session_sd: 0.01 } },
  { name: 'folder-dominated', noise: { steps: 20, step_sd: 0.02, phi: 0.5, run_sd: 0.005, session_sd: 0.02 } },
];
const RUNS = [3, 5, 10, 20];
const CALIBRATIONS = [
  { name: '3 pairs × 3 runs', folders: 2 * CALIBRATION.default_pairs, runs: CALIBRATION.default_runs_per_side },
  { name: '1 pair × 5 runs', folders: 2, runs: 5 },
];
const ARMS = [
  { name: 'A/A', slowdown: 0 },
  { name: '5 % slower', slowdown: 0.05 },
  { name: '10 % slower', slowdown: 0.1 },
];

interface Cell {
  machine: string;
  runs_per_side: number;
  arm: string;
  trials: number;
  regressed: Proportion;
  no_regression: Proportion;
  inconclusive: Proportion;
}

/** The gate on `trials` simulated comparisons: a profile from `cal`, then two folders of n runs, the candidate's level ln(ratio) from the baseline's. */
function simulateCell(machine: MachineNoise, n: number, ratio: number, label: string, cal = CALIBRATIONS[0]!) {
  const normal = normalStream(seedFor(label, seed));
  const counts: Record<GateOutcome, number> = { regressed: 0, no_regression: 0, inconclusive: 0 };
  let covered = 0;
  for (let t = 0; t < trials; t++) {
    const calibration = Array.from({ length: cal.folders }, () => simulateSession(normal, machine, 0, cal.runs));
    const d = gateDecision({
      baseline: simulateSession(normal, machine, 0, n),
      candidate: simulateSession(normal, machine, Math.log(ratio), n),
      threshold,
      higher_is_better: true,
      level: 0.95,
      noise: fitNoiseModel(calibration),
      plan: false,
    });
    counts[d.outcome]++;
    if (d.interval && d.interval.low <= ratio && ratio <= d.interval.high) covered++;
  }
  return {
    trials,
    covered: clopperPearson(covered, trials),
    regressed: clopperPearson(counts.regressed, trials),
    no_regression: clopperPearson(counts.no_regression, trials),
    inconclusive: clopperPearson(counts.inconclusive, trials),
  };
}

/** The sd of ln(value per run) within one folder, from 20 000 simulated runs of the model. */
function runSpread(m: MachineNoise): number {
  const normal = normalStream(seedFor('spread', seed));
  return sampleSd(simulateSession(normal, { ...m, session_sd: 0 }, 0, 20_000).map(Math.log));
}

const t0 = performance.now();
const atThreshold: (Omit<Cell, 'arm'> & { calibration: string; covered: Proportion })[] = [];
for (const m of MACHINES) {
  for (const cal of CALIBRATIONS) {
    for (const n of RUNS) {
      atThreshold.push({
        machine: m.name,
        calibration: cal.name,
        runs_per_side: n,
        ...simulateCell(m.noise, n, 1 - threshold, `${m.name}/${cal.name}/${n}/at threshold`, cal),
      });
    }
  }
}
const cells: Cell[] = [];
for (const m of MACHINES) {
  for (const n of RUNS) {
    for (const a of ARMS) {
      // Slowed by s: each step takes (1 + s) times as long, throughput ÷ (1 + s).
      cells.push({
        machine: m.name,
        runs_per_side: n,
        arm: a.name,
        ...simulateCell(m.noise, n, 1 / (1 + a.slowdown), `${m.name}/${n}/${a.name}`),
      });
    }
  }
}
/**
 * Sequential stopping as `run --until-resolved` does it: one block (a run of each arm, back to back,
 * sharing the block's level, which drifts from block to block by the machine's folder spread) at a
 * time, the rule's look after each, stopping at the first verdict or after `maxBlocks`.
 */
const BUDGETS = [6, 10, 20];
const SEQ_ARMS = [{ name: 'at the threshold', ratio: 1 - threshold }, ...ARMS.map((a) => ({ name: a.name, ratio: 1 / (1 + a.slowdown) }))];
const sequential: {
  machine: string;
  max_blocks: number;
  arm: string;
  regressed: Proportion;
  no_regression: Proportion;
  inconclusive: Proportion;
  mean_blocks: number;
}[] = [];
for (const m of MACHINES) {
  for (const K of BUDGETS) {
    for (const a of SEQ_ARMS) {
      const normal = normalStream(seedFor(`${m.name}/${K}/${a.name}/sequential`, seed));
      const counts: Record<GateOutcome, number> = { regressed: 0, no_regression: 0, inconclusive: 0 };
      let blocks = 0;
      for (let t = 0; t < trials; t++) {
        const look = sequentialTrial(() => simulateBlock(normal, m.noise, Math.log(a.ratio), m.noise.session_sd), K, {
          threshold,
          higher_is_better: true,
        });
        counts[look.outcome as GateOutcome]++;
        blocks += look.blocks;
      }
      sequential.push({
        machine: m.name,
        max_blocks: K,
        arm: a.name,
        regressed: clopperPearson(counts.regressed, trials),
        no_regression: clopperPearson(counts.no_regression, trials),
        inconclusive: clopperPearson(counts.inconclusive, trials),
        mean_blocks: blocks / trials,
      });
    }
  }
}
const seconds = (performance.now() - t0) / 1000;

const pct = (p: Proportion) => `${(100 * p.rate).toFixed(1)} % [${(100 * p.low).toFixed(1)}, ${(100 * p.high).toFixed(1)}]`;
console.log(
  `${trials} trials per cell, threshold ${100 * threshold} %, profile from ${CALIBRATION.default_pairs} A/A pairs × ${CALIBRATION.default_runs_per_side} runs per side, seed ${seed}; 95 % Clopper–Pearson intervals (${seconds.toFixed(1)} s)\n`,
);
console.log('| machine | sd of ln(run value) within a folder | sd of a folder’s ln level |');
console.log('| --- | ---: | ---: |');
for (const m of MACHINES)
  console.log(`| ${m.name} | ${(100 * runSpread(m.noise)).toFixed(2)} % | ${(100 * m.noise.session_sd).toFixed(2)} % |`);
console.log('');
console.log(
  'With the true ratio at the threshold: interval coverage (aim ≥ 95 %), false "regressed" and false "no regression" (aim ≤ 2.5 % each)\n',
);
console.log('| machine | profile from | runs per side | coverage | "regressed" | "no regression" |');
console.log('| --- | --- | ---: | --- | --- | --- |');
for (const c of atThreshold)
  console.log(
    `| ${c.machine} | ${c.calibration} | ${c.runs_per_side} | ${pct(c.covered)} | ${pct(c.regressed)} | ${pct(c.no_regression)} |`,
  );
console.log('');
console.log('| machine | runs per side | candidate | regressed | no regression | inconclusive |');
console.log('| --- | ---: | --- | --- | --- | --- |');
for (const c of cells)
  console.log(`| ${c.machine} | ${c.runs_per_side} | ${c.arm} | ${pct(c.regressed)} | ${pct(c.no_regression)} | ${pct(c.inconclusive)} |`);
console.log('');
console.log(
  'Sequential stopping (interleaved blocks, a look after each, O’Brien–Fleming alpha spending); "at the threshold": the true ratio is 1 − threshold',
);
console.log('');
console.log('| machine | most blocks | candidate | regressed | no regression | inconclusive | mean blocks run |');
console.log('| --- | ---: | --- | --- | --- | --- | ---: |');
for (const c of sequential)
  console.log(
    `| ${c.machine} | ${c.max_blocks} | ${c.arm} | ${pct(c.regressed)} | ${pct(c.no_regression)} | ${pct(c.inconclusive)} | ${c.mean_blocks.toFixed(1)} |`,
  );
if (args.json)
  await writeFile(
    args.json,
    JSON.stringify(
      { args, machines: MACHINES, calibrations: CALIBRATIONS, seconds, at_threshold: atThreshold, cells, sequential },
      null,
      2,
    ) + '\n',
  );
