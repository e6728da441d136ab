import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { parseCsv } from '../../src/results/csv.ts';
import { readRun } from '../../src/results/read.ts';
import { buildRun } from '../analysis/fixture.ts';

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
