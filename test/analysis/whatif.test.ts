import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { buildProfile, groupForProfiles } from '../../src/analysis/whatif/profile.ts';
import { type Profile } from '../../src/records/profile.ts';
import type { Summary } from '../../src/records/summary.ts';
import { DEFAULT_ASSUMPTIONS, LINKS, pchip, predict, predictSplits, ProfileGap, splits } from '../../src/analysis/whatif/model.ts';
import { type Layout } from '../../src/records/prediction.ts';
import { readRun } from '../../src/results/read.ts';
import { buildRun } from './fixture.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const layout = (o: Partial<{ B: number; S: number; T: number; p: number; N: number; q: number; sleep: boolean }> = {}): Layout => ({
  per_device_batch: o.B ?? 4,
  server: { server_gpus: o.S ?? 1, trainer_gpus: o.T ?? 1, tensor_parallel_size: o.p ?? 1 },
  colocate: { gpus: o.N ?? 2, tensor_parallel_size: o.q ?? 1, sleep: o.sleep ?? false },
});
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

describe('a profile built from a results folder (the hand-made run of fixture.ts)', async () => {
  const dir = await buildRun();
  dirs.push(dir);
  const profile = buildProfile([await readRun(dir)]);

  test('splits each measured step into compute, generate and weight sync without counting a second twice', () => {
    const server = profile.trainer.find((h) => h.mode === 'server')!;
    // 2 s steps: generate 1, weight_sync 0.25, the rest (forward/backward 0.5, optimizer 0.25) compute.
    assert.deepEqual(server.compute_s, [[0.75, 0.75, 0.75, 0.75]]);
    assert.deepEqual(server.generate_s, [[1, 1, 1, 1]]);
    assert.deepEqual(server.weight_sync_s, [[0.25, 0.25, 0.25, 0.25]]);
    const colocate = profile.trainer.find((h) => h.mode === 'colocate')!;
    // two repeats (the failed one with the 2 steps it finished), 2.5 s steps with generate 1.5
    assert.deepEqual(colocate.compute_s, [
      [1, 1, 1, 1],
      [1, 1],
    ]);
    assert.equal(colocate.training_devices, 2);
    assert.equal(profile.parameter_bytes?.value, 1000);
    assert.equal(profile.shape.completion_tokens_per_sample, 16);
  });

  test('a server-mode run is one point of the server curve: its trainers’ completions, as rank 0 waited for them', () => {
    assert.equal(profile.server.length, 1);
    assert.deepEqual(
      profile.server[0]!.points.map((p) => [p.completions, p.trainers, p.per_device_batch, p.source]),
      [[4, 1, 4, 'server-run']],
    );
  });

  test('composed from its own halves, the prediction is the measured run: steps, throughput and speedups by hand', () => {
    const p = predict(profile, layout(), { resamples: 50 });
    assert.equal(p.predicted, true);
    close(p.server.step_time_s.value, 2); // 1 + 0.75 + 0.25
    close(p.colocate.step_time_s.value, 2.5); // 1.5 + 1
    close(p.server.completion_tokens_per_s.value, 32); // 1 trainer × 4 × 16 tokens / 2 s
    close(p.colocate.completion_tokens_per_s.value, 51.2); // 2 × 4 × 16 / 2.5
    close(p.speedup_per_allocated_gpu.value, 1.6);
    close(p.speedup_per_training_gpu.value, 0.8);
    // No spread in the fixture's steps: the interval is the point.
    assert.deepEqual(
      [p.speedup_per_training_gpu.low, p.speedup_per_training_gpu.high].map((x) => Number(x.toFixed(12))),
      [0.8, 0.8],
    );
    assert.ok(p.inputs.every((i) => i.provenance === 'measured'));
  });
});

/** A profile made by hand: one value per sample so every figure can be computed on paper. */
function handProfile(): Profile {
  const one = (x: number) => [[x]];
  const half = (
    mode: 'colocate' | 'hf' | 'server',
    b: number,
    compute: number,
    generate: number,
    sync = 0,
    sleep = false,
    sleepWake = 0,
  ) => ({
    mode,
    per_device_batch: b,
    training_devices: 1,
    sleep_mode: sleep,
    tensor_parallel_size: 1,
    compute_s: one(compute),
    generate_s: one(generate),
    weight_sync_s: one(sync),
    sleep_wake_s: one(sleepWake),
    from: ['hand'],
  });
  return {
    schema_version: 1,
    kind: 'grpo-bench-profile',
    scenario: 'hand',
    workload: 'trl',
    model: 'preset:tiny',
    device_kind: 'cuda',
    device_name: null,
    shape: { num_generations: 4, max_prompt_length: 8, max_completion_length: 10, completion_tokens_per_sample: 10 },
    parameter_bytes: { value: 2e9, source: 'hand' },
    server: [
      {
        tensor_parallel_size: 1,
        data_parallel_size: 1,
        points: [8, 16, 32].map((c, i) => ({
          completions: c,
          trainers: c / 8,
          per_device_batch: 8,
          prompts: c / 4,
          seconds: one([1, 1.5, 2.5][i]!),
          source: 'probe' as const,
          from: ['hand'],
        })),
      },
    ],
    trainer: [half('colocate', 8, 0.5, 0.8, 0.1), half('colocate', 16, 0.9, 1.2, 0.1)],
    sources: [],
    notes: [],
  };
}

describe('the model on a hand-made profile', () => {
  const profile = handProfile();
  const assumed = { ...DEFAULT_ASSUMPTIONS, weight_sync_update_s: 0.1, link_gb_per_s: 5, allreduce_gb_per_s: 100 };

  test('colocate generation measured at one batch grows with the batch as the server curve does, not in proportion', () => {
    // Colocate measured at batch 8 only (0.8 s); at 32 the server curve reads 2.5 s against 1 s at 8.
    const single = { ...profile, trainer: [profile.trainer[0]!] };
    const p = predict(single, layout({ B: 32, S: 1, T: 1, N: 2 }), { assumptions: assumed, resamples: 20 });
    const gen = p.inputs.find((i) => i.name === 'colocate generation (one rank’s share)')!;
    close(gen.value, 0.8 * 2.5);
    assert.equal(gen.provenance, 'extrapolated');
    assert.ok(p.assumptions.some((a) => a.startsWith('Colocate generation measured at 8 completions per engine only')));
    // Below the measured batch it stays at the measured time (decoding does not get cheaper).
    const below = predict(single, layout({ B: 4, S: 1, T: 1, N: 2 }), { assumptions: assumed, resamples: 20 });
    close(below.inputs.find((i) => i.name === 'colocate generation (one rank’s share)')!.value, 0.8);
  });

  test('server: generation at T·B completions from the curve on log-log axes, compute from colocate runs, weight sync a per-update cost plus bytes ÷ link', () => {
    // 3 trainers × 8 = 24 completions between 16 (1.5 s) and 32 (2.5 s): the monotone cubic through
    // 8, 16 and 32 on log-log axes.
    const gen = Math.exp(pchip([8, 16, 32].map(Math.log), [1, 1.5, 2.5].map(Math.log), Math.log(24)));
    assert.ok(gen > 1.5 && gen < 2.5);
    const p = predict(profile, layout({ B: 8, S: 1, T: 3, N: 4 }), { assumptions: assumed, resamples: 20 });
    const byName = Object.fromEntries(p.inputs.map((i) => [i.name, i]));
    close(byName['server generation']!.value, gen);
    assert.equal(byName['server generation']!.provenance, 'interpolated');
    assert.match(byName['server generation']!.detail, /a monotone cubic through all 3 measured points on log-log axes/);
    assert.equal(byName['server compute']!.detail, 'colocate runs, per-device batch 8 (colocate runs stand in for server)');
    assert.ok(
      p.assumptions.some((a) => a.startsWith('Both modes’ compute per step taken from colocate runs (the same source on both sides)')),
    );
    close(byName['server weight sync']!.value, 0.5); // 0.1 s per update + 2 GB ÷ 5 GB/s
    assert.match(byName['server weight sync']!.detail, /^0\.1 s per update \+ 2\.00 GB ÷ 5 GB\/s \(5 GB\/s \(given\)\)$/);
    assert.equal(byName['server weight sync']!.provenance, 'assumed');
    // all-reduce: 2(n−1)/n × 2 GB ÷ 100 GB/s beyond the 1 rank measured: 3 ranks → 0.02667 s, 4 ranks → 0.03 s
    close(p.server.parts.allreduce!.value, (2 * 2 * 2e9) / 3 / 100e9);
    close(p.colocate.parts.allreduce!.value, (2 * 3 * 2e9) / 4 / 100e9);
    close(p.server.step_time_s.value, gen + 0.5 + 0.5 + (2 * 2 * 2e9) / 3 / 100e9);
    close(p.colocate.step_time_s.value, 0.8 + 0.5 + 0.1 + (2 * 3 * 2e9) / 4 / 100e9);
    // per training GPU: (4·8·10 / colocate step / 4) ÷ (3·8·10 / server step / 3)
    close(p.speedup_per_training_gpu.value, p.server.step_time_s.value / p.colocate.step_time_s.value);
    close(p.speedup_per_allocated_gpu.value, 80 / p.colocate.step_time_s.value / (240 / p.server.step_time_s.value / 4));
    assert.ok(p.assumptions.some((a) => a.includes('Weight sync to the server not measured')));
  });

  test('data parallel replicas share the request; below the smallest request generation stays at its time', () => {
    // 2 server GPUs at tp 1 = 2 replicas, 2 trainers × 8 = 16 completions → 8 per replica: 1 s.
    const p = predict(profile, layout({ B: 8, S: 2, T: 2, N: 4 }), { resamples: 10 });
    close(p.server.parts.generation!.value, 1);
    // 1 trainer × 8 over 7 replicas: fewer than the smallest measured request → held at 1 s, labelled.
    const q = predict(profile, layout({ B: 8, S: 7, T: 1, N: 8 }), { resamples: 10 });
    const gen = q.inputs.find((i) => i.name === 'server generation')!;
    close(gen.value, 1);
    assert.equal(gen.provenance, 'extrapolated');
    assert.match(gen.detail, /below the smallest measured/);
  });

  test('beyond the largest request: the power law of the last two points; tensor parallelism unmeasured: the assumed efficiency', () => {
    // 6 trainers × 8 = 48 completions: the power law of 16 and 32, 1.5^(1−e)·2.5^e, e = log(48/16)/log(2); tp 2 (one replica) at e = 0.5 → ÷ 1.5
    const e = Math.log(3) / Math.log(2);
    const p = predict(profile, layout({ B: 8, S: 2, T: 6, p: 2, N: 8 }), { assumptions: { tp_efficiency: 0.5 }, resamples: 10 });
    close(p.server.parts.generation!.value, (1.5 ** (1 - e) * 2.5 ** e) / 1.5);
    assert.ok(p.assumptions.some((a) => a.startsWith('Server tensor parallel 2 not measured')));
  });

  test('colocate: the per-device batch interpolates between measured runs; sleep mode adds its assumed cost', () => {
    const p = predict(profile, layout({ B: 12, S: 1, T: 1, N: 2, sleep: true }), {
      assumptions: { sleep_gb_per_s: 20, allreduce_gb_per_s: 1e12 },
      resamples: 10,
    });
    close(p.colocate.parts.generation!.value, 1.0); // between 0.8 (8) and 1.2 (16)
    close(p.colocate.parts.compute!.value, 0.7);
    close(p.colocate.parts.sleep_wake!.value, 0.1); // 2 GB ÷ 20 GB/s
    assert.ok(p.assumptions.some((a) => a.startsWith('Sleep mode not measured')));
  });

  test('per-step costs (weight load, sleep and wake) are not scaled with the batch beyond what was measured', () => {
    // Colocate's weight load measured at 8 only: at 32 it is the same 0.1 s, not 0.4.
    const single = { ...profile, trainer: [profile.trainer[0]!] };
    const p = predict(single, layout({ B: 32, S: 1, T: 1, N: 2 }), { resamples: 10 });
    const load = p.inputs.find((i) => i.name === 'colocate weight load (in-process)')!;
    close(load.value, 0.1);
    assert.match(load.detail, /a per-step cost, not scaled with the batch: as measured at 8/);
  });

  test('both modes take compute from one source when they do not both have runs of their own; each its own when they do', () => {
    const withHf = { ...profile, trainer: [...profile.trainer, { ...profile.trainer[0]!, mode: 'hf' as const, compute_s: [[0.3]] }] };
    const p = predict(withHf, layout({ B: 8, S: 1, T: 1, N: 2 }), { resamples: 10 });
    close(p.server.parts.compute!.value, 0.5);
    close(p.colocate.parts.compute!.value, 0.5);
    const own = { ...profile, trainer: [...profile.trainer, { ...profile.trainer[0]!, mode: 'server' as const, compute_s: [[0.7]] }] };
    const q = predict(own, layout({ B: 8, S: 1, T: 1, N: 2 }), { resamples: 10 });
    close(q.server.parts.compute!.value, 0.7);
    close(q.colocate.parts.compute!.value, 0.5);
  });

  test('runs at another engine memory share are not pooled as repeats: the share most runs had is used', () => {
    const at = (share: number, compute: number, runs: number) => ({
      ...profile.trainer[0]!,
      gpu_memory_utilization: share,
      compute_s: Array.from({ length: runs }, () => [compute]),
    });
    const mixed = { ...profile, trainer: [at(0.3, 0.5, 2), at(0.2, 5, 1)] };
    const p = predict(mixed, layout({ B: 8, S: 1, T: 1, N: 2 }), { resamples: 10 });
    close(p.colocate.parts.compute!.value, 0.5);
  });

  test('the link is a named input: NVLink and PCIe defaults, or the user’s value', () => {
    const p = predict(profile, layout({ B: 8, S: 1, T: 1, N: 2 }), {
      resamples: 10,
      assumptions: { link_gb_per_s: LINKS.pcie4!.gb_per_s },
    });
    const sync = p.inputs.find((i) => i.name === 'server weight sync')!;
    close(sync.value, DEFAULT_ASSUMPTIONS.weight_sync_update_s + 2e9 / 32e9);
    assert.match(sync.detail, /PCIe 4\.0 x16/);
    assert.deepEqual(Object.fromEntries(Object.entries(LINKS).map(([k, v]) => [k, v.gb_per_s])), {
      nvlink3: 300,
      nvlink4: 450,
      nvlink5: 900,
      pcie4: 32,
      pcie5: 63,
    });
  });

  test('the one-GPU layout with the server on the trainer’s GPU: step = server generation + compute + IPC sync, one GPU allocated', () => {
    const p = predict(
      profile,
      { ...layout({ B: 8, S: 1, T: 1, N: 1 }), server: { server_gpus: 1, trainer_gpus: 1, tensor_parallel_size: 1, shared_gpu: true } },
      { resamples: 10, assumptions: { ipc_update_overhead_s: 0.15 } },
    );
    // server generation for 8 completions 1 s; compute 0.5 (colocate's, the same source); sync 0.1 load + 0.15 overhead.
    close(p.server.step_time_s.value, 1 + 0.5 + 0.1 + 0.15);
    close(p.speedup_per_allocated_gpu.value, p.speedup_per_training_gpu.value);
    assert.ok(p.inputs.some((i) => i.name === 'server weight sync: per-update overhead (IPC)' && i.provenance === 'assumed'));
    assert.throws(
      () => predictSplits(profile, { gpus: 2, per_device_batch: 8, server_tp: [1], colocate_tp: 1, shared_gpu: true }),
      /one-GPU layout: --gpus 1/,
    );
    const t = predictSplits(profile, { gpus: 1, per_device_batch: 8, server_tp: [1], colocate_tp: 1, shared_gpu: true, resamples: 10 });
    assert.equal(t.shared_gpu, true);
    assert.equal(t.rows.length, 1);
  });

  test('other lengths than profiled: generation scaled by the completion lengths, compute by the sequence lengths, listed as assumed', () => {
    const base = predict(profile, layout({ B: 8, S: 1, T: 1, N: 2 }), { resamples: 10 });
    const p = predict(profile, layout({ B: 8, S: 1, T: 1, N: 2 }), {
      resamples: 10,
      lengths: { max_prompt_length: 16, max_completion_length: 30 },
    });
    close(p.server.parts.generation!.value, base.server.parts.generation!.value * 3); // 30 / 10
    close(p.colocate.parts.compute!.value, (base.colocate.parts.compute!.value * 46) / 18); // (16 + 30) / (8 + 10)
    close(p.server.parts.weight_sync!.value, base.server.parts.weight_sync!.value);
    close(p.colocate.completion_tokens_per_s.value, (2 * 8 * 30) / p.colocate.step_time_s.value);
    assert.ok(p.assumptions.some((a) => a.startsWith('Lengths not profiled: the profile has 8 + 10 tokens')));
  });

  test('every split of N with the server tensor-parallel sizes that divide it, each row with and without sleep', () => {
    assert.deepEqual(
      splits(4, [1, 2]).map((s) => `${s.server_gpus}+${s.trainer_gpus}/${s.tensor_parallel_size}`),
      ['1+3/1', '2+2/1', '2+2/2', '3+1/1'],
    );
    assert.deepEqual(splits(4, 'all').length, 5); // 1: 1; 2: 1, 2; 3: 1, 3
    const t = predictSplits(profile, { gpus: 4, per_device_batch: 8, server_tp: [1], colocate_tp: 1, resamples: 10 });
    assert.equal(t.predicted, true);
    assert.equal(t.rows.length, 3);
    for (const r of t.rows) assert.ok(r.with_sleep.colocate.step_time_s.value > r.without_sleep.colocate.step_time_s.value);
    assert.ok(t.inputs.some((i) => i.provenance === 'assumed') && t.inputs.some((i) => i.provenance !== 'assumed'));
  });

  test('a profile without the half a prediction needs is refused, naming what to measure', () => {
    assert.throws(
      () => predict({ ...profile, server: [] }, layout()),
      (e: unknown) => e instanceof ProfileGap && /no server half/.test(e.message),
    );
    assert.throws(
      () => predict({ ...profile, trainer: [] }, layout()),
      (e: unknown) => e instanceof ProfileGap && /no trainer half/.test(e.message),
    );
    assert.throws(() => predict(profile, layout({ S: 3, p: 2 })), /must divide the 3 server GPU/);
  });
});

describe('the server curve between measured points', () => {
  test('a monotone cubic on log-log axes: exact on a power law, never overshooting a step, the last secant beyond', () => {
    const xs = [1, 2, 4, 8].map(Math.log);
    const square = xs.map((x) => 2 * x); // y = x² on log-log axes: a straight line
    close(pchip(xs, square, Math.log(3)), 2 * Math.log(3), 1e-12);
    const step = [0, 0, 1, 1];
    for (const x of [1.2, 1.5, 2.5, 3, 3.9, 5, 7]) {
      const y = pchip([1, 2, 4, 8], step, x);
      assert.ok(y >= 0 && y <= 1, `${x}: ${y}`);
    }
    close(pchip([1, 2], [1, 3], 4), 7); // beyond: the last secant
  });

  test('on the 7b preset’s measured curve (one H200) the point between 56 and 128 completions lies below the chord', async () => {
    const dir = path.resolve(
      import.meta.dirname,
      '..',
      '..',
      'bench',
      'gpu',
      'results',
      '2026-12-01-1xH200',
      'profile',
      'profile-trl-1gpu-7b-profile-20261201-233517',
    );
    const headroom = path.resolve(dir, '..', '..', 'headroom', 'trl-1gpu-20261201-233823');
    const profile = buildProfile([await readRun(dir), await readRun(headroom)]);
    const mean = (c: number) => {
      const xs = profile.server[0]!.points.filter((p) => p.completions === c).flatMap((p) => p.seconds.flat());
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    // 7 trainers × 16 = 112 completions.
    const gen = predict(
      profile,
      {
        per_device_batch: 16,
        server: { server_gpus: 1, trainer_gpus: 7, tensor_parallel_size: 1 },
        colocate: { gpus: 8, tensor_parallel_size: 1, sleep: false },
      },
      { resamples: 1 },
    ).inputs.find((i) => i.name === 'server generation')!;
    const chord = mean(56) + ((112 - 56) * (mean(128) - mean(56))) / (128 - 56);
    assert.equal(gen.provenance, 'interpolated');
    assert.ok(gen.value > mean(56) && gen.value < chord, `${gen.value} vs chord ${chord}`);
  });
});

describe('validation: the 2×H200 synthetic server vs colocate run (bench/gpu/results/2026-11-27-2xH200)', async () => {
  const dir = path.resolve(
    import.meta.dirname,
    '..',
    '..',
    'bench',
    'gpu',
    'results',
    '2026-11-27-2xH200',
    'runs',
    'synthetic-0.5b-2gpu-20261127-115029',
  );
  const profile = buildProfile([await readRun(dir)]);
  const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as Summary;
  const measured = summary.comparisons[0]!;
  const at = layout({ B: 16, S: 1, T: 1, N: 2 });
  const rel = (a: number, b: number) => Math.abs(a - b) / b;

  test('each mode from its own halves reproduces the measured speedups (the split loses and double counts no time)', () => {
    const p = predict(profile, at, { resamples: 200 });
    assert.ok(rel(p.speedup_per_training_gpu.value, measured.speedup_per_training_device.value) < 1e-3);
    assert.ok(rel(p.speedup_per_allocated_gpu.value, measured.speedup_per_allocated_device.value) < 1e-3);
  });

  test('server compute taken from the colocate run (the model’s assumption) stays within 1 % of the measured speedup', () => {
    const sync = profile.trainer.find((h) => h.mode === 'server')!;
    const seconds = sync.weight_sync_s.flat().reduce((a, b) => a + b, 0) / sync.weight_sync_s.flat().length;
    const cross = { ...profile, trainer: profile.trainer.filter((h) => h.mode !== 'server') };
    const p = predict(cross, at, {
      resamples: 200,
      assumptions: { weight_sync_update_s: seconds - profile.parameter_bytes!.value / 450e9, link_gb_per_s: 450 },
    });
    assert.ok(rel(p.speedup_per_training_gpu.value, measured.speedup_per_training_device.value) < 0.01);
  });

  test('colocate predicted from the server run alone (no colocate measurement) stays within 5 % of the measured colocate throughput', () => {
    const serverOnly = { ...profile, trainer: profile.trainer.filter((h) => h.mode === 'server') };
    const p = predict(serverOnly, at, { resamples: 200 });
    const colocate = summary.modes.find((m) => m.mode === 'colocate')!;
    assert.ok(
      rel(p.colocate.completion_tokens_per_s_per_allocated_gpu.value, colocate.completion_tokens_per_s_per_allocated_device.value) < 0.05,
    );
    assert.ok(p.assumptions.some((a) => a.startsWith('No colocate run')));
  });
});

describe('a profile from sweep folders: each unit is described by its point, not the run’s base scenario', async () => {
  const h200 = path.resolve(import.meta.dirname, '..', '..', 'bench', 'gpu', 'results', '2026-12-01-1xH200');
  // `grpo-bench headroom --point model=preset_7b,…` on scenarios/trl-1gpu.yaml, whose base model is the 0.5b preset.
  const headroom = await readRun(path.join(h200, 'headroom', 'trl-1gpu-20261201-233823'));
  const probe = await readRun(path.join(h200, 'profile', 'profile-trl-1gpu-7b-profile-20261201-233517'));

  test('the headroom search of the 7b preset gives a 7b trainer half at every batch that fitted', () => {
    const profile = buildProfile([probe, headroom]);
    assert.equal(profile.model, 'preset:7b');
    const colocate = profile.trainer.filter((h) => h.mode === 'colocate').map((h) => h.per_device_batch);
    assert.deepEqual(
      [...new Set(colocate)].sort((a, b) => a - b),
      [8, 16, 64],
    );
    assert.ok(profile.server.length > 0);
  });

  test('folders of several models are grouped into one profile per model, by each unit’s point (as reproduce does)', async () => {
    const other = await readRun(path.join(h200, 'trl-1gpu-repeats', 'trl-1gpu-20261201-234829'));
    const profiles = groupForProfiles([probe, other, headroom]).map((g) => buildProfile(g));
    assert.deepEqual(
      profiles.map((p) => p.model),
      ['preset:7b', 'preset:0.5b'],
    );
    assert.deepEqual(
      profiles[0]!.sources.map((s) => path.basename(s.dir)),
      ['profile-trl-1gpu-7b-profile-20261201-233517', 'trl-1gpu-20261201-233823'],
    );
  });

  test('a folder of another model is refused, naming the unit', async () => {
    const other = await readRun(path.join(h200, 'trl-1gpu-repeats', 'trl-1gpu-20261201-234829'));
    assert.throws(() => buildProfile([probe, other]), /trl-1gpu-20261201-234829\/model=preset_0\.5b.*model "preset:0\.5b" vs "preset:7b"/);
  });
});
