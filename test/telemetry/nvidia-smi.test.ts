import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseThrottleField, parseGpuLine, parseRows, sampleRow, splitRow } from '../../src/telemetry/nvidia-smi.ts';
import { gpuRowCells } from '../../src/telemetry/gpu-row.ts';
import { busyReasons, parseGpuStates } from '../../src/telemetry/hygiene.ts';
import { environmentFingerprint, parseCudaVersion, parseGpuInventory } from '../../src/telemetry/inventory.ts';
import { fixture } from './fake-smi.ts';

test('telemetry stream lines parse into samples, with [N/A] and [Not Supported] as missing', () => {
  const lines = fixture('handwritten-query-gpu-stream.csv').split('\n');
  const samples = lines.map((l) => parseGpuLine(l, 1718110927.5, true)).filter((s) => s !== null);
  assert.equal(samples.length, 6, 'blank separator lines are not samples');
  assert.deepEqual(samples[0], {
    t: 1718110927.5,
    gpu: 0,
    util_pct: 97,
    mem_used_mib: 71234,
    mem_total_mib: 81559,
    power_w: 612.45,
    sm_clock_mhz: 1980,
    temp_c: 63,
    throttle_reasons: '0x0000000000000000',
    smi_timestamp: '2024/06/11 14:02:07.123',
  });
  assert.deepEqual(gpuRowCells(sampleRow(samples[3]!)), [
    1718110927.5,
    1,
    null,
    1,
    81559,
    null,
    345,
    31,
    null,
    null,
    null,
    null,
    null,
    'nvidia-smi',
  ]);
});

test('a stream line without the throttle column parses when the driver has no throttle field', () => {
  const s = parseGpuLine('2024/06/11 14:02:07.123, 3, 50, 10, 20, 30.5, 1000, 40', 1, false);
  assert.equal(s?.gpu, 3);
  assert.equal(s?.throttle_reasons, null);
  assert.equal(parseGpuLine('2024/06/11 14:02:07.123, 3, 50, 10, 20, 30.5, 1000, 40', 1, true), null);
});

test('the throttle field is chosen by what the driver lists', () => {
  assert.equal(chooseThrottleField(fixture('handwritten-help-query-gpu-r550.txt')), 'clocks_event_reasons.active');
  assert.equal(chooseThrottleField(fixture('handwritten-help-query-gpu-r470.txt')), 'clocks_throttle_reasons.active');
  assert.equal(chooseThrottleField('"timestamp"\n"index"'), null);
});

test('a process name holding the separator stays one cell', () => {
  assert.deepEqual(splitRow('1, a, b, 3, u', 4, 1), ['1', 'a, b', '3', 'u']);
  assert.equal(splitRow('1, 2', 4, 1), null);
});

test('GPU holders are mapped from uuids to indices, and busy GPUs are named with pid, name and MiB', () => {
  const states = parseGpuStates(fixture('handwritten-query-gpu-ids.csv'), fixture('handwritten-query-compute-apps.csv'));
  assert.deepEqual(states[0]!.holders, [
    { pid: 48211, name: '/usr/bin/python3', used_mib: 70122 },
    { pid: 48377, name: 'VLLM::Worker_TP0, rank 0', used_mib: 1200 },
  ]);
  assert.deepEqual(busyReasons(states, [0, 1, 2, 5], 1024), [
    'GPU 0: pid 48211 /usr/bin/python3 (70122 MiB), pid 48377 VLLM::Worker_TP0, rank 0 (1200 MiB)',
    'GPU 1: 2600 MiB in use with no compute process listed (another container or a process being torn down?)',
    'GPU 5: not listed by nvidia-smi',
  ]);
  assert.deepEqual(busyReasons(states, [2], 1024), []);
  assert.deepEqual(parseRows('', 4), []);
});

test('inventory rows and the CUDA version parse from nvidia-smi output', () => {
  const gpus = parseGpuInventory(fixture('handwritten-query-gpu-inventory.csv'));
  assert.equal(gpus.length, 2);
  assert.deepEqual(gpus[1], {
    index: 1,
    name: 'NVIDIA H100 80GB HBM3',
    uuid: 'GPU-a81b22c3-9d8e-4f70-8a1b-665544332211',
    memory_total_mib: 81559,
    driver_version: '550.54.15',
    clocks_max_sm_mhz: 1980,
    power_limit_w: 700,
  });
  assert.equal(parseCudaVersion(fixture('handwritten-banner.txt')), '12.4');
  const host = { cpu_model: 'x', cpu_cores: 8, cpu_physical_cores: 4, memory_total_mib: 1, os: 'y', kernel: 'z', arch: 'x64' };
  const env = environmentFingerprint({ gpus, cuda_version: '12.4', host });
  assert.equal(env.gpu_name, 'NVIDIA H100 80GB HBM3');
  assert.equal(env.gpu_count, 2);
  assert.equal(env.driver_version, '550.54.15');
});

test('recorded on a 2×H200 host: the telemetry stream, throttle field, inventory, holders and CUDA version parse', () => {
  const samples = fixture('h200-580-query-gpu-stream.csv')
    .split('\n')
    .map((l) => parseGpuLine(l, 1, true))
    .filter((s) => s !== null);
  assert.equal(samples.length, 30);
  assert.deepEqual(new Set(samples.map((s) => s.gpu)), new Set([0, 1]));
  assert.deepEqual(samples[0], {
    t: 1,
    gpu: 0,
    util_pct: 63,
    mem_used_mib: 3601,
    mem_total_mib: 143771,
    power_w: 202.07,
    sm_clock_mhz: 1980,
    temp_c: 38,
    throttle_reasons: '0x0000000000000000',
    smi_timestamp: '2026/11/27 11:36:31.762',
  });
  assert.equal(chooseThrottleField(fixture('h200-580-help-query-gpu.txt')), 'clocks_event_reasons.active');
  const gpus = parseGpuInventory(fixture('h200-580-query-gpu-inventory.csv'));
  assert.deepEqual(
    gpus.map((g) => [g.index, g.name, g.memory_total_mib, g.driver_version, g.clocks_max_sm_mhz, g.power_limit_w]),
    [
      [0, 'NVIDIA H200', 143771, '580.159.04', 1980, 700],
      [1, 'NVIDIA H200', 143771, '580.159.04', 1980, 700],
    ],
  );
  assert.equal(parseCudaVersion(fixture('h200-580-banner.txt')), '13.0');
  const states = parseGpuStates(fixture('h200-580-query-gpu-ids.csv'), fixture('h200-580-query-compute-apps.csv'));
  assert.deepEqual(
    states.map((s) => s.holders),
    [[{ pid: 814, name: 'python3', used_mib: 3592 }], [{ pid: 1036, name: '/opt/torch/.venv/bin/python3', used_mib: 23326 }]],
  );
  assert.deepEqual(busyReasons(states, [0, 1], 1024), [
    'GPU 0: pid 814 python3 (3592 MiB)',
    'GPU 1: pid 1036 /opt/torch/.venv/bin/python3 (23326 MiB)',
  ]);
});
