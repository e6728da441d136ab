import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, execaSync } from 'execa';
import { freePort } from '../../src/launch/ports.ts';
import { runUnit, UnitProcesses } from '../../src/launch/supervisor.ts';
import { startSampling } from '../../src/telemetry/samplers.ts';
import { GPU_STREAM_FIELDS, APPS_STREAM_FIELDS, THROTTLE_FIELDS } from '../../src/telemetry/nvidia-smi.ts';
import { TELEMETRY_HEADER } from '../../src/telemetry/gpu-row.ts';
import { alive, python, script, spec, tempDir } from '../launch/fixtures.ts';
import { fakeSmi, fixture, withPath } from './fake-smi.ts';

function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const keys = header!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}

const BUSY_RANK = `
import os, time
end = time.time() + 4
while time.time() < end:
    pass
`;

const hasTorch = execaSync(python, ['-c', 'import torch.distributed.run'], { reject: false }).exitCode === 0;

test(
  'processes.csv records CPU of every rank of a launcher',
  { skip: !hasTorch && `${python} cannot import torch; set GRPO_BENCH_PYTHON` },
  async () => {
    const dir = tempDir();
    const rank = script(dir, 'rank.py', BUSY_RANK);
    const tracker = new UnitProcesses();
    // A real torchrun: it starts each rank in a session of its own.
    const argv = [
      python,
      '-m',
      'torch.distributed.run',
      '--nnodes',
      '1',
      '--nproc-per-node',
      '2',
      '--master-addr',
      '127.0.0.1',
      '--master-port',
      String(await freePort()),
      rank,
    ];
    const sampling = await startSampling({ unitDir: dir, intervalMs: 250, gpus: [], members: () => tracker.members() });
    const outcome = await runUnit({
      unitDir: dir,
      processes: [spec('trainer', argv, { env: { OMP_NUM_THREADS: '1' } })],
      timeoutS: 240,
      tracker,
    });
    const cost = await sampling.stop();
    assert.deepEqual(outcome, { status: 'ok' }, readFileSync(path.join(dir, 'logs', 'trainer.log'), 'utf8'));
    const rows = readCsv(path.join(dir, 'processes.csv'));
    assert.ok(rows.every((r) => r.process === 'trainer' && r.role === 'trainer' && r.gpu_mem_mib === ''));
    const busyPids = new Set(rows.filter((r) => Number(r.cpu_pct) > 25).map((r) => r.pid));
    assert.ok(busyPids.size >= 2, `two busy ranks sampled, got ${JSON.stringify(rows.slice(-6))}`);
    assert.ok(new Set(rows.map((r) => r.pid)).size >= 3, 'the launcher and both ranks');
    const host = readCsv(path.join(dir, 'host.csv'));
    assert.ok(host.length >= 2);
    assert.ok(Number(host[0]!.mem_total_mib) > 0 && Number(host[0]!.mem_used_mib) > 0);
    // Two ranks spinning keep two cores busy: the host's load shows at least most of that.
    const loads = host.map((r) => Number(r.cpu_pct));
    assert.ok(
      loads.every((x) => x >= 0 && x <= 100),
      `host cpu_pct in 0–100: ${loads.join(', ')}`,
    );
    assert.ok(Math.max(...loads) >= Math.min(50, (80 * 2) / cpus().length), `host load while two ranks spin: ${loads.join(', ')}`);
    assert.ok(cost.harness_cpu_s_per_s >= 0 && cost.sampler_cpu_s_per_s === 0);
  },
);

test('the GPU sampler streams one nvidia-smi for the unit into telemetry.csv and ends it on stop (fake nvidia-smi)', async () => {
  const dir = tempDir();
  const smi = fakeSmi();
  smi.respond('help-query-gpu', fixture('handwritten-help-query-gpu-r550.txt'));
  smi.respond(`query-gpu=${[...GPU_STREAM_FIELDS, THROTTLE_FIELDS[0]].join(',')}`, fixture('handwritten-query-gpu-stream.csv'));
  const sleeper = execa(python, ['-c', 'import time; time.sleep(30)'], { reject: false });
  smi.respond(`query-compute-apps=${APPS_STREAM_FIELDS.join(',')}`, `${sleeper.pid}, 2048\n`);
  try {
    const sampling = await withPath(smi.bin, () =>
      startSampling({
        unitDir: dir,
        intervalMs: 100,
        gpuMemIntervalMs: 200,
        gpus: [0, 1],
        members: () => [{ pid: sleeper.pid!, process: 'server-0', role: 'server' }],
        gpuSource: 'nvidia-smi',
      }),
    );
    await sleep(1500);
    const cost = await sampling.stop();
    assert.deepEqual(sampling.problems, []);
    const rows = readCsv(path.join(dir, 'telemetry.csv'));
    assert.ok(rows.length >= 6, `${rows.length} rows`);
    assert.deepEqual(Object.keys(rows[0]!), [...TELEMETRY_HEADER]);
    const nvmlOnly = { energy_mj: '', sm_active_pct: '', sm_occupancy_pct: '', tensor_active_pct: '' };
    assert.deepEqual(
      { ...rows[3], t: '' },
      {
        t: '',
        gpu: '1',
        util_pct: '',
        mem_used_mib: '1',
        mem_total_mib: '81559',
        power_w: '',
        sm_clock_mhz: '345',
        temp_c: '31',
        throttle_reasons: '',
        ...nvmlOnly,
        source: 'nvidia-smi',
      },
    );
    assert.deepEqual(sampling.gpu?.source, 'nvidia-smi');
    assert.ok(Math.abs(Number(rows[0]!.t) - Date.now() / 1000) < 60, 't is the wall clock at read');
    const procs = readCsv(path.join(dir, 'processes.csv'));
    assert.ok(
      procs.some((r) => r.gpu_mem_mib === '2048'),
      'per-process GPU memory from the compute-apps stream',
    );
    const streams = smi.calls().filter((c) => c.args.includes('-lms'));
    assert.equal(streams.filter((c) => c.args[0]!.startsWith('--query-gpu=')).length, 1, 'one telemetry stream per unit');
    assert.deepEqual(alive(streams.map((c) => c.pid)), [], 'the streams are ended');
    assert.ok(cost.sampler_cpu_s_per_s > 0, 'the streams cost CPU, counted');
  } finally {
    sleeper.kill();
  }
});

test('a driver that rejects a field leaves the problem on record instead of failing silently (fake nvidia-smi)', async () => {
  const dir = tempDir();
  const smi = fakeSmi(); // answers nothing: every query fails like an unknown field
  const sampling = await withPath(smi.bin, () =>
    startSampling({ unitDir: dir, intervalMs: 100, gpus: [0], members: () => [], gpuSource: 'nvidia-smi' }),
  );
  await sleep(500);
  await sampling.stop();
  assert.ok(
    sampling.problems.some((p) => /nvidia-smi exited with code 2: Field "query-gpu=timestamp,/.test(p)),
    sampling.problems.join('\n'),
  );
});
