// The event protocol (workload → harness), docs/events.md. Workloads append one JSON object
// per line; the harness never reads numbers from free-form logs. This file is the protocol's
// one definition: schemas/events.schema.json is generated from it (scripts/schemas.ts) and
// the Python writer (src/workloads/common/events.py) reads its phase names from there. Its
// version is PROTOCOL_VERSION, stated on each file's first line.
import { z } from 'zod';

/** The protocol version this harness writes and reads; a file's `protocol` line states its own. */
export const PROTOCOL_VERSION = 1;

const Time = z.number().nonnegative();
const Common = { t: Time.optional() };

/** The phases of a GRPO step every report knows, in display order (docs/events.md). */
export const PHASE_NAMES = [
  'generate',
  'reward',
  'ref_logprobs',
  'old_logprobs',
  'forward_backward',
  'optimizer',
  'weight_sync',
  'sleep',
  'wake',
  'slowdown',
] as const;
export const PhaseName = z.enum(PHASE_NAMES).meta({
  id: 'PhaseName',
  description: "A phase of a GRPO step the protocol names (reports order and colour them); a workload's own names are allowed too.",
});
export type PhaseName = z.infer<typeof PhaseName>;

/**
 * The first line of every event file: which protocol version the rest follows. Files written
 * before the header existed have none and are read as version 1.
 */
export const ProtocolHeader = z.looseObject({
  type: z.literal('protocol'),
  version: z.number().int().positive(),
});

/** Phase names in a stable order: the protocol's, then any others alphabetically. */
export function orderPhases(names: Iterable<string>): string[] {
  const set = new Set(names);
  const known = PHASE_NAMES.filter((n) => set.has(n));
  const others = [...set].filter((n) => !(PHASE_NAMES as readonly string[]).includes(n)).sort();
  return [...known, ...others];
}

export const StartEvent = z.looseObject({
  type: z.literal('start'),
  ...Common,
  role: z.enum(['trainer', 'server']),
  rank: z.number().int().nonnegative(),
  pid: z.number().int(),
  mode: z.string(),
  devices: z.array(z.string()),
  versions: z.record(z.string(), z.string().nullable()),
});

export const PhaseEvent = z.looseObject({
  type: z.literal('phase'),
  step: z.number().int().nonnegative(),
  /** One of PHASE_NAMES, or a workload's own name (kept under that name, after the protocol's). */
  name: z.union([PhaseName, z.string()]),
  t0: Time,
  t1: Time,
  dur: z.number().nonnegative(),
  /** True when the phase ended after a device synchronize, so its end is the work's end. */
  synced: z.boolean(),
  tokens: z.number().int().nonnegative().optional(),
  bytes: z.number().int().nonnegative().optional(),
  buckets: z.number().int().nonnegative().optional(),
  /** Where the timing came from when not the workload's own timer (e.g. `trl.profiling`). */
  source: z.string().optional(),
  /** The generation round whose completions this step consumed (TRL reuses one generation for several steps). */
  generation: z.number().int().nonnegative().optional(),
  /** The phase this one ran inside, on the same process (absent at the top; null in files written before phases nested): docs/events.md "Nested phases". */
  parent: z.string().nullable().optional(),
  /** CUDA: the PyTorch allocator's peak while the phase was open, bytes (an enclosing phase's covers its children's). */
  peak_allocated: z.number().int().nonnegative().optional(),
  /** The device's free memory before and after the phase (an engine's sleep and wake-up), bytes. */
  device_free_before: z.number().int().nonnegative().optional(),
  device_free_after: z.number().int().nonnegative().optional(),
});

export const StepEvent = z.looseObject({
  type: z.literal('step'),
  step: z.number().int().nonnegative(),
  t0: Time,
  t1: Time,
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
  loss: z.number().nullable().optional(),
  reward_mean: z.number().nullable().optional(),
  generation: z.number().int().nonnegative().optional(),
});

export const RequestEvent = z.looseObject({
  type: z.literal('request'),
  endpoint: z.string(),
  t0: Time,
  t1: Time,
  status: z.number().int(),
  bytes_in: z.number().int().nonnegative(),
  bytes_out: z.number().int().nonnegative(),
  step: z.number().int().nonnegative().optional(),
  /** Names the request on both sides: the client sends it (X-Request-Id), the server records it. */
  id: z.string().optional(),
});

export const MemoryEvent = z.looseObject({
  type: z.literal('memory'),
  t: Time,
  device: z.string(),
  allocated: z.number().nonnegative(),
  reserved: z.number().nonnegative(),
  peak_reserved: z.number().nonnegative(),
  alloc_retries: z.number().int().nonnegative(),
  phase: z.string(),
  step: z.number().int().nonnegative().optional(),
});

/** A failure that was memory (src/workloads/common/memory.py): where it hit and what the message said. */
export const MemoryError = z.looseObject({
  /** `oom`: PyTorch's allocator; `engine_start`: vLLM found less free memory than its share asks; `kv_cache`: vLLM's KV cache cannot hold one sequence. */
  kind: z.enum(['oom', 'engine_start', 'kv_cache']),
  /** The innermost phase open when it hit, or the stage (`load_model`, `engine_start`, `trainer_init`, `train`, `setup`). */
  phase: z.string().optional(),
  /** The phases open, outermost first. */
  phase_path: z.array(z.string()).optional(),
  asked_bytes: z.number().int().nonnegative().optional(),
  free_bytes: z.number().int().nonnegative().optional(),
  total_bytes: z.number().int().nonnegative().optional(),
  process_bytes: z.number().int().nonnegative().optional(),
  gpu_memory_utilization: z.number().optional(),
  message: z.string().optional(),
});
export type MemoryError = z.infer<typeof MemoryError>;

export const EndEvent = z.looseObject({
  type: z.literal('end'),
  ...Common,
  status: z.enum(['ok', 'error']),
  error: z.string().nullable().optional(),
  memory_error: MemoryError.optional(),
});

/** The parts of a process's start-up a workload times (docs/events.md "Start-up"), in the order they run. */
export const STARTUP_PARTS = ['imports', 'model_load', 'engine_start', 'trainer_setup'] as const;
export const StartupPart = z.enum(STARTUP_PARTS).meta({
  id: 'StartupPart',
  description:
    "A part of a process's start-up; `engine_start` is vLLM's engine construction, its torch.compile and CUDA-graph capture included.",
});
export type StartupPart = z.infer<typeof StartupPart>;

/** One part of start-up, before the first step: wall `t0`/`t1`, monotonic `dur`, as a phase. */
export const StartupEvent = z.looseObject({
  type: z.literal('startup'),
  part: StartupPart,
  t0: Time,
  t1: Time,
  dur: z.number().nonnegative(),
});

/** Settings a workload resolved for itself (engine arguments, GRPOConfig as constructed, …). */
export const ConfigEvent = z.looseObject({
  type: z.literal('config'),
  ...Common,
  config: z.record(z.string(), z.unknown()),
});

export const Event = z.discriminatedUnion('type', [
  StartEvent,
  PhaseEvent,
  StepEvent,
  RequestEvent,
  MemoryEvent,
  EndEvent,
  ConfigEvent,
  StartupEvent,
]);
export type Event = z.infer<typeof Event>;
/** One line of an event file: the protocol header or an event (what schemas/events.schema.json describes). */
export const EventLine = z.discriminatedUnion('type', [ProtocolHeader, ...Event.options]);
export type StartEvent = z.infer<typeof StartEvent>;
export type PhaseEvent = z.infer<typeof PhaseEvent>;
export type StepEvent = z.infer<typeof StepEvent>;
export type RequestEvent = z.infer<typeof RequestEvent>;
export type MemoryEvent = z.infer<typeof MemoryEvent>;
export type EndEvent = z.infer<typeof EndEvent>;
export type ConfigEvent = z.infer<typeof ConfigEvent>;
export type StartupEvent = z.infer<typeof StartupEvent>;

export interface ParsedEvents {
  /** The protocol version the file states (1 for files from before the header). */
  protocol: number;
  events: Event[];
  /** Lines that were not valid events: 1-based line number and why. A truncated last line (a process killed mid-write) lands here. */
  problems: { line: number; message: string }[];
  /** True when the last line had no newline: the writer stopped mid-line. */
  truncated: boolean;
}

export function parseEvents(text: string): ParsedEvents {
  const events: Event[] = [];
  const problems: ParsedEvents['problems'] = [];
  let protocol: number | undefined;
  const truncated = text.length > 0 && !text.endsWith('\n');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      const last = i === lines.length - 1;
      problems.push({ line: i + 1, message: last && truncated ? 'truncated last line (writer stopped mid-line)' : 'not JSON' });
      return;
    }
    const parsed = EventLine.safeParse(json);
    if (parsed.success) {
      if (parsed.data.type !== 'protocol') events.push(parsed.data);
      else if (protocol !== undefined && parsed.data.version !== protocol) {
        problems.push({ line: i + 1, message: `protocol version ${parsed.data.version} after version ${protocol}; the first is kept` });
      } else if (parsed.data.version > PROTOCOL_VERSION) {
        protocol = parsed.data.version;
        problems.push({
          line: i + 1,
          message: `protocol version ${protocol} is newer than this grpo-bench reads (${PROTOCOL_VERSION}); update grpo-bench`,
        });
      } else protocol = parsed.data.version;
    } else {
      const issue = parsed.error.issues[0];
      problems.push({ line: i + 1, message: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}` });
    }
  });
  return { protocol: protocol ?? 1, events, problems, truncated };
}
