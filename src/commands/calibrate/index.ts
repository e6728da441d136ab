// `grpo-bench calibrate <scenario>`: measures what the gate can resolve on this machine. Runs the
// scenario as several A/A pairs of results folders (default 3 pairs × 3 runs each), fits the noise
// model (spread of runs within a folder, spread between folders), writes it as a noise profile,
// <out>/noise-profiles/<scenario>-<environment hash>.json, and prints the smallest regression the
// gate detects with 80% and 95% probability at n runs per side. `compare` uses the profile.
// docs/metrics.md "Noise profile".
import path from 'node:path';
import { CALIBRATION, GATE } from '../../analysis/inference/constants.ts';
import { gateDecision, type GateSense } from '../../analysis/inference/gate-rule.ts';
import { UsageError, UserError } from '../../errors.ts';
import type { Cell } from '../../report/table-types.ts';
import { formatFigure, formatPercentText, formatNumber } from '../../value-format.ts';
import { textTable } from '../../report/text-table.ts';
import { familyLevel } from '../../analysis/inference/gate-rule.ts';
import { cheapestDesign, varianceComponents, type DesignRun } from '../../analysis/inference/design.ts';
import { mean } from '../../analysis/inference/stats.ts';
import { measuredRuns } from '../../analysis/summary/steps.ts';
import type { StepRow } from '../../records/steps.ts';
import { assertComparable, checkComparable } from '../../analysis/gate/comparable.ts';
import { GATE_METRICS, metricPerRun, parseMetric, type GateSide } from '../../analysis/gate/judge.ts';
import { type GateMetric } from '../../records/metrics.ts';
import { noiseProfile, noiseProfilePath, saveNoiseProfile, type NoiseProfile } from '../../analysis/gate/noise.ts';
import { gateSide } from '../compare/index.ts';
import { runCommand, type RunOptions } from '../run/index.ts';

/** `run`'s options for the A/A folders (`out` also receives noise-profiles/), the pairs, and the metric to profile (default the gate's). */
export interface CalibrateOptions extends Pick<RunOptions, 'scenario' | 'modes' | 'steps' | 'warmupSteps' | 'out' | 'signal'> {
  metric?: string;
  /** A/A pairs of folders to run (default CALIBRATION.default_pairs). */
  pairs?: number;
  /** Runs per folder (default CALIBRATION.default_runs_per_side; at least CALIBRATION.min_runs_per_side). */
  repeats?: number;
  /** Threshold the table of detectable changes is computed for (default GATE.threshold). */
  threshold?: number;
  /** Results folders of this scenario already run on this machine (two or more): profile them instead of running. */
  from?: string[];
}

export async function calibrateCommand(o: CalibrateOptions): Promise<number> {
  const metric = parseMetric(o.metric);
  const spec = GATE_METRICS[metric];
  const repeats = o.repeats ?? CALIBRATION.default_runs_per_side;
  const pairs = o.pairs ?? CALIBRATION.default_pairs;
  if (repeats < CALIBRATION.min_runs_per_side) {
    throw new UsageError(
      `--repeats ${repeats}: calibrate needs at least ${CALIBRATION.min_runs_per_side} runs per folder to see how runs vary within one`,
      `Use --repeats ${CALIBRATION.default_runs_per_side} (the default).`,
    );
  }
  if (o.from && o.from.length < 2) throw new UsageError(`--from takes two results folders or more, got ${o.from.length}`);
  const dirs: string[] = o.from ? [...o.from] : [];
  const count = o.from ? 0 : 2 * pairs;
  for (let k = 0; k < count; k++) {
    console.error(`calibrate: folder ${k + 1} of ${count} (A/A pair ${Math.floor(k / 2) + 1}, ${repeats} runs)`);
    const { exitCode, runDir } = await runCommand({
      scenario: o.scenario,
      modes: o.modes,
      repeats,
      steps: o.steps,
      warmupSteps: o.warmupSteps,
      out: o.out,
      signal: o.signal,
    });
    if (exitCode === 130) return 130;
    if (exitCode !== 0) console.error(`calibrate: ${runDir} did not complete every unit; its finished steps are used`);
    dirs.push(runDir);
  }
  const sides = await Promise.all(dirs.map((d) => gateSide(d)));
  // Every folder must be the same work on the same machine, or their spread is not noise.
  for (const s of sides.slice(1)) assertComparable(checkComparable(sides[0]!.manifest, s.manifest));

  const keys = sides[0]!.summary.modes.map((m) => ({ point: m.point, mode: m.mode }));
  const sessions = keys.flatMap(({ point, mode }) => {
    const values = sides.map((s) => metricPerRun(s, point, mode, metric));
    const few = values.map((v, i) => [v.length, dirs[i]] as const).filter(([n]) => n < CALIBRATION.min_runs_per_side);
    if (few.length > 0) {
      console.error(`calibrate: ${point}/${mode} left out: ${few.map(([n, d]) => `${d} has ${n} measured run(s)`).join('; ')}`);
      return [];
    }
    return [{ point, mode, values }];
  });
  if (sessions.length === 0)
    throw new UserError(
      `no (point, mode) has ${CALIBRATION.min_runs_per_side} measured runs or more in every folder: nothing to calibrate`,
    );

  const threshold = o.threshold ?? GATE.threshold;
  const profile = noiseProfile({
    environment: sides[0]!.manifest.fingerprint.environment,
    scenario: sides[0]!.summary.scenario,
    metric,
    higher_is_better: spec.higher_is_better,
    threshold,
    runs: sides.map((s) => s.dir),
    sessions,
    created: new Date().toISOString(),
  });
  const file = noiseProfilePath(path.resolve(o.out), profile.environment, profile.scenario);
  await saveNoiseProfile(file, profile);
  console.log(formatProfile(profile, sides));
  for (const { point, mode } of sessions)
    console.log(
      formatDesigns(
        `${point}/${mode}`,
        sides.flatMap((s) => designRuns(s, point, mode, metric)),
      ),
    );
  console.log(`\nnoise profile: ${path.relative(process.cwd(), file) || file}`);
  return 0;
}

const pct = (x: number, decimals = 1) => formatPercentText(x, { decimals });

/**
 * Each measured run of (point, mode) as the design recommender sees it: ln of each measured step's
 * value (tokens per second, or its duration for step time), its start-up (the unit's launch to its
 * first measured step's start, warm-up steps included) and its mean measured step.
 */
export function designRuns(side: GateSide, point: string, mode: string, metric: GateMetric): DesignRun[] {
  const perStep = (r: StepRow) =>
    metric === 'step_time_s' ? r.duration_s : metric === 'samples_per_s' ? r.samples / r.duration_s : r.completion_tokens / r.duration_s;
  return measuredRuns(side.rows, point, mode).flatMap((run) => {
    const unit = side.manifest.units?.find((u) => u.point === point && u.mode === mode && u.repeat === run[0]!.repeat);
    if (!unit?.started || run.length === 0) return [];
    return [
      {
        log_steps: run.map((r) => Math.log(perStep(r))),
        startup_s: run[0]!.t0 - Date.parse(unit.started) / 1000,
        step_s: mean(run.map((r) => r.duration_s)),
      },
    ];
  });
}

/** The cheapest runs × steps per run for ±5, 3 and 2 % (paired by interleaved block), from the runs' variance between runs and between steps. */
export function formatDesigns(subject: string, runs: readonly DesignRun[]): string {
  const c = varianceComponents(runs);
  if (c.runs < 2) return `\n${subject}: fewer than two runs with a launch time and two measured steps: no design to recommend`;
  const lines = [
    '',
    `${subject}: runs vary by ${pct(Math.sqrt(c.run))} beyond their steps, steps by ${pct(Math.sqrt(c.step))} (lag-1 correlation ${formatNumber(c.rho, { decimals: 2 })}); start-up ${formatNumber(c.startup_s, { decimals: 0 })} s, ${formatNumber(c.step_s, { decimals: 2 })} s a step (${c.runs} runs)`,
    '  Cheapest design to resolve a ratio to ± (interleaved blocks, 95 %; time of both arms, start-up included):',
  ];
  const rows = DESIGN_TARGETS.map((h): Cell[] => {
    const d = cheapestDesign(c, h);
    return d
      ? [`±${pct(h, 0)}`, String(d.runs_per_side), String(d.steps_per_run), `${formatNumber(d.seconds / 60, { decimals: 1 })} min`]
      : [`±${pct(h, 0)}`, '—', '—', 'not within 200 runs × 1000 steps'];
  });
  lines.push(
    ...textTable(['resolution', 'runs per side', 'measured steps per run', 'time (× devices per arm for GPU time)'], rows)
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return lines.join('\n');
}

const DESIGN_TARGETS = [0.05, 0.03, 0.02];

/** The profile as text: the noise model per (point, mode), the A/A pairs, and what the gate resolves. */
export function formatProfile(p: NoiseProfile, sides: readonly Pick<GateSide, 'dir'>[] = []): string {
  const lines = [
    `Noise of ${p.metric} on this machine (scenario ${p.scenario}, environment ${p.environment_hash}): ${p.runs.length} folders`,
  ];
  for (const e of p.entries) {
    const m = e.model;
    lines.push(
      '',
      `${e.point}/${e.mode}: ${m.runs} runs in ${m.sessions} folders`,
      `  spread of runs within a folder   ${pct(Math.sqrt(m.within))} (sd of ln value, ${m.within_df} df)`,
      `  spread between folders           ${pct(Math.sqrt(m.between))} (${m.between_df} df; 0 when the folders differ no more than their runs explain — the gate uses the mean square between folders with its ${m.between_df} df, not this estimate as if known)`,
    );
    // Consecutive folders as A/A pairs, judged as `compare` would with this profile (in-sample: a check, not a test).
    const level = p.level ?? familyLevel(p.entries.length);
    const sense: GateSense = { threshold: p.threshold, higher_is_better: p.higher_is_better, level };
    for (let k = 0; k + 1 < e.sessions.length; k += 2) {
      const d = gateDecision({ ...sense, baseline: e.sessions[k]!, candidate: e.sessions[k + 1]!, noise: m, plan: false });
      const ratio = formatFigure({ value: d.ratio, low: d.interval?.low, high: d.interval?.high, precision: { decimals: 3 } });
      const names = sides.length === e.sessions.length ? ` (${sides[k + 1]!.dir} ÷ ${sides[k]!.dir})` : '';
      lines.push(`  A/A pair ${k / 2 + 1}: ratio ${ratio}, ${d.outcome.replace('_', ' ')}${names}`);
    }
    const columns = ['runs per side', 'regression caught 80% of the time', '95% of the time', 'an unchanged candidate cleared'];
    const rows = e.operating.map((o): Cell[] => [
      String(o.runs_per_side),
      `≥ ${pct(o.detectable['0.8']!)}`,
      `≥ ${pct(o.detectable['0.95']!)}`,
      pct(o.unchanged_cleared, 0),
    ]);
    const at =
      p.entries.length > 1
        ? `${p.entries.length} comparisons, each at ${pct(level, 2)} or wider as \`compare\` judges them (Holm's first step)`
        : 'one comparison at 95%';
    lines.push(
      '',
      `  What the gate resolves (threshold ${pct(p.threshold)}, ${at}):`,
      ...textTable(columns, rows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return lines.join('\n');
}
