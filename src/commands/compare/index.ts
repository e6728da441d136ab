// `grpo-bench compare <baseline> <candidate>`: the regression gate. Exit 0 when no (point, mode)
// regressed beyond the threshold, 1 when one did, 3 when one could not be resolved (the verdict
// says how many runs per side would), 2 (a UserError) when the runs are not comparable.
import path from 'node:path';
import { summarize } from '../../analysis/summary/summarize.ts';
import { judge, parseMetric, type GateSide } from '../../analysis/gate/judge.ts';
import { verdictMarkdown, verdictText } from '../../report/verdict.ts';
import type { OutputFormat } from '../../report/doc.ts';
import { loadNoiseProfile, noiseProfilePath } from '../../analysis/gate/noise.ts';
import type { Verdict } from '../../records/verdict.ts';
import { readRun } from '../../results/read.ts';

export interface CompareOptions {
  /** Results folders, results/<run-id>. */
  baseline: string;
  candidate: string;
  /** A ModeSummary estimate computed from step rows; default DEFAULT_GATE_METRIC (records/metrics.ts). */
  metric?: string;
  /** Noise threshold as a fraction; default 0.02. */
  threshold?: number;
  /** Environment or settings fields allowed to differ (`environment.driver`, `slowdown`, a prefix such as `grpo`). */
  allowDifferent?: string[];
  /** A noise profile file; default: <baseline's parent>/noise-profiles/<scenario>-<environment hash>.json when it exists. */
  noiseProfile?: string;
  /** Print the verdict as JSON instead of text. */
  json?: boolean;
  /** Plain text (default, wherever stdout goes) or Markdown, for a pull request. */
  format?: OutputFormat;
}

export async function compareCommand(o: CompareOptions): Promise<number> {
  const verdict = await compareRuns(o);
  console.log(o.json ? JSON.stringify(verdict, null, 2) : o.format === 'markdown' ? verdictMarkdown(verdict) : verdictText(verdict));
  return verdict.exit_code;
}

/** Reads and analyses both folders and judges them; throws the exit-code-2 UserError when they are not comparable. */
export async function compareRuns(o: CompareOptions): Promise<Verdict> {
  const metric = parseMetric(o.metric);
  const [baseline, candidate] = await Promise.all([gateSide(o.baseline), gateSide(o.candidate)]);
  const file = o.noiseProfile
    ? path.resolve(o.noiseProfile)
    : noiseProfilePath(path.dirname(path.resolve(o.baseline)), baseline.manifest.fingerprint.environment, baseline.manifest.scenario.name);
  const profile = await loadNoiseProfile(file, o.noiseProfile === undefined);
  const shown = path.relative(process.cwd(), file) || file;
  const verdict = judge(baseline, candidate, {
    metric,
    threshold: o.threshold,
    allowDifferent: o.allowDifferent,
    ...(profile && profile !== 'outdated' ? { noise: { file: shown, profile } } : {}),
  });
  if (profile === 'outdated')
    verdict.warnings.push(`${shown} was made by an older grpo-bench and is not used: run \`grpo-bench calibrate\` again`);
  return verdict;
}

export async function gateSide(dir: string): Promise<GateSide> {
  const run = await readRun(dir);
  // The gate computes from the raw files (verified by readRun), never from steps.csv or summary.json.
  for (const file of run.integrity.derivedChanged)
    console.error(
      `warning: ${path.join(dir, file)} changed after the analysis wrote it; the verdict is computed from the run's raw files, which match their digests`,
    );
  const { summary, rows } = summarize(run);
  return { dir: path.relative(process.cwd(), path.resolve(dir)) || dir, manifest: run.manifest, summary, rows };
}
