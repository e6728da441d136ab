// `grpo-bench gate <run folder>…`: the gate between the variants of one run, or of several runs of
// one scenario whose blocks are pooled (analysis/variants.ts).
// Exit 0 no variant regressed beyond the threshold, 1 one did, 3 one could not be resolved (the
// verdict says how many blocks would); an error (no variants, an unreadable folder) exits 2, so
// that it is never read as a verdict.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { variantGate, type VariantVerdict } from '../../analysis/variants.ts';
import { UsageError } from '../../errors.ts';
import { parseMetric } from '../../analysis/gate/judge.ts';
import { variantVerdictMarkdown } from '../../report/variants-markdown.ts';
import { RUN_FILES } from '../../results/layout.ts';
import { gateSide } from '../compare/index.ts';

export interface GateOptions {
  /** Run folders of one scenario with variants. */
  runs: string[];
  metric?: string;
  threshold?: number;
  json?: boolean;
}

export async function gateCommand(o: GateOptions): Promise<number> {
  const verdict = await gateRun(o);
  if (o.runs.length === 1) await writeFile(path.join(o.runs[0]!, RUN_FILES.variantVerdict), JSON.stringify(verdict, null, 2) + '\n');
  console.log(o.json ? JSON.stringify(verdict, null, 2) : variantVerdictMarkdown(verdict));
  return verdict.exit_code;
}

export async function gateRun(o: GateOptions): Promise<VariantVerdict> {
  // An unreadable folder or a run without variants is an input error (exit 65), never a verdict's code.
  const metric = parseMetric(o.metric);
  if (o.runs.length === 0) throw new UsageError('name a run folder of a scenario with variants');
  return variantGate(await Promise.all(o.runs.map(gateSide)), { metric, threshold: o.threshold });
}
