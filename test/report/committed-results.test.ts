import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { committedRuns, ROOT, SNAPSHOT_DIR, snapshotOf } from './committed-results.ts';

const runs = await committedRuns();

test('every results folder committed under bench/ has a report snapshot', async () => {
  assert.ok(runs.length > 0, 'no committed results folders found under bench/');
  for (const run of runs) {
    const names = await readdir(path.join(SNAPSHOT_DIR, run)).catch(() => []);
    assert.ok(
      names.length > 0,
      `${run}: no snapshot under ${path.relative(ROOT, SNAPSHOT_DIR)}; write it with npx tsx test/report/committed-results.ts`,
    );
  }
});

for (const run of runs) {
  test(`the report of ${run} comes out as before`, async () => {
    const now = await snapshotOf(run);
    const dir = path.join(SNAPSHOT_DIR, run);
    assert.deepEqual([...now.keys()].sort(), (await readdir(dir)).sort(), 'the same report files');
    for (const [name, text] of now)
      assert.equal(text, await readFile(path.join(dir, name), 'utf8'), `${run}: ${name} differs from the snapshot`);
  });
}
