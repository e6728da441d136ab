// The trl profile unit: the server exactly as a server-mode run starts it, and a driver that sends
// it what TRL's rank 0 sends. vLLM does not run on this machine, so the driver is checked against
// a stand-in answering vLLM's OpenAI-style endpoints and recording every request body.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { planProbe, probePlan } from '../../src/launch/plan.ts';
import type { ProbePlan } from '../../src/records/plan.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { GPU_SCENARIO, PYTHON, ROOT, TRL_0_29, TRL_1_13, context, plan } from './trl-fixtures.ts';

const scenario = parseScenario(GPU_SCENARIO, 'test.yaml').scenario;

describe('trl profile plan', () => {
  test('the server is the one a server-mode run starts (same command, environment and readiness); a driver replaces the trainer', () => {
    const probe = probePlan(scenario, [1, 2, 3], [8], 3, 1);
    const unit = planProbe(scenario, context(TRL_1_13, 1), probe);
    const run = plan(GPU_SCENARIO, context(TRL_1_13, 4), ['server']).units[0]!;
    const [server, driver] = unit.processes;
    const runServer = run.processes.find((p) => p.role === 'server')!;
    const noPorts = (argv: string[]) => argv.map((a) => a.replace(/\b29\d{3}\b/g, 'PORT').replace(/"port":\d+/g, ''));
    assert.deepEqual(noPorts(server!.argv), noPorts(runServer.argv));
    assert.deepEqual({ ...server!.env, GRPO_BENCH_EVENTS: '' }, { ...runServer.env, GRPO_BENCH_EVENTS: '' });
    assert.equal(server!.ready.kind, 'http');
    assert.deepEqual(unit.devices, { kind: 'cuda', allocated: [0], training: [], server: [0] });
    assert.equal(driver!.name, 'driver');
    assert.deepEqual(driver!.gpus, []);
    assert.match(driver!.argv.join(' '), /src\/workloads\/trl\/probe\.py --config/);
    assert.deepEqual(JSON.parse(driver!.argv.at(-1)!).probe, probe);
    assert.equal(unit.probe, probe);
  });

  test('requests TRL could not make (K × B not a multiple of num_generations) are skipped and listed', () => {
    const p = probePlan(scenario, [1, 2, 3], [4], 2, 0);
    assert.deepEqual(p.points, [{ trainers: 2, per_device_batch: 4 }]);
    assert.deepEqual(
      p.skipped.map((s) => s.trainers),
      [1, 3],
    );
    assert.match(p.skipped[0]!.why, /not a multiple of num_generations 8/);
  });

  test('refused where it cannot run: no vLLM, no GPU, a TRL before vllm serve', () => {
    const probe = probePlan(scenario, [1], [8], 1, 0);
    assert.throws(() => planProbe(scenario, context({ ...TRL_1_13, vllm: null }, 1), probe), /needs vLLM/);
    assert.throws(() => planProbe(scenario, context(TRL_1_13, 0), probe), /needs a CUDA GPU|no GPU/);
    assert.throws(() => planProbe(scenario, context(TRL_0_29, 1), probe), /needs TRL ≥ 1\.11/);
  });
});

/** vLLM's OpenAI-style server as far as TRL's client uses it, answering fixed-length completions. */
function standIn(
  length: number,
): Promise<{ url: string; bodies: { path: string; body: Record<string, unknown> }[]; close: () => Promise<void> }> {
  const bodies: { path: string; body: Record<string, unknown> }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      bodies.push({ path: `${req.method} ${req.url}`, body });
      let answer: unknown = {};
      if (req.url === '/v1/models') answer = { data: [{ id: 'stand-in-model' }] };
      if (req.url === '/v1/completions') {
        const prompts = body.prompt as number[][];
        const n = body.n as number;
        answer = {
          choices: prompts.flatMap((p) =>
            Array.from({ length: n }, () => ({
              prompt_token_ids: p,
              token_ids: Array.from({ length }, (_, i) => 300 + i),
              logprobs: null,
            })),
          ),
        };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('trl profile driver against a stand-in vLLM server', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gb-trl-probe-'));
  after(() => rm(tmp, { recursive: true, force: true }));
  const L = 6;
  const stand = await standIn(L);
  after(() => stand.close());
  const probe: ProbePlan = {
    points: [
      { trainers: 1, per_device_batch: 4 },
      { trainers: 2, per_device_batch: 4 },
    ],
    repeats: 2,
    warmup: 1,
    skipped: [],
  };
  const installed = (await execa(PYTHON, ['-c', 'import trl; print(trl.__version__)'])).stdout.trim();
  const run = {
    mode: 'server',
    device: 'cuda',
    trl_version: installed,
    server_style: 'vllm-serve',
    model: { source: 'preset', preset: 'tiny', seed: 0, folder: path.join(tmp, 'presets', 'tiny') },
    seed: 0,
    steps: 1,
    grpo: {
      per_device_train_batch_size: 4,
      num_generations: 2,
      max_prompt_length: 8,
      max_completion_length: L,
      gradient_accumulation_steps: 1,
      learning_rate: 1e-6,
      beta: 0,
      temperature: 0.9,
    },
    completions: 'fixed',
    trl: {
      prompts: { source: 'generated' },
      reward: 'random',
      num_iterations: 1,
      loss_type: 'dapo',
      scale_rewards: 'group',
      importance_sampling_level: 'token',
      vllm_importance_sampling_correction: true,
      gradient_checkpointing: false,
      dtype: 'auto',
      vllm_server_timeout: 240,
      config: {},
    },
    vllm: { mode: 'server', base_url: stand.url, host: '127.0.0.1', port: Number(new URL(stand.url).port), group_port: 1 },
    output_dir: path.join(tmp, 'out'),
  };
  const events = path.join(tmp, 'events.jsonl');
  const result = await execa(PYTHON, [path.join(ROOT, 'src', 'workloads', 'trl', 'probe.py'), '--config', JSON.stringify({ run, probe })], {
    env: { GRPO_BENCH_EVENTS: events, CUDA_VISIBLE_DEVICES: '' },
    reject: false,
    all: true,
  });

  test('it runs to the end and writes one generate phase per request, warm-up marked', async () => {
    assert.equal(result.exitCode, 0, result.all);
    const lines = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const phases = lines.filter((e) => e.type === 'phase');
    // 1 warm-up at the largest point, then 2 repeats of 2 points (the second backwards)
    assert.deepEqual(
      phases.map((p) => [p.trainers, p.warmup, p.repeat]),
      [
        [2, true, -1],
        [1, false, 0],
        [2, false, 0],
        [2, false, 1],
        [1, false, 1],
      ],
    );
    for (const p of phases) {
      assert.equal(p.name, 'generate');
      assert.equal(p.completions, (p.trainers as number) * 4);
      assert.equal(p.prompts, (p.trainers as number) * 2);
      assert.equal(p.tokens, (p.completions as number) * L);
    }
    assert.equal(lines.at(-1)!.type, 'end');
    assert.equal(lines.at(-1)!.status, 'ok');
    const contract = await execa(PYTHON, [path.join(ROOT, 'src', 'workloads', 'common', 'contract.py'), 'events', events], {
      reject: false,
      all: true,
    });
    assert.equal(contract.exitCode, 0, contract.all);
  });

  test("each request is TRL's: unique prompts of max_prompt_length tokens, n = num_generations, GRPOConfig's sampling settings, the prefix cache reset first", () => {
    const completions = stand.bodies.filter((b) => b.path === 'POST /v1/completions');
    assert.equal(completions.length, 5);
    const sequence = stand.bodies.filter((b) => b.path !== 'GET /v1/models').map((b) => b.path);
    assert.deepEqual(sequence.slice(0, 4), [
      'POST /reset_prefix_cache',
      'POST /v1/completions',
      'POST /reset_prefix_cache',
      'POST /v1/completions',
    ]);
    const { prompt, ...rest } = completions[1]!.body;
    assert.deepEqual(rest, {
      model: 'stand-in-model',
      return_token_ids: true,
      return_tokens_as_token_ids: true,
      n: 2,
      repetition_penalty: 1,
      temperature: 0.9,
      top_p: 1,
      top_k: 0,
      min_p: 0,
      max_tokens: L,
      logprobs: 0,
      min_tokens: L,
      ignore_eos: true,
    });
    const prompts = prompt as number[][];
    assert.equal(prompts.length, 2); // 1 trainer × 4 completions ÷ n = 2
    assert.ok(prompts.every((p) => p.length === 8));
    const all = completions.flatMap((c) => (c.body.prompt as number[][]).map((p) => p.join(',')));
    assert.equal(new Set(all).size, all.length, 'every request has fresh prompts');
  });
});
