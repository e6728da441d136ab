import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';
import type { Summary } from '../../src/records/summary.ts';
import { pointLabel } from '../../src/report/format.ts';
import { buildRun } from './fixture.ts';

// Numbers below are computed by hand from the fixture (see its header comment).
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function analyse(options: Parameters<typeof buildRun>[0] = {}): Promise<{ dir: string; summary: Summary }> {
  const dir = await buildRun(options);
  dirs.push(dir);
  return { dir, summary: await analyzeRun(dir) };
}

describe('analyzeRun on a partial GPU run', async () => {
  const { dir, summary } = await analyse();
  const server = summary.modes.find((m) => m.mode === 'server')!;
  const colocate = summary.modes.find((m) => m.mode === 'colocate')!;

  test('throughput is completion tokens of measured steps ÷ their summed durations, per allocated and per training device', () => {
    // server: 4 measured steps × 64 tokens / (4 × 2 s) = 32 tok/s; 2 allocated GPUs, 1 training GPU
    assert.equal(server.completion_tokens_per_s.value, 32);
    assert.equal(server.completion_tokens_per_s_per_allocated_device.value, 16);
    assert.equal(server.completion_tokens_per_s_per_training_device.value, 32);
    assert.equal(server.samples_per_s.value, 2);
    // colocate: ranks log their own share (64 + 64 tokens); r0 4 steps + failed r1 2 steps, 2.5 s each → 768 / 15
    assert.equal(colocate.completion_tokens_per_s.value, 51.2);
    assert.equal(colocate.completion_tokens_per_s_per_allocated_device.value, 25.6);
    assert.equal(colocate.completion_tokens_per_s_per_training_device.value, 25.6);
    assert.deepEqual([colocate.steps_measured, colocate.step_time_s.n_runs, colocate.step_time_s.n_steps], [6, 2, 6]);
  });

  test('speedups: ratio of per-device throughputs, colocate ÷ server', () => {
    const [c] = summary.comparisons;
    assert.equal(summary.comparisons.length, 1);
    assert.deepEqual([c!.baseline, c!.candidate], ['server', 'colocate']);
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
    // per run: server r0 32 tok/s per training GPU; colocate r0 and r1 25.6 each (geometric mean 25.6)
    close(c!.speedup_per_training_device.value, 0.8); // 25.6 / 32
    close(c!.speedup_per_allocated_device.value, 1.6); // 25.6 / 16
    // server ran once: repeat 0 is the only block both have, too few to pair, and one server run has no spread: no interval
    assert.deepEqual([c!.speedup_per_training_device.low, c!.speedup_per_training_device.interval], [undefined, undefined]);
    assert.equal(c!.step_time_speedup, undefined);
    assert.deepEqual(c!.generation_to_training_ratio, { server: 1 / 0.75, colocate: 1.5 });
    assert.deepEqual(c!.equal_work, {
      equal: true,
      completion_tokens_per_sample: { server: 16, colocate: 16 },
      prompt_tokens_per_sample: { server: 8, colocate: 8 },
      max_relative_difference: 0,
    });
    assert.equal(
      c!.statement,
      'colocate at 0.80 × server\'s speed, from too few runs for a confidence interval (completion tokens/s per training device, equal per-device batch, server 1 run × 4 steps, colocate 2 runs, 2–4 measured steps each (6 in all); no "faster" or "slower" without one)',
    );
  });

  test('busy fractions come from phase events; a server-mode trainer waiting for generation is not busy', () => {
    const [sTrainer, sServer] = server.activity;
    assert.deepEqual(
      [sTrainer!.role, sTrainer!.busy_fraction, sTrainer!.sampled_util_mean, sTrainer!.power_mean_w],
      ['trainer', 0.5, 90, 200],
    );
    // server: generate 1 s + weight_sync 0.25 s per 2 s step; GPU 0 power samples at t = 1002 … 1010 average 160 W
    assert.deepEqual(
      [sServer!.role, sServer!.busy_fraction, sServer!.sampled_util_mean, sServer!.power_mean_w],
      ['server', 0.625, 50, 160],
    );
    assert.equal(sServer!.sampled_util_label, 'utilization.gpu (some kernel ran)');
    // colocate: rank 0 busy 2.5/2.5, rank 1 2/2.5 → mean 0.9
    assert.equal(colocate.activity.length, 1);
    assert.equal(colocate.activity[0]!.busy_fraction, 0.9);
  });

  test('without GPM samples the idle figures come from phases alone, and a note says GPM was not available', () => {
    const [sTrainer, sServer] = server.activity;
    assert.deepEqual(sTrainer!.idle, { phases: 0.5 });
    assert.deepEqual(sServer!.idle, { phases: 0.375 });
    assert.equal(sServer!.gpm, false);
    assert.equal(sServer!.sm_active_mean, undefined);
    const gpm = summary.notes.find((n) => n.kind === 'gpm_unavailable' && n.subject === 'default/server');
    assert.ok(
      gpm && gpm.text.startsWith('default/server: GPM metrics not available') && gpm.text.includes('idle figures from phases only'),
      JSON.stringify(summary.notes),
    );
  });

  test("request latency: the trainer's round trip and the server's own time of the same requests, with what lies between", () => {
    // measured steps 1–4: round trips 0.91, 0.92, 0.93, 0.94 s; server 0.8 s each.
    const [generate, update] = server.requests!;
    assert.equal(generate!.endpoint, '/generate');
    assert.deepEqual([generate!.n, generate!.paired], [4, 4]);
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;
    assert.ok(
      close(generate!.round_trip_s.p50, 0.925) && close(generate!.round_trip_s.p90, 0.937) && close(generate!.round_trip_s.p99, 0.9397),
    );
    assert.ok(close(generate!.server_s!.p50, 0.8) && close(generate!.server_s!.p99, 0.8));
    assert.ok(close(generate!.overhead_s!.p50, 0.125) && close(generate!.overhead_s!.p90, 0.137));
    assert.deepEqual([update!.endpoint, update!.n, update!.paired, update!.server_s], ['/update_weights', 4, 0, undefined]);
    assert.ok(
      summary.notes.some(
        (n) =>
          n.kind === 'requests_unpaired' &&
          n.text ===
            'default/server: 4 of 4 /update_weights requests have no server-side record; server time and overhead rest on the 0 that do',
      ),
    );
    assert.equal(colocate.requests, undefined);
  });

  test('energy integrates sampled power of every allocated GPU over the measured window', () => {
    // server window 1002 → 1010: GPU 0 ∫(100 + 10(t − 1000))dt = 1280 J, GPU 1 200 W × 8 s = 1600 J; 256 tokens
    assert.equal(server.joules_per_completion_token, 2880 / 256);
    assert.equal(server.power_mean_w, 360);
    // colocate: only r0 has telemetry: 2 × 150 W × 10 s / 512 tokens
    assert.equal(colocate.joules_per_completion_token, 3000 / 512);
    assert.equal(server.energy_source, 'power integration');
    assert.equal(colocate.energy_source, 'power integration');
    // Idle by phases, per sampling interval: GPU 1 (trainer) idle 1 s of each 2 s step at 200 W
    // (its generate is waiting) = 800 J; GPU 0 (server) idle 0.75 of the interval (t+1, t+2] of
    // each step, whose trapezoid is 100 + 10(t + 1.5 − 1000) W: 0.75 × (135 + 155 + 175 + 195) = 495 J.
    assert.equal(server.idle_energy_share, (800 + 495) / 2880);
    // colocate r0: rank 1's GPU idle 0.5 s of each 2.5 s step at 150 W, 4 steps = 300 J of 3000 J.
    assert.ok(Math.abs(colocate.idle_energy_share! - 0.1) < 1e-12);
    assert.equal(server.weight_sync_bytes_per_step, 1000);
    assert.equal(colocate.weight_sync_bytes_per_step, undefined);
  });

  test('phases, time to first step and the runs each figure rests on', () => {
    // phases fill each step: no time outside them
    assert.deepEqual(server.phase_median_s, { generate: 1, forward_backward: 0.5, optimizer: 0.25, weight_sync: 0.25, idle: 0 });
    assert.equal(server.time_to_first_step_s.value, 7); // launched 995, step 0 ends 1002
    assert.ok(Math.abs(colocate.time_to_first_step_s.value - Math.sqrt(12.5 * 6.5)) < 1e-12); // geometric mean of 12.5 and 6.5
    assert.deepEqual(colocate.runs, [
      { repeat: 0, status: 'ok', steps: 4, measured_from_step: 1 },
      { repeat: 1, status: 'failed', steps: 2, measured_from_step: 1 },
    ]);
    assert.deepEqual([server.completion_tokens_per_sample, server.prompt_tokens_per_sample], [16, 8]);
  });

  test('each note has a kind, a severity and the subject it is about', () => {
    const of = (kind: string) => summary.notes.filter((n) => n.kind === kind);
    assert.deepEqual(of('unit_not_run'), [{ kind: 'unit_not_run', severity: 'warning', subject: 'server/r1', text: 'server/r1: not run' }]);
    assert.deepEqual(
      of('unit_incomplete').map((n) => [n.severity, n.subject]),
      [['warning', 'colocate/r1']],
    );
    assert.deepEqual(
      of('events_unreadable').map((n) => n.subject),
      ['colocate/r1/events/trainer-0.jsonl'],
    );
    assert.deepEqual(
      of('few_runs').map((n) => [n.severity, n.subject]),
      [
        ['warning', 'default/server'],
        ['warning', 'default/colocate'],
      ],
    );
    assert.deepEqual(
      of('step_time_speedup_omitted').map((n) => n.subject),
      ['run'],
    );
  });

  test('notes say what was missing and why intervals are weak', () => {
    const has = (re: RegExp) =>
      assert.ok(
        summary.notes.some((n) => re.test(n.text)),
        `no note matching ${re}:\n${summary.notes.map((n) => n.text).join('\n')}`,
      );
    has(/colocate\/r1\/events\/trainer-0\.jsonl: 1 line\(s\) not read \(line 14: truncated/);
    has(/^colocate\/r1: failed; its 2 measured step\(s\) are used/);
    has(/^server\/r1: not run/);
    has(/^default\/server: one run: no confidence interval; the ranges shown are the spread of its steps/);
    has(/^default\/colocate: 2 runs: the t interval has 1 degree\(s\) of freedom and is wide/);
    has(/^Step-time speedup omitted/);
    assert.equal(summary.functional_only, false);
  });

  test('steps.csv and summary.json are written into the run folder', async () => {
    const csv = (await readFile(path.join(dir, 'steps.csv'), 'utf8')).split('\n');
    assert.equal(
      csv[0],
      'point,mode,repeat,step,warmup,excluded_by,outlier,t0,t1,duration_s,samples,prompt_tokens,completion_tokens,phase_generate_s,phase_forward_backward_s,phase_optimizer_s,phase_weight_sync_s,idle_s,weight_sync_bytes,loss,reward_mean',
    );
    assert.equal(csv[1], 'default,server,0,0,true,warmup,false,1000,1002,2,4,32,64,1,0.5,0.25,0.25,0,1000,0.5,');
    assert.equal(csv[6], 'default,colocate,0,0,true,warmup,false,2000,2002.5,2.5,8,64,128,1.5,0.5,0.5,0,0,,0.5,');
    assert.equal(csv.length, 1 + 5 + 5 + 3 + 1);
    const json = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as Summary;
    assert.deepEqual(json, JSON.parse(JSON.stringify(summary)));
  });

  test('the same folder analysed twice gives the same summary (seeded bootstrap)', async () => {
    assert.deepEqual(await analyzeRun(dir), summary);
  });
});

describe('analyzeRun under other settings', () => {
  test('with the NVML sampler: SM and tensor activity per role, idle by SM activity, energy from the counter', async () => {
    const { summary } = await analyse({ nvml: true });
    const server = summary.modes.find((m) => m.mode === 'server')!;
    const [trainer, srv] = server.activity;
    assert.deepEqual([srv!.sm_active_mean, srv!.sm_occupancy_mean, srv!.tensor_active_mean, srv!.gpm], [30, 15, 10, true]);
    assert.deepEqual(srv!.idle, { phases: 0.375, sm_activity: 0.7 });
    assert.deepEqual([trainer!.sm_active_mean, trainer!.idle.sm_activity], [60, 0.4]);
    assert.equal(srv!.sampled_util_mean, 50, 'utilization.gpu stays beside it');
    // The counter is the exact integral of the fixture's power: the same joules as integration.
    assert.equal(server.energy_source, 'energy counter');
    assert.ok(Math.abs(server.joules_per_completion_token! - 2880 / 256) < 1e-9);
    assert.ok(!summary.notes.some((n) => n.kind === 'gpm_unavailable'), JSON.stringify(summary.notes));
  });

  test('equal_global_batch adds the step-time speedup (baseline ÷ candidate median step time)', async () => {
    const { summary } = await analyse({ protocol: 'equal_global_batch' });
    assert.equal(summary.comparisons[0]!.step_time_speedup!.value, 0.8); // 2 s ÷ 2.5 s
    assert.ok(!summary.notes.some((n) => n.text.startsWith('Step-time speedup omitted')));
  });

  test('a CPU run is functional only, with process CPU % beside busy fractions and no energy', async () => {
    const { summary } = await analyse({ cpu: true });
    assert.equal(summary.functional_only, true);
    assert.equal(summary.device_kind, 'cpu');
    assert.ok(summary.notes[0]!.text.includes('say nothing about GPUs'));
    assert.match(summary.comparisons[0]!.statement, /; CPU run, says nothing about GPUs$/);
    const server = summary.modes.find((m) => m.mode === 'server')!;
    assert.deepEqual(
      server.activity.map((a) => [a.role, a.sampled_util_mean, a.sampled_util_label]),
      [
        ['trainer', 80, 'process CPU % (per-process sample)'],
        ['server', 40, 'process CPU % (per-process sample)'],
      ],
    );
    assert.equal(server.joules_per_completion_token, undefined);
  });
});

test('the summary lists the points as plan.json named them; the report labels them from there', async () => {
  const dir = await buildRun();
  dirs.push(dir);
  const file = path.join(dir, 'plan.json');
  const plan = JSON.parse(await readFile(file, 'utf8'));
  plan.points[0].label = 'the only point';
  await writeFile(file, JSON.stringify(plan));
  const summary = await analyzeRun(dir);
  assert.deepEqual(summary.points, [{ id: 'default', values: {}, label: 'the only point' }]);
  assert.equal(pointLabel(summary, 'default'), 'the only point');
});
