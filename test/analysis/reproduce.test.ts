import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Profile } from '../../src/records/profile.ts';
import { judge, reproduce, type ClaimScenario } from '../../src/analysis/whatif/reproduce.ts';
import { pchip, predict } from '../../src/analysis/whatif/model.ts';
import { summarize } from '../../src/analysis/summary/summarize.ts';
import { readRun } from '../../src/results/read.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { Scenario } from '../../src/scenario/schema.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { buildRun } from './fixture.ts';

const PUBLISHED = path.resolve(import.meta.dirname, '..', '..', 'scenarios', 'published');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function claimOf(file: string): Promise<ClaimScenario> {
  const l = await loadScenarioFile(path.join(PUBLISHED, file));
  return { file, scenario: { ...l.scenario, claim: l.scenario.claim! }, points: expandSweep(l.scenario, l.sweep, l.file) };
}

describe('the published claims as scenarios', async () => {
  const files = (await readdir(PUBLISHED)).filter((f) => f.endsWith('.yaml')).sort();

  test('every experiment of the co-location post and its PRs is there, each with its claim, method, and what was assumed', async () => {
    const claims = await Promise.all(files.map(claimOf));
    const by = Object.fromEntries(claims.map((c) => [c.scenario.name, c.scenario.claim]));
    assert.deepEqual(Object.keys(by).sort(), [
      'coloc-1.5b-batch',
      'coloc-1.5b-tp',
      'coloc-14b-tp8',
      'coloc-72b-multinode',
      'coloc-7b-batch',
      'coloc-7b-tp',
    ]);
    assert.deepEqual(
      [
        by['coloc-1.5b-batch']!.value,
        by['coloc-7b-batch']!.value,
        by['coloc-7b-tp']!.value,
        by['coloc-72b-multinode']!.value,
        by['coloc-14b-tp8']!.value,
      ],
      [1.43, 1.35, 1.73, 1.26, 1.7],
    );
    assert.equal(by['coloc-1.5b-tp']!.trend, 'decreasing');
    for (const c of claims) {
      assert.ok(c.scenario.claim.unstated.length > 0 && c.scenario.claim.assumed.length > 0, c.file);
      assert.ok(c.scenario.claim.method, c.file);
    }
    // The post's protocol: 7 + 1 against 8 GPUs at the same per-device batch, per training GPU.
    const e1 = claims.find((c) => c.scenario.name === 'coloc-1.5b-batch')!.scenario;
    assert.deepEqual(e1.modes.server!.devices, { server: 1, trainer: 7 });
    assert.equal(e1.modes.colocate!.devices, 8);
    assert.equal(e1.protocol, 'equal_per_device_batch');
    assert.equal(e1.claim.metric, 'speedup_per_training_device');
  });

  test('a claim needs a value or a trend', () => {
    const base = { name: 'x', workload: 'trl', model: 'm', modes: { hf: { devices: 1 } } };
    assert.equal(Scenario.safeParse({ ...base, claim: { metric: 'throughput_ratio', source: 's' } }).success, false);
    assert.equal(Scenario.safeParse({ ...base, claim: { metric: 'throughput_ratio', source: 's', trend: 'increasing' } }).success, true);
  });
});

describe('judging a value against a claim', () => {
  const claim = Scenario.parse({
    name: 'x',
    workload: 'trl',
    model: 'm',
    modes: { hf: { devices: 1 } },
    claim: { value: 1.4, metric: 'speedup_per_training_device', source: 's', tolerance: 0.1 },
  }).claim!;

  test('reproduced when the claim lies in the interval widened by tolerance × claim, not reproduced otherwise', () => {
    // [1.20, 1.27] widened by 0.14 reaches 1.41 ≥ 1.4
    assert.equal(judge(claim, { value: 1.25, low: 1.2, high: 1.27 }, []).verdict, 'reproduced');
    // [1.10, 1.20] widened reaches 1.34 < 1.4
    const no = judge(claim, { value: 1.15, low: 1.1, high: 1.2 }, []);
    assert.equal(no.verdict, 'not reproduced');
    assert.match(no.why[0]!, /-18 %/);
  });

  test('a trend is reproduced when the last point’s interval lies wholly beyond the first’s in the claimed direction', () => {
    const trend = { ...claim, value: undefined, trend: 'decreasing' as const };
    const pts = (a: [number, number], b: [number, number]) => [
      { point: 'a', value: { value: a[0], low: a[0], high: a[1] } },
      { point: 'b', value: { value: b[0], low: b[0], high: b[1] } },
    ];
    assert.equal(judge(trend, null, pts([1.2, 1.3], [0.9, 1.0])).verdict, 'reproduced');
    assert.equal(judge(trend, null, pts([1.2, 1.3], [1.1, 1.25])).verdict, 'not reproduced');
  });
});

describe('reproduce on a profile and a measured run', async () => {
  const dir = await buildRun();
  dirs.push(dir);
  const run = await readRun(dir);
  const summary = summarize(run).summary;

  test('the fixture run as the measured side: its speedup per training GPU (0.8) is judged against a claim of 0.8 and of 1.43', async () => {
    const scenario = { ...run.manifest.scenario } as Scenario;
    const make = (value: number): ClaimScenario => ({
      file: 'fixture',
      scenario: {
        ...scenario,
        claim: { value, metric: 'speedup_per_training_device', at: 'last', tolerance: 0.1, source: 'test', unstated: [], assumed: [] },
      },
      points: expandSweep(scenario, undefined, 'fixture'),
    });
    const [same, higher] = reproduce({
      claims: [make(0.8), make(1.43)],
      profiles: [],
      runs: [{ run_id: 'fixture-run', summary }],
      resamples: 50,
    });
    assert.equal(same!.measured.verdict, 'reproduced');
    assert.equal(same!.measured.value!.value, 0.8);
    assert.equal(higher!.measured.verdict, 'not reproduced');
    assert.ok(higher!.measured.gap.some((g) => g.startsWith('server: median step 2.00 s')));
    // No profile of the fixture's model was given: the predicted side says so.
    assert.equal(same!.predicted.verdict, 'not comparable');
    assert.match(same!.predicted.why[0]!, /no profile of preset:tiny/);
  });

  test('Experiment 1 predicted from a profile of the 1.5b preset at the scenario’s lengths; the gap comes from the phases', async () => {
    const c = await claimOf('coloc-1.5b-batch.yaml');
    const profile = handProfile('preset:1.5b', 512, 1024);
    const [r] = reproduce({ claims: [c], profiles: [profile], runs: [], resamples: 50 });
    const p = r!.predicted;
    assert.equal(p.predicted, true);
    assert.equal(p.point, 'per_device_train_batch_size=32');
    // B = 32: server generates 7 × 32 = 224 completions, between 128 (2 s) and 256 (3 s) on the
    // curve through 8, 128, 256 on log-log axes; compute 32 → 1.6; weight sync assumed 0.22 s per
    // update + 3 GB over NVLink 4 (450 GB/s); all-reduce beyond 1 rank assumed (7 and 8 ranks).
    const gen = Math.exp(pchip([8, 128, 256].map(Math.log), [1, 2, 3].map(Math.log), Math.log(224)));
    assert.ok(gen > 2 && gen < 3);
    const sync = 0.22 + 3e9 / 450e9;
    const ar = (n: number) => (2 * (n - 1) * 3e9) / n / 360e9;
    const server = gen + 1.6 + sync + ar(7);
    const colocate = 1.0 + 1.6 + 0.05 + ar(8);
    assert.ok(Math.abs(p.value!.value - server / colocate) < 1e-9, `${p.value!.value} vs ${server / colocate}`);
    // A prediction is no measurement: the model agrees or disagrees, it never "reproduces".
    const claimed = c.scenario.claim.value!;
    const inside = claimed >= p.value!.low! - 0.1 * claimed && claimed <= p.value!.high! + 0.1 * claimed;
    assert.equal(c.scenario.claim.tolerance, 0.1);
    assert.equal(p.verdict, inside ? 'the model agrees' : 'the model disagrees');
    assert.ok(p.gap.some((g) => g.startsWith('per training GPU, speedup = server step ÷ colocate step')));
    assert.ok(p.assumptions.some((a) => a.includes('Weight sync to the server not measured')));
    assert.equal(p.per_point.length, 3);
  });

  test('each claim’s break-even: the weight sync, trainer half and server speed at which the model would give the claimed value', async () => {
    const c = await claimOf('coloc-1.5b-batch.yaml');
    const profile = handProfile('preset:1.5b', 512, 1024);
    const [r] = reproduce({ claims: [c], profiles: [profile], runs: [], resamples: 20 });
    const be = Object.fromEntries(r!.predicted.break_even.map((b) => [b.input, b]));
    assert.deepEqual(Object.keys(be).sort(), ['compute_factor', 'server_generation_factor', 'server_weight_sync_s']);
    // Solved on the model itself: put the needed value back in and the model gives the claim.
    const claimed = c.scenario.claim.value!;
    const layout = {
      per_device_batch: 32,
      server: { server_gpus: 1, trainer_gpus: 7, tensor_parallel_size: 1 },
      colocate: { gpus: 8, tensor_parallel_size: 1, sleep: false },
    };
    assert.equal(r!.predicted.point, 'per_device_train_batch_size=32');
    for (const b of Object.values(be)) {
      if (b.needed === null) continue;
      const v = predict(profile, layout, { resamples: 1, adjust: { [b.input]: b.needed } }).speedup_per_training_gpu.value;
      assert.ok(Math.abs(v - claimed) < 1e-6, `${b.input}: ${v} vs ${claimed}`);
    }
    // The hand profile gives 1.89×: even a free weight sync leaves the server too slow for 1.43×.
    assert.equal(be.server_weight_sync_s!.needed, null);
    assert.match(be.server_weight_sync_s!.text, /^no server weight sync s in 0–120 makes the model agree$/);
    assert.ok(be.server_generation_factor!.needed! < 1, 'a faster server brings the model to the claim');
    assert.match(be.server_generation_factor!.text, /^agrees if the server generated in 0\.\d+× the time its curve gives$/);
    assert.match(be.compute_factor!.text, /^agrees if the trainer half \(compute, both modes\) were \d+\.\d+× the profile's$/);
  });

  test('a profile at other lengths is rescaled (assumed, said so); a TP claim the profile never measured is not comparable', async () => {
    const [lengths] = reproduce({
      claims: [await claimOf('coloc-1.5b-batch.yaml')],
      profiles: [handProfile('preset:1.5b', 128, 256)],
      runs: [],
      resamples: 20,
    });
    assert.ok(['the model agrees', 'the model disagrees'].includes(lengths!.predicted.verdict));
    assert.ok(lengths!.predicted.why.some((w) => /rests on rescaling the profile's 128 \+ 256 tokens/.test(w)));
    assert.ok(lengths!.predicted.assumptions.some((a) => a.startsWith('Lengths not profiled')));
    const [tp] = reproduce({
      claims: [await claimOf('coloc-7b-tp.yaml')],
      profiles: [handProfile('preset:7b', 512, 1024)],
      runs: [],
      resamples: 20,
    });
    assert.equal(tp!.predicted.verdict, 'not comparable');
    assert.match(tp!.predicted.why[0]!, /tensor parallelism, which the profile did not measure/);
    const [g] = reproduce({
      claims: [await claimOf('coloc-1.5b-batch.yaml')],
      profiles: [
        {
          ...handProfile('preset:1.5b', 512, 1024),
          shape: { num_generations: 4, max_prompt_length: 512, max_completion_length: 1024, completion_tokens_per_sample: 1024 },
        },
      ],
      runs: [],
      resamples: 20,
    });
    assert.equal(g!.predicted.verdict, 'not comparable');
    assert.match(g!.predicted.why[0]!, /num_generations 4/);
  });
});

/** One value per sample: server 2 s at 128 completions, 3 s at 256; colocate at batch 8, 16, 32. */
function handProfile(model: string, prompt: number, completion: number): Profile {
  const one = (x: number) => [[x]];
  const half = (b: number, compute: number, generate: number) => ({
    mode: 'colocate' as const,
    per_device_batch: b,
    training_devices: 1,
    sleep_mode: false,
    tensor_parallel_size: 1,
    compute_s: one(compute),
    generate_s: one(generate),
    weight_sync_s: one(0.05),
    sleep_wake_s: one(0),
    from: ['hand'],
  });
  return {
    schema_version: 1,
    kind: 'grpo-bench-profile',
    scenario: `${model}-hand`,
    workload: 'trl',
    model,
    device_kind: 'cuda',
    device_name: 'NVIDIA H200',
    shape: { num_generations: 8, max_prompt_length: prompt, max_completion_length: completion, completion_tokens_per_sample: completion },
    parameter_bytes: { value: 3e9, source: 'hand' },
    server: [
      {
        tensor_parallel_size: 1,
        data_parallel_size: 1,
        points: [
          [8, 1],
          [128, 2],
          [256, 3],
        ].map(([c, s]) => ({
          completions: c!,
          trainers: c! / 8,
          per_device_batch: 8,
          prompts: c! / 8,
          seconds: one(s!),
          source: 'probe' as const,
          from: ['hand'],
        })),
      },
    ],
    trainer: [half(8, 0.4, 0.7), half(16, 0.8, 0.8), half(32, 1.6, 1.0)],
    sources: [{ run_id: 'hand', dir: 'hand', units: [] }],
    notes: [],
  };
}
