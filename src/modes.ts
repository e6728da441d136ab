// Every mode (generation topology) described once: its roles, which of its devices train, how
// its devices are counted, how it is labelled and coloured, and where it stands in comparisons.
// Planning, analysis and reports ask this module about a mode's shape instead of testing its
// name; a workload adapter still decides how it runs each mode it supports.
import type { Role } from './records/plan.ts';
import type { DeviceSet, ModeName, Modes, Scenario } from './scenario/schema.ts';

/** The device sets a mode's scenario section gives: the generation server's, if it has one, and the trainers'. */
export interface ModeDeviceSets {
  server: DeviceSet | null;
  /** Every one of these trains (and, without a server, generates too). */
  trainer: DeviceSet;
}

export interface ModeDescriptor<N extends ModeName = ModeName> {
  name: N;
  /** How reports name the mode (tables, legends, headlines). */
  label: string;
  /** One sentence: where generation runs. */
  description: string;
  /** Its colour in every chart and format. */
  color: string;
  /** The roles of its processes; `server` means a generation server on devices of its own. */
  roles: readonly Role[];
  /** Its scenario section's device sets. Allocated devices are the server's and the trainers' together; training devices are the trainers'. */
  deviceSets(section: NonNullable<Modes[N]>): ModeDeviceSets;
  /** Phases in which a role waits for another role instead of working: not counted as busy. */
  waiting: Partial<Record<Role, readonly string[]>>;
}

export const MODES: { readonly [N in ModeName]: ModeDescriptor<N> } = {
  server: {
    name: 'server',
    label: 'server',
    description: 'a generation server on devices of its own; the trainers send it prompts and push it weights',
    color: '#2f6db5',
    roles: ['trainer', 'server'],
    deviceSets: (s) => ({ server: s.devices.server, trainer: s.devices.trainer }),
    // A trainer's generate is its HTTP wait for the server.
    waiting: { trainer: ['generate'] },
  },
  colocate: {
    name: 'colocate',
    label: 'colocate',
    description: 'a generation engine inside every trainer process, sharing its device',
    color: '#e07a1f',
    roles: ['trainer'],
    deviceSets: (s) => ({ server: null, trainer: s.devices }),
    waiting: {},
  },
  hf: {
    name: 'hf',
    label: 'hf',
    description: "TRL without vLLM: every trainer generates with transformers' generate",
    color: '#3a9a5b',
    roles: ['trainer'],
    deviceSets: (s) => ({ server: null, trainer: s.devices }),
    waiting: {},
  },
};

/** Baseline → candidate order for comparisons: each mode is compared with every mode before it. */
export const MODE_ORDER: readonly ModeName[] = ['server', 'hf', 'colocate'];

/** Grey for a mode this harness does not know (an archived run of another version). */
const UNKNOWN_MODE_COLOR = '#7a7f8c';

export function modeOf(name: ModeName): ModeDescriptor {
  return MODES[name] as unknown as ModeDescriptor;
}

/** A mode's colour; grey for a name this harness does not know. */
export function modeColor(name: string): string {
  return (MODES as Record<string, ModeDescriptor | undefined>)[name]?.color ?? UNKNOWN_MODE_COLOR;
}

/** A mode's label; the name itself for one this harness does not know. */
export function modeDisplayName(name: string): string {
  return (MODES as Record<string, ModeDescriptor | undefined>)[name]?.label ?? name;
}

/** Whether the mode runs a generation server on devices of its own. */
export function hasServer(name: ModeName): boolean {
  return modeOf(name).roles.includes('server');
}

/** The device sets of a mode the scenario defines. */
export function modeDeviceSets(scenario: Scenario, mode: ModeName): ModeDeviceSets {
  const section = scenario.modes[mode];
  if (section === undefined) throw new Error(`mode '${mode}' is not defined in scenario '${scenario.name}'`);
  return (MODES[mode] as ModeDescriptor<typeof mode>).deviceSets(section as never);
}

/**
 * How every output names server mode when its server shares the trainer's GPU: TRL's server mode
 * assumes GPUs of its own (NCCL refuses two ranks on one device), so the trl workload reaches it
 * only through vLLM's CUDA-IPC weight transfer (docs/workload-trl.md).
 */
export const SHARED_GPU_SERVER_LABEL = 'server mode on a shared GPU with IPC weight transfer — not a layout TRL supports';

/**
 * Whether the scenario's server mode puts its server on the trainer's GPU: only where the
 * workload's weight transfer works within one device (the trl workload's `weight_transfer: ipc`).
 */
export function serverSharesGpu(scenario: Pick<Scenario, 'modes'>): boolean {
  const server = scenario.modes.server as { vllm?: { weight_transfer?: string } } | undefined;
  return server?.vllm?.weight_transfer === 'ipc';
}

/** Phases in which `role` waits on another role in `mode` (none for a mode this harness does not know). */
export function waitingPhases(mode: string, role: Role): readonly string[] {
  return (MODES as Record<string, ModeDescriptor | undefined>)[mode]?.waiting[role] ?? [];
}
