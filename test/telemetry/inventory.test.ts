import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../src/errors.ts';
import { GPU_ID_FIELDS, HOLDER_FIELDS, waitGpusIdle } from '../../src/telemetry/hygiene.ts';
import { INVENTORY_FIELDS, inventory } from '../../src/telemetry/inventory.ts';
import { fakeSmi, fixture, withPath } from './fake-smi.ts';

const query = (fields: readonly string[]) => `query-gpu=${fields.join(',')}`;
const APPS = `query-compute-apps=${HOLDER_FIELDS.join(',')}`;

test('inventory without nvidia-smi lists no GPUs, says why, and still describes the host', async () => {
  const inv = await inventory({ smi: 'nvidia-smi-that-is-not-installed' });
  assert.deepEqual(inv.gpus, []);
  assert.equal(inv.gpus_reason, 'nvidia-smi-that-is-not-installed not found on PATH');
  assert.equal(inv.cuda_version, null);
  assert.ok(inv.host.cpu_cores > 0 && inv.host.memory_total_mib > 0 && inv.host.kernel !== '');
});

test('inventory reads GPUs and the CUDA version from nvidia-smi (fake nvidia-smi)', async () => {
  const smi = fakeSmi();
  smi.respond(query(INVENTORY_FIELDS), fixture('handwritten-query-gpu-inventory.csv'));
  smi.respond('banner', fixture('handwritten-banner.txt'));
  const inv = await withPath(smi.bin, () => inventory());
  assert.deepEqual(
    inv.gpus.map((g) => [g.index, g.name, g.memory_total_mib]),
    [
      [0, 'NVIDIA H100 80GB HBM3', 81559],
      [1, 'NVIDIA H100 80GB HBM3', 81559],
    ],
  );
  assert.equal(inv.gpus_reason, undefined);
  assert.equal(inv.cuda_version, '12.4');
});

test('busy GPUs fail the unit after the wait, naming who holds which GPU (fake nvidia-smi)', async () => {
  const smi = fakeSmi();
  smi.respond(query(GPU_ID_FIELDS), fixture('handwritten-query-gpu-ids.csv'));
  smi.respond(APPS, fixture('handwritten-query-compute-apps.csv'));
  await assert.rejects(
    withPath(smi.bin, () => waitGpusIdle({ gpus: [0, 2], waitS: 0.5, pollMs: 100 })),
    (e: unknown) =>
      e instanceof UserError && /GPUs 0, 2 still busy after 0.5 s:\n {2}GPU 0: pid 48211 \/usr\/bin\/python3 \(70122 MiB\)/.test(e.message),
  );
});

test('GPUs that free up during the wait let the unit start (fake nvidia-smi)', async () => {
  const smi = fakeSmi();
  smi.respond(query(GPU_ID_FIELDS), fixture('handwritten-query-gpu-ids.csv'));
  smi.respond(APPS, fixture('handwritten-query-compute-apps.csv'));
  const waiting = withPath(smi.bin, () => waitGpusIdle({ gpus: [0], waitS: 30, pollMs: 100 }));
  await sleep(400);
  smi.respond(APPS, '');
  smi.respond(query(GPU_ID_FIELDS), '0, GPU-5f3e0c4a-1b2c-4d5e-8f90-112233445566, 3\n');
  await waiting;
  assert.ok(smi.calls().length >= 4, 'it polled');
});
