// A GPU-shaped results folder as a run on GPUs writes it (manifest, plan, events, telemetry.csv
// with utilisation, memory and power, processes.csv), made up deterministically: this machine
// has no GPU, and the reports' GPU-only charts (utilisation, memory) and figures (power, energy)
// need such samples. steps.csv and summary.json are then computed from these raw files by the
// real analysis (analyzeRun), never written by hand.
//
// The raw samples are plausible, not measured: GPU utilisation follows the phases (a server GPU
// is busy while generating, trainers while training), colocate holds more memory per GPU.
import { mulberry32 } from '../../src/analysis/inference/stats.ts';
import { mkdir, writeFile, open } from 'node:fs/promises';
import path from 'node:path';
import { Scenario, type ModeName } from '../../src/scenario/schema.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import type { RunPlan, UnitPlan } from '../../src/records/plan.ts';
import { sweepPoints } from '../../src/scenario/sweep.ts';
import { analyzeRun } from '../../src/analysis/summary/summarize.ts';

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

interface Span {
  role: 'trainer' | 'server';
  step: number;
  name: string;
  t0: number;
  t1: number;
}

export async function buildRunFixture(root: string, o: FixtureOptions = {}): Promise<string> {
  const device = o.device ?? 'cuda';
  const steps = o.steps ?? 10;
  const warmup = o.warmupSteps ?? 2;
  const repeats = o.repeats ?? 2;
  const n = o.devices ?? 4;
  const hz = o.sampleHz ?? 5;
  const stepS = o.stepSeconds ?? 4;
  const runId = o.runId ?? `2026-11-27T11-00-00_${device}-fixture`;
  const name = o.scenarioName ?? 'qwen2.5-0.5b-fixture';
  const runDir = path.join(root, runId);
  const rand = mulberry32(42);

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
  const sweep = o.sweep ? { [o.sweep.field]: o.sweep.values } : undefined;
  const planned = sweepPoints(sweep);
  const points = planned.map((p, i) =>
    o.sweep ? { ...p, scale: o.sweep.values[i]! / o.sweep.values[0]!, bs: o.sweep.values[i]! } : { ...p, scale: 1, bs: 8 },
  );

  const modes: ModeName[] = ['server', 'colocate'];
  const units: UnitPlan[] = [];
  for (const p of points)
    for (let r = 0; r < repeats; r++)
      for (const mode of r % 2 ? [...modes].reverse() : modes) {
        const all = Array.from({ length: n }, (_, i) => i);
        const devices =
          mode === 'server'
            ? { kind: device, allocated: all, training: all.slice(1), server: [0] }
            : { kind: device, allocated: all, training: all, server: [] };
        const bs = p.bs;
        units.push({
          point: p.id,
          mode,
          repeat: r,
          dir: points.length > 1 ? path.join(p.id, mode, `r${r}`) : path.join(mode, `r${r}`),
          devices,
          batch: {
            per_device_train_batch_size: bs,
            training_devices: devices.training.length,
            global_batch: bs * devices.training.length,
            num_generations: 8,
            prompts_per_step: (bs * devices.training.length) / 8,
          },
          processes: [],
        });
      }
  const plan: RunPlan = { scenario: name, workload: 'synthetic', device, points: planned, units };

  let clock = 1_795_000_000; // epoch seconds
  const unitRecords: Manifest['units'] = [];
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
    ev(trainerEvents, {
      type: 'start',
      t: start,
      role: 'trainer',
      rank: 0,
      pid: 4100,
      mode: u.mode,
      devices: [device === 'cuda' ? `cuda:${u.devices.training[0]}` : 'cpu'],
      versions: { python: '3.11.9', torch: '2.5.1', transformers: '4.46.3' },
    });
    if (u.mode === 'server')
      ev(serverEvents, {
        type: 'start',
        t: start,
        role: 'server',
        rank: 0,
        pid: 4000,
        mode: u.mode,
        devices: [device === 'cuda' ? 'cuda:0' : 'cpu'],
        versions: { python: '3.11.9', torch: '2.5.1' },
      });
    for (let s = 0; s < stepsHere; s++) {
      const warm = s < warmup;
      // Slow warm-up, and the first step after it still slow: the analysis should call it settling.
      const slow = warm ? 1.6 - 0.3 * s : s === warmup ? 1.5 : 1;
      const jitter = () => 0.92 + rand() * 0.16;
      const gen = (u.mode === 'server' ? 0.55 : 0.5) * stepS * scale * slow * jitter();
      const train = (u.mode === 'server' ? 0.45 : 0.38) * stepS * scale * slow * jitter();
      const slowStep = s === stepsHere - 2 && u.repeat === 0 && u.mode === 'server';
      const dur: Record<string, number> = {
        generate: gen * (slowStep ? 1.8 : 1),
        reward: 0.02 * stepS,
        old_logprobs: 0.12 * train,
        forward_backward: 0.7 * train,
        optimizer: 0.1 * train,
        weight_sync: u.mode === 'server' ? 0.06 * stepS : 0.01 * stepS,
      };
      const s0 = t;
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
        t += d;
      }
      t += 0.03 * stepS * rand(); // time outside any phase
      const samples = u.batch.global_batch;
      ev(trainerEvents, {
        type: 'step',
        step: s,
        t0: s0,
        t1: t,
        prompt_tokens: samples * 128,
        completion_tokens: samples * 256,
        samples,
        loss: 0.1 - s * 0.001,
        reward_mean: 0.2 + s * 0.01,
      });
    }
    ev(
      trainerEvents,
      failed
        ? { type: 'end', t, status: 'error', error: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB <gpu 1>' }
        : { type: 'end', t, status: 'ok' },
    );
    if (u.mode === 'server') ev(serverEvents, { type: 'end', t: t + 0.5, status: 'ok' });
    const end = t + 1;
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
        ? ph === 'generate'
          ? 93
          : ph === 'weight_sync'
            ? 40
            : 3
        : ph === 'generate'
          ? u.mode === 'colocate'
            ? 78
            : 0
          : ph === 'forward_backward'
            ? 99
            : ph === 'optimizer'
              ? 85
              : ph === 'old_logprobs'
                ? 90
                : ph === 'weight_sync'
                  ? 60
                  : 8;
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
          buf.push(
            `${x.toFixed(3)},${g},${Math.round(util)},${memOf(g, x)},81559,${(70 + util * 6).toFixed(1)},${util > 50 ? 1980 : 1410},${Math.round(38 + util * 0.3)},0x0000000000000000`,
          );
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
        prows.push(
          `${x.toFixed(3)},${p.pid},"python -m grpo_bench.${p.role}, rank ${p.rank}",${p.role},${cpu.toFixed(1)},${Math.round(1800 + memOf(p.g, x) / 40)},${gpuMem}`,
        );
      }
    }
    await writeFile(path.join(dir, 'processes.csv'), prows.join('\n') + '\n');
    await writeFile(
      path.join(dir, 'host.csv'),
      `t,cpu_pct,mem_used_mib,mem_total_mib\n${start.toFixed(3)},12.5,20480,515000\n${end.toFixed(3)},30.1,24576,515000\n`,
    );
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
        ? {
            error: {
              message: 'trainer-0 exited with code 1',
              process: 'trainer-0',
              exit_code: 1,
              signal: null,
              log_tail: [
                'Traceback (most recent call last):',
                '  File "train.py", line 88, in step',
                'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB <gpu 1>',
              ],
            },
          }
        : {}),
    });
    clock = end + 5;
  }

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
    ...(sweep ? { sweep } : {}),
    command: ['grpo-bench', 'run', `scenarios/${name}.yaml`],
    fingerprint: {
      environment:
        device === 'cuda'
          ? {
              gpu_model: 'NVIDIA H100 80GB HBM3',
              gpu_count: n,
              driver: '550.90.07',
              cuda: '12.4',
              power_limit_w: 700,
              sm_clock_max_mhz: 1980,
              host_cpu: 'Intel(R) Xeon(R) Platinum 8480+',
            }
          : { gpu_model: null, gpu_count: 0, driver: null, cuda: null, host_cpu: 'AMD EPYC 7763 64-Core Processor', host_cores: 2 },
      subject: { python: '3.11.9', torch: '2.5.1', transformers: '4.46.3', trl: null, vllm: null, harness_git_sha: '46510ec' },
    },
    units: unitRecords,
  };
  await writeFile(path.join(runDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  // The numbers: computed from the files above by the real analysis (steps.csv, summary.json).
  await analyzeRun(runDir);
  return runDir;
}
