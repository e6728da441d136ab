// Integrity of a results folder, end to end: one real run of the tiny CPU scenario, copied and
// damaged as a user might find it (a cut event file, emptied events, a broken manifest, an edited
// figure, a missing sample file); `report` and `compare` run as the real CLI on each copy.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, onlyRunDir, readJsonFile, ROOT, tinyScenario, workspace } from '../e2e/helpers.ts';
import { committedRuns } from '../report/committed-results.ts';
import { loadRun } from '../../src/report/load.ts';

/** Exit code of a folder that cannot be trusted: none of compare's verdicts (0, 1, 2, 3). */
const DAMAGED = 65;

let ws: Awaited<ReturnType<typeof workspace>>;
let run: string;

before(async () => {
  ws = await workspace(tinyScenario('repeats: 2\n'));
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'colocate']);
  assert.equal(r.exitCode, 0, r.all);
  run = await onlyRunDir(ws.results);
});

after(async () => {
  await rm(ws.dir, { recursive: true, force: true });
});

/** A copy of the run folder, changed by `damage`. */
async function copy(damage: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(ws.dir, 'copy-')), 'run');
  await cp(run, dir, { recursive: true });
  await damage(dir);
  return dir;
}

async function report(dir: string, ...extra: string[]) {
  return cli(['report', dir, '--out', path.join(path.dirname(dir), 'report'), ...extra]);
}

/** Both reading commands refuse the folder, with the data exit code, naming `file` and what differs, without a stack trace. */
async function refusedByReportAndCompare(dir: string, file: RegExp, what: RegExp): Promise<void> {
  for (const r of [await report(dir), await cli(['compare', run, dir])]) {
    assert.equal(r.exitCode, DAMAGED, r.all);
    assert.match(r.stderr, file);
    assert.match(r.stderr, what);
    assert.doesNotMatch(r.stderr, /This is a bug|\n\s+at /);
  }
}

test('a finished run records the size and sha256 of every raw file, and of steps.csv and summary.json', async () => {
  const manifest = await readJsonFile(path.join(run, 'manifest.json'));
  for (const unit of manifest.units) {
    const files = Object.keys(unit.files).sort();
    assert.ok(files.includes(path.join(unit.dir, 'events', 'trainer-0.jsonl')), files.join(', '));
    assert.ok(files.includes(path.join(unit.dir, 'processes.csv')), files.join(', '));
    assert.ok(files.includes(path.join(unit.dir, 'logs', 'trainer.log')), files.join(', '));
    const text = await readFile(path.join(run, unit.dir, 'events', 'trainer-0.jsonl'));
    assert.equal(unit.files[path.join(unit.dir, 'events', 'trainer-0.jsonl')].bytes, text.length);
  }
  assert.deepEqual(Object.keys(manifest.derived).sort(), ['steps.csv', 'summary.json']);
  assert.deepEqual(Object.keys(manifest.files), ['plan.json']);
  const r = await report(run);
  assert.equal(r.exitCode, 0, r.all);
  assert.doesNotMatch(r.stdout, /UNVERIFIED/);
});

test('a cut event file is caught by report and compare', async () => {
  const file = path.join('colocate', 'r1', 'events', 'trainer-0.jsonl');
  const dir = await copy((d) => truncate(path.join(d, file), 100));
  await refusedByReportAndCompare(dir, /colocate\/r1\/events\/trainer-0\.jsonl: size differs/, /\d+ bytes when recorded, 100 now/);
});

test('emptied event files are caught by report and compare', async () => {
  const dir = await copy(async (d) => {
    for (const unit of ['r0', 'r1']) {
      const events = path.join(d, 'colocate', unit, 'events');
      for (const name of await readdir(events)) await writeFile(path.join(events, name), '');
    }
  });
  await refusedByReportAndCompare(dir, /colocate\/r0\/events\/trainer-1\.jsonl: size differs/, /bytes when recorded, 0 now/);
});

test('an event file edited in place (same size) is caught by its digest', async () => {
  const file = path.join('colocate', 'r0', 'events', 'trainer-0.jsonl');
  const dir = await copy(async (d) => {
    const text = await readFile(path.join(d, file), 'utf8');
    const edited = text.replace(/"completion_tokens": ?(\d)/, (m, digit: string) => m.replace(digit, digit === '9' ? '8' : String(Number(digit) + 1)));
    assert.notEqual(edited, text);
    await writeFile(path.join(d, file), edited);
  });
  await refusedByReportAndCompare(dir, /colocate\/r0\/events\/trainer-0\.jsonl: digest differs/, /same size, different content/);
});

test('a missing sample file is caught by report and compare', async () => {
  const dir = await copy((d) => rm(path.join(d, 'colocate', 'r0', 'processes.csv')));
  await refusedByReportAndCompare(dir, /colocate\/r0\/processes\.csv: missing/, /bytes when recorded, no file now/);
});

test('a plan.json changed after the run (the devices a mode held: every per-device figure) is caught by report and compare', async () => {
  const dir = await copy(async (d) => {
    const plan = JSON.parse(await readFile(path.join(d, 'plan.json'), 'utf8'));
    for (const unit of plan.units) unit.devices.allocated = [0];
    await writeFile(path.join(d, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
  });
  await refusedByReportAndCompare(dir, /plan\.json: size differs/, /bytes when recorded, \d+ now/);
  const r = await report(dir, '--allow-unverified');
  assert.match(r.stdout.split('\n')[0]!, /^UNVERIFIED: every figure rests on raw files that no longer match .*plan\.json \(size differs\)/);
});

test('a manifest that is not JSON is named, without a stack trace, by report and compare', async () => {
  const dir = await copy((d) => writeFile(path.join(d, 'manifest.json'), '{"run_id": "cut here'));
  await refusedByReportAndCompare(dir, /manifest\.json: not valid JSON/, /expected a grpo-bench run manifest/);
});

test('a figure changed in summary.json or steps.csv after the run is computed again from the raw files, never shown', async () => {
  const summary = JSON.parse(await readFile(path.join(run, 'summary.json'), 'utf8'));
  const real = summary.modes[0].completion_tokens_per_s.value as number;
  const dir = await copy(async (d) => {
    summary.modes[0].completion_tokens_per_s.value = 987654.321;
    await writeFile(path.join(d, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const steps = await readFile(path.join(d, 'steps.csv'), 'utf8');
    await writeFile(path.join(d, 'steps.csv'), steps.replace(/\n(default,colocate,0,1,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,)([0-9.]+)/, '\n$1123456'));
  });
  const r = await report(dir);
  assert.equal(r.exitCode, 0, r.all);
  const md = await readFile(path.join(path.dirname(dir), 'report', 'report.md'), 'utf8');
  assert.doesNotMatch(md, /987[,  ]?654/);
  assert.match(md, /steps\.csv and summary\.json changed after the analysis wrote them .*computed every figure again from the run's raw files/);
  const csv = await readFile(path.join(path.dirname(dir), 'report', 'steps.csv'), 'utf8');
  assert.doesNotMatch(csv, /,123456,/);
  const { summary: shown } = await loadRun(dir);
  assert.equal(shown.modes[0]!.completion_tokens_per_s.value, real);
  // compare never reads them; it says they changed and judges from the verified raw files.
  const c = await cli(['compare', run, dir]);
  assert.match(c.stderr, /summary\.json changed after the analysis wrote it; the verdict is computed from the run's raw files/);
  assert.ok([0, 3].includes(c.exitCode!), c.all);
});

test('--allow-unverified reports a damaged folder and says on the first line which figures are unverified', async () => {
  const file = path.join('colocate', 'r1', 'events', 'trainer-0.jsonl');
  const dir = await copy((d) => truncate(path.join(d, file), 100));
  const r = await report(dir, '--allow-unverified');
  assert.equal(r.exitCode, 0, r.all);
  const first = /^UNVERIFIED: the figures of colocate and every comparison with them rest on raw files that no longer match what the run recorded \(colocate\/r1\/events\/trainer-0\.jsonl \(size differs\)\)/;
  assert.match(r.stdout.split('\n')[0]!, first);
  const out = path.join(path.dirname(dir), 'report');
  const md = await readFile(path.join(out, 'report.md'), 'utf8');
  assert.match(md.split('\n')[0]!, /^\*\*UNVERIFIED: the figures of colocate/);
  const html = await readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /<main>\n<p class="note"><strong>UNVERIFIED: the figures of colocate/);
});

test('--allow-unverified shows summary.json of a folder whose manifest is broken, every figure marked unverified', async () => {
  const dir = await copy((d) => writeFile(path.join(d, 'manifest.json'), 'not json'));
  const r = await report(dir, '--allow-unverified');
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout.split('\n')[0]!, /^UNVERIFIED: every figure rests on raw files that no longer match .*manifest\.json unreadable/);
});

test('a committed folder written before digests reads, marked as such', async () => {
  const [first] = await committedRuns();
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'gb-legacy-')), 'run');
  try {
    await cp(path.join(ROOT, first!), dir, { recursive: true });
    const { summary, integrity } = await loadRun(dir);
    assert.equal(integrity.state, 'before_digests');
    assert.match(summary.notes.at(-1)!.text, /^Written before integrity digests/);
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
});

test('every other command that reads results folders refuses a damaged one, naming the file, with the data exit code', async () => {
  const file = path.join('colocate', 'r0', 'events', 'trainer-0.jsonl');
  const dir = await copy((d) => truncate(path.join(d, file), 50));
  const out = (name: string) => path.join(path.dirname(dir), name);
  const commands: [string, string[]][] = [
    ['report over several folders', ['report', run, dir, '--out', out('multi')]],
    ['calibrate --from', ['calibrate', ws.scenario, '--from', run, dir]],
    ['predict', ['predict', dir, '--gpus', '2', '--out', out('predict')]],
    ['reproduce --runs', ['reproduce', '--runs', dir, '--out', out('reproduce')]],
  ];
  for (const [what, args] of commands) {
    const r = await cli(args);
    assert.equal(r.exitCode, DAMAGED, `${what}: ${r.all}`);
    assert.match(r.stderr, /colocate\/r0\/events\/trainer-0\.jsonl: size differs/, what);
    assert.doesNotMatch(r.stderr, /This is a bug|\n\s+at /, what);
  }
  // history draws many folders: a damaged one is listed apart with why, and none of its figures is drawn.
  const h = await cli(['history', run, dir, '--out', out('history')]);
  assert.equal(h.exitCode, 0, h.all);
  const page = await readFile(path.join(out('history'), 'history.html'), 'utf8');
  assert.match(page, /trainer-0\.jsonl: size differs/);
  assert.ok(page.includes(dir), 'the damaged folder is named among those not drawn');
});
