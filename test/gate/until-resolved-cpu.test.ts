// `run --until-resolved` end to end through the CLI on the tiny CPU scenario with two modes:
// interleaved blocks (server, colocate | colocate, server) until the sequential rule's last look,
// then every later unit skipped with the reason. Real processes, about two minutes on 2 busy
// cores. The verdict itself is not asserted (server against colocate on CPU is whatever the box
// makes it); the error rates under this stopping are checked by simulation in
// test/analysis/sequential.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMPILE_CACHE_VARS } from '../../src/env/compile-cache.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import { cli, tinyScenario, workspace } from '../e2e/helpers.ts';

test('run --until-resolved runs two blocks in ABBA order, looks, and skips the rest with the look as its reason', async () => {
  const w = await workspace(tinyScenario());
  try {
    const r = await cli([
      'run',
      w.scenario,
      '--out',
      w.results,
      '--no-report',
      '--until-resolved',
      '--budget-s',
      '1000000',
      '--max-blocks',
      '2',
    ]);
    assert.equal(r.exitCode, 0, r.all);
    assert.match(r.all, /until resolved: colocate ÷ server = \d\.\d{3} .*\(look 2 of at most 2\)/);
    const [id] = readdirSync(w.results);
    const manifest = JSON.parse(readFileSync(path.join(w.results, id!, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(
      manifest.units.filter((u) => u.status === 'ok').map((u) => `${u.mode}/r${u.repeat}`),
      ['server/r0', 'colocate/r0', 'colocate/r1', 'server/r1'],
    );
    const skipped = manifest.units.filter((u) => u.status === 'skipped');
    assert.equal(skipped.length, manifest.units.length - 4);
    assert.match(
      skipped[0]!.error!.message,
      /^(resolved after 2 block\(s\)|not resolved at the last look): colocate ÷ server = \d\.\d{3} \(\d+(\.\d+)?% interval .*\), .* \(look 2 of at most 2\)$/,
    );
    assert.equal(manifest.status, 'completed');
    // The compile caches the workloads saw are on record, so that `compare` can hold two runs to them.
    assert.deepEqual(Object.keys(manifest.compile_cache ?? {}), [...COMPILE_CACHE_VARS]);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('--until-resolved without --budget-s is refused, naming the flag', async () => {
  const w = await workspace(tinyScenario());
  try {
    const r = await cli(['run', w.scenario, '--out', w.results, '--until-resolved']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.all, /--until-resolved needs --budget-s N/);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});
