// A hand-built results folder: event files written line by line in the protocol's format.
//
// server  r0: GPU 0 server, GPU 1 trainer; 5 steps of 2 s (step 0 warm-up), t0 = 1000 + 2k.
//             trainer-0 phases per step: generate 1 (waiting), forward_backward 0.5, optimizer 0.25,
//             weight_sync 0.25 (1000 bytes); 4 samples, 64 completion + 32 prompt tokens (global batch).
//             server-0 phases per step: generate 1, weight_sync 0.25.
//             requests per step k: the trainer's /generate takes 0.9 + 0.01k s, the server's record of it 0.8 s
//             (same id); the trainer's /update_weights (0.02 s) has no server record.
//             telemetry: 1 Hz from t=1000 to 1012; GPU 0 power 100 + 10(t − 1000) W, util 50; GPU 1 200 W, util 90.
// server  r1: planned, never ran.
// colocate r0: GPUs 0, 1 both train; 5 steps of 2.5 s, t0 = 2000 + 2.5k. Each rank logs its own share:
//             4 samples, 64 completion + 32 prompt tokens. Rank 0 phases: generate 1.5, forward_backward 0.5,
//             optimizer 0.5; rank 1: generate 1.5, forward_backward 0.5. Telemetry: both GPUs 150 W, 1 Hz.
// colocate r1: failed; t0 = 3000 + 2.5k; trainer-0 wrote steps 0–2 then was cut mid-line; no telemetry.
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import type { RunPlan, UnitPlan } from '../../src/records/plan.ts';
import { sweepPoints } from '../../src/scenario/sweep.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import { Scenario } from '../../src/scenario/schema.ts';

const line = (o: object) => JSON.stringify(o) + '\n';
const iso = (s: number) => new Date(s * 1000).toISOString();

function unit(mode: 'server' | 'colocate', repeat: number, kind: 'cuda' | 'cpu'): UnitPlan {
  const server = mode === 'server' ? [0] : [];
  const training = mode === 'server' ? [1] : [0, 1];
  return {
    point: 'default',
    mode,
    repeat,
    dir: `${mode}/r${repeat}`,
    devices: { kind, allocated: [...server, ...training], training, server },
    batch: {
      per_device_train_batch_size: 4,
      training_devices: training.length,
      global_batch: 4 * training.length,
      num_generations: 4,
      prompts_per_step: training.length,
    },
    processes: [],
  };
}

function start(role: string, rank: number, mode: string, t: number): string {
  return line({ type: 'start', t, role, rank, pid: 100 + rank, mode, devices: ['cuda:0'], versions: { python: '3.11', torch: '2.4' } });
}

function phase(step: number, name: string, t0: number, dur: number, extra: object = {}): string {
  return line({ type: 'phase', step, name, t0, t1: t0 + dur, dur, synced: true, ...extra });
}

function request(endpoint: string, t0: number, dur: number, step: number, id: string): string {
  return line({ type: 'request', endpoint, t0, t1: t0 + dur, status: 200, bytes_in: 10, bytes_out: 20, step, id });
}

function step(k: number, t0: number, dur: number, samples: number): string {
  return line({
    type: 'step',
    step: k,
    t0,
    t1: t0 + dur,
    prompt_tokens: 8 * samples,
    completion_tokens: 16 * samples,
    samples,
    loss: 0.5,
    reward_mean: null,
  });
}

/**
 * telemetry.csv: as the nvidia-smi stream wrote it before the NVML columns (the default), or as
 * the NVML sampler writes it (`nvml`): GPM SM activity 30 % on GPU 0 and 60 % elsewhere
 * (occupancy and tensor activity a half and a third of it; empty on each GPU's first sample),
 * and an energy counter that is the exact integral of the sampled power.
 */
function telemetry(rows: [t: number, gpu: number, util: number, power: number][], nvml = false): string {
  if (!nvml) {
    const header = 't,gpu,util_pct,mem_used_mib,mem_total_mib,power_w,sm_clock_mhz,temp_c,throttle_reasons\n';
    return header + rows.map(([t, g, u, p]) => `${t},${g},${u},1000,80000,${p},1980,60,"0x0000000000000000"\n`).join('');
  }
  const header =
    't,gpu,util_pct,mem_used_mib,mem_total_mib,power_w,sm_clock_mhz,temp_c,throttle_reasons,energy_mj,sm_active_pct,sm_occupancy_pct,tensor_active_pct,source\n';
  const last = new Map<number, { t: number; p: number; mj: number }>();
  return (
    header +
    rows
      .map(([t, g, u, p]) => {
        const prev = last.get(g);
        const mj = prev ? prev.mj + ((t - prev.t) * (p + prev.p) * 1000) / 2 : 7_000_000;
        last.set(g, { t, p, mj });
        const sm = g === 0 ? 30 : 60;
        const gpm = prev ? `${sm},${sm / 2},${sm / 3}` : ',,';
        return `${t},${g},${u},1000,80000,${p},1980,60,0x0000000000000000,${mj},${gpm},nvml\n`;
      })
      .join('')
  );
}

export interface FixtureOptions {
  protocol?: 'equal_per_device_batch' | 'equal_global_batch';
  /** CPU run: device kind cpu, processes.csv (trainer processes at 80% CPU, server at 40%) instead of telemetry.csv. */
  cpu?: boolean;
  /** telemetry.csv as the NVML sampler writes it: GPM columns and the energy counter. */
  nvml?: boolean;
}

export async function buildRun(options: FixtureOptions = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-run-'));
  const cpu = options.cpu ?? false;
  const kind = cpu ? 'cpu' : 'cuda';
  const scenario = Scenario.parse({
    name: 'fixture',
    workload: 'synthetic',
    model: 'preset:tiny',
    device: kind,
    protocol: options.protocol ?? 'equal_per_device_batch',
    steps: 5,
    warmup_steps: 1,
    repeats: 2,
    modes: { server: { devices: { server: [0], trainer: [1] } }, colocate: { devices: [0, 1] } },
  });
  const units = [unit('server', 0, kind), unit('colocate', 0, kind), unit('colocate', 1, kind), unit('server', 1, kind)];
  const plan: RunPlan = { scenario: 'fixture', workload: 'synthetic', device: kind, points: sweepPoints(undefined), units };
  const manifest: Manifest = {
    schema_version: 1,
    run_id: 'fixture-run',
    status: 'partial',
    started: iso(990),
    harness: { version: '0.1.0', git_sha: null, git_dirty: null, node: 'v20' },
    scenario_file: 'fixture.yaml',
    scenario,
    command: ['run', 'fixture.yaml'],
    fingerprint: { environment: {}, subject: {} },
    units: [
      { dir: 'server/r0', point: 'default', mode: 'server', repeat: 0, status: 'ok', started: iso(995), ended: iso(1011) },
      { dir: 'colocate/r0', point: 'default', mode: 'colocate', repeat: 0, status: 'ok', started: iso(1990), ended: iso(2013) },
      {
        dir: 'colocate/r1',
        point: 'default',
        mode: 'colocate',
        repeat: 1,
        status: 'failed',
        started: iso(2996),
        error: { message: 'trainer exited with code 1', process: 'trainer', exit_code: 1 },
      },
      { dir: 'server/r1', point: 'default', mode: 'server', repeat: 1, status: 'planned' },
    ],
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan, null, 2));

  // server r0
  let trainer = start('trainer', 0, 'server', 999);
  let server = start('server', 0, 'server', 998);
  for (let k = 0; k < 5; k++) {
    const t = 1000 + 2 * k;
    trainer += phase(k, 'generate', t, 1) + phase(k, 'forward_backward', t + 1, 0.5) + phase(k, 'optimizer', t + 1.5, 0.25);
    trainer += phase(k, 'weight_sync', t + 1.75, 0.25, { bytes: 1000, buckets: 1 }) + step(k, t, 2, 4);
    server += phase(k, 'generate', t, 1) + phase(k, 'weight_sync', t + 1.75, 0.25, { bytes: 1000 });
    // /generate: round trip 0.9 + 0.01·k s on the trainer, 0.8 s in the server's handler, paired by id;
    // /update_weights: the trainer's record only.
    trainer +=
      request('/generate', t + 0.05, 0.9 + 0.01 * k, k, `100-${2 * k}`) + request('/update_weights', t + 1.75, 0.02, k, `100-${2 * k + 1}`);
    server += request('/generate', t + 0.1, 0.8, k, `100-${2 * k}`);
  }
  trainer += line({ type: 'end', t: 1011, status: 'ok' });
  server += line({ type: 'end', t: 1011, status: 'ok' });
  const tel: [number, number, number, number][] = [];
  for (let t = 1000; t <= 1012; t++) tel.push([t, 0, 50, 100 + 10 * (t - 1000)], [t, 1, 90, 200]);
  await writeUnit(cpu, dir, 'server/r0', { 'trainer-0': trainer, 'server-0': server }, telemetry(tel, options.nvml));

  // colocate r0 and r1
  for (const [repeat, base, steps] of [
    [0, 2000, 5],
    [1, 3000, 3],
  ] as const) {
    let r0 = start('trainer', 0, 'colocate', base - 1);
    let r1 = start('trainer', 1, 'colocate', base - 1);
    for (let k = 0; k < steps; k++) {
      const t = base + 2.5 * k;
      r0 +=
        phase(k, 'generate', t, 1.5) + phase(k, 'forward_backward', t + 1.5, 0.5) + phase(k, 'optimizer', t + 2, 0.5) + step(k, t, 2.5, 4);
      r1 += phase(k, 'generate', t, 1.5) + phase(k, 'forward_backward', t + 1.5, 0.5) + step(k, t, 2.5, 4);
    }
    if (repeat === 0) {
      r0 += line({ type: 'end', t: base + 13, status: 'ok' });
      r1 += line({ type: 'end', t: base + 13, status: 'ok' });
      const tc: [number, number, number, number][] = [];
      for (let t = base; t <= base + 13; t++) tc.push([t, 0, 95, 150], [t, 1, 95, 150]);
      await writeUnit(cpu, dir, `colocate/r${repeat}`, { 'trainer-0': r0, 'trainer-1': r1 }, telemetry(tc, options.nvml));
    } else {
      r0 += '{"type":"phase","step":3,"name":"generate","t0":3007.5,"t1":30'; // killed mid-write
      await writeUnit(cpu, dir, `colocate/r${repeat}`, { 'trainer-0': r0, 'trainer-1': r1 });
    }
  }
  return dir;
}

async function writeUnit(cpu: boolean, run: string, unitDir: string, events: Record<string, string>, telemetryCsv?: string): Promise<void> {
  const d = path.join(run, unitDir);
  await mkdir(path.join(d, 'events'), { recursive: true });
  for (const [name, text] of Object.entries(events)) await writeFile(path.join(d, 'events', `${name}.jsonl`), text);
  if (!telemetryCsv) return;
  if (!cpu) return writeFile(path.join(d, 'telemetry.csv'), telemetryCsv);
  // On CPU: per-process samples at the telemetry rows' times.
  const times = [
    ...new Set(
      telemetryCsv
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(',')[0]),
    ),
  ];
  const rows = times.flatMap((t) => [
    `${t},101,python,trainer,80,500,0`,
    ...(unitDir.startsWith('server') ? [`${t},201,python,server,40,400,0`] : []),
  ]);
  await writeFile(path.join(d, 'processes.csv'), ['t,pid,process,role,cpu_pct,rss_mib,gpu_mem_mib', ...rows, ''].join('\n'));
}
