// What the commands print: plain aligned text by default, to a terminal or a pipe (these tests
// read a pipe), and Markdown only with --format markdown. On the committed GPU gate folders, the
// committed one-H200 run with repeats and its 0.5b profile.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { formatSummaryTable } from '../../src/commands/run/table.ts';
import { loadRun } from '../../src/report/load.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const GATE = path.join(ROOT, 'bench/gpu/results/2026-12-01-1xH200/gate-1gpu/results');
const A = path.join(GATE, 'gpu-0.5b-1gpu-20261201-185113');
const S10 = path.join(GATE, 'gpu-0.5b-1gpu-20261201-185525');

/** Markdown markup a reader would see as noise in a terminal. */
const MARKUP = [/^#{1,6} /m, /\*\*/, /<details>|<summary>|<sub>/, /^\|.*\|$/m, /^\| *:?-{3,}/m];

const compare = (...extra: string[]) =>
  execa(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'compare', A, S10, '--allow-different', 'slowdown', ...extra],
    { cwd: ROOT, reject: false, env: { FORCE_COLOR: '0' } },
  );

test('compare prints plain aligned text through a pipe: no Markdown markup, the verdict and its table in columns', async () => {
  const r = await compare();
  assert.equal(r.exitCode, 3, r.stderr);
  for (const m of MARKUP) assert.doesNotMatch(r.stdout, m);
  assert.match(r.stdout, /^grpo-bench compare: Inconclusive at 2%/);
  assert.match(
    r.stdout,
    /^gpu-0\.5b-1gpu-20261201-185525 \(candidate\) against gpu-0\.5b-1gpu-20261201-185113 \(baseline\)/m,
    'run ids without code quotes',
  );
  // Header, rule, row: the columns line up (each cell starts where its header starts).
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith('point  '));
  assert.match(lines[head + 1]!, /^─+ +─+/);
  assert.equal(lines[head]!.indexOf('mode'), lines[head + 2]!.indexOf('colocate'));
  assert.match(r.stdout, /Other metrics \(reported, not gated\):/);
});

test('compare --format markdown prints the Markdown for a pull request', async () => {
  const r = await compare('--format', 'markdown');
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stdout, /^### grpo-bench compare: \*\*Inconclusive\*\*/);
  assert.match(r.stdout, /<details><summary>Other metrics/);
  assert.match(r.stdout, /^\| :--- \| :--- \|/m);
});

test("run's closing table is plain text unless Markdown is asked for", async () => {
  const { summary } = await loadRun(path.join(ROOT, 'bench/gpu/results/2026-12-01-1xH200/trl-1gpu-repeats/trl-1gpu-20261201-234829'));
  const text = formatSummaryTable(summary);
  for (const m of MARKUP) assert.doesNotMatch(text, m);
  assert.match(text.split('\n')[1]!, /^─+ +─+/);
  assert.match(formatSummaryTable(summary, 'markdown'), /^\| point \| mode \|/);
});

test('reproduce prints its table as aligned text, Markdown with --format markdown; reproduce.md is Markdown either way', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'grpo-bench-reproduce-'));
  try {
    const profile = path.join(ROOT, 'bench/gpu/results/2026-12-01-1xH200/profile/profile-trl-1gpu-0.5b-profile-20261201-234537');
    const run = (...extra: string[]) =>
      execa(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'reproduce', '--profile', profile, '--out', out, ...extra],
        { cwd: ROOT, env: { FORCE_COLOR: '0' } },
      );
    const text = (await run()).stdout;
    for (const m of MARKUP) assert.doesNotMatch(text, m);
    assert.match(text, /^scenario +claim +normalisation/m);
    assert.match(text, /^─+ +─+/m);
    assert.match((await run('--format', 'markdown')).stdout, /^\| scenario \| claim \|/m);
    assert.match(await readFile(path.join(out, 'reproduce.md'), 'utf8'), /^\| .* \|$/m);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
