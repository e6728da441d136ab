// The trl workload: TRL's GRPOTrainer (train.py) in three modes, launched per docs/workload-trl.md.
//   server   — vLLM's server (or TRL's own, before TRL 1.11) on the server GPUs, the trainer
//              under `accelerate launch` on the others, vllm_mode="server";
//   colocate — the trainer under `accelerate launch` on every GPU, vllm_mode="colocate";
//   hf       — the trainer alone, use_vllm=False (generation through transformers).
// The plan depends on the installed TRL version, read from PlanContext.libraries.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { unitHosts } from '../hosts.ts';
import type { PlanContext, UnitHosts, UnitShell, WorkloadAdapter } from '../types.ts';
import type { ProcessSpec } from '../../records/plan.ts';
import { modeDeviceSets, serverSharesGpu } from '../../modes.ts';
import { probeUnitProcesses } from '../probe.ts';
import { eventFile, RANK_PLACEHOLDER, workloadOutputDir } from '../../results/layout.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { TrlRunConfig, type ModelSpec } from './config.ts';
import type { ServerVllm } from './settings.ts';
import { PRESETS, presetName, unknownPreset } from '../common/presets.ts';
import { gpuProblems, libraryProblems, trlReadiness } from './readiness.ts';
import { trlStyle, VLLM_SERVE_SINCE, type TrlStyle } from './versions.ts';

const HERE = 'src/workloads/trl';
/** Bump when save_preset's output changes, so cached preset folders are rebuilt. */
const PRESET_FORMAT = 3; // 2: byte-level BPE tokenizer; 3: weights drawn in bfloat16, on the GPU where there is one

export const trl: WorkloadAdapter = {
  name: 'trl',
  config: { schema: TrlRunConfig, source: 'src/workloads/trl/config.ts', title: "The trl workload's --config (docs/workload-trl.md)" },
  modes: ['server', 'colocate', 'hf'],

  readiness(python, gpuCount) {
    return trlReadiness(python.libraries, gpuCount).map(({ mode, ...r }) => ({ modes: [mode], ...r }));
  },

  check(scenario, device, ctx, selected) {
    if (!ctx.libraries)
      return ['the installed Python libraries were not probed (PlanContext.libraries): the trl plan depends on the TRL version'];
    const problems = new Set<string>();
    const modes = selected;
    for (const mode of modes) {
      libraryProblems(ctx.libraries, mode).forEach((p) => problems.add(p));
      if (mode !== 'hf') {
        if (device === 'cpu')
          problems.add(
            `${mode} mode needs CUDA GPUs (vLLM runs on GPU only); ${ctx.gpuCount === 0 ? 'this machine has none' : 'the scenario asks for device: cpu'}`,
          );
        else gpuProblems(mode, ctx.gpuCount, mode === 'server' && serverSharesGpu(scenario)).forEach((p) => problems.add(p));
      }
      const ranks = count(modeDeviceSets(scenario, mode).trainer);
      if (device === 'cpu' && ranks > 1) problems.add(`${mode} mode on CPU runs one trainer process; the scenario asks for ${ranks}`);
    }
    const server = selected.includes('server') ? scenario.modes.server : undefined;
    if (server) {
      const { tensor_parallel_size: tp, data_parallel_size: dp } = server.vllm;
      const n = count(server.devices.server);
      if (tp * dp !== n)
        problems.add(
          `server mode: vLLM with tensor_parallel_size ${tp} × data_parallel_size ${dp} needs ${tp * dp} server GPU(s); modes.server.devices.server gives ${n}`,
        );
      if (server.vllm.weight_transfer === 'ipc') ipcProblems(scenario, ctx.libraries).forEach((p) => problems.add(p));
    }
    const colocate = selected.includes('colocate') ? scenario.modes.colocate : undefined;
    if (colocate && count(colocate.devices) % colocate.vllm.tensor_parallel_size !== 0) {
      problems.add(
        `colocate mode: vllm.tensor_parallel_size ${colocate.vllm.tensor_parallel_size} must divide the number of GPUs (${count(colocate.devices)})`,
      );
    }
    unknownPreset(scenario.model).forEach((p) => problems.add(p));
    return [...problems];
  },

  processes(scenario, unit, ctx) {
    return planUnit(scenario, unit, ctx).procs;
  },

  probeProcesses(scenario, unit, ctx, probe) {
    const style = trlStyle(ctx.libraries?.trl ?? '0');
    if (style.server !== 'vllm-serve') {
      throw new UserError(
        `profiling the trl workload needs TRL ≥ ${VLLM_SERVE_SINCE} (its server is vLLM's own \`vllm serve\`); this Python has trl ${ctx.libraries?.trl ?? '(none)'}`,
      );
    }
    const problems = libraryProblems(ctx.libraries ?? {}, 'server');
    if (unit.devices.kind !== 'cuda') problems.push('the server half needs a CUDA GPU: vLLM runs on GPU only');
    const { tensor_parallel_size: tp, data_parallel_size: dp } = scenario.modes.server!.vllm;
    if (tp * dp !== unit.devices.server.length)
      problems.push(
        `vLLM with tensor_parallel_size ${tp} × data_parallel_size ${dp} needs ${tp * dp} server GPU(s); modes.server.devices.server gives ${unit.devices.server.length}`,
      );
    if (problems.length > 0) throw new UserError(`scenario '${scenario.name}' cannot be profiled here:\n  ${problems.join('\n  ')}`);
    return probeUnitProcesses(planUnit(scenario, { ...unit, mode: 'server' }, ctx), HERE, unit, ctx, probe);
  },
};

/** A unit's processes and the trainer's config (the profile driver reuses both). */
function planUnit(scenario: Scenario, unit: UnitShell, ctx: PlanContext): { procs: ProcessSpec[]; config: TrlRunConfig } {
  const trlVersion = ctx.libraries?.trl;
  // Reached without TRL only by `plan`, which prints what it cannot run (run's check() refuses first).
  if (!trlVersion) {
    throw new UserError(
      'the trl workload’s processes depend on the TRL version, and the workload Python has no trl',
      'Tell plan which TRL to plan for: grpo-bench plan SCENARIO --assume trl=1.13.0 (and vllm=… for the vLLM modes).',
    );
  }
  const style = trlStyle(trlVersion);
  const hosts = unitHosts(scenario, unit, ctx);
  const unitDir = hosts.dir;
  const model = modelSpec(scenario, ctx);
  const env = { PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' };
  const cuda = (gpus: number[]) => ({ CUDA_VISIBLE_DEVICES: unit.devices.kind === 'cuda' ? gpus.join(',') : '' });
  const gpus = (g: number[]) => (unit.devices.kind === 'cuda' ? g : []);
  const procs: ProcessSpec[] = [];
  const config: TrlRunConfig = {
    mode: unit.mode,
    device: unit.devices.kind,
    trl_version: trlVersion,
    server_style: style.server,
    model,
    seed: scenario.seed + unit.repeat,
    steps: scenario.steps,
    grpo: { ...scenario.grpo, per_device_train_batch_size: unit.batch.per_device_train_batch_size },
    completions: scenario.completions,
    trl: scenario.trl,
    output_dir: path.join(unitDir, workloadOutputDir('trl')),
  };
  // The address vLLM's processes advertise to their peers: the host each one runs on.
  const vllmEnv = (addr: string): Record<string, string> => (unit.mode === 'hf' ? {} : { VLLM_HOST_IP: addr });

  if (unit.mode === 'server') {
    const s = scenario.modes.server!;
    const port = ctx.nextPort();
    const groupPort = ctx.nextPort();
    const ipc = s.vllm.weight_transfer === 'ipc';
    // IPC: the server unpickles what /update_weights receives, so only this machine may reach it.
    const connect = ipc ? LOOPBACK : hosts.serverAddr;
    config.vllm = {
      mode: 'server',
      base_url: `http://${connect}:${port}`,
      host: connect,
      port,
      group_port: groupPort,
      weight_transfer: s.vllm.weight_transfer,
    };
    const inner = serverCommand(style, ctx.python, modelArg(model), ipc ? LOOPBACK : hosts.serverBind, port, s.vllm);
    procs.push({
      name: 'server-0',
      role: 'server',
      argv: [ctx.python, path.join(ctx.root, HERE, 'serve.py'), '--model', JSON.stringify(model), '--style', style.server, '--', ...inner],
      env: {
        ...env,
        ...cuda(unit.devices.server),
        ...vllmEnv(connect),
        ...serverEnv(style),
        ...(ipc ? IPC_SERVER_ENV : {}),
        GRPO_BENCH_EVENTS: path.join(unitDir, eventFile('server', 0)),
      },
      cwd: ctx.root,
      gpus: gpus(unit.devices.server),
      // TRL ≥ 1.11: trainer rank 0 hosts the weight-transfer rendezvous; before, the server's workers did.
      ports: style.server === 'vllm-serve' || ipc ? { http: port } : { http: port, weight_sync: groupPort },
      ready: { kind: 'http', url: `http://${connect}:${port}${style.healthPath}`, timeout_s: scenario.timeouts.ready_s },
      events: [eventFile('server', 0)],
      finishes_unit: false,
    });
  } else if (unit.mode === 'colocate') {
    const v = scenario.modes.colocate!.vllm;
    config.vllm = {
      mode: 'colocate',
      tensor_parallel_size: v.tensor_parallel_size,
      gpu_memory_utilization: v.gpu_memory_utilization,
      enable_sleep_mode: v.enable_sleep_mode,
      max_model_length: v.max_model_length ?? null,
    };
  }

  const ranks = unit.devices.training.length;
  const masterPort = ctx.nextPort();
  const ports: Record<string, number> = { rendezvous: masterPort };
  // IPC weight transfer has no rendezvous: the handles travel in the HTTP request.
  if (config.vllm?.mode === 'server' && style.server === 'vllm-serve' && config.vllm.weight_transfer !== 'ipc')
    ports.weight_sync = config.vllm.group_port;
  procs.push({
    name: 'trainer',
    role: 'trainer',
    argv: [
      ...accelerateLaunch(ctx, ranks, masterPort, unit.devices.kind, hosts),
      path.join(ctx.root, HERE, 'train.py'),
      '--config',
      JSON.stringify(config),
    ],
    env: {
      ...env,
      ...cuda(unit.devices.training),
      ...vllmEnv(hosts.selfAddr),
      GRPO_BENCH_EVENTS: path.join(unitDir, eventFile('trainer', RANK_PLACEHOLDER)),
    },
    cwd: ctx.root,
    gpus: gpus(unit.devices.training),
    ports,
    ready: { kind: 'none' },
    events: Array.from({ length: ranks }, (_, r) => eventFile('trainer', r)),
    finishes_unit: true,
  });
  return { procs, config };
}

/**
 * `accelerate launch` as a module of the same interpreter, with every launcher setting on the
 * command line and a config file of our own, so a user's default accelerate config (which may
 * turn on DeepSpeed or mixed precision) cannot change the run.
 */
export function accelerateLaunch(
  ctx: PlanContext,
  ranks: number,
  port: number,
  kind: 'cuda' | 'cpu',
  hosts: Pick<UnitHosts, 'trainerHosts' | 'hostRank' | 'headAddr'>,
): string[] {
  return [
    ctx.python,
    '-m',
    'accelerate.commands.launch',
    '--config_file',
    path.join(ctx.root, HERE, 'accelerate.yaml'),
    '--num_processes',
    String(ranks),
    // accelerate counts processes over all machines.
    '--num_machines',
    String(hosts.trainerHosts),
    '--machine_rank',
    hosts.hostRank,
    '--main_process_ip',
    hosts.headAddr,
    '--main_process_port',
    String(port),
    ...(kind === 'cpu' ? ['--cpu'] : ranks > 1 ? ['--multi_gpu'] : []),
  ];
}

/**
 * The server command the installed TRL runs. TRL ≥ 1.11: exactly what `trl vllm-serve` execs
 * (`trl.scripts.vllm_serve.build_command` of 1.13; a test compares the two); before: TRL's own server.
 */
export function serverCommand(style: TrlStyle, python: string, model: string, host: string, port: number, v: ServerVllm): string[] {
  // The options both servers take, in the order both write them.
  const shared = [
    '--host',
    host,
    '--port',
    String(port),
    '--tensor-parallel-size',
    String(v.tensor_parallel_size),
    '--data-parallel-size',
    String(v.data_parallel_size),
    '--gpu-memory-utilization',
    String(v.gpu_memory_utilization),
  ];
  const maxLen = v.max_model_len !== undefined ? ['--max-model-len', String(v.max_model_len)] : [];
  const prefix = v.enable_prefix_caching;
  if (style.server === 'vllm-serve') {
    return [
      python,
      '-m',
      'vllm.entrypoints.cli.main',
      'serve',
      model,
      ...shared,
      '--dtype',
      'auto',
      '--kv-cache-dtype',
      'auto',
      '--model-impl',
      'vllm',
      '--uvicorn-log-level',
      'info',
      ...maxLen,
      ...(prefix !== undefined ? [prefix ? '--enable-prefix-caching' : '--no-enable-prefix-caching'] : []),
      '--weight-transfer-config',
      `{"backend": "${v.weight_transfer}"}`, // json.dumps spacing, as TRL writes it
      '--logprobs-mode',
      'processed_logprobs',
      '--max-logprobs',
      '-1',
    ];
  }
  return [
    python,
    '-m',
    'trl.scripts.vllm_serve',
    '--model',
    model,
    ...shared,
    ...maxLen,
    ...(prefix !== undefined ? ['--enable-prefix-caching', String(prefix)] : []),
  ];
}

const LOOPBACK = '127.0.0.1';

/**
 * The server's environment for IPC weight transfer, and no other process's: vLLM's HTTP path for
 * IPC handles pickles them (`ipc_handles_pickled`), and its server refuses to unpickle without this.
 */
export const IPC_SERVER_ENV = { VLLM_ALLOW_INSECURE_SERIALIZATION: '1' };

/** Why a scenario's server mode cannot use IPC weight transfer (the devices are checked by the plan). */
function ipcProblems(scenario: Scenario, libraries: Record<string, string | null>): string[] {
  const s = scenario.modes.server!;
  const out: string[] = [];
  const trl = libraries.trl;
  if (trl && trlStyle(trl).server !== 'vllm-serve')
    out.push(
      `server mode: vllm.weight_transfer ipc needs TRL ≥ ${VLLM_SERVE_SINCE} (vLLM's own server and weight-transfer endpoints); this Python has trl ${trl}`,
    );
  if (s.vllm.tensor_parallel_size * s.vllm.data_parallel_size !== 1)
    out.push(
      'server mode: vllm.weight_transfer ipc shares one GPU between server and trainer: tensor_parallel_size and data_parallel_size must be 1',
    );
  if (![LOOPBACK, 'localhost', '::1'].includes(s.host))
    out.push(
      `server mode: vllm.weight_transfer ipc binds the server to ${LOOPBACK} (its update endpoint unpickles what it receives); modes.server.host is ${s.host}`,
    );
  return out;
}

/** What `trl vllm-serve` adds to the environment before it execs `vllm serve` (TRL ≥ 1.11). */
function serverEnv(style: TrlStyle): Record<string, string> {
  return style.server === 'vllm-serve' ? { VLLM_SERVER_DEV_MODE: '1', VLLM_WORKER_MULTIPROC_METHOD: 'spawn' } : {};
}

/**
 * `preset:<name>` → a folder under the cache, named by the preset's shape, the seed and the
 * format, so every process of every unit (server and trainer ranks) loads the same weights;
 * a path (starting with `.`, `/` or `~`) → a local folder; anything else → a hub id.
 */
export function modelSpec(scenario: Scenario, ctx: PlanContext): ModelSpec {
  const preset = presetName(scenario.model);
  if (preset !== undefined) {
    const shape = JSON.stringify(PRESETS[preset] ?? null);
    const hash = createHash('sha256').update(`${PRESET_FORMAT}:${shape}:${scenario.seed}`).digest('hex').slice(0, 10);
    const cache = ctx.cacheDir ?? path.join(ctx.root, '.cache');
    return { source: 'preset', preset, seed: scenario.seed, folder: path.join(cache, 'presets', `${preset}-s${scenario.seed}-${hash}`) };
  }
  if (/^[./~]/.test(scenario.model)) return { source: 'local', folder: path.resolve(ctx.root, scenario.model) };
  return { source: 'hub', id: scenario.model };
}

function modelArg(m: ModelSpec): string {
  return m.source === 'hub' ? m.id : m.folder;
}

function count(set: number | readonly number[]): number {
  return typeof set === 'number' ? set : set.length;
}
