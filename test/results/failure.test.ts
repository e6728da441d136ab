import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { errorLines, firstWorkloadError, memoryErrorLine } from '../../src/results/failure.ts';

const line = (o: object) => `${JSON.stringify(o)}\n`;

test('firstWorkloadError picks the earliest error end across ranks, not the first file', async () => {
  const unit = await mkdtemp(path.join(tmpdir(), 'gb-failure-'));
  await mkdir(path.join(unit, 'events'));
  // Rank 0 failed second, as a consequence of rank 1 leaving; a third process ended fine.
  await writeFile(path.join(unit, 'events', 'trainer-0.jsonl'), line({ type: 'end', t: 20.5, status: 'error', error: 'RuntimeError: Connection closed by peer' }));
  await writeFile(path.join(unit, 'events', 'trainer-1.jsonl'), line({ type: 'step', t: 10, step: 0, duration_s: 1 }) + line({ type: 'end', t: 20.1, status: 'error', error: 'ValueError: bad batch\nTraceback …' }));
  await writeFile(path.join(unit, 'events', 'server-0.jsonl'), line({ type: 'end', t: 19, status: 'ok' }));
  assert.deepEqual(await firstWorkloadError(unit), { file: 'events/trainer-1.jsonl', error: 'ValueError: bad batch\nTraceback …' });
});

test('firstWorkloadError is null when no process recorded an error, or there are no events', async () => {
  const unit = await mkdtemp(path.join(tmpdir(), 'gb-failure-'));
  assert.equal(await firstWorkloadError(unit), null);
  await mkdir(path.join(unit, 'events'));
  await writeFile(path.join(unit, 'events', 'trainer-0.jsonl'), line({ type: 'end', t: 1, status: 'ok' }) + '{"type":"end","t":2,"sta');
  assert.equal(await firstWorkloadError(unit), null);
});

test('errorLines keeps the exception line and the innermost frames of a long traceback', () => {
  const frames = Array.from({ length: 20 }, (_, i) => `  File "x.py", line ${i}, in f${i}`);
  const error = ['OSError: disk full', 'Traceback (most recent call last):', ...frames, 'OSError: disk full'].join('\n');
  const shown = errorLines(error, 6);
  assert.equal(shown.length, 6);
  assert.equal(shown[0], 'OSError: disk full');
  assert.equal(shown[1], '…');
  assert.deepEqual(shown.slice(-2), ['  File "x.py", line 19, in f19', 'OSError: disk full']);
  assert.deepEqual(errorLines('short\n\nmessage'), ['short', 'message']);
});

test('a memory failure comes with the phase it hit and the bytes asked and free, and reads as one line', async () => {
  const unit = await mkdtemp(path.join(tmpdir(), 'gb-failure-'));
  await mkdir(path.join(unit, 'events'));
  const memory_error = {
    kind: 'oom',
    asked_bytes: 2 * 2 ** 30,
    total_bytes: 150023207649,
    free_bytes: 1181116006,
    phase: 'trl:compute_loss',
    phase_path: ['forward_backward', 'trl:compute_loss'],
    message: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.',
  };
  await writeFile(path.join(unit, 'events', 'trainer-0.jsonl'), line({ type: 'end', t: 3, status: 'error', error: memory_error.message, memory_error }));
  const found = await firstWorkloadError(unit);
  assert.deepEqual(found, { file: 'events/trainer-0.jsonl', error: memory_error.message, memory_error });
  assert.equal(memoryErrorLine(found!.memory_error!), 'out of memory in forward_backward › trl:compute_loss: asked 2.0 GiB, 1.1 GiB free of 139.7 GiB');
  assert.equal(memoryErrorLine({ kind: 'engine_start', phase: 'engine_start', free_bytes: 40 * 2 ** 30, asked_bytes: 125 * 2 ** 30 }), 'vLLM would not start: too little free memory in engine_start: asked 125.0 GiB, 40.0 GiB free');
});
