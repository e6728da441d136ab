// A run whose server mode shared the trainer's GPU (IPC weight transfer) says so wherever its
// summary goes: a headline note with the label every output uses; other runs have no such note.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { headlineNotes } from '../../src/analysis/summary/notes.ts';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';
import { SHARED_GPU_SERVER_LABEL } from '../../src/modes.ts';
import { buildRun } from './fixture.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('server mode on a shared GPU is labelled in the summary’s headline notes, and only there where it ran so', async () => {
  const dir = await buildRun();
  dirs.push(dir);
  const plain = await analyzeRun(dir);
  assert.equal(
    plain.notes.some((n) => n.kind === 'shared_gpu_server'),
    false,
  );

  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  manifest.scenario.modes.server.vllm = { ...(manifest.scenario.modes.server.vllm ?? {}), weight_transfer: 'ipc' };
  await writeFile(file, JSON.stringify(manifest));
  const shared = await analyzeRun(dir);
  const notes = headlineNotes(shared.notes).filter((n) => n.kind === 'shared_gpu_server');
  assert.equal(notes.length, 1);
  assert.ok(notes[0]!.text.includes(SHARED_GPU_SERVER_LABEL), notes[0]!.text);
  assert.equal(SHARED_GPU_SERVER_LABEL, 'server mode on a shared GPU with IPC weight transfer — not a layout TRL supports');
});
