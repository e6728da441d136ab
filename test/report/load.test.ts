import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleMinMax, simplifySpans } from '../../src/analysis/summary/timeline.ts';
import { csvTable } from '../../src/results/csv.ts';
import { parseStepsCsv } from '../../src/results/steps-csv.ts';
import { escapeHtml, escapeMarkdown, jsonForScript } from '../../src/report/escape.ts';
import { estimateFigure, formatFigure, formatNumber as fmt } from '../../src/value-format.ts';
import type { Estimate } from '../../src/records/summary.ts';

// The report's tables show an estimate as the value formatter writes it.
const fmtEstimate = (e: Estimate | undefined) => formatFigure(estimateFigure(e));

test('min/max downsampling keeps every peak and dip, in time order, within 2 points per bucket', () => {
  const points: [number, number][] = Array.from({ length: 10_000 }, (_, i) => [i / 5, 50 + 10 * Math.sin(i / 7)]);
  points[4321] = [points[4321]![0], 100];
  points[777] = [points[777]![0], 0];
  const out = downsampleMinMax(points, 100);
  assert.ok(out.length <= 200);
  assert.ok(out.some(([, y]) => y === 100) && out.some(([, y]) => y === 0));
  for (let i = 1; i < out.length; i++) assert.ok(out[i]![0] >= out[i - 1]![0]);
  assert.deepEqual(downsampleMinMax(points.slice(0, 50), 100), points.slice(0, 50), 'small series unchanged');
});

test('phase spans that touch merge; spans too thin to see are dropped', () => {
  const spans = [
    { row: 'trainer 0', name: 'generate', x0: 0, x1: 1 },
    { row: 'trainer 0', name: 'generate', x0: 1, x1: 2 },
    { row: 'trainer 0', name: 'reward', x0: 2, x1: 2.001 },
    { row: 'trainer 0', name: 'optimizer', x0: 2.001, x1: 3 },
  ];
  assert.deepEqual(simplifySpans(spans, 0.01), [
    { row: 'trainer 0', name: 'generate', x0: 0, x1: 2 },
    { row: 'trainer 0', name: 'optimizer', x0: 2.001, x1: 3 },
  ]);
});

test('CSV parsing handles quoted commas, quotes and CRLF', () => {
  assert.deepEqual(csvTable('a,b\r\n1,"x, ""y"""\r\n2,z\n'), {
    header: ['a', 'b'],
    rows: [
      ['1', 'x, "y"'],
      ['2', 'z'],
    ],
  });
});

test('steps.csv: StepRow fields by name, phases from phase_<name>_s', () => {
  const [row] = parseStepsCsv(
    'point,mode,repeat,step,warmup,outlier,t0,t1,duration_s,samples,prompt_tokens,completion_tokens,loss,reward_mean,phase_generate_s,phase_forward_backward_s\ndefault,server,1,3,false,true,10,12.5,2.5,16,2048,4096,,0.5,1.25,1\n',
  );
  assert.deepEqual(row, {
    point: 'default',
    mode: 'server',
    repeat: 1,
    step: 3,
    warmup: false,
    outlier: true,
    t0: 10,
    t1: 12.5,
    duration_s: 2.5,
    samples: 16,
    prompt_tokens: 2048,
    completion_tokens: 4096,
    loss: null,
    reward_mean: 0.5,
    phases: { generate: 1.25, forward_backward: 1 },
  });
});

test('escaping: HTML, Markdown, JSON inside a script element', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(
    escapeMarkdown('<script>alert(1)</script> | *x* _y_ per_device_train_batch_size'),
    '&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\* \\_y\\_ per_device_train_batch_size',
  );
  assert.equal(jsonForScript({ s: '</script><!--' }), '{"s":"\\u003c/script\\u003e\\u003c!--"}');
  assert.deepEqual(JSON.parse(jsonForScript({ s: '</script>\u2028' })), { s: '</script>\u2028' });
});

test('numbers: three significant digits, grouped thousands, intervals in brackets', () => {
  assert.equal(fmt(1.4321), '1.43');
  assert.equal(fmt(0.08), '0.0800');
  assert.equal(fmt(12345.6), '12,346');
  assert.equal(fmt(undefined), '—');
  assert.equal(fmt(null), '—', 'null in summary.json');
  assert.equal(fmt(Number.NaN), '—');
  assert.equal(fmtEstimate({ value: 1.43, low: 1.4, high: 1.46, n_steps: 20, n_runs: 3 }), '1.43 (1.40–1.46)');
  assert.equal(fmtEstimate({ value: 2, n_steps: 1, n_runs: 1 }), '2.00');
});

test('long runs: each strip bucket shows the share of every phase in it', async () => {
  const { mixSpans } = await import('../../src/analysis/summary/timeline.ts');
  const spans = [
    { row: 'trainer 0', name: 'generate', x0: 0, x1: 3 },
    { row: 'trainer 0', name: 'forward_backward', x0: 3, x1: 4 },
  ];
  assert.deepEqual(mixSpans(spans, 0, 4, 2), [
    { row: 'trainer 0', name: 'generate', x0: 0, x1: 2, share: [0, 1] },
    { row: 'trainer 0', name: 'generate', x0: 2, x1: 4, share: [0, 0.5] },
    { row: 'trainer 0', name: 'forward_backward', x0: 2, x1: 4, share: [0.5, 1] },
  ]);
});

test('a current summary.json whose folder cannot be read whole is refused, and reported alone only where the user allows it', async () => {
  const { rm } = await import('node:fs/promises');
  const { buildRun } = await import('../analysis/fixture.ts');
  const { analyzeRun } = await import('../../src/analysis/summary/summarize.ts');
  const { loadReportInput } = await import('../../src/report/load.ts');
  const dir = await buildRun();
  try {
    const summary = await analyzeRun(dir);
    await rm(`${dir}/manifest.json`);
    await assert.rejects(loadReportInput(dir), /manifest\.json: cannot read manifest\.json \(no such file\)/);
    const input = await loadReportInput(dir, { allowUnverified: true });
    assert.equal(input.integrity.state, 'unverified');
    assert.deepEqual(
      input.summary.comparisons.map((c) => c.statement),
      summary.comparisons.map((c) => c.statement),
      'the summary as written',
    );
    assert.ok(input.steps.length > 0, 'with its step rows');
    assert.match(
      input.summary.notes.at(-1)!.text,
      /manifest\.json: cannot read manifest\.json \(no such file\).*: the report shows summary\.json alone, without the time series\.$/,
    );
    assert.deepEqual([input.timelines, input.units, input.manifest], [[], [], undefined]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
