import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadImage, createCanvas } from '@napi-rs/canvas';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';
import type { Summary } from '../../src/records/summary.ts';
import { reportCommand } from '../../src/commands/report/index.ts';
import { buildCharts } from '../../src/report/charts.ts';
import { escapeMarkdown } from '../../src/report/escape.ts';
import { MISSING, estimateFigure, formatFigure, formatNumber as fmt } from '../../src/value-format.ts';
import type { Estimate } from '../../src/records/summary.ts';
import { loadReportInput } from '../../src/report/load.ts';
import { stepsMeasured } from '../../src/report/tables.ts';
import { gpuRun, tinyRun } from './run-source.ts';
import { recordAsWritten } from '../results/digests.ts';

// The report's tables show an estimate as the value formatter writes it.
const fmtEstimate = (e: Estimate | undefined) => formatFigure(estimateFigure(e));

const readSummary = async (runDir: string) => JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8')) as Summary;

/** Share of pixels that are not (near) white: 0 for a blank image. */
async function inkFraction(png: string): Promise<number> {
  const img = await loadImage(png);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) ink++;
  return ink / (img.width * img.height);
}

/** Rows of a CSV file as Python's csv module reads it (the parser pandas mirrors by default). */
function pythonCsv(file: string): { header: string[]; rows: number; numericColumns: string[] } {
  const script = [
    'import csv, json, sys',
    'rows = list(csv.reader(open(sys.argv[1], newline="")))',
    'header, body = rows[0], rows[1:]',
    'def num(v):',
    '    try: float(v); return True',
    '    except ValueError: return False',
    'numeric = [h for i, h in enumerate(header) if body and all(num(r[i]) for r in body if r[i] != "")]',
    'assert all(len(r) == len(header) for r in body), "ragged rows"',
    'print(json.dumps({"header": header, "rows": len(body), "numericColumns": numeric}))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The Markdown shows summary.json's numbers: statements verbatim, speedups, per-mode rows, phases with idle, notes, methods. */
async function assertMarkdownMatchesSummary(outDir: string, summary: Summary): Promise<string> {
  const md = await readFile(path.join(outDir, 'report.md'), 'utf8');
  for (const c of summary.comparisons) {
    assert.ok(md.includes(`> **${escapeMarkdown(c.statement)}**`), 'headline is the statement, verbatim');
    assert.ok(md.includes(fmtEstimate(c.speedup_per_allocated_device)));
    assert.ok(md.includes(fmtEstimate(c.speedup_per_training_device)));
  }
  const line = (start: string) => md.split('\n').find((l) => l.startsWith(start));
  for (const m of summary.modes) {
    const row = line(`| ${m.mode} | ${m.devices.allocated.length} / `);
    assert.ok(row, `per-mode row for ${m.mode}`);
    assert.ok(row.includes(fmtEstimate(m.completion_tokens_per_s_per_allocated_device)));
    assert.ok(row.includes(fmtEstimate(m.completion_tokens_per_s_per_training_device)));
    assert.ok(row.includes(fmtEstimate(m.step_time_s)));
    assert.ok(row.includes(stepsMeasured(m)));
    // a confidence interval from runs, or with one run that run's spread, labelled as such
    const range = `${fmt(m.step_time_s.low)}–${fmt(m.step_time_s.high)}`;
    assert.ok(
      m.step_time_s.low !== undefined &&
        row.includes(m.step_time_s.interval === 'within_run_spread' ? `(one run; steps ${range})` : `(${range})`),
      'interval or one run’s spread shown, labelled',
    );
    assert.ok(line('| generate |')!.includes(fmt(m.phase_median_s.generate, 3)));
    assert.ok(m.phase_median_s.idle !== undefined, 'analysis gives the idle median');
    assert.ok(line('| outside any phase |')!.includes(fmt(m.phase_median_s.idle, 3)));
  }
  assert.match(md, /## Notes\n/);
  for (const n of summary.notes) assert.ok(md.includes(`- ${escapeMarkdown(n.text)}`), `note shown: ${n.text}`);
  assert.match(md, /## Methods\n[\s\S]*\*\*Intervals:\*\* the run is the unit/);
  assert.ok(md.includes(`${Math.round(summary.methods.ci_level * 100)} % level`));
  for (const f of (await readdir(path.join(outDir, 'charts'))).filter((x) => x.endsWith('.png'))) {
    assert.ok(md.includes(`charts/${f}`), `Markdown links ${f}`);
  }
  assert.doesNotMatch(md, /NaN|null|undefined/);
  return md;
}

/** Every chart has data points, and its PNG is not blank. */
async function assertChartsHaveData(runDir: string, outDir: string): Promise<ReturnType<typeof buildCharts>['charts']> {
  const charts = buildCharts(await loadReportInput(runDir)).charts;
  for (const c of charts) {
    const values = c.config.data.datasets.flatMap((d) => d.data as unknown[]).filter((v) => v !== null);
    assert.ok(values.length > 0, `${c.id} has data`);
    const fraction = await inkFraction(path.join(outDir, 'charts', `${c.id}.png`));
    assert.ok(fraction > 0.02, `${c.id}.png is not blank (${fraction})`);
  }
  return charts;
}

describe('report from a real tiny run (CPU, both modes, made by `grpo-bench run`)', async () => {
  const runDir = await tinyRun();
  const summary = await readSummary(runDir);
  const { outDir, files } = await reportCommand({ results: runDir });

  test('the Markdown shows the numbers of summary.json, its notes and methods', async () => {
    const md = await assertMarkdownMatchesSummary(outDir, summary);
    assert.match(md, /Functional check only/);
    assert.match(md, /CPU processes: allocated \/ training \/ server/);
    assert.ok(md.includes('every per-process sample in `processes.csv` (no GPUs)'));
  });

  test('every chart has data; utilisation shows per-process CPU, each process named by its rank', async () => {
    const charts = await assertChartsHaveData(runDir, outDir);
    assert.deepEqual(
      charts.map((c) => c.id),
      ['throughput', 'phases', 'step-time', 'utilisation-server', 'memory-server', 'utilisation-colocate', 'memory-colocate'],
    );
    const util = charts.filter((c) => c.id.startsWith('utilisation-'));
    for (const c of util) {
      assert.match(String(c.config.options?.plugins?.title?.text), /per-process CPU over time \(no GPUs on this machine\)/);
      const labels = c.config.data.datasets.filter((d) => !String(d.label).startsWith('phase:')).map((d) => String(d.label));
      assert.ok(labels.includes(labels.find((l) => /^trainer 0 \(pid \d+\)$/.test(l))!), labels.join(', '));
      assert.ok(
        labels.every((l) => /^(trainer|server) (\d+|launcher\/helper) \(pid \d+\)$/.test(l)),
        labels.join(', '),
      );
    }
    assert.ok(util[0]!.config.data.datasets.some((d) => /^server 0 \(pid/.test(String(d.label))));
    assert.ok(!files.includes('telemetry.csv') && files.includes('processes.csv'));
  });

  test('steps.csv and processes.csv load without options and keep every row', async () => {
    const steps = pythonCsv(path.join(outDir, 'steps.csv'));
    assert.equal(steps.rows, (await readFile(path.join(runDir, 'steps.csv'), 'utf8')).trim().split('\n').length - 1);
    for (const col of ['duration_s', 'excluded_by', 'phase_generate_s', 'idle_s', 'completion_tokens_per_s'])
      assert.ok(steps.header.includes(col), col);
    const p = pythonCsv(path.join(outDir, 'processes.csv'));
    let raw = 0;
    for (const u of ['server/r0', 'colocate/r0'])
      raw += (await readFile(path.join(runDir, u, 'processes.csv'), 'utf8')).trim().split('\n').length - 1;
    assert.equal(p.rows, raw);
  });

  test('figures the analysis could not compute (null in summary.json) show as a dash, never NaN', async () => {
    // A copy whose server wrote no phase events: its busy fraction is null in summary.json.
    const copy = await tinyRun();
    const file = path.join(copy, 'server/r0/events/server-0.jsonl');
    const kept = (await readFile(file, 'utf8')).split('\n').filter((l) => !l.includes('"type":"phase"'));
    await writeFile(file, kept.join('\n'));
    await recordAsWritten(copy);
    const s = await analyzeRun(copy);
    assert.ok(Number.isNaN(s.modes.find((m) => m.mode === 'server')!.activity.find((a) => a.role === 'server')!.busy_fraction));
    assert.match(await readFile(path.join(copy, 'summary.json'), 'utf8'), /"busy_fraction": null/);
    const r = await reportCommand({ results: copy, formats: ['markdown', 'html'] });
    const md = await readFile(path.join(r.outDir, 'report.md'), 'utf8');
    assert.ok(
      md.split('\n').some((l) => l.startsWith('| server | server | ') && l.includes(`| ${MISSING} |`)),
      'busy shown as a dash',
    );
    const html = await readFile(path.join(r.outDir, 'report.html'), 'utf8');
    assert.doesNotMatch(md + html.replace(/<script>[\s\S]*?<\/script>/g, ''), /NaN/);
  });
});

describe('report from a GPU-shaped run (made-up samples, real analysis)', async () => {
  const runDir = await gpuRun({ device: 'cuda' });
  const summary = await readSummary(runDir);
  const { outDir, files } = await reportCommand({ results: runDir });

  test('writes Markdown, HTML, CSV and a PNG per chart into reports/<run-id> beside results/', async () => {
    assert.equal(outDir, path.join(path.dirname(path.dirname(runDir)), 'reports', summary.run_id));
    for (const f of ['report.md', 'report.html', 'steps.csv', 'summary.csv', 'comparisons.csv', 'telemetry.csv', 'processes.csv']) {
      assert.ok(files.includes(f), `${f} listed`);
      assert.ok(existsSync(path.join(outDir, f)), `${f} written`);
    }
    const input = await loadReportInput(runDir);
    const pngs = (await readdir(path.join(outDir, 'charts'))).sort();
    assert.deepEqual(
      pngs,
      buildCharts(input)
        .charts.map((c) => `${c.id}.png`)
        .sort(),
    );
  });

  test('the Markdown shows the numbers of summary.json', async () => {
    const md = await assertMarkdownMatchesSummary(outDir, summary);
    // A spot check with numbers written out, so the test does not only trust fmt.
    const server = summary.modes.find((m) => m.mode === 'server')!;
    assert.ok(md.includes(String(Number(server.completion_tokens_per_s_per_allocated_device.value.toPrecision(3)))));
    assert.match(md, /## Equal work[\s\S]*\| server \| 256 \| 128 \| equal \|/);
    assert.match(md, /## Environment[\s\S]*\| environment \| gpu_model \| NVIDIA H100 80GB HBM3 \|/);
    // Three views: phases, utilization.gpu, and no GPM in this fixture; idle by phases; power.
    assert.match(
      md,
      /\| server \| server \| 0 \| \d+ % \| [\d.]+ % \| no GPM \| no GPM \| \d+ % \| no GPM \| [\d.]+ \|/,
      'GPU activity with power',
    );
    assert.match(md, /GPM not available for server, colocate/);
    assert.match(md, /## Energy[\s\S]*\| server \| [\d.]+ \| power integration \| [\d.]+ % \| [\d,.]+ \|/);
    assert.match(md, /\*\*Energy:\*\* NVML's energy counter/);
  });

  test('every chart has data, and every PNG has ink', async () => {
    const charts = await assertChartsHaveData(runDir, outDir);
    assert.deepEqual(
      charts.map((c) => c.id),
      [
        'throughput',
        'phases',
        'step-time',
        'utilisation-server',
        'memory-server',
        'views-server-gpu0',
        'views-server-gpu1',
        'utilisation-colocate',
        'memory-colocate',
        'views-colocate-gpu0',
      ],
    );
    // The views chart of a run without GPM: phases band, utilization.gpu and power, and it says GPM is missing.
    const views = charts.find((c) => c.id === 'views-server-gpu0')!;
    assert.deepEqual(
      views.config.data.datasets.map((d) => d.label),
      ['busy by phases (events)', 'utilization.gpu (some kernel ran)', 'power (W, right axis)'],
    );
    assert.match(JSON.stringify(views.config.options?.plugins), /GPM not available for this run/);
    const util = charts.find((c) => c.id === 'utilisation-server')!;
    assert.deepEqual(
      util.config.data.datasets.filter((d) => (d.data as unknown[]).length > 0).map((d) => d.label),
      ['GPU 0 · server', 'GPU 1 · trainer', 'GPU 2 · trainer', 'GPU 3 · trainer'],
      'each GPU labelled with its role',
    );
  });

  test('the step-time chart marks the fixed warm-up with a band and settling steps per point', async () => {
    const input = await loadReportInput(runDir);
    const chart = buildCharts(input).charts.find((c) => c.id === 'step-time')!;
    const settling = input.steps.filter((r) => r.excluded_by === 'settling');
    assert.ok(settling.length > 0, 'the analysis found settling steps in the fixture');
    const decor = (chart.config.data as unknown as { gbTimeline: { bands: { x1: number }[] } }).gbTimeline;
    assert.equal(decor.bands[0]!.x1, summary.modes[0]!.warmup_steps - 0.5);
    const styles = chart.config.data.datasets.flatMap((d) => (d as unknown as { pointStyle: string[] }).pointStyle);
    assert.equal(styles.filter((p) => p === 'triangle').length, settling.length);
    assert.match(
      String((chart.config.options?.plugins?.subtitle as { text: string[] }).text[1]),
      new RegExp(`hollow triangles: ${settling.length} steps before step time settled`),
    );
  });

  test('CSV files load without options, name their units, and keep every sample', async () => {
    const steps = pythonCsv(path.join(outDir, 'steps.csv'));
    assert.equal(steps.rows, (await readFile(path.join(runDir, 'steps.csv'), 'utf8')).trim().split('\n').length - 1);
    assert.ok(
      steps.header.includes('duration_s') &&
        steps.header.includes('phase_generate_s') &&
        steps.header.includes('completion_tokens_per_s') &&
        steps.header.includes('idle_s'),
    );
    const s = pythonCsv(path.join(outDir, 'summary.csv'));
    assert.equal(s.rows, summary.modes.length);
    for (const col of ['step_time_s', 'step_time_s_low', 'completion_tokens_per_s_per_allocated_device', 'phase_generate_median_s']) {
      assert.ok(s.numericColumns.includes(col), `${col} numeric`);
    }
    const t = pythonCsv(path.join(outDir, 'telemetry.csv'));
    assert.deepEqual(t.header.slice(0, 6), ['point', 'mode', 'repeat', 'time_epoch_s', 'gpu_index', 'util_pct']);
    let raw = 0;
    for (const u of ['server/r0', 'server/r1', 'colocate/r0', 'colocate/r1']) {
      raw += (await readFile(path.join(runDir, u, 'telemetry.csv'), 'utf8')).trim().split('\n').length - 1;
    }
    assert.equal(t.rows, raw, 'every telemetry sample is in the CSV');
  });

  test('the HTML page is self-contained: Chart.js and the font inlined, nothing fetched', async () => {
    const html = await readFile(path.join(outDir, 'report.html'), 'utf8');
    assert.ok(html.includes('Content-Security-Policy" content="default-src \'none\''));
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|url\((?!data:)/);
    assert.doesNotMatch(html, /sourceMappingURL/);
    assert.ok(html.includes('@media print'));
    assert.ok(html.length < 5_000_000);
  });
});

describe('report from a sweep with a failed run', async () => {
  const runDir = await gpuRun({ sweep: { field: 'grpo.per_device_train_batch_size', values: [4, 8, 16] }, failedUnit: true, repeats: 2 });
  const { outDir } = await reportCommand({ results: runDir });

  test('adds speedup and throughput against the swept parameter', async () => {
    const charts = buildCharts(await loadReportInput(runDir)).charts;
    const speedup = charts.find((c) => c.id === 'sweep-speedup');
    assert.ok(speedup && charts.some((c) => c.id === 'sweep-throughput'));
    assert.deepEqual(speedup.config.data.labels, ['4', '8', '16']);
    assert.ok(existsSync(path.join(outDir, 'charts', 'sweep-speedup.png')));
  });

  test('lists the failed runs with their escaped log tail', async () => {
    const md = await readFile(path.join(outDir, 'report.md'), 'utf8');
    assert.match(md, /## Runs that did not complete/);
    assert.ok(md.includes('Tried to allocate 2.00 GiB &lt;gpu 1&gt;'));
    assert.ok(!md.includes('<gpu 1>'));
  });

  test('a single-point run has no sweep charts', async () => {
    const single = buildCharts(await loadReportInput(await gpuRun())).charts;
    assert.ok(!single.some((c) => c.id.startsWith('sweep-')));
  });
});

describe('text from scenarios is escaped everywhere', async () => {
  const name = '<script>alert(1)</script>';
  const runDir = await tinyRun({ scenarioName: name });
  const { outDir } = await reportCommand({ results: runDir });

  test('in the HTML', async () => {
    const html = await readFile(path.join(outDir, 'report.html'), 'utf8');
    assert.ok(!html.includes(name), 'the raw name never appears');
    assert.ok(html.includes('<title>GRPO benchmark: &lt;script&gt;alert(1)&lt;/script&gt;</title>'));
    const all = html.split('alert(1)').length - 1;
    const escaped = html.split('&lt;script&gt;alert(1)').length - 1 + html.split('\\u003cscript\\u003ealert(1)').length - 1;
    assert.ok(all > 0 && all === escaped, `every occurrence is escaped (${escaped} of ${all})`);
  });

  test('in the Markdown', async () => {
    const md = await readFile(path.join(outDir, 'report.md'), 'utf8');
    assert.ok(!md.includes('<script>'));
    assert.ok(md.startsWith('# GRPO benchmark: &lt;script&gt;alert(1)&lt;/script&gt;\n'));
  });
});

test('a folder without summary.json is a user error that says what to pass', async () => {
  const runDir = await tinyRun();
  const { rm } = await import('node:fs/promises');
  await rm(path.join(runDir, 'summary.json'));
  // Deleted after the analysis wrote it (its digest is in manifest.json): computed again from the raw files.
  const again = await reportCommand({ results: runDir, formats: ['markdown'] });
  assert.match(await readFile(path.join(again.outDir, 'report.md'), 'utf8'), /summary\.json changed after the analysis wrote it/);
  // Never written (the analysis did not run): nothing to report.
  await recordAsWritten(runDir);
  await assert.rejects(
    reportCommand({ results: runDir }),
    (err: Error) => err.name === 'UserError' && /no summary\.json/.test(err.message),
  );
  await assert.rejects(reportCommand({ results: path.join(runDir, 'nope') }), /no such results folder/);
});
