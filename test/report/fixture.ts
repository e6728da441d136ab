// A results folder as a run writes it (manifest, plan, events, telemetry or process samples,
// steps.csv, summary.json), made up deterministically so report tests and the long-run
// benchmark have something realistic to render before the real analysis lands.
//
// The numbers are plausible, not measured: GPU utilisation follows the phases (a server GPU
// is busy while generating, trainers while training), colocate holds more memory per GPU,
// the summary is consistent with the steps. Swap for a real tiny run in run-source.ts.
import { mkdir, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { Scenario, type ModeName } from '../../src/scenario/schema.ts';
import type { Manifest } from '../../src/results/manifest.ts';
import type { RunPlan, UnitPlan } from '../../src/launch/types.ts';
import type { Comparison, ModeSummary, StepRow, Summary } from '../../src/analysis/types.ts';

export interface FixtureOptions {
  device?: 'cuda' | 'cpu';
  scenarioName?: string;
  steps?: number;
  warmupSteps?: number;
  repeats?: number;
  /** Devices per mode (server mode: 1 server + the rest training). */
  devices?: number;
  /** Telemetry samples per second. */
  sampleHz?: number;
  /** Seconds per step, roughly (colocate); server is slower per training device. */
  stepSeconds?: number;
  /** Swept values per point id; omit for one point `default`. */
  sweep?: { field: string; values: number[] };
  /** Write events for every trainer rank (true) or rank 0 only (long runs). */
  allRanks?: boolean;
  /** Mark the second repeat of colocate as failed, with an error in the manifest. */
  failedUnit?: boolean;
  runId?: string;
}

const PHASES_SERVER = ['generate', 'reward', 'old_logprobs', 'forward_backward', 'optimizer', 'weight_sync'] as const;
const PHASES_COLOCATE = ['generate', 'reward', 'old_logprobs', 'forward_backward', 'optimizer', 'weight_sync'] as const;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Span {
  role: 'trainer' | 'server';
  step: number;
  name: string;
  t0: number;
  t1: number;
}

export async function buildRunFixture(root: string, o: FixtureOptions = {}): Promise<string> {
  const device = o.device ?? 'cuda';
  const steps = o.steps ?? 6;
  const warmup = o.warmupSteps ?? 2;
  const repeats = o.repeats ?? 2;
  const n = o.devices ?? 4;
  const hz = o.sampleHz ?? 5;
  const stepS = o.stepSeconds ?? 4;
  const runId = o.runId ?? `2026-11-27T11-00-00_${device}-fixture`;
  const name = o.scenarioName ?? 'qwen2.5-0.5b-fixture';
  const runDir = path.join(root, runId);
  const rand = rng(42);

  const scenario = Scenario.parse({
    name,
    description: 'Made-up run for report tests',
    workload: 'synthetic',
    model: 'preset:qwen2.5-0.5b',
    device,
    steps,
    warmup_steps: warmup,
    repeats,
    grpo: { per_device_train_batch_size: 8, num_generations: 8, max_completion_length: 256, max_prompt_length: 128 },
    modes: {
      server: { devices: { server: 1, trainer: n - 1 } },
      colocate: { devices: n },
    },
    telemetry: { interval_ms: Math.round(1000 / hz) },
  });
  const points = o.sweep
    ? o.sweep.values.map((v) => ({ id: `${o.sweep!.field.split('.').at(-1)}=${v}`, values: { [o.sweep!.field]: v } as Record<string, number>, scale: v / o.sweep!.values[0]!, bs: v }))
    : [{ id: 'default', values: {} as Record<string, number>, scale: 1, bs: 8 }];

  const modes: ModeName[] = ['server', 'colocate'];
  const units: UnitPlan[] = [];
  for (const p of points)
    for (let r = 0; r < repeats; r++)
      for (const mode of r % 2 ? [...modes].reverse() : modes) {
        const all = Array.from({ length: n }, (_, i) => i);
        const devices = mode === 'server' ? { kind: device, allocated: all, training: all.slice(1), server: [0] } : { kind: device, allocated: all, training: all, server: [] };
        const bs = p.bs;
        units.push({
          point: p.id,
          mode,
          repeat: r,
          dir: points.length > 1 ? path.join(p.id, mode, `r${r}`) : path.join(mode, `r${r}`),
          devices,
          batch: { per_device_train_batch_size: bs, training_devices: devices.training.length, global_batch: bs * devices.training.length, num_generations: 8, prompts_per_step: (bs * devices.training.length) / 8 },
          processes: [],
        });
      }
  const plan: RunPlan = { scenario: name, workload: 'synthetic', device, units };

  let clock = 1_795_000_000; // epoch seconds
  const stepRows: StepRow[] = [];
  const unitRecords: Manifest['units'] = [];
  const firstStep = new Map<string, number[]>();
  for (const u of units) {
    const dir = path.join(runDir, u.dir);
    await mkdir(path.join(dir, 'events'), { recursive: true });
    await mkdir(path.join(dir, 'logs'), { recursive: true });
    const failed = o.failedUnit && u.mode === 'colocate' && u.repeat === 1;
    const scale = points.find((p) => p.id === u.point)!.scale;
    const start = clock + 2;
    const startup = 8 + rand() * 2;
    let t = start + startup;
    const spans: Span[] = [];
    const stepsHere = failed ? Math.floor(steps / 2) : steps;
    const trainerEvents: string[] = [];
    const serverEvents: string[] = [];
    const ev = (arr: string[], e: object) => arr.push(JSON.stringify(e));
    ev(trainerEvents, { type: 'start', t: start, role: 'trainer', rank: 0, pid: 4100, mode: u.mode, devices: [device === 'cuda' ? `cuda:${u.devices.training[0]}` : 'cpu'], versions: { python: '3.11.9', torch: '2.5.1', transformers: '4.46.3' } });
    if (u.mode === 'server') ev(serverEvents, { type: 'start', t: start, role: 'server', rank: 0, pid: 4000, mode: u.mode, devices: [device === 'cuda' ? 'cuda:0' : 'cpu'], versions: { python: '3.11.9', torch: '2.5.1' } });
    for (let s = 0; s < stepsHere; s++) {
      const warm = s < warmup;
      const slow = warm ? 1.6 - 0.3 * s : 1;
      const jitter = () => 0.92 + rand() * 0.16;
      const gen = (u.mode === 'server' ? 0.55 : 0.5) * stepS * scale * slow * jitter();
      const train = (u.mode === 'server' ? 0.45 : 0.38) * stepS * scale * slow * jitter();
      const outlier = s === stepsHere - 2 && u.repeat === 0 && u.mode === 'server';
      const dur: Record<string, number> = {
        generate: gen * (outlier ? 1.8 : 1),
        reward: 0.02 * stepS,
        old_logprobs: 0.12 * train,
        forward_backward: 0.7 * train,
        optimizer: 0.1 * train,
        weight_sync: u.mode === 'server' ? 0.06 * stepS : 0.01 * stepS,
      };
      const s0 = t;
      const phases: Record<string, number> = {};
      for (const ph of u.mode === 'server' ? PHASES_SERVER : PHASES_COLOCATE) {
        const d = dur[ph]!;
        spans.push({ role: 'trainer', step: s, name: ph, t0: t, t1: t + d });
        ev(trainerEvents, { type: 'phase', step: s, name: ph, t0: t, t1: t + d, dur: d, synced: ph !== 'generate' });
        if (u.mode === 'server' && ph === 'generate') {
          spans.push({ role: 'server', step: s, name: 'generate', t0: t + 0.05, t1: t + d - 0.03 });
          ev(serverEvents, { type: 'phase', step: s, name: 'generate', t0: t + 0.05, t1: t + d - 0.03, dur: d - 0.08, synced: true });
        }
        if (u.mode === 'server' && ph === 'weight_sync') {
          spans.push({ role: 'server', step: s, name: 'weight_sync', t0: t, t1: t + d });
          ev(serverEvents, { type: 'phase', step: s, name: 'weight_sync', t0: t, t1: t + d, dur: d, synced: true, bytes: 988_000_000 });
        }
        phases[ph] = d;
        t += d;
      }
      const idle = 0.03 * stepS * rand();
      phases.idle = idle;
      t += idle;
      const samples = u.batch.global_batch;
      ev(trainerEvents, { type: 'step', step: s, t0: s0, t1: t, prompt_tokens: samples * 128, completion_tokens: samples * 256, samples, loss: 0.1 - s * 0.001, reward_mean: 0.2 + s * 0.01 });
      stepRows.push({ point: u.point, mode: u.mode, repeat: u.repeat, step: s, warmup: warm, t0: s0, t1: t, duration_s: t - s0, samples, prompt_tokens: samples * 128, completion_tokens: samples * 256, phases, loss: 0.1 - s * 0.001, reward_mean: 0.2 + s * 0.01, outlier });
    }
    ev(trainerEvents, failed ? { type: 'end', t, status: 'error', error: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB <gpu 1>' } : { type: 'end', t, status: 'ok' });
    if (u.mode === 'server') ev(serverEvents, { type: 'end', t: t + 0.5, status: 'ok' });
    const end = t + 1;
    firstStep.set(`${u.point}/${u.mode}/${u.repeat}`, [startup]);
    await writeFile(path.join(dir, 'events', 'trainer-0.jsonl'), trainerEvents.join('\n') + '\n');
    if (serverEvents.length) await writeFile(path.join(dir, 'events', 'server-0.jsonl'), serverEvents.join('\n') + '\n');
    if (o.allRanks ?? true) {
      for (const rank of u.devices.training.slice(1).map((_, i) => i + 1)) {
        const lines = trainerEvents.map((l) => l.replace('"rank":0', `"rank":${rank}`));
        await writeFile(path.join(dir, 'events', `trainer-${rank}.jsonl`), lines.join('\n') + '\n');
      }
    }

    const activeAt = (role: 'trainer' | 'server', x: number): string | undefined => {
      // Spans are in time order per role: binary search.
      const list = role === 'trainer' ? trainerSpans : serverSpans;
      let lo = 0;
      let hi = list.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const sp = list[mid]!;
        if (x < sp.t0) hi = mid - 1;
        else if (x >= sp.t1) lo = mid + 1;
        else return sp.name;
      }
      return undefined;
    };
    const trainerSpans = spans.filter((s) => s.role === 'trainer');
    const serverSpans = spans.filter((s) => s.role === 'server');
    const utilOf = (g: number, x: number): number => {
      if (x < start + startup * 0.6) return 2 + rand() * 3;
      const isServer = u.devices.server.includes(g);
      const ph = activeAt(isServer ? 'server' : 'trainer', x);
      const base = isServer
        ? ph === 'generate' ? 93 : ph === 'weight_sync' ? 40 : 3
        : ph === 'generate' ? (u.mode === 'colocate' ? 78 : 0) : ph === 'forward_backward' ? 99 : ph === 'optimizer' ? 85 : ph === 'old_logprobs' ? 90 : ph === 'weight_sync' ? 60 : 8;
      return Math.max(0, Math.min(100, base + (rand() - 0.5) * 8));
    };
    const memOf = (g: number, x: number): number => {
      const isServer = u.devices.server.includes(g);
      const ramp = Math.min(1, Math.max(0, (x - start) / startup));
      const steady = isServer ? 71_500 : u.mode === 'colocate' ? 58_000 : 41_000;
      const ph = activeAt(isServer ? 'server' : 'trainer', x);
      const bump = !isServer && ph === 'forward_backward' ? 6_000 : 0;
      return Math.round(600 + ramp * (steady + bump) + rand() * 200);
    };

    if (device === 'cuda') {
      const fh = await open(path.join(dir, 'telemetry.csv'), 'w');
      await fh.write('t,gpu,util_pct,mem_used_mib,mem_total_mib,power_w,sm_clock_mhz,temp_c,throttle_reasons\n');
      let buf: string[] = [];
      for (let x = start; x < end; x += 1 / hz) {
        for (const g of u.devices.allocated) {
          const util = utilOf(g, x);
          buf.push(`${x.toFixed(3)},${g},${Math.round(util)},${memOf(g, x)},81559,${(70 + util * 6).toFixed(1)},${util > 50 ? 1980 : 1410},${Math.round(38 + util * 0.3)},0x0000000000000000`);
        }
        if (buf.length > 20_000) {
          await fh.write(buf.join('\n') + '\n');
          buf = [];
        }
      }
      if (buf.length) await fh.write(buf.join('\n') + '\n');
      await fh.close();
    }
    // Per-process samples: on CPU they stand in for GPU utilisation.
    const procs = [
      ...(u.mode === 'server' ? [{ pid: 4000, role: 'server' as const, rank: 0, g: 0 }] : []),
      ...u.devices.training.map((g, i) => ({ pid: 4100 + i, role: 'trainer' as const, rank: i, g })),
    ];
    const prows = ['t,pid,process,role,cpu_pct,rss_mib,gpu_mem_mib'];
    for (let x = start; x < end; x += 1) {
      for (const p of procs) {
        const util = utilOf(p.g, x);
        const cpu = device === 'cpu' ? util * 0.98 + rand() * 2 : 100 + rand() * 5;
        const gpuMem = device === 'cuda' ? memOf(p.g, x) - 500 : '';
        prows.push(`${x.toFixed(3)},${p.pid},"python -m grpo_bench.${p.role}, rank ${p.rank}",${p.role},${cpu.toFixed(1)},${Math.round(1800 + memOf(p.g, x) / 40)},${gpuMem}`);
      }
    }
    await writeFile(path.join(dir, 'processes.csv'), prows.join('\n') + '\n');
    await writeFile(path.join(dir, 'host.csv'), `t,cpu_pct,mem_used_mib,mem_total_mib\n${start.toFixed(3)},12.5,20480,515000\n${end.toFixed(3)},30.1,24576,515000\n`);
    await writeFile(path.join(dir, 'logs', 'trainer-0.log'), 'starting\n');
    unitRecords.push({
      dir: u.dir,
      point: u.point,
      mode: u.mode,
      repeat: u.repeat,
      status: failed ? 'failed' : 'ok',
      started: new Date(start * 1000).toISOString(),
      ended: new Date(end * 1000).toISOString(),
      ...(failed
        ? { error: { message: 'trainer-0 exited with code 1', process: 'trainer-0', exit_code: 1, signal: null, log_tail: ['Traceback (most recent call last):', '  File "train.py", line 88, in step', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB <gpu 1>'] } }
        : {}),
    });
    clock = end + 5;
  }

  // steps.csv: one row per (point, mode, repeat, step); phase seconds as phase_<name>_s.
  const phaseNames = [...new Set(stepRows.flatMap((r) => Object.keys(r.phases)))];
  const header = ['point', 'mode', 'repeat', 'step', 'warmup', 'outlier', 't0', 't1', 'duration_s', 'samples', 'prompt_tokens', 'completion_tokens', 'loss', 'reward_mean', ...phaseNames.map((p) => `phase_${p}_s`)];
  const csv = [header.join(',')];
  for (const r of stepRows) {
    csv.push([r.point, r.mode, r.repeat, r.step, r.warmup, r.outlier ?? false, r.t0.toFixed(6), r.t1.toFixed(6), r.duration_s.toFixed(6), r.samples, r.prompt_tokens, r.completion_tokens, r.loss ?? '', r.reward_mean ?? '', ...phaseNames.map((p) => (r.phases[p] ?? 0).toFixed(6))].join(','));
  }
  await writeFile(path.join(runDir, 'steps.csv'), csv.join('\n') + '\n');

  // summary.json, consistent with the steps (medians; made-up ±3 % intervals).
  const est = (value: number, nSteps: number, nRuns: number) => ({ value, low: value * 0.97, high: value * 1.03, ci_level: 0.95, method: 'fixture: ±3 %', n_steps: nSteps, n_runs: nRuns });
  const modeSummaries: ModeSummary[] = [];
  for (const p of points)
    for (const mode of modes) {
      const u = units.find((x) => x.point === p.id && x.mode === mode)!;
      const okRepeats = unitRecords.filter((x) => x.point === p.id && x.mode === mode && x.status === 'ok').map((x) => x.repeat);
      const rows = stepRows.filter((r) => r.point === p.id && r.mode === mode && !r.warmup && okRepeats.includes(r.repeat));
      const stepT = median(rows.map((r) => r.duration_s));
      const tok = median(rows.map((r) => r.completion_tokens / r.duration_s));
      const phaseMedian = Object.fromEntries(phaseNames.map((ph) => [ph, median(rows.map((r) => r.phases[ph] ?? 0))]));
      const gen = phaseMedian.generate ?? 0;
      const trainT = (phaseMedian.forward_backward ?? 0) + (phaseMedian.optimizer ?? 0) + (phaseMedian.old_logprobs ?? 0);
      modeSummaries.push({
        point: p.id,
        mode,
        devices: u.devices,
        batch: u.batch,
        runs: unitRecords.filter((x) => x.point === p.id && x.mode === mode).map((x) => ({ repeat: x.repeat, status: x.status as 'ok' | 'failed', steps: stepRows.filter((r) => r.point === p.id && r.mode === mode && r.repeat === x.repeat).length })),
        steps_measured: rows.length,
        warmup_steps: warmup,
        time_to_first_step_s: est(9.1, okRepeats.length, okRepeats.length),
        step_time_s: est(stepT, rows.length, okRepeats.length),
        completion_tokens_per_s: est(tok, rows.length, okRepeats.length),
        completion_tokens_per_s_per_allocated_device: est(tok / u.devices.allocated.length, rows.length, okRepeats.length),
        completion_tokens_per_s_per_training_device: est(tok / u.devices.training.length, rows.length, okRepeats.length),
        samples_per_s: est(u.batch.global_batch / stepT, rows.length, okRepeats.length),
        completion_tokens_per_sample: 256,
        prompt_tokens_per_sample: 128,
        phase_median_s: phaseMedian,
        generation_to_training_ratio: gen / trainT,
        activity:
          mode === 'server'
            ? [
                { role: 'server', devices: u.devices.server, busy_fraction: gen / stepT, sampled_util_mean: device === 'cuda' ? 52 : undefined, sampled_util_label: device === 'cuda' ? 'nvidia-smi utilization.gpu' : 'process CPU %', power_mean_w: device === 'cuda' ? 390 : undefined },
                { role: 'trainer', devices: u.devices.training, busy_fraction: (stepT - gen) / stepT, sampled_util_mean: device === 'cuda' ? 47 : undefined, sampled_util_label: device === 'cuda' ? 'nvidia-smi utilization.gpu' : 'process CPU %', power_mean_w: device === 'cuda' ? 360 : undefined },
              ]
            : [{ role: 'trainer', devices: u.devices.training, busy_fraction: 0.97, sampled_util_mean: device === 'cuda' ? 88 : undefined, sampled_util_label: device === 'cuda' ? 'nvidia-smi utilization.gpu' : 'process CPU %', power_mean_w: device === 'cuda' ? 540 : undefined }],
        ...(device === 'cuda' ? { joules_per_completion_token: mode === 'server' ? 0.61 : 0.44 } : {}),
        weight_sync_bytes_per_step: mode === 'server' ? 988_000_000 : 0,
      });
    }
  const comparisons: Comparison[] = points.map((p) => {
    const b = modeSummaries.find((m) => m.point === p.id && m.mode === 'server')!;
    const c = modeSummaries.find((m) => m.point === p.id && m.mode === 'colocate')!;
    const sa = c.completion_tokens_per_s_per_allocated_device.value / b.completion_tokens_per_s_per_allocated_device.value;
    const st = c.completion_tokens_per_s_per_training_device.value / b.completion_tokens_per_s_per_training_device.value;
    const nSteps = Math.min(b.steps_measured, c.steps_measured);
    return {
      point: p.id,
      baseline: 'server',
      candidate: 'colocate',
      speedup_per_allocated_device: est(sa, nSteps, repeats),
      speedup_per_training_device: est(st, nSteps, repeats),
      generation_to_training_ratio: { server: b.generation_to_training_ratio, colocate: c.generation_to_training_ratio },
      equal_work: { equal: true, completion_tokens_per_sample: { server: 256, colocate: 256 }, prompt_tokens_per_sample: { server: 128, colocate: 128 }, max_relative_difference: 0 },
      statement: `colocate ran ${sa.toFixed(2)} ± ${(sa * 0.03).toFixed(2)} × faster than server (completion tokens/s per allocated GPU, median of ${nSteps} steps × ${repeats} repeats)`,
    };
  });
  const summary: Summary = {
    schema_version: 1,
    run_id: runId,
    scenario: name,
    workload: 'synthetic',
    protocol: 'equal_per_device_batch',
    device_kind: device,
    functional_only: device === 'cpu',
    notes: device === 'cpu' ? ['CPU run: it checks that the harness works; its speedups say nothing about GPUs.'] : [],
    points: Object.fromEntries(points.filter(() => points.length > 1).map((p) => [p.id, p.values])),
    modes: modeSummaries,
    comparisons,
  };
  await writeFile(path.join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  await writeFile(path.join(runDir, 'plan.json'), JSON.stringify(plan, null, 2));
  const manifest: Manifest = {
    schema_version: 1,
    run_id: runId,
    status: o.failedUnit ? 'partial' : 'completed',
    started: new Date(units.length ? (1_795_000_000 + 2) * 1000 : 0).toISOString(),
    ended: new Date(clock * 1000).toISOString(),
    harness: { version: '0.1.0', git_sha: '46510ec314d9f79fdb99672689dc8a221756b142', git_dirty: false, node: 'v20.20.2' },
    scenario_file: `scenarios/${name}.yaml`,
    scenario,
    ...(o.sweep ? { sweep: { [o.sweep.field]: o.sweep.values } } : {}),
    command: ['grpo-bench', 'run', `scenarios/${name}.yaml`],
    fingerprint: {
      environment:
        device === 'cuda'
          ? { gpu_model: 'NVIDIA H100 80GB HBM3', gpu_count: n, driver: '550.90.07', cuda: '12.4', power_limit_w: 700, sm_clock_max_mhz: 1980, host_cpu: 'Intel(R) Xeon(R) Platinum 8480+' }
          : { gpu_model: null, gpu_count: 0, driver: null, cuda: null, host_cpu: 'AMD EPYC 7763 64-Core Processor', host_cores: 2 },
      subject: { python: '3.11.9', torch: '2.5.1', transformers: '4.46.3', trl: null, vllm: null, harness_git_sha: '46510ec' },
    },
    units: unitRecords,
  };
  await writeFile(path.join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return runDir;
}
