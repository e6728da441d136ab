// The gate between the variants of one run, end to end on CPU: the synthetic workload as three
// variants of one interleaved run (the baseline, an identical copy, and one slowed by
// GRPO_BENCH_SLOWDOWN), judged by `grpo-bench gate`; and a variant that does not hold what it
// declares, refused before anything starts. Real processes. Timings are never asserted: only
// verdicts that hold on two busy cores. The slowed variant sleeps 20× the time of its step's
// work (steps 21× as long): on two cores shared with other work, runs of the same variant were
// seen to differ by 2.4× and a 6× slowdown to come out inconclusive at three blocks (paired t
// with 2 degrees of freedom at level 97.5 %); a 10 % slowdown needs far more blocks than a test
// can afford here (bench/regression-gate.ts measures what the gate resolves). The
// A/A copy is judged at the family level 1 − 0.05/2, so it comes out "regressed" with
// probability at most 2.5 % if the blocks are exchangeable; this test asserts it does not.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { GATE_EXIT } from '../../src/analysis/inference/constants.ts';
import { gateCommand, gateRun } from '../../src/commands/gate/index.ts';
import { runCommand } from '../../src/commands/run/index.ts';
import { EXIT, UserError } from '../../src/errors.ts';
import { variantVerdictMarkdown } from '../../src/report/variants-markdown.ts';
import { python } from '../launch/fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'grpo-bench-variants-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function scenario(name: string, variants: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
workload: synthetic
model: preset:tiny
device: cpu
steps: 5
warmup_steps: 1
repeats: 3
grpo: { per_device_train_batch_size: 4, num_generations: 2, max_prompt_length: 16, max_completion_length: 16 }
modes: { colocate: { devices: 1 } }
telemetry: { enabled: false }
variants:
${variants}`,
  );
  return file;
}

test('three variants in one run: the slowed one regressed (exit 1), its own phase moved; the A/A copy did not regress', async () => {
  const out = path.join(dir, 'results');
  const file = scenario(
    'gate-variants',
    `  base: { python: ${python} }
  copy: { python: ${python} }
  slow: { python: ${python}, env: { GRPO_BENCH_SLOWDOWN: "20" } }
`,
  );
  const { exitCode, runDir } = await runCommand({ scenario: file, out });
  assert.equal(exitCode, 0);
  for (const v of ['base', 'copy', 'slow']) assert.deepEqual(readdirSync(path.join(runDir, v, 'colocate')).sort(), ['r0', 'r1', 'r2']);
  const manifest = JSON.parse(readFileSync(path.join(runDir, 'manifest.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.variants), ['base', 'copy', 'slow']);
  assert.equal(manifest.variants.slow.env.GRPO_BENCH_SLOWDOWN, '20');
  assert.match(manifest.variants.base.libraries.torch, /^\d+\.\d+/);
  // ABBA across variants: the second block runs them in the reverse order.
  assert.deepEqual(manifest.units.map((u: { dir: string }) => u.dir).slice(0, 6), [
    'base/colocate/r0',
    'copy/colocate/r0',
    'slow/colocate/r0',
    'slow/colocate/r1',
    'copy/colocate/r1',
    'base/colocate/r1',
  ]);

  const v = await gateRun({ runs: [runDir] });
  const by = Object.fromEntries(v.comparisons.map((c) => [c.candidate, c]));
  assert.deepEqual(Object.keys(by).sort(), ['copy', 'slow']);
  assert.equal(by.slow!.design, 'paired');
  assert.equal(by.slow!.outcome, 'regressed');
  assert.notEqual(by.copy!.outcome, 'regressed');
  assert.equal(v.outcome, 'regressed');
  const moved = [...by.slow!.phases].sort(
    (a, b) => Math.abs(b.delta_s ?? b.candidate_s ?? 0) - Math.abs(a.delta_s ?? a.candidate_s ?? 0),
  )[0]!;
  assert.equal(moved.phase, 'slowdown');
  assert.equal(moved.baseline_s, null);
  assert.match(variantVerdictMarkdown(v), /^### grpo-bench gate: \*\*Regressed\*\* beyond 2%: slow default\/colocate/);
  assert.equal(await gateCommand({ runs: [runDir], json: true }), GATE_EXIT.regressed);
  assert.ok(existsSync(path.join(runDir, 'variants-verdict.json')));
  // Runs of one scenario pool their blocks (a run per sitting), each block still paired within its run.
  const pooled = await gateRun({ runs: [runDir, runDir] });
  assert.deepEqual(
    pooled.comparisons.map((c) => [c.candidate, c.baseline_runs.length, c.design]),
    [
      ['copy', 6, 'paired'],
      ['slow', 6, 'paired'],
    ],
  );

  // The run's report shows the variants: each ÷ the baseline, the phases side by side, a chart.
  const { reportCommand } = await import('../../src/commands/report/index.ts');
  const report = await reportCommand({ results: runDir, out: path.join(dir, 'report'), formats: ['markdown'] });
  const md = readFileSync(path.join(report.outDir, 'report.md'), 'utf8');
  assert.match(md, /## Each variant ÷ base\n[\s\S]*\| slow \| default \| colocate \| 3 \|[^\n]*🔴 regressed/);
  assert.match(md, /## Phases side by side[\s\S]*\| slow \| default \| colocate \| slowdown \| — \|/);
  assert.match(md, /charts\/variants\.png/);

  // The history of this run: base and copy (same settings) on one line, at their versions; the
  // slowed variant's own variables set it apart, with why.
  const { historyCommand } = await import('../../src/commands/history/index.ts');
  const h = await historyCommand({ folders: [runDir, path.join(dir, 'missing')], out: path.join(dir, 'history') });
  assert.deepEqual(
    h.lines.map((l) => l.points.map((p) => p.variant)),
    [['base', 'copy']],
  );
  assert.match(h.lines[0]!.points[0]!.versions.torch ?? '', /^\d/);
  assert.deepEqual(
    h.apart.map((a) => a.dir),
    [path.join(dir, 'missing'), runDir],
  );
  assert.match(h.apart[1]!.why, /differs in variant_env \(\{"GRPO_BENCH_SLOWDOWN":"20"\} vs —\)/);
  const csv = readFileSync(path.join(dir, 'history', 'history.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(csv.length, 3);
  const html = readFileSync(path.join(dir, 'history', 'history.html'), 'utf8');
  assert.ok(html.includes('id="gb-charts"') && !/<script[^>]+src=/.test(html), 'one page, nothing fetched');
});

test('a variant that does not hold what it declares is refused before anything starts: no run folder, no unit folder', async () => {
  const out = path.join(dir, 'refused');
  const file = scenario('refused', `  base: { python: ${python}, expect: { torch: "0.0.1" } }\n  other: { python: ${python} }\n`);
  await assert.rejects(runCommand({ scenario: file, out }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /variant 'base': torch expected 0\.0\.1, found \d/);
    return true;
  });
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'nothing was written');
});

test('the gate on a folder that is not a run with variants is an input error (exit 65), never a verdict', async () => {
  await assert.rejects(
    gateRun({ runs: [path.join(dir, 'no-such-run')] }),
    (err: unknown) => err instanceof UserError && err.exitCode === EXIT.data && !Object.values(GATE_EXIT).includes(err.exitCode as never),
  );
});
