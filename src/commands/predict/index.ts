// `grpo-bench predict <profile> --gpus N`: the PREDICTED speedup of colocate over every server
// split of N GPUs, with and without sleep mode, from a profile's measured halves
// (analysis/whatif/model.ts), as a table, a chart and JSON; says which inputs were measured and which
// assumed.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, UserError, readUserFile } from '../../errors.ts';
import { buildProfile, parseProfile } from '../../analysis/whatif/profile.ts';
import { type Profile } from '../../records/profile.ts';
import {
  ASSUMPTION_TEXT,
  DEFAULT_ASSUMPTIONS,
  LINKS,
  ProfileGap,
  predictSplits,
  type Assumptions,
  type SplitTable,
} from '../../analysis/whatif/model.ts';
import { readRun } from '../../results/read.ts';
import { PREDICT_FILES, predictDir, REPORTS_ROOT, reportChartFile } from '../../results/layout.ts';

export interface PredictCommandOptions {
  /** A profile.json, or results folders to build one from. */
  profile: string[];
  gpus: number;
  batch?: number;
  serverTp: number[] | 'all';
  colocateTp: number;
  /** The one-GPU layout: the server on the trainer's GPU (IPC weight transfer). */
  sharedGpu?: boolean;
  /** `name=value` overrides of the model's assumptions. */
  assume: string[];
  /** The link trainer → server: a name of LINKS or the user's own GB/s. */
  link?: string;
  out?: string;
  json: boolean;
}

/** A profile from a profile.json, or built from results folders (a profile run's, or runs with server/colocate/hf units). */
export async function loadProfile(inputs: readonly string[]): Promise<{ profile: Profile; home: string; id: string; folder: boolean }> {
  const first = inputs[0];
  if (!first) throw new UsageError('name a profile: a profile.json or a results folder');
  const info = await stat(first).catch(() => undefined);
  if (!info)
    throw new UserError(
      `${first}: no such file or folder`,
      'Pass the results folder of `grpo-bench profile` (or its profile.json), or results folders of server/colocate/hf runs.',
    );
  if (info.isFile()) {
    if (inputs.length > 1) throw new UsageError('pass one profile.json, or results folders to build a profile from, not both');
    const text = await readUserFile(first, 'profile', 'Pass a profile.json written by `grpo-bench profile`.');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${first}: not JSON (${(err as Error).message}); expected a grpo-bench profile`);
    }
    const profile = parseProfile(json, first);
    return { profile, home: path.dirname(path.resolve(first)), id: profile.sources[0]?.run_id ?? profile.scenario, folder: false };
  }
  // Folders: rebuilt from their events, so a profile run and earlier runs can be joined.
  const runs = await Promise.all(inputs.map((d) => readRun(d)));
  return { profile: buildProfile(runs), home: path.resolve(first), id: runs[0]!.manifest.run_id, folder: true };
}

export function parseAssumptions(items: readonly string[]): Partial<Assumptions> {
  const out: Partial<Assumptions> = {};
  for (const item of items) {
    const m = /^([a-z_]+)=(.+)$/.exec(item.trim());
    const name = m?.[1] as keyof Assumptions | undefined;
    const value = Number(m?.[2]);
    if (!name || !(name in DEFAULT_ASSUMPTIONS)) {
      throw new UsageError(
        `--assume ${item}: expected name=value with name one of ${Object.keys(DEFAULT_ASSUMPTIONS).join(', ')}`,
        Object.entries(ASSUMPTION_TEXT)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    }
    if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`--assume ${item}: the value must be a positive number`);
    out[name] = value;
  }
  return out;
}

/** `--link`: a named interconnect (its nominal one-way bandwidth) or a number of GB/s of the user's own. */
export function linkAssumption(link: string | undefined): Partial<Assumptions> {
  if (link === undefined) return {};
  const named = LINKS[link.toLowerCase()];
  if (named) return { link_gb_per_s: named.gb_per_s };
  const gbps = Number(link);
  if (Number.isFinite(gbps) && gbps > 0) return { link_gb_per_s: gbps };
  throw new UserError(
    `--link ${link}: expected one of ${Object.keys(LINKS).join(', ')} or a bandwidth in GB/s (one way)`,
    Object.entries(LINKS)
      .map(([k, v]) => `${k}: ${v.gb_per_s} GB/s, ${v.label}`)
      .join('\n'),
  );
}

/** The per-device batch to predict at when none is given, and why that one. */
export function defaultBatch(p: Profile): { batch: number; why: string } {
  const trainer = [...new Set(p.trainer.map((h) => h.per_device_batch))].sort((a, b) => a - b);
  if (trainer.length > 0) {
    const batch = trainer.at(-1)!;
    return {
      batch,
      why: `the largest per-device batch the profile's runs trained at (measured: ${trainer.join(', ')}), so that compute is measured, not extrapolated; --batch picks another`,
    };
  }
  const probed = [...new Set(p.server.flatMap((c) => c.points.map((x) => x.per_device_batch)))].sort((a, b) => a - b);
  if (probed.length === 0) throw new UserError('the profile has no measurements; run `grpo-bench profile` first');
  return {
    batch: probed.at(-1)!,
    why: `the largest per-device batch the profile's server requests held (measured: ${probed.join(', ')}); no run trained at any; --batch picks another`,
  };
}

export async function predictCommand(o: PredictCommandOptions): Promise<SplitTable> {
  const { profile, id } = await loadProfile(o.profile);
  let table: SplitTable;
  const chosen = o.batch === undefined ? defaultBatch(profile) : undefined;
  try {
    table = predictSplits(profile, {
      gpus: o.gpus,
      per_device_batch: o.batch ?? chosen!.batch,
      server_tp: o.serverTp,
      colocate_tp: o.colocateTp,
      shared_gpu: o.sharedGpu,
      assumptions: { ...parseAssumptions(o.assume), ...linkAssumption(o.link) },
    });
  } catch (err) {
    if (err instanceof ProfileGap) throw new UserError(`cannot predict from this profile: ${err.message}`, gapHint(err, profile));
    throw err;
  }
  const { predictChart, predictMarkdown, splitTableView } = await import('../../report/whatif.ts');
  const { markdownTable } = await import('../../report/markdown.ts');
  const chart = predictChart(table, profile);
  const outDir = path.resolve(o.out ?? defaultPredictDir(id, o.gpus, o.sharedGpu === true));
  await mkdir(path.dirname(path.join(outDir, reportChartFile(chart.id))), { recursive: true });
  const { renderPng } = await import('../../report/png.ts');
  await writeFile(path.join(outDir, reportChartFile(chart.id)), await renderPng(chart));
  await writeFile(path.join(outDir, PREDICT_FILES.markdown), predictMarkdown(profile, table, chart));
  await writeFile(
    path.join(outDir, PREDICT_FILES.json),
    JSON.stringify(
      {
        ...table,
        profile: { scenario: profile.scenario, model: profile.model, device_name: profile.device_name, sources: profile.sources },
      },
      null,
      2,
    ) + '\n',
  );
  if (o.json) console.log(JSON.stringify(table, null, 2));
  else {
    const view = splitTableView(table);
    console.log(`${view.title}\n${view.caption}\n\n${markdownTable(view)}\n`);
    if (chosen) console.log(`per-device batch ${chosen.batch}: ${chosen.why}`);
    const assumed = table.inputs.filter((i) => i.provenance === 'assumed').map((i) => i.name);
    const measured = table.inputs.filter((i) => i.provenance !== 'assumed').map((i) => `${i.name} (${i.provenance})`);
    console.log(`from measurements: ${[...new Set(measured)].join('; ') || 'nothing'}`);
    console.log(`assumed: ${[...new Set(assumed)].join('; ') || 'nothing'}`);
    console.log(`PREDICTED, see ${path.relative(process.cwd(), path.join(outDir, PREDICT_FILES.markdown))} for every assumption`);
  }
  return table;
}

/**
 * Under reports/ of the working folder (reports/<profile run>/predict-<N>gpu), never in or beside
 * what was read: a profile may be a committed results folder.
 */
function defaultPredictDir(id: string, gpus: number, shared: boolean): string {
  return `${predictDir(path.resolve(REPORTS_ROOT, id), gpus)}${shared ? '-shared' : ''}`;
}

/** Which results folders would fill the gap a prediction hit. */
function gapHint(err: ProfileGap, p: Profile): string {
  const what = `${p.model}, ${p.shape.max_prompt_length} + ${p.shape.max_completion_length} tokens, num_generations ${p.shape.num_generations}`;
  const read = p.sources.map((s) => s.dir).join(', ') || '(none)';
  if (/trainer half/.test(err.message)) {
    return `A trainer half comes from the results folder of a colocate, hf or server run of the same model and lengths (${what}), e.g. \`grpo-bench run SCENARIO --mode colocate\`; pass it after the profile folder. Read so far: ${read}.`;
  }
  if (/server half/.test(err.message)) {
    return `A server half comes from a \`grpo-bench profile\` run (or a server-mode run) of ${what}; pass its results folder. Read so far: ${read}.`;
  }
  return `Read so far: ${read}.`;
}
