// A step's phases → its breakdown: seconds per phase that add up without counting any time twice,
// and the nested details that are shown under their parent instead of beside it.
// The rule (docs/metrics.md "Phases that nest"):
//   - a phase without `parent` is at the top: its time is in the breakdown;
//   - a nested phase with a protocol name (generate, wake, …) is taken out of its parent: it is in
//     the breakdown and its parent keeps only the rest (a TRL container such as `trl:prepare_inputs`
//     then shows the time it spent outside the protocol phases it ran);
//   - any other nested phase (`trl:compute_loss` inside forward_backward) is a detail of its parent:
//     never added to the breakdown, reported as "of which".
import { PHASE_NAMES, type PhaseEvent } from '../../records/events.ts';

const PROTOCOL: ReadonlySet<string> = new Set(PHASE_NAMES);

export interface NestedPhase {
  parent: string;
  name: string;
  seconds: number;
}

export interface StepBreakdown {
  /** Seconds per phase; adds up to the time the step spent inside its top-level phases. */
  phases: Record<string, number>;
  /** Details, summed per (parent, name). */
  nested: NestedPhase[];
}

/** The phase's name as current writers spell it: TRL timers once kept TRL's leading underscores (`trl:_prepare_inputs`). */
function normalised(name: string): string {
  return name.startsWith('trl:_') ? `trl:${name.slice(4).replace(/^_+/, '')}` : name;
}

/** TRL timers that are protocol phases, by TRL's own name (src/workloads/trl/capture.py PHASE_OF). */
const TRL_TIMER_PHASE: Readonly<Record<string, string>> = {
  'vLLM.generate': 'generate',
  'transformers.generate': 'generate',
  'transformers.generate_batch': 'generate',
  sync_weights: 'weight_sync',
  _move_model_to_vllm: 'weight_sync',
  _calculate_rewards: 'reward',
};

/**
 * The parent as an event name. Runs written before TRL's timers shared the harness's phase stack
 * name TRL's raw timer as the parent (`_prepare_inputs`) and give TRL's top-level timers
 * `parent: null` even where they ran inside a harness phase (`compute_loss` in
 * forward_backward): their parent is then the harness phase of the step that contains them.
 */
function parentOf(p: PhaseEvent, step: readonly PhaseEvent[]): string | undefined {
  const parent = (p as { parent?: unknown }).parent;
  if (typeof parent === 'string' && parent !== '') {
    if (parent.includes(':') || PROTOCOL.has(parent)) return normalised(parent);
    return TRL_TIMER_PHASE[parent] ?? normalised(`trl:${parent}`);
  }
  if (parent === null && p.source === 'trl.profiling') {
    return step.find((h) => h !== p && h.source === 'grpo-bench' && h.t0 <= p.t0 && p.t1 <= h.t1)?.name;
  }
  return undefined;
}

export function stepBreakdown(steps: readonly PhaseEvent[]): StepBreakdown {
  const events = steps.map((p) => ({ ...p, name: normalised(p.name), parent: parentOf(p, steps) }));
  const phases: Record<string, number> = {};
  const nested = new Map<string, NestedPhase>();
  const add = (name: string, seconds: number) => (phases[name] = (phases[name] ?? 0) + seconds);
  for (const { name, parent, dur } of events) {
    if (parent === undefined || PROTOCOL.has(name)) add(name, dur);
    else {
      const key = `${parent}\u0000${name}`;
      const d = nested.get(key) ?? { parent, name, seconds: 0 };
      d.seconds += dur;
      nested.set(key, d);
    }
  }
  // A protocol phase comes out of the nearest enclosing phase that is in the breakdown (its parent,
  // or, when the parent is a detail, the detail's own parent and so on).
  const parents = new Map<string, string>();
  for (const { name, parent } of events) if (parent !== undefined && !parents.has(name)) parents.set(name, parent);
  for (const p of events) {
    let holder = p.parent;
    if (holder === undefined || !PROTOCOL.has(p.name)) continue;
    for (let depth = 0; holder !== undefined && !(holder in phases) && depth < 16; depth++) holder = parents.get(holder);
    if (holder !== undefined && holder in phases) phases[holder] = Math.max(0, phases[holder]! - p.dur);
  }
  return { phases, nested: [...nested.values()] };
}
