// Scenario + machine facts → the exact processes of every unit. Pure: no I/O here.
import type { ResolvedVariant } from '../env/variant-probe.ts';
import { UnavailableError, UserError } from '../errors.ts';
import { hasServer, modeDeviceSets, serverSharesGpu } from '../modes.ts';
import type { SweepPoint } from '../scenario/sweep.ts';
import { MODE_NAMES, type DeviceSet, type ModeName, type Scenario } from '../scenario/schema.ts';
import { PROBE_POINT, PROBE_UNIT_DIR, unitDir } from '../results/layout.ts';
import { adapterFor } from '../workloads/adapters.ts';
import type { PlanContext, UnitShell } from '../workloads/types.ts';
import type { BatchPlan, DeviceAccount, PlanWarning, ProbePlan, RunPlan, UnitPlan } from '../records/plan.ts';

export interface PlanOptions {
  /** Only these modes (default: every mode the scenario defines). */
  modes?: readonly ModeName[];
  /**
   * `refuse` (run): what the machine lacks is an error. `warn` (plan): the plan is made anyway and
   * lists it in `warnings`, so a plan can be read on a laptop or a login node.
   */
  lacking?: 'refuse' | 'warn';
  /** The scenario's variants as probed (src/launch/variants.ts): an axis of the plan; none by default. */
  variants?: readonly ResolvedVariant[];
}

export function resolveDevice(scenario: Scenario, gpuCount: number): 'cuda' | 'cpu' {
  if (scenario.device === 'cpu') return 'cpu';
  if (scenario.device === 'cuda' && gpuCount === 0) {
    throw new UnavailableError(
      `scenario '${scenario.name}' asks for device: cuda, but this machine has no GPU`,
      'Use device: auto or cpu.',
    );
  }
  return gpuCount > 0 ? 'cuda' : 'cpu';
}

export function planRun(points: readonly SweepPoint[], ctx: PlanContext, options: PlanOptions = {}): RunPlan {
  const first = points[0];
  if (!first) throw new UserError('nothing to run: the sweep has no points');
  const base = first.scenario;
  const device = resolveDevice(base, ctx.gpuCount);
  const adapter = adapterFor(base.workload);
  const modes = selectModes(base, options.modes, adapter.modes);
  const problems: PlanWarning[] = points.flatMap((p) =>
    adapter
      .check(p.scenario, device, ctx, modes)
      .map((message) => ({ kind: 'cannot_run_here' as const, ...(points.length > 1 ? { point: p.id } : {}), message })),
  );
  const warn = options.lacking === 'warn';
  if (problems.length > 0 && !warn) {
    throw new UserError(`scenario '${base.name}' cannot run here:\n  ${problems.map(warningText).join('\n  ')}`);
  }
  const lack = (point: string, message: string) => {
    const w: PlanWarning = { kind: 'cannot_run_here', ...(points.length > 1 ? { point } : {}), message };
    if (!problems.some((p) => warningText(p) === warningText(w))) problems.push(w);
  };
  const shells: { scenario: Scenario; shell: UnitShell }[] = [];
  for (const point of points) {
    for (let repeat = 0; repeat < point.scenario.repeats; repeat++) {
      for (const mode of interleave(modes, repeat)) {
        const devices = accountDevices(point.scenario, mode, device, ctx.gpuCount, warn ? (m) => lack(point.id, m) : undefined);
        const dir = unitDir({ point: point.id, mode, repeat }, points.length > 1);
        shells.push({
          scenario: point.scenario,
          shell: { point: point.id, mode, repeat, dir, devices, batch: planBatch(point.scenario, mode, devices) },
        });
      }
    }
  }
  // The adapter judges each planned unit with its own devices and batch; repeats share theirs,
  // so a message is kept once.
  const unfit = new Map<string, { point: string; message: string }>();
  for (const { scenario, shell } of shells) {
    for (const message of adapter.checkUnit?.(scenario, shell, ctx) ?? []) {
      unfit.set(warningText({ kind: 'cannot_run_here', ...(points.length > 1 ? { point: shell.point } : {}), message }), {
        point: shell.point,
        message,
      });
    }
  }
  if (unfit.size > 0 && !warn) throw new UserError(`scenario '${base.name}' cannot run here:\n  ${[...unfit.keys()].join('\n  ')}`);
  for (const { point, message } of unfit.values()) lack(point, message);
  const units: UnitPlan[] = shells.map(({ scenario, shell }) => ({ ...shell, processes: adapter.processes(scenario, shell, ctx) }));
  return {
    scenario: base.name,
    workload: base.workload,
    device,
    points: points.map(({ id, values, label }) => ({ id, values, label })),
    units,
    ...(problems.length > 0 ? { warnings: problems } : {}),
  };
}

export function warningText(w: PlanWarning): string {
  return w.point !== undefined ? `${w.point}: ${w.message}` : w.message;
}

function selectModes(scenario: Scenario, asked: readonly ModeName[] | undefined, supported: readonly ModeName[]): ModeName[] {
  const defined = MODE_NAMES.filter((m) => scenario.modes[m] !== undefined);
  const chosen = asked?.length ? [...asked] : defined;
  for (const m of chosen) {
    if (!defined.includes(m))
      throw new UserError(`mode '${m}' is not defined in scenario '${scenario.name}' (it defines: ${defined.join(', ')})`);
    if (!supported.includes(m)) {
      throw new UserError(`the ${scenario.workload} workload has no '${m}' mode (it has: ${supported.join(', ')})`);
    }
  }
  return chosen;
}

/** ABBA order: server, colocate | colocate, server | … so that drift falls on both modes. */
export function interleave<T>(modes: readonly T[], repeat: number): T[] {
  return repeat % 2 === 0 ? [...modes] : [...modes].reverse();
}

/** A unit's devices; GPUs beyond the machine's are an error, or with `onMissing` a message passed to it. */
export function accountDevices(
  scenario: Scenario,
  mode: ModeName,
  kind: 'cuda' | 'cpu',
  gpuCount: number,
  onMissing?: (message: string) => void,
): DeviceAccount {
  const where = `modes.${mode}.devices`;
  // The server's devices come first, the trainers' after them.
  const sets = modeDeviceSets(scenario, mode);
  const server = sets.server === null ? [] : take(sets.server, 0, kind);
  // A server sharing the trainers' GPU (IPC weight transfer) takes the same slots, counted once.
  const shared = mode === 'server' && serverSharesGpu(scenario);
  const training = take(sets.trainer, shared ? 0 : server.length, kind);
  const allocated = shared ? [...new Set([...server, ...training])] : [...server, ...training];
  if (shared && (server.length !== 1 || training.length !== 1 || server[0] !== training[0])) {
    throw new UserError(
      `scenario '${scenario.name}': ${where}: with vllm.weight_transfer ipc the server and the trainer share one GPU; got server [${server.join(', ')}], trainer [${training.join(', ')}]`,
      'Give both the same single GPU (devices: { server: [0], trainer: [0] }), or use weight_transfer: nccl with GPUs of their own.',
    );
  }
  if (!shared && new Set(allocated).size !== allocated.length) {
    throw new UserError(
      `scenario '${scenario.name}': ${where} gives the same GPU to the server and a trainer (${allocated.join(', ')})${mode === 'server' ? ' (only modes.server.vllm.weight_transfer: ipc lets them share one)' : ''}`,
    );
  }
  if (kind === 'cuda') {
    const missing = allocated.filter((g) => g >= gpuCount);
    if (missing.length) {
      const message = `${where} needs GPU${missing.length > 1 ? 's' : ''} ${missing.join(', ')} but this machine has ${gpuCount}${gpuCount > 0 ? ` (0–${gpuCount - 1})` : ''}`;
      if (onMissing) onMissing(message);
      else
        throw new UserError(
          `scenario '${scenario.name}': ${message}`,
          'Lower the device counts in the scenario or run on a machine with more GPUs.',
        );
    }
  }
  return { kind, allocated, training, server };
}

/** A count takes the next free slots; explicit indices are GPUs (on CPU only their number matters). */
function take(set: DeviceSet, offset: number, kind: 'cuda' | 'cpu'): number[] {
  if (typeof set === 'number') return Array.from({ length: set }, (_, i) => offset + i);
  return kind === 'cuda' ? [...set] : set.map((_, i) => offset + i);
}

export function planBatch(scenario: Scenario, mode: ModeName, devices: DeviceAccount): BatchPlan {
  const g = scenario.grpo;
  const trainingDevices = devices.training.length;
  let perDevice = g.per_device_train_batch_size;
  if (scenario.protocol === 'equal_global_batch') {
    // The reference global batch is the colocate one (every allocated device trains there).
    const reference = referenceTrainingDevices(scenario);
    const global = g.per_device_train_batch_size * reference;
    if (global % trainingDevices !== 0) {
      throw new UserError(
        `scenario '${scenario.name}': equal_global_batch needs ${global} completions per step spread over ${trainingDevices} training device(s) in ${mode} mode; ${global} is not divisible by ${trainingDevices}`,
        'Pick a per-device batch or device counts that divide evenly.',
      );
    }
    perDevice = global / trainingDevices;
  }
  const global = perDevice * trainingDevices;
  if (global % g.num_generations !== 0) {
    throw new UserError(
      `scenario '${scenario.name}': ${mode} mode makes ${global} completions per step, not a multiple of num_generations (${g.num_generations})`,
    );
  }
  return {
    per_device_train_batch_size: perDevice,
    training_devices: trainingDevices,
    global_batch: global,
    num_generations: g.num_generations,
    prompts_per_step: global / g.num_generations,
  };
}

/** Training devices of the reference mode: the first defined mode in which every allocated device trains, else the first defined. */
function referenceTrainingDevices(scenario: Scenario): number {
  const size = (s: DeviceSet) => (typeof s === 'number' ? s : s.length);
  const defined = MODE_NAMES.filter((m) => scenario.modes[m] !== undefined);
  const reference = defined.find((m) => !hasServer(m)) ?? defined[0]!;
  return size(modeDeviceSets(scenario, reference).trainer);
}

/** The requests of a profile unit: every (trainers, batch) TRL could run, the others listed as skipped. */
export function probePlan(
  scenario: Scenario,
  trainers: readonly number[],
  batches: readonly number[],
  repeats: number,
  warmup: number,
): ProbePlan {
  const G = scenario.grpo.num_generations;
  const ga = scenario.grpo.gradient_accumulation_steps;
  const points: ProbePlan['points'] = [];
  const skipped: ProbePlan['skipped'] = [];
  for (const b of batches) {
    for (const k of trainers) {
      if ((k * b * ga) % G === 0) points.push({ trainers: k, per_device_batch: b });
      else
        skipped.push({
          trainers: k,
          per_device_batch: b,
          why: `${k} × ${b}${ga > 1 ? ` × ${ga}` : ''} completions is not a multiple of num_generations ${G}`,
        });
    }
  }
  if (points.length === 0) {
    throw new UserError(
      `scenario '${scenario.name}': no (trainers, per-device batch) pair makes a whole number of prompts (num_generations ${G})`,
      'Pick batches or trainer counts whose product is a multiple of num_generations.',
    );
  }
  return { points, repeats, warmup, skipped };
}

/**
 * A profile unit: server mode's server exactly as the workload plans it, with the workload's
 * driver in place of the trainer. Only the server's devices are held (the trainers are simulated).
 */
export function planProbe(scenario: Scenario, ctx: PlanContext, probe: ProbePlan): UnitPlan {
  const device = resolveDevice(scenario, ctx.gpuCount);
  const adapter = adapterFor(scenario.workload);
  if (!adapter.probeProcesses)
    throw new UserError(`the ${scenario.workload} workload cannot be profiled (its adapter has no profile driver)`);
  if (!scenario.modes.server) {
    throw new UserError(
      `scenario '${scenario.name}' defines no server mode: the server half is measured against modes.server's generation server`,
      'Add modes.server to the scenario.',
    );
  }
  const server = take(scenario.modes.server.devices.server, 0, device);
  const missing = device === 'cuda' ? server.filter((g) => g >= ctx.gpuCount) : [];
  if (missing.length) {
    throw new UserError(
      `scenario '${scenario.name}': the server needs GPU${missing.length > 1 ? 's' : ''} ${missing.join(', ')} but this machine has ${ctx.gpuCount}`,
    );
  }
  const devices: DeviceAccount = { kind: device, allocated: server, training: [], server };
  const g = scenario.grpo;
  const batch: BatchPlan = {
    per_device_train_batch_size: g.per_device_train_batch_size,
    training_devices: 0,
    global_batch: 0,
    num_generations: g.num_generations,
    prompts_per_step: 0,
  };
  const shell = { point: PROBE_POINT, mode: 'server' as const, repeat: 0, dir: PROBE_UNIT_DIR, devices, batch, probe };
  return { ...shell, processes: adapter.probeProcesses(scenario, shell, ctx, probe) };
}
