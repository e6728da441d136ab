// The page over several results folders, made from the folders committed under
// bench/gpu/results/ (one H200 on 2026-12-01, two H200s on 2026-11-27), and the provenance
// footer every chart carries, in its definition and in the drawn PNG, SVG and PDF.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { compareFolders } from '../../src/analysis/folders.ts';
import { multiReportCommand } from '../../src/commands/report/multi.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { type ChartSpec } from '../../src/report/chart-base.ts';
import { loadReportInput, loadRun } from '../../src/report/load.ts';
import { multiCharts } from '../../src/report/multi.ts';
import { renderPng, renderVector } from '../../src/report/png.ts';
import { csvTable } from '../../src/results/csv.ts';
import { chromiumMissing, openReport } from './browser.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ONE = path.join(ROOT, 'bench/gpu/results/2026-12-01-1xH200');
const TWO = path.join(ROOT, 'bench/gpu/results/2026-11-27-2xH200');
/** Folders of runs: one H200 (the one-run presets and the run with repeats), two H200s (every run of that sitting). */
const FOLDERS = [path.join(ONE, 'trl-1gpu/results'), path.join(ONE, 'trl-1gpu-repeats'), path.join(TWO, 'runs')];

async function records(dirs: string[]) {
  return Promise.all(dirs.map(async (dir) => ({ dir, ...(await loadRun(dir)) })));
}

const footerOf = (c: ChartSpec) =>
  ((c.config.options as { plugins?: { gbFooter?: { lines?: string[] } } })?.plugins?.gbFooter?.lines ?? []).join(' · ');

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'grpo-bench-multi-'));
}

test('report over the one-H200 and two-H200 folders: the 0.5b runs share one axis, labelled by machine; other models and workloads apart, with why', async () => {
  const out = await tempDir();
  try {
    const { files } = await multiReportCommand({ results: FOLDERS, out });
    for (const f of ['report.md', 'report.html', 'summary.csv', 'fields.csv', 'charts/throughput.png', 'charts/step-time.png'])
      assert.ok(files.includes(f), `${f} written`);
    const table = csvTable(await readFile(path.join(out, 'summary.csv'), 'utf8'));
    const rows = table.rows.map((r) => Object.fromEntries(table.header.map((h, i) => [h, r[i]!])));
    const first = rows.filter((r) => r.group === '1');
    // Every 0.5b TRL series of both sittings, and only those, in the compared group.
    for (const r of first) assert.match(r.folder!, /0\.5b|trl-1gpu-20261201-234829/);
    assert.ok(
      first.some((r) => r.label!.includes('1 × NVIDIA H200')) && first.some((r) => r.label!.includes('2 × NVIDIA H200')),
      'labelled by the machine that differs',
    );
    assert.ok(
      first.some((r) => r.label!.includes('enable_sleep_mode true')),
      'the sleep-mode setting tells the colocate series apart',
    );
    // The figures are each folder's own, as its summary has them.
    for (const r of first) {
      const run = await loadRun(r.folder!);
      const m = run.summary.modes.find((x) => x.point === r.point && x.mode === r.mode)!;
      assert.equal(Number(r.completion_tokens_per_s_per_allocated_device), m.completion_tokens_per_s_per_allocated_device.value);
      assert.equal(r.completion_tokens_per_s_per_allocated_device_interval, m.completion_tokens_per_s_per_allocated_device.interval ?? '');
    }
    const apart = rows.filter((r) => r.group !== '1');
    assert.ok(apart.some((r) => /model preset:1\.5b where the first group has preset:0\.5b/.test(r.apart!)));
    assert.ok(apart.some((r) => /workload synthetic where the first group has trl/.test(r.apart!)));
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    assert.match(
      md,
      /Left out, no measured steps[^\n]*trl-0\.5b-2gpu-20261127-114746/,
      'the interrupted run is named, not silently dropped',
    );
    assert.match(md, /Every interval is the folder's own/);
    assert.match(md, /!\[Throughput per allocated GPU\]\(charts\/throughput\.png\)/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('report <folder> <folder> through the CLI writes under reports/multi-<run ids> of the working folder', async () => {
  const cwd = await tempDir();
  try {
    const runs = [path.join(TWO, 'runs/trl-0.5b-2gpu-20261127-114106'), path.join(TWO, 'runs/trl-0.5b-2gpu-20261127-114611')];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli.ts'), 'report', ...runs, '--format', 'markdown'],
      { cwd, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const outDir = stdout.split('\n')[0]!;
    assert.equal(outDir, path.join(cwd, 'reports', 'multi-trl-0.5b-2gpu-20261127-114106-trl-0.5b-2gpu-20261127-114611'));
    const md = await readFile(path.join(outDir, 'report.md'), 'utf8');
    assert.match(md, /\| 1 \| hf · [^|]*\| [^|]*trl-0\.5b-2gpu-20261127-114106 \|/);
    assert.match(md, /\| 2 \| colocate · [^|]*\| [^|]*trl-0\.5b-2gpu-20261127-114611 \|/);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('every chart definition carries its footer: machine, model, versions, runs, interval kind, date', async () => {
  const repeats = path.join(ONE, 'trl-1gpu-repeats/trl-1gpu-20261201-234829');
  const { charts } = buildCharts(await loadReportInput(repeats));
  assert.ok(charts.length > 3);
  for (const c of charts) {
    const f = footerOf(c);
    for (const part of [
      '1 × NVIDIA H200',
      'model preset:0.5b',
      'TRL 1.13.0',
      'vLLM 0.26.0',
      'torch 2.11.0',
      '2 runs per mode',
      '95% t interval over runs',
      '2026-12-01',
    ])
      assert.ok(f.includes(part), `${c.id}: footer has ${part}: ${f}`);
  }
  const multi = multiCharts({
    folders: [],
    comparison: compareFolders(await records([repeats, path.join(ONE, 'trl-1gpu/results/trl-1gpu-0.5b-20261201-190532')])),
  });
  assert.ok(multi.length >= 3);
  for (const c of multi) assert.match(footerOf(c), /1 × NVIDIA H200 .*TRL 1\.13\.0 .*intervals: each folder's own .*2026-12-01/, c.id);
});

test("a prediction's chart says in its footer that it is PREDICTED, and from which profile", async () => {
  const { loadProfile, defaultBatch } = await import('../../src/commands/predict/index.ts');
  const { predictSplits } = await import('../../src/analysis/whatif/model.ts');
  const { predictChart } = await import('../../src/report/whatif.ts');
  const dir = path.join(ONE, 'profile/profile-trl-1gpu-0.5b-profile-20261201-234537');
  const trainer = ['trl-1gpu-0.5b-20261201-190226', 'trl-1gpu-0.5b-20261201-190532', 'trl-1gpu-0.5b-sleep-20261201-190411'].map((r) =>
    path.join(ONE, 'trl-1gpu/results', r),
  );
  const { profile } = await loadProfile([dir, ...trainer]);
  const table = predictSplits(profile, {
    gpus: 2,
    per_device_batch: defaultBatch(profile).batch,
    server_tp: 'all',
    colocate_tp: 1,
    assumptions: {},
  });
  const f = footerOf(predictChart(table, profile));
  assert.match(f, /^PREDICTED by the what-if model, not measured/);
  assert.match(f, /profile of model preset:0\.5b \(trl\) on NVIDIA H200/);
  assert.match(f, /measured in 4 run folders: profile-trl-1gpu-0\.5b-profile-20261201-234537, /);
  const { profileCharts } = await import('../../src/report/whatif.ts');
  const { profileView } = await import('../../src/analysis/whatif/profile.ts');
  const measured = profileCharts(profile, profileView(profile));
  assert.ok(measured.length > 0);
  for (const c of measured) assert.match(footerOf(c), /^MEASURED · profile of model preset:0\.5b/);
});

test('line-chart legends draw each series as its line and dash, not as a box', async () => {
  const { charts } = buildCharts(await loadReportInput(path.join(ONE, 'trl-1gpu-repeats/trl-1gpu-20261201-234829')));
  const step = charts.find((c) => c.id.startsWith('step-time'))!;
  const labels = (step.config.options as { plugins: { legend: { labels: { usePointStyle?: boolean } } } }).plugins.legend.labels;
  assert.equal(labels.usePointStyle, true);
  assert.ok(
    (step.config.data.datasets as { borderDash?: number[] }[]).some((d) => d.borderDash?.length),
    'a repeat is dashed',
  );
});

test('the drawn charts carry the footer: SVG text, PDF page, PNG ink under the plot', async () => {
  const { charts } = buildCharts(await loadReportInput(path.join(TWO, 'runs/trl-0.5b-2gpu-20261127-114611')));
  const chart = charts.find((c) => c.id === 'throughput')!;
  const svg = (await renderVector(chart, 'svg')).toString('utf8');
  // The SVG keeps text as text, a <text> element per word: the footer is their run, spaces aside.
  const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
    .map((m) => m[1]!.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16))).replaceAll('&amp;', '&'))
    .join('');
  for (const line of footerOf(chart).split(' · ')) assert.ok(text.includes(line.replace(/\s+/g, '')), `SVG text has "${line}"`);
  const pdf = await renderVector(chart, 'pdf');
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.match(pdf.toString('latin1'), /\/Type \/Page\b/);
  const { loadImage, createCanvas } = await import('@napi-rs/canvas');
  const img = await loadImage(await renderPng(chart, 1));
  assert.equal(img.height, chart.height);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  // The last 30 px hold the footer's two lines: text there, where a chart without a footer has only background.
  const { data } = ctx.getImageData(0, img.height - 30, img.width, 30);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) ink++;
  assert.ok(ink > 200, `footer text drawn (${ink} dark pixels)`);
});

test(
  'the page over several folders opens offline in a browser, every chart drawn, no console errors',
  { skip: chromiumMissing(), timeout: 120_000 },
  async () => {
    const out = await tempDir();
    try {
      const { files } = await multiReportCommand({ results: FOLDERS, out, formats: ['html'] });
      assert.deepEqual(files, ['report.html']);
      const page = await openReport(path.join(out, 'report.html'));
      assert.deepEqual(page.consoleErrors, []);
      assert.deepEqual(page.blockedRequests, []);
      assert.ok(page.charts.length >= 6, `${page.charts.length} charts`);
      for (const c of page.charts) assert.ok(c.inkFraction > 0.02, `${c.id} drawn (${c.inkFraction.toFixed(3)})`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);
