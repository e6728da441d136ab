// Typed notes in every output: the report's header reads the unequal-work note (it no longer
// works the fact out from the comparisons), notes.csv lists kind, severity, subject and text,
// and the run's terminal table marks warnings. Rendered from the committed 2×H200 synthetic run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { note, RUN_SUBJECT } from '../../src/analysis/summary/notes.ts';
import type { Summary } from '../../src/records/summary.ts';
import { upgradeSummary } from '../../src/analysis/summary/upgrade.ts';
import { formatSummaryTable } from '../../src/commands/run/table.ts';
import { notesCsv } from '../../src/report/csv.ts';
import { loadRun, type ReportInput } from '../../src/report/load.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { reportHeader } from '../../src/report/tables.ts';
import { csvTable } from '../../src/results/csv.ts';

const RUN = path.resolve(import.meta.dirname, '../../bench/gpu/results/2026-11-27-2xH200/runs/synthetic-0.5b-2gpu-20261127-115029');

describe('typed notes in every output', async () => {
  const base: ReportInput = { ...(await loadRun(RUN)), timelines: [] };
  const unequal = note(
    'unequal_work',
    'default',
    'server and colocate did not do equal work per sample (max relative difference 12.5%); their speedups compare different work',
  );
  const withNotes = (notes: Summary['notes'], summary: Partial<Summary> = {}): ReportInput => ({
    ...base,
    summary: { ...base.summary, ...summary, notes },
  });

  test('the header shows the unequal-work note, and says nothing of unequal work without one', () => {
    const shown = reportHeader(withNotes([...base.summary.notes, unequal])).notes;
    assert.ok(shown.includes(unequal.text), shown.join('\n'));
    // Comparisons that say the work differed, but no note: the header does not work it out again.
    const comparisons = base.summary.comparisons.map((c) => ({
      ...c,
      equal_work: { ...c.equal_work, equal: false, max_relative_difference: 0.5 },
    }));
    const quiet = reportHeader(withNotes(base.summary.notes, { comparisons })).notes;
    assert.ok(!quiet.some((l) => /equal work/i.test(l)), quiet.join('\n'));
  });

  test('notes.csv has one row per note: kind, severity, subject, text', () => {
    const { header, rows } = csvTable(notesCsv(withNotes([note('cpu_run', RUN_SUBJECT, 'CPU run, "quoted", with commas'), unequal])));
    assert.deepEqual(header, ['kind', 'severity', 'subject', 'text']);
    assert.deepEqual(rows, [
      ['cpu_run', 'info', 'run', 'CPU run, "quoted", with commas'],
      ['unequal_work', 'warning', 'default', unequal.text],
    ]);
    assert.equal(notesCsv(withNotes([])), 'kind,severity,subject,text\n');
  });

  test('the Markdown lists every note; the terminal table marks warnings', () => {
    const input = withNotes([note('steady_state_unchecked', 'default/server', 'only 3 step(s)'), unequal]);
    const md = renderMarkdown(input, []);
    assert.ok(md.includes('- default/server: only 3 step(s)\n'));
    const terminal = formatSummaryTable(input.summary);
    assert.ok(terminal.includes('\nnote: default/server: only 3 step(s)'), terminal);
    assert.ok(terminal.includes(`\nwarning: ${unequal.text}`), terminal);
  });

  test('notes of a summary written before they had kinds are kept, verbatim, as unclassified', () => {
    const old = { ...base.summary, notes: ['summary.json says: something'] } as unknown as Summary;
    assert.deepEqual(upgradeSummary(old).notes, [
      { kind: 'unclassified', severity: 'info', subject: 'run', text: 'summary.json says: something' },
    ]);
  });
});
