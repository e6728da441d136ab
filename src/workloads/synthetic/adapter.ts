// The synthetic workload: our own compact GRPO loop (trainer.py) and generation server
// (server.py), launched per docs/workloads.md. Needs torch, transformers and jsonschema only.
import path from 'node:path';
import { ranksPerHost, unitHosts } from '../hosts.ts';
import { HARNESS_PIP } from '../../env/libraries.ts';
import type { PlanContext, UnitShell, WorkloadAdapter } from '../types.ts';
import type { ProcessSpec } from '../../records/plan.ts';
import { probeUnitProcesses } from '../probe.ts';
import { eventFile, RANK_PLACEHOLDER } from '../../results/layout.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { SyntheticConfig } from './config.ts';
import { fitProblems, modelProblems } from './fit.ts';

/** What both programs import, and how to get each: setup installs them (requirements.txt, which includes requirements-harness.txt). */
const LIBRARIES = { torch: 'npm run setup', transformers: 'npm run setup', jsonschema: `npm run setup; ${HARNESS_PIP}` } as const;

const HERE = 'src/workloads/synthetic';

export const synthetic: WorkloadAdapter = {
  name: 'synthetic',
  modes: ['server', 'colocate'],
  config: { schema: SyntheticConfig, source: `${HERE}/config.ts`, title: "The synthetic workload's --config (docs/workloads.md)" },

  readiness(python) {
    const missing = [
      ...(python.error ? [`a working Python (${python.python}: ${python.error})`] : []),
      ...Object.entries(LIBRARIES)
        .filter(([n]) => !python.libraries[n])
        .map(([n, how]) => `${n} (${how})`),
    ];
    return [{ modes: this.modes, ok: missing.length === 0, missing }];
  },

  check(scenario) {
    return modelProblems(scenario.model);
  },

  checkUnit(scenario, unit, ctx) {
    return fitProblems(scenario, unit, ctx.gpuMemoryBytes);
  },

  processes(scenario, unit, ctx) {
    return planUnit(scenario, unit, ctx).procs;
  },

  probeProcesses(scenario, unit, ctx, probe) {
    return probeUnitProcesses(planUnit(scenario, { ...unit, mode: 'server' }, ctx), HERE, unit, ctx, probe);
  },
};

/** A unit's processes and the config its programs read (the profile driver reuses both). */
function planUnit(scenario: Scenario, unit: UnitShell, ctx: PlanContext): { procs: ProcessSpec[]; config: SyntheticConfig } {
  const mode = unit.mode as 'server' | 'colocate';
  const hosts = unitHosts(scenario, unit, ctx);
  const unitDir = hosts.dir;
  const base = baseConfig(scenario, unit, mode);
  const common = { cwd: ctx.root, env: { PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } };
  const cuda = (gpus: number[]) => (unit.devices.kind === 'cuda' ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : { CUDA_VISIBLE_DEVICES: '' });
  const procs: ProcessSpec[] = [];
  let config: SyntheticConfig = base;
  if (mode === 'server') {
    const port = ctx.nextPort();
    config = {
      ...base,
      server: {
        host: hosts.serverBind,
        port,
        sync_host: hosts.headAddr,
        sync_port: ctx.nextPort(),
        world_size: unit.devices.server.length + 1,
      },
    };
    procs.push({
      name: 'server-0',
      role: 'server',
      argv: [ctx.python, path.join(ctx.root, HERE, 'server.py'), '--config', JSON.stringify(config)],
      env: { ...common.env, ...cuda(unit.devices.server), GRPO_BENCH_EVENTS: path.join(unitDir, eventFile('server', 0)) },
      cwd: common.cwd,
      gpus: unit.devices.kind === 'cuda' ? unit.devices.server : [],
      ports: { http: port, weight_sync: config.server!.sync_port },
      ready: { kind: 'http', url: `http://${hosts.serverAddr}:${port}/health`, timeout_s: scenario.timeouts.ready_s },
      events: [eventFile('server', 0)],
      finishes_unit: false,
    });
  }
  const ranks = unit.devices.training.length;
  const masterPort = ctx.nextPort();
  procs.push({
    name: 'trainer',
    role: 'trainer',
    argv: [
      ctx.python,
      '-m',
      'torch.distributed.run',
      '--nnodes',
      String(hosts.trainerHosts),
      '--node-rank',
      hosts.hostRank,
      '--nproc-per-node',
      String(ranksPerHost(unit, hosts)),
      '--master-addr',
      hosts.headAddr,
      '--master-port',
      String(masterPort),
      path.join(ctx.root, HERE, 'trainer.py'),
      '--config',
      JSON.stringify(config),
    ],
    env: { ...common.env, ...cuda(unit.devices.training), GRPO_BENCH_EVENTS: path.join(unitDir, eventFile('trainer', RANK_PLACEHOLDER)) },
    cwd: common.cwd,
    gpus: unit.devices.kind === 'cuda' ? unit.devices.training : [],
    ports: { rendezvous: masterPort },
    ready: { kind: 'none' },
    events: Array.from({ length: ranks }, (_, r) => eventFile('trainer', r)),
    finishes_unit: true,
  });
  return { procs, config };
}

function baseConfig(scenario: Scenario, unit: UnitShell, mode: 'server' | 'colocate'): SyntheticConfig {
  const g = scenario.grpo;
  const modeSettings = scenario.modes[mode]!;
  return {
    mode,
    model: scenario.model,
    device: unit.devices.kind,
    seed: scenario.seed + unit.repeat,
    steps: scenario.steps,
    per_device_train_batch_size: unit.batch.per_device_train_batch_size,
    num_generations: g.num_generations,
    max_prompt_length: g.max_prompt_length,
    max_completion_length: g.max_completion_length,
    gradient_accumulation_steps: g.gradient_accumulation_steps,
    learning_rate: g.learning_rate,
    beta: g.beta,
    temperature: g.temperature,
    completions: scenario.completions,
    backend: modeSettings.engine.backend,
    sleep: mode === 'colocate' ? scenario.modes.colocate!.sleep : false,
    slowdown: scenario.slowdown,
  };
}
