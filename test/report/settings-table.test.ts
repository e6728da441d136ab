// The "Settings that differ between the modes" table and settings-differences.csv, on the real
// 2×H200 synthetic run (its summary.json predates schema 2, so loading it re-runs the analysis).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SUMMARY_SCHEMA_VERSION } from '../../src/records/summary.ts';
import { settingsDifferencesCsv } from '../../src/report/csv.ts';
import { escapeMarkdown } from '../../src/report/escape.ts';
import { renderHtml } from '../../src/report/html.ts';
import { csvTable } from '../../src/results/csv.ts';
import { loadRun, type ReportInput } from '../../src/report/load.ts';
import { markdownTable } from '../../src/report/markdown.ts';
import { settingsTable } from '../../src/report/tables.ts';

const RUN = path.resolve(import.meta.dirname, '../../bench/gpu/results/2026-11-27-2xH200/runs/synthetic-0.5b-2gpu-20261127-115029');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function input(): Promise<ReportInput> {
  return { ...(await loadRun(RUN)), timelines: [] };
}

describe('settings that differ, in the report', async () => {
  const before = await readFile(path.join(RUN, 'summary.json'), 'utf8');
  const base = await input();

  test('an older summary.json is re-analysed in memory, said in the notes, and the results folder is left as it was', async () => {
    assert.equal(JSON.parse(before).schema_version, 1);
    assert.equal(base.summary.schema_version, SUMMARY_SCHEMA_VERSION);
    assert.match(
      base.summary.notes[0]!.text,
      new RegExp(`^summary\\.json has schema 1, older than this harness's ${SUMMARY_SCHEMA_VERSION}: this report re-ran the analysis`),
    );
    assert.ok(base.steps.length > 0);
    assert.equal(await readFile(path.join(RUN, 'summary.json'), 'utf8'), before);
  });

  test('one row per differing key, sorted, one column per mode, — where a mode has no such setting', () => {
    const t = settingsTable(base);
    assert.equal(t.title, 'Settings that differ between the modes');
    assert.deepEqual(t.columns, ['setting', 'server', 'colocate']);
    const keys = t.rows.map((r) => r[0]!);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(
      t.rows.find((r) => r[0] === 'world_size'),
      ['world_size', '1', '2'],
    );
    assert.deepEqual(
      t.rows.find((r) => r[0] === 'weight_sync.bucket_bytes'),
      ['weight_sync.bucket_bytes', '268435456', '—'],
    );
  });

  test('long values are cut in Markdown and HTML, escaped there, and whole in the CSV', async () => {
    const long = `<script>alert(1)</script> | *${'x'.repeat(100)}`;
    const withLong: ReportInput = {
      ...base,
      summary: {
        ...base.summary,
        settings_differences: [
          ...base.summary.settings_differences,
          { point: 'default', key: 'a_b.c', values: { server: long, colocate: null } },
        ],
      },
    };
    const t = settingsTable(withLong);
    const row = t.rows.find((r) => r[0] === 'a_b.c')!;
    assert.equal(row[1], `${long.slice(0, 59)}…`);
    const md = markdownTable(t);
    assert.ok(md.includes(`| ${escapeMarkdown('a_b.c')} | ${escapeMarkdown(row[1]!)} | — |`));
    assert.ok(!md.includes('<script>'));
    const html = await renderHtml(withLong, [], 'test');
    assert.ok(html.includes('Settings that differ between the modes'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; | *xxx'));
    assert.ok(!html.includes('<script>alert(1)'));
    const csv = csvTable(settingsDifferencesCsv(withLong));
    assert.deepEqual(csv.header, ['point', 'key', 'server', 'colocate']);
    assert.deepEqual(
      csv.rows.find((r) => r[1] === 'a_b.c'),
      ['default', 'a_b.c', long, ''],
    );
    assert.equal(csv.rows.length, base.summary.settings_differences.length + 1);
  });

  test('"none" when the modes agree; says so when only one mode recorded its settings, or the summary predates the comparison', () => {
    const none = settingsTable({ ...base, summary: { ...base.summary, settings_differences: [] } });
    assert.deepEqual(none.rows, [['none', '', '']]);
    const one = settingsTable({ ...base, summary: { ...base.summary, settings_compared: { default: ['hf'] }, settings_differences: [] } });
    assert.deepEqual(one.columns, ['setting', 'hf']);
    assert.deepEqual(one.rows, [['nothing to compare: hf is the only mode here that recorded its settings', '']]);
    const { settings_compared: _c, settings_differences: _d, ...older } = base.summary;
    const old = settingsTable({ ...base, summary: older as typeof base.summary });
    assert.deepEqual(old.rows, [['not in this summary.json (written before settings were compared)']]);
    assert.equal(settingsDifferencesCsv({ ...base, summary: older as typeof base.summary }), 'point,key\n');
  });

  test('an older summary.json whose folder cannot be analysed is shown as it is, with a note', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-old-summary-'));
    dirs.push(dir);
    await copyFile(path.join(RUN, 'summary.json'), path.join(dir, 'summary.json'));
    // Nothing backs it (no manifest with digests): shown only where the user asks, marked unverified.
    await assert.rejects(loadRun(dir), /manifest\.json: cannot read manifest\.json \(no such file\)/);
    const r = await loadRun(dir, { allowUnverified: true });
    assert.equal(r.summary.schema_version as number, 1);
    assert.equal(r.summary.notes[0]!.kind, 'unverified');
    assert.match(r.summary.notes[1]!.text, /could not re-run .*without the settings that differ between the modes/);
    assert.equal(r.summary.settings_differences, undefined);
  });
});
