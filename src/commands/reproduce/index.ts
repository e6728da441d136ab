// `grpo-bench reproduce [claims…]`: each published claim (a scenario with a `claim:` block, by
// default scenarios/published/*.yaml) against its PREDICTED value from the profiles given and,
// where a run of the scenario is given, the measured value; verdicts and the gap from the phases
// (analysis/whatif/reproduce.ts), as a table on stdout and reproduce.md / reproduce.json.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { buildProfile, groupForProfiles } from '../../analysis/whatif/profile.ts';
import { type Profile } from '../../records/profile.ts';
import { reproduce, type ClaimResult, type ClaimScenario } from '../../analysis/whatif/reproduce.ts';
import { summarize } from '../../analysis/summary/summarize.ts';
import { projectRoot } from '../../env/python.ts';
import type { OutputFormat } from '../../report/doc.ts';
import { REPRODUCE_FILES } from '../../results/layout.ts';
import { readRun, type RunData } from '../../results/read.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { expandSweep } from '../../scenario/sweep.ts';
import { linkAssumption, loadProfile, parseAssumptions } from '../predict/index.ts';

export interface ReproduceOptions {
  /** Scenario files with a claim (default: every file in scenarios/published/). */
  claims: string[];
  /** Profiles: profile.json files, or results folders (grouped by model and lengths into one profile each). */
  profiles: string[];
  /** Results folders of runs of the claims' scenarios. */
  runs: string[];
  assume: string[];
  /** The link trainer → server: a name of LINKS or GB/s. */
  link?: string;
  out: string;
  json: boolean;
  /** The table on stdout: plain aligned text (default) or Markdown. */
  format?: OutputFormat;
}

export const PUBLISHED_DIR = path.join('scenarios', 'published');

export async function reproduceCommand(o: ReproduceOptions): Promise<ClaimResult[]> {
  const files = o.claims.length > 0 ? o.claims : await publishedClaims();
  const claims: ClaimScenario[] = [];
  for (const file of files) {
    const loaded = await loadScenarioFile(file);
    const s = loaded.scenario;
    if (!s.claim)
      throw new UserError(
        `${file}: scenario '${s.name}' has no claim: block`,
        'reproduce judges scenarios that state a published figure (docs/scenarios.md, claim).',
      );
    claims.push({ file, scenario: { ...s, claim: s.claim }, points: expandSweep(s, loaded.sweep, loaded.file) });
  }
  const profiles = await profilesOf(o.profiles);
  const runs = await Promise.all(
    o.runs.map(async (dir) => {
      const run = await readRun(dir);
      return { run_id: run.manifest.run_id, summary: summarize(run).summary };
    }),
  );
  const results = reproduce({ claims, profiles, runs, assumptions: { ...parseAssumptions(o.assume), ...linkAssumption(o.link) } });

  const { reproduceMarkdown, reproduceTable } = await import('../../report/whatif.ts');
  const { markdownTable } = await import('../../report/markdown.ts');
  const { textTable } = await import('../../report/text-table.ts');
  const out = path.resolve(o.out);
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, REPRODUCE_FILES.markdown), reproduceMarkdown(results, profiles));
  await writeFile(
    path.join(out, REPRODUCE_FILES.json),
    JSON.stringify({ predicted_values_are_predictions: true, results }, null, 2) + '\n',
  );
  if (o.json) console.log(JSON.stringify(results, null, 2));
  else {
    const t = reproduceTable(results);
    console.log(`${t.title}\n${t.caption}\n\n${o.format === 'markdown' ? markdownTable(t) : textTable(t.columns, t.rows, t.numeric)}\n`);
    for (const r of results)
      console.log(
        `${r.scenario}: predicted ${r.predicted.verdict} (${r.predicted.why[0] ?? ''}); measured ${r.measured.verdict} (${r.measured.why[0] ?? ''})`,
      );
    console.log(`\nevery claim in full: ${path.relative(process.cwd(), path.join(out, REPRODUCE_FILES.markdown))}`);
  }
  return results;
}

/**
 * profile.json files as they are; results folders grouped by what makes one profile (workload,
 * model, num_generations, lengths), each group built into one, so a profile run and the runs
 * that measured its trainer half join.
 */
async function profilesOf(inputs: readonly string[]): Promise<Profile[]> {
  const out: Profile[] = [];
  const runs: RunData[] = [];
  for (const input of inputs) {
    if ((await stat(input).catch(() => undefined))?.isFile()) out.push((await loadProfile([input])).profile);
    else runs.push(await readRun(input));
  }
  return [...out, ...groupForProfiles(runs).map(buildProfile)];
}

async function publishedClaims(): Promise<string[]> {
  const dir = path.join(projectRoot(), PUBLISHED_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.yaml')).sort();
  if (names.length === 0)
    throw new UserError(`no claims: ${dir} holds no scenario files`, 'Name the scenario files with a claim: block to judge.');
  return names.map((n) => path.join(dir, n));
}
