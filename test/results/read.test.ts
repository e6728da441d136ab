import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { parseCsv } from '../../src/results/csv.ts';
import { followEventLines, readAnalysis, readRun } from '../../src/results/read.ts';
import { buildRun } from '../analysis/fixture.ts';

const COMMITTED = path.join(import.meta.dirname, '../../bench/gpu/results/2026-11-27-2xH200/runs/synthetic-0.5b-2gpu-20261127-115029');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('readRun', () => {
  test('fails on a missing manifest.json, naming the file and what was expected', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-empty-'));
    dirs.push(dir);
    await assert.rejects(readRun(dir), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /manifest\.json: cannot read manifest\.json \(no such file\); expected a grpo-bench run manifest/);
      return true;
    });
  });

  test('fails on corrupt JSON and on a plan that lacks fields', async () => {
    const dir = await buildRun();
    dirs.push(dir);
    await writeFile(path.join(dir, 'plan.json'), '{"device": "cuda", "units": [{"mode": "server"}]}');
    await assert.rejects(readRun(dir), /plan\.json: not a grpo-bench launch plan[^\n]*\n {2}units\.0\.point: /);
    await writeFile(path.join(dir, 'manifest.json'), '{"run_id": ');
    await assert.rejects(readRun(dir), /manifest\.json: not valid JSON \(.*\); expected a grpo-bench run manifest/);
  });

  test('reads every unit, with events per file and typed telemetry rows; missing files are absent', async () => {
    const dir = await buildRun();
    dirs.push(dir);
    const run = await readRun(dir);
    assert.deepEqual(run.units.map((u) => [u.plan.dir, u.record?.status, u.events.map((e) => `${e.role}-${e.rank}`)]), [
      ['server/r0', 'ok', ['server-0', 'trainer-0']],
      ['colocate/r0', 'ok', ['trainer-0', 'trainer-1']],
      ['colocate/r1', 'failed', ['trainer-0', 'trainer-1']],
      ['server/r1', 'planned', []],
    ]);
    const tel = run.units[0]!.telemetry!;
    assert.deepEqual(tel.rows[1], {
      t: 1000, gpu: 1, util_pct: 90, mem_used_mib: 1000, mem_total_mib: 80000, power_w: 200, sm_clock_mhz: 1980, temp_c: 60, throttle_reasons: '0x0000000000000000',
    });
    assert.equal(run.units[2]!.telemetry, undefined);
    assert.equal(run.units[2]!.events[0]!.parsed.truncated, true);
  });

  test('refuses a folder written by a newer harness, saying which schema it reads', async () => {
    const dir = await buildRun();
    dirs.push(dir);
    const file = path.join(dir, 'manifest.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"schema_version": 1', '"schema_version": 99'));
    await assert.rejects(readRun(dir), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /manifest\.json: schema_version 99: written by a newer grpo-bench than this one \(it reads results up to schema 1\)/);
      return true;
    });
  });

  test('a malformed summary.json names the file and the field; without one there is no analysis', async () => {
    const dir = await buildRun();
    dirs.push(dir);
    assert.equal((await readRun(dir)).analysis, undefined);
    assert.equal(await readAnalysis(dir), undefined);
    const summary = JSON.parse(await readFile(path.join(COMMITTED, 'summary.json'), 'utf8'));
    await writeFile(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, modes: [{ ...summary.modes[0], step_time_s: { value: 'fast' } }] }));
    await assert.rejects(readAnalysis(dir), /summary\.json: not a grpo-bench summary[^\n]*\n {2}modes\.0\.step_time_s\.value: /);
  });

  test('a committed results folder loads: its sweep point, its stored summary (an older schema) and step rows', async () => {
    const run = await readRun(COMMITTED);
    assert.deepEqual(run.plan.points, [{ id: 'default', values: {}, label: 'default' }]);
    assert.deepEqual(run.units.map((u) => [u.plan.dir, u.events.map((e) => `${e.role}-${e.rank}`), u.telemetry!.columns.length]), [
      ['server/r0', ['server-0', 'trainer-0'], 9],
      ['colocate/r0', ['trainer-0', 'trainer-1'], 9],
    ]);
    assert.equal(run.analysis!.summary.schema_version as number, 1);
    assert.equal(run.analysis!.steps.length, 12);
  });
});

describe('followEventLines', () => {
  test('returns each line once, when it is complete', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-follow-'));
    dirs.push(dir);
    const file = path.join(dir, 'trainer-0.jsonl');
    const next = followEventLines(file);
    assert.deepEqual(await next(), [], 'no file yet');
    await writeFile(file, '{"type":"start"}\n{"type":"st');
    assert.deepEqual(await next(), [{ type: 'start' }]);
    await appendFile(file, 'ep","step":0}\nnot json\n');
    assert.deepEqual(await next(), [{ type: 'step', step: 0 }]);
    assert.deepEqual(await next(), []);
  });
});

describe('a plan.json written before sweep points were named at plan time', () => {
  /** The fixture's folder with `points` taken out of plan.json and, optionally, a sweep recorded in the manifest. */
  async function olderRun(sweep?: Record<string, unknown[]>, pointOfUnits = 'default'): Promise<string> {
    const dir = await buildRun();
    dirs.push(dir);
    const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8'));
    delete plan.points;
    for (const u of plan.units) u.point = pointOfUnits;
    await writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan));
    if (sweep) {
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, sweep }));
    }
    return dir;
  }

  test('loads with its one point named default', async () => {
    const run = await readRun(await olderRun());
    assert.deepEqual(run.plan.points, [{ id: 'default', values: {}, label: 'default' }]);
  });

  test("gets its points from the manifest's sweep, kept to those its units ran, with their values and labels", async () => {
    const run = await readRun(await olderRun({ 'grpo.per_device_train_batch_size': [4, 8], completions: ['fixed'] }, 'per_device_train_batch_size=8,completions=fixed'));
    assert.deepEqual(run.plan.points, [
      { id: 'per_device_train_batch_size=8,completions=fixed', values: { 'grpo.per_device_train_batch_size': 8, completions: 'fixed' }, label: 'per_device_train_batch_size=8, completions=fixed' },
    ]);
  });

  test('a unit whose point the sweep does not give keeps its id as its label, with no values', async () => {
    const run = await readRun(await olderRun({ steps: [3] }, 'steps=4'));
    assert.deepEqual(run.plan.points, [{ id: 'steps=4', values: {}, label: 'steps=4' }]);
  });
});

describe('parseCsv', () => {
  test('quoted fields hold commas, quotes and newlines', () => {
    const { records, problems } = parseCsv('a,b\n"x, y","say ""hi""\nthere"\n1,2\n');
    assert.deepEqual(records, [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"\nthere'] },
      { line: 4, fields: ['1', '2'] },
    ]);
    assert.deepEqual(problems, []);
  });

  test('a last row without a newline (sampler killed mid-write) is a problem, not a row', () => {
    const { records, problems } = parseCsv('t,gpu\n1,0\n2,3');
    assert.deepEqual(records.map((r) => r.fields), [['t', 'gpu'], ['1', '0']]);
    assert.deepEqual(problems, [{ line: 3, message: 'last row has no newline (writer stopped mid-row); not read' }]);
  });
});
