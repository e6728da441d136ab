import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatSummaryTable } from '../src/commands/run/table.ts';
import { tableHtml } from '../src/report/html.ts';
import { markdownTable } from '../src/report/markdown.ts';
import { estimateFigure, figureParts, formatFigure, formatNumber, formatPercentText, MISSING, percentFigure } from '../src/value-format.ts';

describe('the value formatter', () => {
  test('numbers: 3 significant digits by default, thousands grouped, no string of zeros, a dash when missing', () => {
    assert.deepEqual(
      [1869.5, 3.7391, 0.000743, 0, -12.345, 1234567].map((x) => formatNumber(x)),
      ['1,870', '3.74', '0.000743', '0', '-12.3', '1,234,567'],
    );
    assert.equal(formatNumber(1.234e-8), '1.23e-8');
    assert.deepEqual(
      [NaN, null, undefined, Infinity].map((x) => formatNumber(x)),
      [MISSING, MISSING, MISSING, MISSING],
    );
    assert.equal(formatNumber(1869.46, { decimals: 1 }), '1,869.5');
    assert.equal(formatNumber(2.5, { decimals: 4, trim: true }), '2.5');
    assert.equal(formatNumber(98.3333, 4), '98.33');
  });

  test('figures: the interval in brackets after the value, the unit last; bytes get a prefix; words may stand in for an interval', () => {
    assert.equal(formatFigure(estimateFigure({ value: 2.0483, low: 1.9886, high: 2.0982 }, { unit: '×' })), '2.05 (1.99–2.10) ×');
    assert.equal(formatFigure({ value: 2.05, low: NaN, high: 2.1, unit: '×' }), '2.05 ×', 'no interval without both bounds');
    assert.equal(
      formatFigure(estimateFigure({ value: 436, low: 400, high: 470, interval: 'within_run_spread' })),
      '436 (one run; steps 400–470)',
    );
    assert.equal(formatFigure({ value: 987_654_321, unit: 'B' }), '988 MB');
    assert.equal(formatFigure({ value: 3, precision: { decimals: 0 }, aside: 'excl. 3 warm-up' }), '3 (excl. 3 warm-up)');
    assert.equal(formatFigure({ value: NaN, unit: '×' }), MISSING);
    assert.deepEqual(figureParts({ value: 11, low: 10, high: 12, unit: '%' }), { value: '11.0', unit: '%', bracket: '10.0–12.0' });
  });

  test('percentages: spaced in what a renderer lays out, closed up in stored sentences', () => {
    assert.equal(formatFigure(percentFigure(0.11)), '11 %');
    assert.equal(formatFigure(percentFigure(0.125, { decimals: 1 })), '12.5 %');
    assert.equal(formatFigure(percentFigure(0.983333, { decimals: 2, trim: true })), '98.33 %');
    assert.equal(formatPercentText(0.01), '1.0%');
    assert.equal(formatPercentText(0.95, { decimals: 0 }), '95%');
  });
});

describe('tables hold numbers until a renderer formats them', () => {
  const t = {
    id: 't',
    title: 'T',
    columns: ['figure', 'text'],
    numeric: [true, false],
    rows: [[{ value: 11, low: 10, high: 12, unit: '%', precision: 3 }, '1.5 (1–2) ×']],
  };

  test('the HTML lays out a Figure from its parts, the interval on its own line; text that looks like one stays text', () => {
    const html = tableHtml(t);
    assert.ok(html.includes('<td class="num">11.0 %<span class="ci">10.0–12.0</span></td>'), html);
    assert.ok(html.includes('<td>1.5 (1–2) ×</td>'), html);
  });

  test('the Markdown shows the same Figure as text', () => {
    assert.ok(markdownTable(t).includes('| 11.0 (10.0–12.0) % | 1.5 (1–2) × |'));
  });

  test("the run's terminal table formats the summary's figures the same way", () => {
    const summary = {
      points: [{ id: 'default', values: {}, label: 'default' }],
      modes: [
        {
          point: 'default',
          mode: 'colocate',
          runs: [{ repeat: 0, status: 'ok', steps: 3 }],
          steps_measured: 1200,
          step_time_s: { value: 1.0614, low: 1.0459, high: 1.1021, n_steps: 3, n_runs: 1 },
          completion_tokens_per_s_per_allocated_device: { value: 3829.44, n_steps: 3, n_runs: 1 },
          completion_tokens_per_s_per_training_device: { value: NaN, n_steps: 3, n_runs: 1 },
          generation_to_training_ratio: 8.271,
          completion_tokens_per_sample: 256,
        },
      ],
      comparisons: [],
      notes: [],
    } as unknown as Parameters<typeof formatSummaryTable>[0];
    const row = formatSummaryTable(summary).split('\n')[2]!;
    assert.deepEqual(row.split(/ {2,}/), ['colocate', '1/1', '1,200', '1.061 (1.046–1.102)', '3,829.4', MISSING, '8.27', '256']);
  });
});
