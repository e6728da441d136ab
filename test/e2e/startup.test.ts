// End to end: the tiny synthetic CPU scenario's start-up events, the summary's split of the time to
// first step, and the report's table (docs/metrics.md "Where start-up goes").
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseEvents } from '../../src/records/events.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import type { Summary } from '../../src/records/summary.ts';
import { cli, onlyRunDir, readJsonFile, tinyScenario, workspace } from './helpers.ts';

test('a run writes its start-up parts, the summary splits the time to first step into them, and the report shows where it went', async () => {
  const ws = await workspace(tinyScenario());
  // A cache folder that holds something: the unit starts warm.
  const cache = path.join(ws.dir, 'vllm-cache');
  await mkdir(cache);
  await writeFile(path.join(cache, 'entry'), '');
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'colocate'], { VLLM_CACHE_ROOT: cache });
  assert.equal(r.exitCode, 0, r.all);
  const runDir = await onlyRunDir(ws.results);

  const events = parseEvents(await readFile(path.join(runDir, 'colocate/r0/events/trainer-0.jsonl'), 'utf8')).events;
  const parts = events.filter((e) => e.type === 'startup').map((e) => e.part);
  assert.deepEqual([...parts].sort(), ['engine_start', 'imports', 'model_load', 'trainer_setup']);
  assert.equal(
    events.findIndex((e) => e.type === 'startup'),
    0,
    'imports come first, before the start event',
  );

  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.units[0]!.cache_warm, true);

  const summary = await readJsonFile<Summary>(path.join(runDir, 'summary.json'));
  const mode = summary.modes.find((m) => m.mode === 'colocate')!;
  assert.equal(mode.startup?.length, 1);
  const split = mode.startup![0]!;
  assert.equal(split.cache, 'warm');
  assert.deepEqual(
    split.parts.map((p) => p.part),
    ['launch', 'imports', 'model_load', 'engine_start', 'trainer_setup', 'first_step', 'other'],
  );
  // One run: the mean is the run's own time to first step, which the parts add up to.
  assert.ok(Math.abs(split.total_s - mode.time_to_first_step_s.value) < 1e-6);
  const sum = split.parts.reduce((s, p) => s + p.seconds, 0);
  assert.ok(Math.abs(sum - split.total_s) < 1e-6, `${sum} vs ${split.total_s}`);
  assert.ok(split.parts.every((p) => p.runs === 1 && (p.part === 'other' || p.seconds >= 0)));

  const rep = await cli(['report', runDir, '--out', path.join(ws.dir, 'report'), '--format', 'markdown', '--format', 'csv']);
  assert.equal(rep.exitCode, 0, rep.all);
  const md = await readFile(path.join(ws.dir, 'report', 'report.md'), 'utf8');
  const table = md.slice(md.indexOf('## Where start-up goes'));
  assert.ok(md.includes('## Where start-up goes'), 'the report has the table');
  assert.match(table, /\| colocate \| warm \| model load \| [\d.]+ \| 1 \|/);
  assert.match(table, /\| colocate \| warm \| time to first step \(mean\) \| [\d.]+ \| 1 \|/);
  assert.ok(existsSync(path.join(ws.dir, 'report', 'startup.csv')));
  const csv = (await readFile(path.join(ws.dir, 'report', 'startup.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv[0], 'point,mode,cache,part,seconds,runs');
  assert.equal(csv.length, 1 + split.parts.length + 1);
});
