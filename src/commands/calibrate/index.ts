// `grpo-bench calibrate <scenario>`: runs the scenario twice with the same settings (A/A), judges
// the second against the first, and stores the machine's run-to-run spread of the gated metric as
// a noise profile: <out>/noise-profiles/<scenario>-<environment hash>.json (docs/metrics.md).
// `compare` reads it to say when a threshold is below what the machine can resolve.
import path from 'node:path';
import { judge, metricPerRun, parseMetric, type GateMetric } from '../../gate/judge.ts';
import { noiseProfile, noiseProfilePath, resolution, saveNoiseProfile, type NoiseProfile } from '../../gate/noise.ts';
import { gateSide } from '../compare/index.ts';
import { runCommand, type RunOptions } from '../run/index.ts';

/** `run`'s options for the two runs (`out` also receives noise-profiles/), and the metric to profile (default the gate's). */
export interface CalibrateOptions extends Pick<RunOptions, 'scenario' | 'modes' | 'repeats' | 'steps' | 'warmupSteps' | 'out' | 'signal'> {
  metric?: string;
  /** Two results folders of the same scenario already run on this machine: profile them instead of running. */
  from?: [string, string];
}

export async function calibrateCommand(o: CalibrateOptions): Promise<number> {
  const run: RunOptions = { scenario: o.scenario, modes: o.modes, repeats: o.repeats, steps: o.steps, warmupSteps: o.warmupSteps, out: o.out, signal: o.signal };
  const dirs: string[] = o.from ? [...o.from] : [];
  for (const label of o.from ? [] : ['A', 'A′']) {
    console.error(`calibrate: run ${label} of 2`);
    const { exitCode, runDir } = await runCommand(run);
    if (exitCode === 130) return 130;
    if (exitCode !== 0) console.error(`calibrate: run ${label} (${runDir}) did not complete every unit; its finished steps are used`);
    dirs.push(runDir);
  }
  const [a, b] = dirs as [string, string];
  const sides = await Promise.all([gateSide(a), gateSide(b)]);
  // Judged without a noise profile: an earlier profile must not shape the spread measured here.
  const verdict = judge(sides[0], sides[1], { metric: parseMetric(o.metric) });
  const profile = noiseProfile(
    verdict,
    sides[0].manifest.fingerprint.environment,
    (c) => sides.flatMap((s) => metricPerRun(s, c.point, c.mode, verdict.metric as GateMetric)),
    new Date().toISOString(),
  );
  const file = noiseProfilePath(path.resolve(o.out), profile.environment, profile.scenario);
  await saveNoiseProfile(file, profile);
  console.log(formatProfile(profile));
  if (verdict.comparisons.some((c) => c.outcome !== 'within_noise')) {
    console.log(
      '\nwarning: the A/A comparison was judged a change: its intervals understate this machine’s run-to-run spread. Use more repeats, or a threshold above the resolution shown.',
    );
  }
  console.log(`\nnoise profile: ${path.relative(process.cwd(), file) || file}`);
  return 0;
}

export function formatProfile(p: NoiseProfile): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '–');
  const lines = [`A/A spread of ${p.metric} on this machine (scenario ${p.scenario}, environment ${p.environment_hash})`, ''];
  lines.push('point/mode            runs/side  A/A ratio [95% CI]       half-width  run CV   resolves (same runs)');
  for (const e of p.entries) {
    lines.push(
      `${`${e.point}/${e.mode}`.padEnd(22)}${String(e.runs_per_side).padEnd(11)}${`${e.aa_ratio.value.toFixed(4)} [${e.aa_ratio.low.toFixed(4)}, ${e.aa_ratio.high.toFixed(4)}]`.padEnd(25)}${pct(e.aa_half_width).padEnd(12)}${pct(e.run_cv).padEnd(9)}${pct(resolution(e, e.runs_per_side, e.runs_per_side))}`,
    );
  }
  return lines.join('\n');
}
