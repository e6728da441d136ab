// The trl adapter's plans: argv and env of server and colocate for TRL 1.13 (vLLM's `vllm serve`)
// and for the 0.18 – 1.10 style (TRL's own server), and its refusals.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import type { ProcessSpec } from '../../src/records/plan.ts';
import type { TrlRunConfig } from '../../src/workloads/trl/config.ts';
import { trlReadiness } from '../../src/workloads/trl/readiness.ts';
import { trlStyle } from '../../src/workloads/trl/versions.ts';
import { GPU_SCENARIO, PYTHON, ROOT, TRL_0_29, TRL_1_13, context, installedLibraries, plan } from './trl-fixtures.ts';

const PY = '/venv/bin/python';
const HERE = path.join(ROOT, 'src/workloads/trl');
const MODEL = '/cache/presets/0.5b-s0-4aee63833a';

function unit(libraries: Record<string, string | null>, mode: 'server' | 'colocate' | 'hf') {
  const p = plan(GPU_SCENARIO, context(libraries, 4), [mode]);
  assert.equal(p.units.length, 1);
  return p.units[0]!;
}
const trainerConfig = (proc: ProcessSpec) => JSON.parse(proc.argv.at(-1)!) as TrlRunConfig;
const accelerate = (n: number, port: number) => [
  PY,
  '-m',
  'accelerate.commands.launch',
  '--config_file',
  path.join(HERE, 'accelerate.yaml'),
  '--num_processes',
  String(n),
  '--num_machines',
  '1',
  '--machine_rank',
  '0',
  '--main_process_ip',
  '127.0.0.1',
  '--main_process_port',
  String(port),
  '--multi_gpu',
  path.join(HERE, 'train.py'),
  '--config',
];

const SERVER_CASES = [
  {
    trl: '1.13',
    libraries: TRL_1_13,
    inner: [
      PY,
      '-m',
      'vllm.entrypoints.cli.main',
      'serve',
      MODEL,
      '--host',
      '127.0.0.1',
      '--port',
      '29000',
      '--tensor-parallel-size',
      '1',
      '--data-parallel-size',
      '1',
      '--gpu-memory-utilization',
      '0.85',
      '--dtype',
      'auto',
      '--kv-cache-dtype',
      'auto',
      '--model-impl',
      'vllm',
      '--uvicorn-log-level',
      'info',
      '--max-model-len',
      '512',
      '--enable-prefix-caching',
      '--weight-transfer-config',
      '{"backend": "nccl"}',
      '--logprobs-mode',
      'processed_logprobs',
      '--max-logprobs',
      '-1',
    ],
    serverEnv: { VLLM_SERVER_DEV_MODE: '1', VLLM_WORKER_MULTIPROC_METHOD: 'spawn' },
    health: 'http://127.0.0.1:29000/health',
    serverPorts: { http: 29000 },
    trainerPorts: { rendezvous: 29002, weight_sync: 29001 },
  },
  {
    trl: '0.29 style',
    libraries: TRL_0_29,
    inner: [
      PY,
      '-m',
      'trl.scripts.vllm_serve',
      '--model',
      MODEL,
      '--host',
      '127.0.0.1',
      '--port',
      '29000',
      '--tensor-parallel-size',
      '1',
      '--data-parallel-size',
      '1',
      '--gpu-memory-utilization',
      '0.85',
      '--max-model-len',
      '512',
      '--enable-prefix-caching',
      'true',
    ],
    serverEnv: {},
    health: 'http://127.0.0.1:29000/health/',
    serverPorts: { http: 29000, weight_sync: 29001 },
    trainerPorts: { rendezvous: 29002 },
  },
];

suite('trl plan: server mode', () => {
  for (const c of SERVER_CASES) {
    test(`TRL ${c.trl}: the server runs the command that TRL's vllm-serve runs, through serve.py, on its GPU`, () => {
      const [server, trainer] = unit(c.libraries, 'server').processes;
      assert.equal(server!.name, 'server-0');
      assert.deepEqual(server!.argv.slice(0, 2), [PY, path.join(HERE, 'serve.py')]);
      const sep = server!.argv.indexOf('--');
      assert.deepEqual(server!.argv.slice(sep + 1), c.inner);
      assert.deepEqual(JSON.parse(server!.argv[3]!), { source: 'preset', preset: '0.5b', seed: 0, folder: MODEL });
      assert.deepEqual(server!.env, {
        PYTHONUNBUFFERED: '1',
        OMP_NUM_THREADS: '1',
        TOKENIZERS_PARALLELISM: 'false',
        CUDA_VISIBLE_DEVICES: '0',
        VLLM_HOST_IP: '127.0.0.1',
        ...c.serverEnv,
        GRPO_BENCH_EVENTS: '/results/run1/server/r0/events/server-0.jsonl',
      });
      assert.deepEqual(server!.ready, { kind: 'http', url: c.health, timeout_s: 600 });
      assert.deepEqual(server!.ports, c.serverPorts);
      assert.equal(server!.finishes_unit, false);

      assert.deepEqual(trainer!.argv.slice(0, -1), accelerate(3, 29002));
      assert.deepEqual(trainer!.gpus, [1, 2, 3]);
      assert.equal(trainer!.env.CUDA_VISIBLE_DEVICES, '1,2,3');
      assert.equal(trainer!.env.VLLM_HOST_IP, '127.0.0.1');
      assert.equal(trainer!.env.GRPO_BENCH_EVENTS, '/results/run1/server/r0/events/trainer-{rank}.jsonl');
      assert.deepEqual(trainer!.events, ['events/trainer-0.jsonl', 'events/trainer-1.jsonl', 'events/trainer-2.jsonl']);
      assert.deepEqual(trainer!.ports, c.trainerPorts);
      const cfg = trainerConfig(trainer!);
      assert.deepEqual(cfg.vllm, {
        mode: 'server',
        base_url: 'http://127.0.0.1:29000',
        host: '127.0.0.1',
        port: 29000,
        group_port: 29001,
        weight_transfer: 'nccl',
      });
      assert.equal(cfg.trl_version, c.libraries.trl);
      assert.equal(cfg.grpo.per_device_train_batch_size, 8);
    });
  }

  test('a server bound to every interface is still reached, and probed, on loopback', () => {
    const yaml = GPU_SCENARIO.replace('devices: { server: 1, trainer: 3 }', 'devices: { server: 1, trainer: 3 }\n    host: 0.0.0.0');
    const [server, trainer] = plan(yaml, context(TRL_1_13, 4), ['server']).units[0]!.processes;
    assert.equal(server!.argv[server!.argv.indexOf('--host') + 1], '0.0.0.0');
    assert.equal(server!.ready.kind === 'http' && server!.ready.url, 'http://127.0.0.1:29000/health');
    assert.deepEqual(trainerConfig(trainer!).vllm, {
      mode: 'server',
      base_url: 'http://127.0.0.1:29000',
      host: '127.0.0.1',
      port: 29000,
      group_port: 29001,
      weight_transfer: 'nccl',
    });
  });

  test("the 1.13 server command is exactly what TRL's own build_command makes", async (t) => {
    const python = PYTHON;
    if ((await installedLibraries()).trl !== '1.13.0') return t.skip('needs trl 1.13.0 in the test Python');
    const script = [
      'import json, sys',
      'from trl.scripts.vllm_serve import ScriptArguments, build_command',
      `a = ScriptArguments(model=${JSON.stringify(MODEL)}, host="127.0.0.1", port=29000, gpu_memory_utilization=0.85, max_model_len=512, enable_prefix_caching=True)`,
      'print(json.dumps(build_command(a)[1:]))',
    ].join('\n');
    const theirs = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as string[];
    assert.deepEqual(SERVER_CASES[0]!.inner.slice(1), theirs);
  });
});

suite('trl plan: colocate mode', () => {
  for (const [name, libraries] of [
    ['1.13', TRL_1_13],
    ['0.29 style', TRL_0_29],
  ] as const) {
    test(`TRL ${name}: one accelerate launch over every GPU, with the engine settings in the config`, () => {
      const procs = unit(libraries, 'colocate').processes;
      assert.equal(procs.length, 1);
      const trainer = procs[0]!;
      assert.deepEqual(trainer.argv.slice(0, -1), accelerate(4, 29000));
      assert.deepEqual(trainer.env, {
        PYTHONUNBUFFERED: '1',
        OMP_NUM_THREADS: '1',
        TOKENIZERS_PARALLELISM: 'false',
        CUDA_VISIBLE_DEVICES: '0,1,2,3',
        VLLM_HOST_IP: '127.0.0.1',
        GRPO_BENCH_EVENTS: '/results/run1/colocate/r0/events/trainer-{rank}.jsonl',
      });
      assert.deepEqual(trainer.ports, { rendezvous: 29000 });
      const cfg = trainerConfig(trainer);
      assert.equal(cfg.server_style, libraries === TRL_1_13 ? 'vllm-serve' : 'trl-server');
      assert.deepEqual(cfg.vllm, {
        mode: 'colocate',
        tensor_parallel_size: 1,
        gpu_memory_utilization: 0.3,
        enable_sleep_mode: true,
        max_model_length: null,
      });
      assert.equal(cfg.completions, 'fixed');
    });
  }

  test('hf mode has no vLLM settings and no VLLM_HOST_IP', () => {
    const trainer = unit(TRL_1_13, 'hf').processes[0]!;
    assert.deepEqual(trainer.argv.slice(0, -1), accelerate(2, 29000));
    assert.equal(trainerConfig(trainer).vllm, undefined);
    assert.equal(trainer.env.VLLM_HOST_IP, undefined);
  });
});

suite('trl versions', () => {
  const cases: [string, string, string][] = [
    ['0.18.0', 'trl-server', '/health/'],
    ['1.10.0', 'trl-server', '/health/'],
    ['1.11.0', 'vllm-serve', '/health'],
    ['1.13.0', 'vllm-serve', '/health'],
    ['1.14.0.dev0', 'vllm-serve', '/health'],
  ];
  for (const [version, server, health] of cases) {
    test(`TRL ${version}: ${server}, health at ${health}`, () => {
      assert.deepEqual(trlStyle(version), { version, server, healthPath: health });
    });
  }
});

suite('trl refusals', () => {
  const refusal = (libraries: Record<string, string | null> | undefined, gpus: number, yaml = GPU_SCENARIO) =>
    assert.throws(() => plan(yaml, context(libraries, gpus)));
  const message = (libraries: Record<string, string | null> | undefined, gpus: number, yaml = GPU_SCENARIO): string => {
    try {
      plan(yaml, context(libraries, gpus));
    } catch (err) {
      return (err as Error).message;
    }
    return assert.fail('expected a refusal');
  };

  test('no vLLM: server and colocate refused with the range the installed TRL accepts', () => {
    const m = message({ ...TRL_1_13, vllm: null }, 4);
    assert.match(
      m,
      /server mode needs vLLM, which is not installed: pip install 'vllm<=0\.28\.0,>=0\.19\.1' \(the range trl 1\.13\.0 accepts\)/,
    );
    assert.match(m, /colocate mode needs vLLM/);
  });
  test('vLLM outside the accepted range is refused', () => {
    assert.match(message({ ...TRL_1_13, vllm: '0.30.1' }, 4), /vllm 0\.30\.1 is outside the range trl 1\.13\.0 accepts/);
  });
  test('no CUDA: vLLM modes refused', () => {
    assert.match(message(TRL_1_13, 0), /server mode needs CUDA GPUs/);
  });
  test('fewer GPUs than the topology asks', () => {
    assert.match(message(TRL_1_13, 1), /server mode needs at least 2 GPUs/);
    refusal(TRL_1_13, 3);
  });
  test('trl not installed: the pip line', () => {
    assert.match(message({ ...TRL_1_13, trl: null, 'trl[vllm]': null }, 4), /trl is not installed: pip install -r requirements-trl\.txt/);
  });
  test('libraries not probed', () => {
    assert.match(message(undefined, 4), /not probed/);
  });
  test('hf on CPU with one process is accepted; with two it is refused', () => {
    const cpu = (n: number) => `name: c\nworkload: trl\nmodel: preset:tiny\ndevice: cpu\nmodes: { hf: { devices: ${n} } }\n`;
    assert.equal(plan(cpu(1), context(TRL_1_13, 0)).units.length, 1);
    assert.match(message(TRL_1_13, 0, cpu(2)), /on CPU runs one trainer process/);
  });
});

suite('trlReadiness', () => {
  test('CPU machine without vLLM: hf ready, the vLLM modes say what is missing', () => {
    const r = trlReadiness({ ...TRL_1_13, vllm: null }, 0);
    assert.deepEqual(
      r.map((x) => [x.mode, x.ok]),
      [
        ['server', false],
        ['colocate', false],
        ['hf', true],
      ],
    );
    assert.equal(r[0]!.missing.length, 2);
    assert.match(r[1]!.missing.join('\n'), /vllm<=0\.28\.0,>=0\.19\.1[\s\S]*no(ne)?/);
  });
  test('GPU machine with everything: all ready', () => {
    assert.ok(trlReadiness(TRL_1_13, 2).every((x) => x.ok));
  });
});

test('--mode hf runs where vLLM is missing even though the scenario also defines vLLM modes', () => {
  const noVllm = { ...TRL_1_13, vllm: null };
  assert.throws(() => plan(GPU_SCENARIO, context(noVllm, 4)), /vllm/i);
  const p = plan(GPU_SCENARIO, context(noVllm, 4), ['hf']);
  assert.deepEqual([...new Set(p.units.map((u) => u.mode))], ['hf']);
});
