import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Note } from '../../src/records/notes.ts';
import { flattenSettings, isIgnoredSetting, settingsDifferences, type SettingsUnit } from '../../src/analysis/summary/settings.ts';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';
import type { EventFile } from '../../src/results/read.ts';
import { parseEvents } from '../../src/records/events.ts';
import { readRun } from '../../src/results/read.ts';

const GPU_RUNS = path.resolve(import.meta.dirname, '../../bench/gpu/results/2026-11-27-2xH200/runs');

/** An event file as the reader returns it, from event objects. */
function file(dir: string, role: string, rank: number, events: object[]): EventFile {
  const text = events.map((e) => JSON.stringify(e) + '\n').join('');
  return { file: `${dir}/events/${role}-${rank}.jsonl`, role, rank, parsed: parseEvents(text) };
}

const config = (c: object) => ({ type: 'config', t: 1, config: c });
const start = (role: string, rank: number) => ({
  type: 'start',
  t: 0,
  role,
  rank,
  pid: 4242 + rank,
  mode: 'x',
  devices: ['cuda:0'],
  versions: {},
});

function unit(mode: 'server' | 'colocate' | 'hf', repeat: number, files: (dir: string) => EventFile[], point = 'default'): SettingsUnit {
  const dir = `${mode}/r${repeat}`;
  return { plan: { point, mode, repeat, dir }, events: files(dir) };
}

const trainer = (mode: string, extra: object = {}) => ({
  workload: 'synthetic',
  mode,
  role: 'trainer',
  dtype: 'bfloat16',
  device: 'cuda:0',
  world_size: mode === 'server' ? 1 : 2,
  engine: { gpu_memory_utilization: mode === 'server' ? 0.9 : 0.3, prompts_sent: mode === 'server' ? 'unique, n=G' : 'duplicated G times' },
  grpo_config: { output_dir: `/results/run-1/${mode}/r0/out`, vllm_server_port: 8000 + (mode === 'server' ? 1 : 0), temperature: 1.0 },
  ...extra,
});

describe('flattening and ignoring settings', () => {
  test('nested objects become dotted keys; values are text, JSON for non-strings', () => {
    const s = flattenSettings({ a: { b: { c: 1 }, d: null, e: {} }, f: [1, 2], g: true, h: 'x', i: 1.0 });
    assert.deepEqual(Object.fromEntries(s), { 'a.b.c': '1', 'a.d': 'null', 'a.e': '{}', f: '[1,2]', g: 'true', h: 'x', i: '1' });
  });

  test('a command line becomes one key per option and the other words under args', () => {
    const s = flattenSettings({
      command: ['python', '-m', 'vllm', 'serve', '/m', '--port', '1234', '--enforce-eager', '--max-logprobs', '-1', '--dtype=auto'],
    });
    assert.deepEqual(Object.fromEntries(s), {
      'command.args': 'python -m vllm serve /m',
      'command.--port': '1234',
      'command.--enforce-eager': 'true',
      'command.--max-logprobs': '-1',
      'command.--dtype': 'auto',
    });
  });

  test('ignored: pids, ranks, ports, hosts, devices, output paths, the mode; kept: what shapes the work', () => {
    for (const k of [
      'pid',
      'rank',
      'mode',
      'grpo_config.vllm_mode',
      'device',
      'devices',
      'server.command.--port',
      'grpo_config.vllm_group_port',
      'server.env.CUDA_VISIBLE_DEVICES',
      'server.env.VLLM_HOST_IP',
      'engine.server_base_url',
      'grpo_config.vllm_server_host',
      'pinned.output_dir',
    ]) {
      assert.ok(isIgnoredSetting(k), k);
    }
    for (const k of [
      'world_size',
      'engine.gpu_memory_utilization',
      'server.command.--gpu-memory-utilization',
      'engine.prompts_sent',
      'model.path',
      'support',
      'server.env.VLLM_SERVER_DEV_MODE',
      'grpo_config.use_vllm',
    ]) {
      assert.ok(!isIgnoredSetting(k), k);
    }
  });
});

describe('settings that differ between the modes, on hand-built events', () => {
  test('keys whose values differ or that only some modes have; run-specific keys left out; sorted by key', () => {
    const notes: Note[] = [];
    const units = [
      unit('server', 0, (d) => [
        file(d, 'trainer', 0, [start('trainer', 0), config(trainer('server'))]),
        file(d, 'server', 0, [start('server', 0), config({ role: 'server', dtype: 'bfloat16', port: 4567, replicas: 1 })]),
      ]),
      unit('colocate', 0, (d) => [
        file(d, 'trainer', 0, [start('trainer', 0), config(trainer('colocate', { sleep: false }))]),
        file(d, 'trainer', 1, [start('trainer', 1), config(trainer('colocate', { device: 'cuda:1', sleep: true }))]),
      ]),
    ];
    const r = settingsDifferences(units, ['default'], notes);
    assert.deepEqual(r.compared, { default: ['server', 'colocate'] });
    assert.deepEqual(notes, []);
    assert.deepEqual(
      r.differences.map((d) => [d.key, d.values]),
      [
        ['engine.gpu_memory_utilization', { server: '0.9', colocate: '0.3' }],
        ['engine.prompts_sent', { server: 'unique, n=G', colocate: 'duplicated G times' }],
        // server.dtype equals colocate's dtype: not listed; the server's replicas only the server has
        ['server.replicas', { server: '1', colocate: null }],
        // rank 1's sleep: true is not read: trainer rank 0 speaks for the mode
        ['sleep', { server: null, colocate: 'false' }],
        ['world_size', { server: '1', colocate: '2' }],
      ],
    );
  });

  test('identical settings: no differences; one mode only: nothing compared', () => {
    const same = (mode: 'server' | 'colocate') =>
      unit(mode, 0, (d) => [file(d, 'trainer', 0, [config({ mode, dtype: 'bf16', pid: mode.length })])]);
    const notes: Note[] = [];
    assert.deepEqual(settingsDifferences([same('server'), same('colocate')], ['default'], notes), {
      compared: { default: ['server', 'colocate'] },
      differences: [],
    });
    assert.deepEqual(settingsDifferences([same('colocate')], ['default'], notes), { compared: { default: ['colocate'] }, differences: [] });
    assert.deepEqual(notes, []);
  });

  test('missing config events and repeats that disagree are notes, not errors; units that never ran are skipped', () => {
    const notes: Note[] = [];
    const units = [
      unit('server', 0, (d) => [file(d, 'trainer', 0, [start('trainer', 0)]), file(d, 'server', 0, [start('server', 0)])]),
      unit('server', 1, () => []),
      unit('colocate', 0, (d) => [file(d, 'trainer', 0, [config({ dtype: 'bf16' })])]),
      unit('colocate', 1, (d) => [file(d, 'trainer', 0, [config({ dtype: 'fp16', steps: 3 })])]),
      unit('hf', 0, (d) => [file(d, 'trainer', 1, [config({ dtype: 'bf16' })])]),
    ];
    const r = settingsDifferences(units, ['default'], notes);
    assert.deepEqual(r, { compared: { default: ['colocate'] }, differences: [] });
    assert.deepEqual(
      notes.map((n) => n.text),
      [
        'default/server: server/r0/events/trainer-0.jsonl has no config event; server/r0/events/server-0.jsonl has no config event; this mode’s settings are not compared',
        'default/hf: hf/r0 has no trainer rank 0 event file; this mode’s settings are not compared',
        'colocate/r1: settings differ from colocate/r0 (dtype, steps); the settings comparison uses colocate/r0',
      ],
    );
  });

  test('each sweep point is compared on its own', () => {
    const u = (mode: 'server' | 'colocate', point: string, v: number) =>
      unit(mode, 0, (d) => [file(d, 'trainer', 0, [config({ batch: v, mode })])], point);
    const r = settingsDifferences(
      [u('server', 'b=4', 4), u('colocate', 'b=4', 4), u('server', 'b=8', 8), u('colocate', 'b=8', 16)],
      ['b=4', 'b=8'],
      [],
    );
    assert.deepEqual(r.differences, [{ point: 'b=8', key: 'batch', values: { server: '8', colocate: '16' } }]);
  });
});

describe('settings that differ, on the real 2×H200 GPU runs', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  test('synthetic server vs colocate: analyzeRun (on a copy) lists the trainer world size and the weight-sync path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-settings-'));
    dirs.push(dir);
    await cp(path.join(GPU_RUNS, 'synthetic-0.5b-2gpu-20261127-115029'), dir, { recursive: true });
    const summary = await analyzeRun(dir);
    assert.deepEqual(summary.settings_compared, { default: ['server', 'colocate'] });
    const byKey = Object.fromEntries(summary.settings_differences.map((d) => [d.key, d.values]));
    assert.deepEqual(byKey.world_size, { server: '1', colocate: '2' });
    assert.deepEqual(byKey['weight_sync.backend'], { server: 'nccl', colocate: 'in-process copy' });
    assert.deepEqual(byKey['server.replicas'], { server: '1', colocate: null });
    // same model, dtype and batch in both; device, port, host, devices are run-specific
    for (const k of [
      'dtype',
      'preset',
      'per_device_train_batch_size',
      'server.dtype',
      'device',
      'server.port',
      'server.host',
      'server.devices',
      'mode',
      'role',
    ])
      assert.ok(!(k in byKey), k);
    assert.ok(!summary.notes.some((n) => n.text.includes('config event')));
  });

  test('trl hf, colocate (vLLM) and server (vLLM), three runs read together: how prompts reach the engine and the server’s memory share', async () => {
    const units = [];
    for (const run of ['trl-0.5b-2gpu-20261127-114106', 'trl-0.5b-2gpu-20261127-114611', 'trl-0.5b-2gpu-20261127-114746'])
      units.push(...(await readRun(path.join(GPU_RUNS, run))).units);
    const notes: Note[] = [];
    const r = settingsDifferences(units, ['default'], notes);
    assert.deepEqual(notes, []);
    assert.deepEqual(r.compared, { default: ['server', 'hf', 'colocate'] });
    const byKey = Object.fromEntries(r.differences.map((d) => [d.key, d.values]));
    assert.deepEqual(byKey['engine.prompts_sent'], {
      server: 'main process sends unique prompts once, n=num_generations',
      hf: 'each rank generates its own batch (prompts duplicated num_generations times)',
      colocate: 'each rank sends its prompts duplicated num_generations times, n=1',
    });
    assert.deepEqual(byKey['server.command.--gpu-memory-utilization'], { server: '0.85', hf: null, colocate: null });
    assert.deepEqual(byKey['grpo_config.use_vllm'], { server: 'true', hf: 'false', colocate: 'true' });
    assert.deepEqual(byKey['grpo_config.generation_batch_size'], { server: '8', hf: '16', colocate: '16' });
    for (const k of Object.keys(byKey)) assert.ok(!isIgnoredSetting(k), k);
    for (const k of [
      'grpo_config.output_dir',
      'grpo_config.vllm_server_port',
      'server.command.--port',
      'server.env.CUDA_VISIBLE_DEVICES',
      'grpo_config.temperature',
    ])
      assert.ok(!(k in byKey), k);
  });
});
