// The what-if model: a profile's measured halves composed into a PREDICTED GRPO step for a
// layout that was not measured — a server split S + T with server tensor parallelism, or
// colocate on N GPUs with or without sleep mode. Pure; docs/metrics.md "What-if model" gives
// the equations, the assumptions and the validation against measured runs.
//
// TRL's loop is synchronous: in server mode the trainers wait while the server generates for
// all of them, the server waits while they train, then the weights go to the server. So
//   server step   = gen_server(T·B completions over the server's replicas) + compute(B) + sync + Δallreduce(T)
//   colocate step = gen_colocate(B, one rank's share) + compute(B) + load + [sleep + wake] + Δallreduce(N)
// Every input is a measured quantity (with resampled replicates of its samples) or an assumption
// (a fixed number, listed); intervals come from evaluating the model on every replicate.
import type { InputUse, Interval, Layout, Prediction, Provenance } from '../../records/prediction.ts';
import { CI_LEVEL, WHATIF } from '../inference/constants.ts';
import type { Profile, RunSamples, ServerCurve, TrainerHalf } from '../../records/profile.ts';
import { mean, mulberry32, quantile, seedFor, sortSamples } from '../inference/stats.ts';
import type { ModeName } from '../../scenario/schema.ts';

/** Numbers the model needs where the profile measured nothing; each use is listed in the prediction. */
export interface Assumptions {
  /** Per-update cost of a weight sync trainer → server (seconds), beyond moving the bytes: HTTP, rendezvous, reload; where no server-mode run measured the sync. */
  weight_sync_update_s: number;
  /** Bandwidth of the link the weights cross trainer → server (GB/s, one direction): LINKS names the usual ones. */
  link_gb_per_s: number;
  /** Bus bandwidth of the gradient all-reduce among trainer ranks (GB/s). */
  allreduce_gb_per_s: number;
  /** Generation speed-up at tensor-parallel size p over 1, where no curve at p was measured: 1 + e·(p − 1). */
  tp_efficiency: number;
  /** Sleep + wake per step, where no colocate run with sleep mode measured them: weight bytes ÷ this (GB/s). */
  sleep_gb_per_s: number;
  /**
   * A server on the trainer's GPU (IPC weight transfer): seconds per update beyond the engine's
   * own weight load (the four HTTP requests, the server's layerwise reload set-up and finish).
   */
  ipc_update_overhead_s: number;
}

/** Defaults and where each comes from (docs/metrics.md "What-if model"). */
export const DEFAULT_ASSUMPTIONS: Assumptions = {
  // TRL 1.13 + vLLM 0.26, 2×H200: the first weight update of the 0.5b preset (0.99 GB) took 0.222 s
  // (bench/gpu/results/2026-11-27-2xH200, TRL server run, one sample).
  // The first update of the 0.5b preset (0.99 GB) took 0.222 s on 2×H200 (TRL 1.13 + vLLM 0.26,
  // bench/gpu/results/2026-11-27-2xH200, one sample); its bytes over NVLink 4 take 2 ms, so
  // nearly all of it is per-update cost — as TRL's tracker reports, 0.15–0.2 s per update for
  // 0.5–0.6B models (trl#5249, #6386, #5892).
  weight_sync_update_s: 0.22,
  link_gb_per_s: 450,
  // NCCL all-reduce bus bandwidth typical of 8 NVLink-4 GPUs in one node (nccl-tests order of magnitude).
  allreduce_gb_per_s: 360,
  tp_efficiency: 0.5,
  // As if the weights crossed a PCIe 5 x16 host link once per step (TRL's level-2 sleep discards
  // them and re-pushes them from the trainer instead, so this is a rough guess).
  sleep_gb_per_s: 25,
  // TRL's tracker reports 0.15–0.2 s per update for 0.5–0.6B models through the same vLLM update
  // endpoints (trl#5249, #6386, #5892), where the bytes themselves take milliseconds over NVLink:
  // most of it is per-update overhead, which IPC keeps. Unmeasured for IPC until a run times it.
  ipc_update_overhead_s: 0.15,
};

/**
 * Nominal one-way bandwidth of the links a weight sync crosses, GB/s (docs/whatif.md gives the
 * sources): NVLink per GPU, half the bidirectional figure NVIDIA quotes; PCIe x16 after 128b/130b
 * encoding. NCCL reaches less than these, so the bytes term is a lower bound.
 */
export const LINKS: Record<string, { gb_per_s: number; label: string }> = {
  nvlink3: { gb_per_s: 300, label: 'NVLink 3 (A100 SXM, 600 GB/s both ways)' },
  nvlink4: { gb_per_s: 450, label: 'NVLink 4 (H100/H200 SXM, 900 GB/s both ways)' },
  nvlink5: { gb_per_s: 900, label: 'NVLink 5 (B200, 1.8 TB/s both ways)' },
  pcie4: { gb_per_s: 32, label: 'PCIe 4.0 x16 (16 GT/s a lane)' },
  pcie5: { gb_per_s: 63, label: 'PCIe 5.0 x16 (32 GT/s a lane)' },
};

/** The link's name for the prediction's text: a known one's label, else the user's value. */
function linkLabel(gbps: number): string {
  const known = Object.values(LINKS).find((l) => l.gb_per_s === gbps);
  return known ? known.label : `${gbps} GB/s (given)`;
}

export const ASSUMPTION_TEXT: Record<keyof Assumptions, string> = {
  weight_sync_update_s:
    'per-update cost of a weight sync to the server, s, beyond the bytes (default: 0.22, the 0.5b preset’s first update on 2×H200 less its bytes over NVLink; TRL’s tracker reports 0.15–0.2 s)',
  link_gb_per_s:
    'bandwidth of the link trainer → server, GB/s one way (default: NVLink 4, 450; --link names others: nvlink3 300, nvlink4 450, nvlink5 900, pcie4 32, pcie5 63)',
  allreduce_gb_per_s:
    'gradient all-reduce bus bandwidth among trainer GPUs, GB/s (default: NVLink 4 within one node; across nodes use the network’s)',
  tp_efficiency: 'generation speed-up at tensor parallel p where unmeasured: 1 + e·(p − 1)',
  sleep_gb_per_s: 'sleep + wake cost where unmeasured: weight bytes ÷ this, GB/s (a guess: as if the weights crossed the host link once)',
  ipc_update_overhead_s:
    'server on the trainer’s GPU (IPC): seconds per update beyond the engine’s weight load (default: the per-update overhead TRL’s tracker reports for 0.5–0.6B models, trl#5249, #5892)',
};

export interface PredictOptions {
  assumptions?: Partial<Assumptions>;
  /** Replicates per interval (default WHATIF.replicates). */
  resamples?: number;
  /**
   * Prompt and completion lengths to predict for, when they differ from the profile's: generation
   * is rescaled by the completion lengths' ratio and compute by the sequence lengths' (assumed).
   */
  lengths?: { max_prompt_length: number; max_completion_length: number };
  /** Inputs set by hand, to find what a claim would need (reproduce's break-even). */
  adjust?: Adjustments;
}

/** Inputs of the model moved away from the profile's: each names what a measurement would settle. */
export interface Adjustments {
  /** The server's weight sync, seconds a step, in place of the measured or assumed one. */
  server_weight_sync_s?: number;
  /** The trainer half (compute) of both modes × this. */
  compute_factor?: number;
  /** The server's generation time × this. */
  server_generation_factor?: number;
}

// ---------------------------------------------------------------------------------------------
// Quantities: a measured mean with its resampled replicates, combined linearly by interpolation.

interface Quantity {
  value: number;
  reps: Float64Array;
}

/**
 * Σ w·q + c, plus k·curve(q…) where a curve is interpolated through all its measured points on
 * log-log axes (not linear in them): what interpolation between measured points yields.
 */
interface Linear {
  terms: { w: number; q: Quantity }[];
  c: number;
  curve?: { k: number; at: (pick: Pick) => number };
}

type Pick = (q: Quantity) => number;

/**
 * Factors from the profile's lengths to those asked for: generation ∝ completion tokens (decoding,
 * one token per sequence per step, dominates it), compute ∝ prompt + completion tokens.
 */
export function lengthRescale(
  profile: Profile,
  lengths: PredictOptions['lengths'],
): { generation: number; compute: number; text?: string } {
  const from = profile.shape;
  if (!lengths || (lengths.max_prompt_length === from.max_prompt_length && lengths.max_completion_length === from.max_completion_length))
    return { generation: 1, compute: 1 };
  const generation = lengths.max_completion_length / from.max_completion_length;
  const compute = (lengths.max_prompt_length + lengths.max_completion_length) / (from.max_prompt_length + from.max_completion_length);
  return {
    generation,
    compute,
    text:
      `Lengths not profiled: the profile has ${from.max_prompt_length} + ${from.max_completion_length} tokens, the prediction ${lengths.max_prompt_length} + ${lengths.max_completion_length}; ` +
      `generation scaled × ${Number(generation.toFixed(3))} (completion tokens, decoding-bound; attention over the longer context is not modelled), compute × ${Number(compute.toFixed(3))} (sequence tokens).`,
  };
}
const at = (l: Linear, pick: Pick) =>
  Math.max(0, l.terms.reduce((s, t) => s + t.w * pick(t.q), l.c) + (l.curve ? l.curve.k * l.curve.at(pick) : 0));
const constant = (c: number): Linear => ({ terms: [], c });
const scaled = (l: Linear, k: number): Linear => ({
  terms: l.terms.map((t) => ({ w: t.w * k, q: t.q })),
  c: l.c * k,
  ...(l.curve ? { curve: { k: l.curve.k * k, at: l.curve.at } } : {}),
});
/** a + b (at most one of them a curve). */
const plus = (a: Linear, b: Linear): Linear => ({
  terms: [...a.terms, ...b.terms],
  c: a.c + b.c,
  ...((a.curve ?? b.curve) ? { curve: (a.curve ?? b.curve)! } : {}),
});

/**
 * y at x from knots (xs ascending) by monotone piecewise cubic Hermite interpolation
 * (Fritsch–Carlson): no overshoot, and where the knots bend one way the curve bends with them
 * instead of cutting the chord. Beyond the last knot: the last secant.
 */
export function pchip(xs: readonly number[], ys: readonly number[], x: number): number {
  const n = xs.length;
  if (n === 1) return ys[0]!;
  const h = xs.slice(1).map((v, i) => v - xs[i]!);
  const d = h.map((hi, i) => (ys[i + 1]! - ys[i]!) / hi);
  if (x >= xs[n - 1]!) return ys[n - 1]! + d[n - 2]! * (x - xs[n - 1]!);
  if (n === 2) return ys[0]! + d[0]! * (x - xs[0]!);
  const m = new Array<number>(n);
  for (let i = 1; i < n - 1; i++) {
    if (d[i - 1]! * d[i]! <= 0) m[i] = 0;
    else {
      const w1 = 2 * h[i]! + h[i - 1]!;
      const w2 = h[i]! + 2 * h[i - 1]!;
      m[i] = (w1 + w2) / (w1 / d[i - 1]! + w2 / d[i]!);
    }
  }
  const end = (h0: number, h1: number, d0: number, d1: number) => {
    let v = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
    if (Math.sign(v) !== Math.sign(d0)) v = 0;
    else if (Math.sign(d0) !== Math.sign(d1) && Math.abs(v) > Math.abs(3 * d0)) v = 3 * d0;
    return v;
  };
  m[0] = end(h[0]!, h[1]!, d[0]!, d[1]!);
  m[n - 1] = end(h[n - 2]!, h[n - 3]!, d[n - 2]!, d[n - 3]!);
  const i = Math.max(0, xs.findIndex((v) => v > x) - 1);
  const t = (x - xs[i]!) / h[i]!;
  const t2 = t * t;
  const t3 = t2 * t;
  return (
    (2 * t3 - 3 * t2 + 1) * ys[i]! + (t3 - 2 * t2 + t) * h[i]! * m[i]! + (-2 * t3 + 3 * t2) * ys[i + 1]! + (t3 - t2) * h[i]! * m[i + 1]!
  );
}

class Quantities {
  readonly #cache = new Map<string, Quantity>();
  /** Whether every quantity so far rests on two runs or more. */
  allRuns = true;
  constructor(
    readonly resamples: number,
    readonly label: string,
  ) {}

  /**
   * The mean of every sample, with replicates seeded by `name` (the same input always gets the
   * same replicates): with two runs or more, the mean of run means over runs drawn with
   * replacement (the run is the independent unit); with one run, the mean of its samples drawn
   * with replacement (that run's spread only).
   */
  of(samples: RunSamples, name: string): Quantity {
    let q = this.#cache.get(name);
    if (!q) {
      const runs = samples.filter((r) => r.length > 0);
      const rand = mulberry32(seedFor(`${this.label}/${name}`));
      const reps = new Float64Array(this.resamples);
      const draw = (xs: readonly number[]) => xs[Math.floor(rand() * xs.length)]!;
      if (runs.length >= 2) {
        const means = runs.map(mean);
        for (let i = 0; i < reps.length; i++) {
          let sum = 0;
          for (let k = 0; k < means.length; k++) sum += draw(means);
          reps[i] = sum / means.length;
        }
      } else {
        this.allRuns = false;
        const xs = runs[0] ?? [Number.NaN];
        for (let i = 0; i < reps.length; i++) {
          let sum = 0;
          for (let k = 0; k < xs.length; k++) sum += draw(xs);
          reps[i] = sum / xs.length;
        }
      }
      q = { value: runs.length >= 2 ? mean(runs.map(mean)) : mean(runs.flat()), reps };
      this.#cache.set(name, q);
    }
    return q;
  }
}

/** How a quantity is taken between and beyond measured points: linear, a power law (log-log), or a fixed per-step cost. */
type Shape = 'linear' | 'loglog' | 'fixed';

interface Located {
  lin: Linear;
  provenance: Exclude<Provenance, 'assumed'>;
  detail: string;
}

/**
 * y at x from measured points (x ascending): the point itself, linear interpolation between its
 * neighbours, or beyond them linear extrapolation from the nearest two (from a single point,
 * y ∝ x). `below: 'flat'` holds the smallest point's y for smaller x instead: generation time does
 * not shrink with fewer completions than the smallest request measured (decoding is bound by
 * reading the weights, whatever the batch), so extrapolating down would flatter the server.
 */
function locate(
  points: readonly { x: number; q: Quantity }[],
  x: number,
  what: string,
  below: 'flat' | 'linear' = 'linear',
  shape: Shape = 'linear',
): Located {
  const fmtx = (v: number) => `${Number(v.toFixed(2))}`;
  const one = (p: { x: number; q: Quantity }, w: number) => ({ terms: [{ w, q: p.q }], c: 0 });
  const exact = points.find((p) => p.x === x);
  if (exact) return { lin: one(exact, 1), provenance: 'measured', detail: `${what} ${fmtx(x)}` };
  const first = points[0]!;
  if (below === 'flat' && x < first.x) {
    return {
      lin: one(first, 1),
      provenance: 'extrapolated',
      detail: `${what} ${fmtx(x)}: below the smallest measured (${fmtx(first.x)}), taken as that one`,
    };
  }
  const last = points.at(-1)!;
  if (shape === 'fixed' && (points.length === 1 || x < first.x || x > last.x)) {
    const near = x < first.x ? first : last;
    return {
      lin: one(near, 1),
      provenance: 'extrapolated',
      detail: `${what} ${fmtx(x)}: a per-step cost, not scaled with the batch: as measured at ${fmtx(near.x)}`,
    };
  }
  if (points.length === 1) {
    return {
      lin: one(first, x / first.x),
      provenance: 'extrapolated',
      detail: `${what} ${fmtx(x)}: proportional to the only measured point (${fmtx(first.x)})`,
    };
  }
  let i = points.findIndex((p) => p.x > x);
  const inside = i > 0;
  if (i <= 0) i = i === 0 ? 1 : points.length - 1;
  const a = points[i - 1]!;
  const b = points[i]!;
  if (shape === 'loglog') {
    // Generation time bends upward as decoding turns from weight-bound to compute-bound: a curve
    // through every measured point on log-log axes follows that bend where the chord would not.
    const lx = points.map((p) => Math.log(p.x));
    return {
      lin: {
        terms: [],
        c: 0,
        curve: {
          k: 1,
          at: (pick) =>
            Math.exp(
              pchip(
                lx,
                points.map((p) => Math.log(pick(p.q))),
                Math.log(x),
              ),
            ),
        },
      },
      provenance: inside ? 'interpolated' : 'extrapolated',
      detail: inside
        ? `${what} ${fmtx(x)}: between measured ${fmtx(a.x)} and ${fmtx(b.x)}, a monotone cubic through all ${points.length} measured points on log-log axes`
        : `${what} ${fmtx(x)}: beyond the largest measured (${fmtx(b.x)}), the power law of the last two (${fmtx(a.x)}, ${fmtx(b.x)})`,
    };
  }
  const t = (x - a.x) / (b.x - a.x);
  return {
    lin: {
      terms: [
        { w: 1 - t, q: a.q },
        { w: t, q: b.q },
      ],
      c: 0,
    },
    provenance: inside ? 'interpolated' : 'extrapolated',
    detail: `${what} ${fmtx(x)}: ${inside ? 'between' : 'linear from'} measured ${fmtx(a.x)} and ${fmtx(b.x)}`,
  };
}

/**
 * A colocate engine's generation time for x completions. Measured at one batch only, it is not
 * taken in proportion to the batch (decoding is bound by reading the weights, so more sequences
 * cost far less than proportionally) but scaled by how the server engine's measured curve grows
 * between the same two request sizes — an assumption, listed as such.
 */
function colocateGeneration(
  points: readonly { x: number; q: Quantity }[],
  x: number,
  what: string,
  shape: ServerCurve,
  Q: Quantities,
  assumptions: Set<string>,
): Located {
  const only = points.length === 1 ? points[0]! : undefined;
  if (!only || x <= only.x) return locate(points, x, what, 'flat');
  const curve = curvePoints(shape, Q);
  const timeAt = (n: number) => at(locate(curve, n, '', 'flat', 'loglog').lin, (q) => q.value);
  const factor = timeAt(x) / timeAt(only.x);
  if (curve.length < 2 || !Number.isFinite(factor) || factor <= 0) return locate(points, x, what);
  const f = Number(factor.toFixed(3));
  assumptions.add(
    `Colocate generation measured at ${only.x} completions per engine only: at ${x} it is that time × ${f}, the server engine's growth between the same request sizes (the colocate engine assumed to grow alike).`,
  );
  return {
    lin: { terms: [{ w: factor, q: only.q }], c: 0 },
    provenance: 'extrapolated',
    detail: `${what} ${x}: the only measured point (${only.x}) × ${f}, as the server curve grows from ${only.x} to ${x} completions (assumed)`,
  };
}

// ---------------------------------------------------------------------------------------------

type SampleField = 'compute_s' | 'generate_s' | 'weight_sync_s' | 'sleep_wake_s';

/**
 * A mode's trainer halves that pass `prefer` (all of the mode's when none does), as points over
 * the per-device batch; halves at the same batch (other rank counts, repeats) pool their runs.
 */
function halfPoints(profile: Profile, Q: Quantities, mode: ModeName, field: SampleField, prefer: (h: TrainerHalf) => boolean = () => true) {
  const all = profile.trainer.filter((h) => h.mode === mode);
  const preferred = all.some(prefer) ? all.filter(prefer) : all;
  // Runs at another engine memory share are other measurements, not repeats: keep the share most runs had.
  const share = mainShare(preferred);
  const hs = preferred.filter((h) => (h.gpu_memory_utilization ?? null) === share);
  const byBatch = new Map<number, TrainerHalf[]>();
  for (const h of hs) byBatch.set(h.per_device_batch, [...(byBatch.get(h.per_device_batch) ?? []), h]);
  const points = [...byBatch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, group]) => ({
      x: b,
      q: Q.of(
        group.flatMap((h) => h[field]),
        `${mode}/${b}/${group.map((h) => `${h.training_devices}.${h.sleep_mode}.${h.tensor_parallel_size}`).join('+')}/${field}`,
      ),
    }));
  return { points, ranks: hs[0]?.training_devices ?? 1 };
}

/** The engine memory share most of these halves' runs had (ties: the larger); null for halves without one. */
function mainShare(hs: readonly TrainerHalf[]): number | null {
  const runs = new Map<number | null, number>();
  for (const h of hs) runs.set(h.gpu_memory_utilization ?? null, (runs.get(h.gpu_memory_utilization ?? null) ?? 0) + h.compute_s.length);
  return [...runs.entries()].sort((a, b) => b[1] - a[1] || (b[0] ?? 0) - (a[0] ?? 0))[0]?.[0] ?? null;
}

/**
 * Where both modes' compute comes from when they do not both have runs of their own: one source
 * for both sides, so that the predicted difference between the modes is generation and weight
 * movement, not a difference between sources. Colocate first: its trainer runs TRL's vLLM code
 * path (importance-sampling correction on vLLM's log-probs) as server mode's does; hf does not.
 */
const COMMON_COMPUTE_SOURCES: readonly ModeName[] = ['colocate', 'hf', 'server'];

export function predict(profile: Profile, layout: Layout, options: PredictOptions = {}): Prediction {
  const A: Assumptions = { ...DEFAULT_ASSUMPTIONS, ...options.assumptions };
  const R = options.resamples ?? WHATIF.replicates;
  checkLayout(layout);
  const Q = new Quantities(R, `${profile.scenario}`);
  const inputs: InputUse[] = [];
  const assumptions = new Set<string>([
    'TRL’s synchronous loop: a server-mode step is generation, then training, then the weight sync; nothing overlaps.',
    'One generation per optimizer step (steps_per_generation = gradient_accumulation_steps, num_iterations = 1).',
    'The same per-device batch in both modes (the co-location post’s protocol): a colocate step holds N/T times the completions of a server step.',
    'Compute per step (rewards, log-probs, forward/backward, optimizer, idle) depends on the per-device batch only, apart from the gradient all-reduce term.',
  ]);
  const B = layout.per_device_batch;
  const rescale = lengthRescale(profile, options.lengths);
  const L = profile.shape.completion_tokens_per_sample * rescale.generation;
  if (rescale.text) assumptions.add(rescale.text);
  /** A generation or compute input at the lengths asked for. */
  const atLengths = (l: Located, factor: number): Located =>
    factor === 1
      ? l
      : { ...l, lin: scaled(l.lin, factor), detail: `${l.detail}; × ${Number(factor.toFixed(3))} for the lengths asked (assumed)` };
  const bytes = profile.parameter_bytes?.value;
  if (bytes === undefined)
    assumptions.add(
      'Parameter bytes unknown (not a preset and no weight sync reported bytes): weight sync, all-reduce and assumed sleep costs are left out.',
    );

  const use = (name: string, l: Located | { lin: Linear; provenance: 'assumed'; detail: string }, unit = 's') => {
    inputs.push({ name, provenance: l.provenance, value: at(l.lin, (q) => q.value), unit, detail: l.detail });
    return l.lin;
  };
  const half = (mode: 'server' | 'colocate', field: SampleField, prefer?: (h: TrainerHalf) => boolean): Located | undefined => {
    const { points } = halfPoints(profile, Q, mode, field, prefer);
    // Weight sync or load, sleep and wake move the weights once a step, whatever the batch.
    const shape: Shape = field === 'weight_sync_s' || field === 'sleep_wake_s' ? 'fixed' : 'linear';
    return points.length > 0 ? locate(points, B, `${mode} runs, per-device batch`, 'linear', shape) : undefined;
  };

  // --- compute (both modes), from the preferred source ---
  const ownRuns = (m: ModeName) => profile.trainer.some((h) => h.mode === m);
  const eachOwn = ownRuns('server') && ownRuns('colocate');
  const compute = (mode: 'server' | 'colocate', sleep: boolean) => {
    for (const source of eachOwn ? [mode] : COMMON_COMPUTE_SOURCES) {
      const { points, ranks } = halfPoints(profile, Q, source, 'compute_s', (h) => h.sleep_mode === sleep);
      if (points.length === 0) continue;
      const l = locate(points, B, `${source} runs, per-device batch`);
      if (!eachOwn)
        assumptions.add(
          `Both modes’ compute per step taken from ${source} runs (the same source on both sides): the same per-device batch trains equally fast in both.`,
        );
      return { l: { ...l, detail: `${l.detail}${source !== mode ? ` (${source} runs stand in for ${mode})` : ''}` }, ranks };
    }
    throw new ProfileGap(
      `no trainer half: the profile has no colocate, hf or server run to take a step's compute from (per-device batch ${B})`,
    );
  };

  const allreduce = (ranks: number, measuredRanks: number, name: string): Linear => {
    // The measured compute already holds the all-reduce of the ranks it ran on.
    if (bytes === undefined || ranks === measuredRanks) return constant(0);
    const cost = (n: number) => (n <= 1 ? 0 : (2 * (n - 1) * bytes) / n / (A.allreduce_gb_per_s * 1e9));
    const extra = cost(ranks) - cost(measuredRanks);
    assumptions.add(
      `Gradient all-reduce: ring, 2(n − 1)/n × ${fmtBytes(bytes)} ÷ ${A.allreduce_gb_per_s} GB/s, added for the ranks beyond those measured.`,
    );
    return use(name, {
      lin: constant(extra),
      provenance: 'assumed',
      detail: `${ranks} ranks vs ${measuredRanks} measured, ${A.allreduce_gb_per_s} GB/s`,
    });
  };

  /** IPC sync: the engine's measured in-process weight load (the same load_weights over the same bytes, no link) + an assumed per-update overhead. */
  const ipcSync = (): Linear => {
    const load = half('colocate', 'weight_sync_s', (h) => !h.sleep_mode);
    const overhead = use('server weight sync: per-update overhead (IPC)', {
      lin: constant(A.ipc_update_overhead_s),
      provenance: 'assumed',
      detail: `${A.ipc_update_overhead_s} s per update`,
    });
    assumptions.add(
      `Weight sync over CUDA IPC: the colocated engine’s measured in-process weight load (the same load_weights over the same bytes, nothing crosses a link) + ${A.ipc_update_overhead_s} s per update for the HTTP requests and the server’s reload set-up (assumed).`,
    );
    if (!load) {
      assumptions.add('No colocate run measured the engine’s weight load: the IPC sync is the per-update overhead alone.');
      return overhead;
    }
    const l = use('server weight sync: engine weight load (IPC)', {
      ...load,
      detail: `${load.detail} (colocate’s in-process load stands in)`,
    });
    return plus(l, overhead);
  };

  // ---------------- server ----------------
  const { server_gpus: S, trainer_gpus: T, tensor_parallel_size: p } = layout.server;
  const d = S / p;
  const completions = T * B;
  const curve = chooseCurve(profile.server, p);
  if (!curve) throw new ProfileGap('no server half: run `grpo-bench profile` (or a server-mode run) first');
  // The curve measured d' replicas; with d replicas each one gets completions/d.
  const x = (completions * curve.data_parallel_size) / d;
  const genPoints = curvePoints(curve, Q);
  let gen = locate(
    genPoints,
    x,
    `completions per request (per ${curve.data_parallel_size} replica${curve.data_parallel_size > 1 ? 's' : ''} of tp ${curve.tensor_parallel_size})`,
    'flat',
    'loglog',
  );
  if (d !== curve.data_parallel_size) assumptions.add('vLLM data parallelism splits one request’s prompts evenly over its replicas.');
  if (curve.tensor_parallel_size !== p) {
    const speed = 1 + (A.tp_efficiency * (p - 1)) / 1;
    const base = 1 + A.tp_efficiency * (curve.tensor_parallel_size - 1);
    gen = {
      ...gen,
      lin: scaled(gen.lin, base / speed),
      detail: `${gen.detail}; tp ${p} not measured: ÷ ${(speed / base).toFixed(2)} (assumed tp efficiency ${A.tp_efficiency})`,
    };
    assumptions.add(
      `Server tensor parallel ${p} not measured: generation ${(speed / base).toFixed(2)}× as fast as tp ${curve.tensor_parallel_size} (1 + ${A.tp_efficiency}·(p − 1)).`,
    );
  }
  const genServer = use('server generation', atLengths(gen, rescale.generation));
  const sc = compute('server', false);
  const computeServer = use('server compute', atLengths(sc.l, rescale.compute));
  const shared = layout.server.shared_gpu === true;
  const measuredSync = shared ? undefined : half('server', 'weight_sync_s');
  let syncServer: Linear;
  if (shared) {
    syncServer = ipcSync();
    assumptions.add(
      'Server on the trainer’s GPU: the two time-share it (TRL’s loop is synchronous, so their kernels do not overlap); the server generates as fast as the profile’s server on a GPU of its own (its smaller memory share only shrinks its KV cache).',
    );
  } else if (measuredSync) syncServer = use('server weight sync', measuredSync);
  else if (bytes !== undefined) {
    const seconds = A.weight_sync_update_s + bytes / (A.link_gb_per_s * 1e9);
    syncServer = use('server weight sync', {
      lin: constant(seconds),
      provenance: 'assumed',
      detail: `${A.weight_sync_update_s} s per update + ${fmtBytes(bytes)} ÷ ${A.link_gb_per_s} GB/s (${linkLabel(A.link_gb_per_s)})`,
    });
    assumptions.add(
      `Weight sync to the server not measured: ${A.weight_sync_update_s} s per update (measured once: the 0.5b preset’s first update on 2×H200, less its bytes) + ${fmtBytes(bytes)} ÷ ${A.link_gb_per_s} GB/s over ${linkLabel(A.link_gb_per_s)}.`,
    );
  } else syncServer = constant(0);
  const arServer = allreduce(T, sc.ranks, 'server gradient all-reduce (extra ranks)');

  // ---------------- colocate ----------------
  const { gpus: N, tensor_parallel_size: q, sleep } = layout.colocate;
  let genColoc: Located;
  const colocTps = [...new Set(profile.trainer.filter((h) => h.mode === 'colocate').map((h) => h.tensor_parallel_size))].sort(
    (x, y) => x - y,
  );
  if (colocTps.length > 0) {
    // Measured at tp q0 (q itself when measured): an engine there makes q0 ranks' shares at once.
    const q0 = colocTps.includes(q) ? q : colocTps.includes(1) ? 1 : colocTps[0]!;
    // Runs with the sleep state asked for when there are any (waking slows generation), else the others.
    const atTp = profile.trainer.filter((h) => h.mode === 'colocate' && h.tensor_parallel_size === q0);
    const sameSleep = atTp.some((h) => h.sleep_mode === sleep);
    const { points } = halfPoints(
      profile,
      Q,
      'colocate',
      'generate_s',
      (h) => h.tensor_parallel_size === q0 && (!sameSleep || h.sleep_mode === sleep),
    );
    const perEngine = points.map((pt) => ({ x: pt.x * q0, q: pt.q }));
    const l = colocateGeneration(
      perEngine,
      q * B,
      `colocate runs (tp ${q0}), completions per engine`,
      chooseCurve(profile.server, q0) ?? curve,
      Q,
      assumptions,
    );
    if (q0 === q) genColoc = l;
    else {
      const speed = (1 + A.tp_efficiency * (q - 1)) / (1 + A.tp_efficiency * (q0 - 1));
      genColoc = { ...l, lin: scaled(l.lin, 1 / speed), detail: `${l.detail}; ÷ ${speed.toFixed(2)} for tp ${q} (assumed)` };
      assumptions.add(
        `Colocate tensor parallel ${q} not measured: an engine generates its ${q} ranks’ shares ${speed.toFixed(2)}× as fast as at tp ${q0} (speed 1 + ${A.tp_efficiency}·(tp − 1)).`,
      );
    }
  } else {
    const one = chooseCurve(profile.server, q) ?? curve;
    const l = locate(curvePoints(one, Q), B * q, 'server curve at one rank’s share', 'flat', 'loglog');
    genColoc = { ...l, detail: `${l.detail} (no colocate run: the server engine stands in)` };
    assumptions.add(
      'No colocate run: a rank’s generation taken as the server engine’s time for one trainer’s share (same engine speed despite colocate’s 0.3 memory share, max_num_batched_tokens 4096 and duplicated prompts).',
    );
  }
  const genColocate = use('colocate generation (one rank’s share)', atLengths(genColoc, rescale.generation));
  const cc = compute('colocate', sleep);
  const computeColoc = use('colocate compute', atLengths(cc.l, rescale.compute));
  const load = half('colocate', 'weight_sync_s', (h) => h.sleep_mode === sleep);
  let loadColoc: Linear;
  if (load) loadColoc = use('colocate weight load (in-process)', load);
  else {
    loadColoc = use('colocate weight load (in-process)', { lin: constant(0), provenance: 'assumed', detail: 'not measured: 0' });
    assumptions.add('Colocate’s in-process weight load not measured: taken as 0 s.');
  }
  let sleepColoc = constant(0);
  if (sleep) {
    const sw = profile.trainer.some((h) => h.mode === 'colocate' && h.sleep_mode)
      ? half('colocate', 'sleep_wake_s', (h) => h.sleep_mode)
      : undefined;
    if (sw) sleepColoc = use('colocate sleep + wake', sw);
    else if (bytes !== undefined) {
      sleepColoc = use('colocate sleep + wake', {
        lin: constant(bytes / (A.sleep_gb_per_s * 1e9)),
        provenance: 'assumed',
        detail: `${fmtBytes(bytes)} ÷ ${A.sleep_gb_per_s} GB/s`,
      });
      assumptions.add(`Sleep mode not measured: sleep + wake cost ${fmtBytes(bytes)} ÷ ${A.sleep_gb_per_s} GB/s per step.`);
    }
    assumptions.add('Sleep mode’s gain (memory for a larger batch or model) is not modelled, only its time.');
  }
  const arColoc = allreduce(N, cc.ranks, 'colocate gradient all-reduce (extra ranks)');

  // ---------------- composition, on the point values and on every replicate ----------------
  const serverGpus = shared ? T : S + T;
  const adj = options.adjust ?? {};
  const cf = adj.compute_factor ?? 1;
  const model = (pick: Pick) => {
    const sv = {
      generation: at(genServer, pick) * (adj.server_generation_factor ?? 1),
      compute: at(computeServer, pick) * cf,
      weight_sync: adj.server_weight_sync_s ?? at(syncServer, pick),
      allreduce: at(arServer, pick),
    };
    const co = {
      generation: at(genColocate, pick),
      compute: at(computeColoc, pick) * cf,
      weight_sync: at(loadColoc, pick),
      allreduce: at(arColoc, pick),
      sleep_wake: at(sleepColoc, pick),
    };
    const sStep = sv.generation + sv.compute + sv.weight_sync + sv.allreduce;
    const cStep = co.generation + co.compute + co.weight_sync + co.allreduce + co.sleep_wake;
    const sTps = (T * B * L) / sStep;
    const cTps = (N * B * L) / cStep;
    return {
      s_step: sStep,
      s_gen: sv.generation,
      s_compute: sv.compute,
      s_sync: sv.weight_sync,
      s_ar: sv.allreduce,
      s_tps: sTps,
      s_alloc: sTps / serverGpus,
      s_train: sTps / T,
      s_ratio: sv.generation / (sStep - sv.generation),
      c_step: cStep,
      c_gen: co.generation,
      c_compute: co.compute,
      c_sync: co.weight_sync,
      c_ar: co.allreduce,
      c_sleep: co.sleep_wake,
      c_tps: cTps,
      c_alloc: cTps / N,
      c_ratio: co.generation / (cStep - co.generation),
      speed_alloc: cTps / N / (sTps / serverGpus),
      speed_train: cTps / N / (sTps / T),
      ratio: cTps / sTps,
    };
  };
  const point = model((q) => q.value);
  const keys = Object.keys(point) as (keyof typeof point)[];
  const reps = Object.fromEntries(keys.map((k) => [k, new Float64Array(R)])) as Record<keyof typeof point, Float64Array>;
  for (let i = 0; i < R; i++) {
    const v = model((q) => q.reps[i]!);
    for (const k of keys) reps[k][i] = v[k];
  }
  const spread = Q.allRuns ? 'runs' : 'within_run';
  const iv = (k: keyof typeof point): Interval => {
    const sorted = sortSamples(Array.from(reps[k]).filter(Number.isFinite));
    return {
      value: point[k],
      low: quantile(sorted, (1 - CI_LEVEL) / 2),
      high: quantile(sorted, (1 + CI_LEVEL) / 2),
      level: CI_LEVEL,
      spread,
      replicates: R,
    };
  };
  return {
    predicted: true,
    layout,
    server: {
      step_time_s: iv('s_step'),
      parts: { generation: iv('s_gen'), compute: iv('s_compute'), weight_sync: iv('s_sync'), allreduce: iv('s_ar') },
      completions_per_step: T * B,
      completion_tokens_per_s: iv('s_tps'),
      completion_tokens_per_s_per_allocated_gpu: iv('s_alloc'),
      completion_tokens_per_s_per_training_gpu: iv('s_train'),
      generation_to_training_ratio: iv('s_ratio'),
    },
    colocate: {
      step_time_s: iv('c_step'),
      parts: {
        generation: iv('c_gen'),
        compute: iv('c_compute'),
        weight_sync: iv('c_sync'),
        allreduce: iv('c_ar'),
        sleep_wake: iv('c_sleep'),
      },
      completions_per_step: N * B,
      completion_tokens_per_s: iv('c_tps'),
      completion_tokens_per_s_per_allocated_gpu: iv('c_alloc'),
      completion_tokens_per_s_per_training_gpu: iv('c_alloc'),
      generation_to_training_ratio: iv('c_ratio'),
    },
    speedup_per_allocated_gpu: iv('speed_alloc'),
    speedup_per_training_gpu: iv('speed_train'),
    throughput_ratio: iv('ratio'),
    inputs,
    assumptions: [
      ...assumptions,
      Q.allRuns
        ? `Intervals: ${Math.round(CI_LEVEL * 100)} % of ${R} replicates of the model on resampled runs of every measured input; assumed inputs are fixed, so the intervals do not cover their error.`
        : `Intervals: ${Math.round(CI_LEVEL * 100)} % of ${R} replicates of the model on resampled inputs; some input rests on one run, so they show that run's spread, not a confidence interval; assumed inputs are fixed and add none.`,
    ],
  };
}

/** A profile cannot answer the question asked: says which measurement is missing. */
export class ProfileGap extends Error {
  override readonly name = 'ProfileGap';
}

function checkLayout(l: Layout): void {
  const { server_gpus: S, trainer_gpus: T, tensor_parallel_size: p } = l.server;
  const bad = (m: string) => {
    throw new ProfileGap(m);
  };
  if (!(Number.isInteger(l.per_device_batch) && l.per_device_batch > 0))
    bad(`per-device batch must be a positive integer, got ${l.per_device_batch}`);
  if (!(S >= 1 && T >= 1 && Number.isInteger(S) && Number.isInteger(T)))
    bad(`a server split needs at least one server and one trainer GPU, got ${S} + ${T}`);
  if (!(p >= 1 && S % p === 0)) bad(`server tensor parallel ${p} must divide the ${S} server GPU(s)`);
  if (l.server.shared_gpu && (S !== 1 || T !== 1 || p !== 1))
    bad(`a server on the trainer's GPU shares one GPU: 1 + 1 at tensor parallel 1, got ${S} + ${T} at tp ${p}`);
  const { gpus: N, tensor_parallel_size: q } = l.colocate;
  if (!(N >= 1 && q >= 1 && N % q === 0)) bad(`colocate tensor parallel ${q} must divide its ${N} GPU(s)`);
}

/** The curve measured at tensor-parallel size p, else the one at tp 1 (the model then scales it). */
function chooseCurve(curves: readonly ServerCurve[], p: number): ServerCurve | undefined {
  // At one tp, the fewest replicas, then the curve with the most points (another memory share is another curve).
  const pick = (tp: number) =>
    curves
      .filter((c) => c.tensor_parallel_size === tp)
      .sort((a, b) => a.data_parallel_size - b.data_parallel_size || b.points.length - a.points.length)[0];
  return pick(p) ?? pick(1) ?? curves[0];
}

/** One point per completions count: requests of the same size from different (trainers, batch) pooled as runs. */
function curvePoints(curve: ServerCurve, Q: Quantities): { x: number; q: Quantity }[] {
  const byC = new Map<number, RunSamples>();
  for (const p of curve.points) byC.set(p.completions, [...(byC.get(p.completions) ?? []), ...p.seconds]);
  return [...byC.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, s]) => ({ x: c, q: Q.of(s, `server/${curve.tensor_parallel_size}x${curve.data_parallel_size}/${c}`) }));
}

function fmtBytes(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`;
}

/** Every split S + T of N GPUs (S server GPUs, tensor parallel each of `serverTp` that divides S), colocate on all N. */
export function splits(
  N: number,
  serverTp: readonly number[] | 'all',
): { server_gpus: number; trainer_gpus: number; tensor_parallel_size: number }[] {
  const out: { server_gpus: number; trainer_gpus: number; tensor_parallel_size: number }[] = [];
  for (let S = 1; S < N; S++) {
    const tps = serverTp === 'all' ? divisors(S) : serverTp.filter((p) => S % p === 0);
    for (const p of tps) out.push({ server_gpus: S, trainer_gpus: N - S, tensor_parallel_size: p });
  }
  return out;
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);
}

/** How generation time grows with the completions the server is asked for: time ratio vs work ratio, from the smallest to the largest measured request. */
export function generationGrowth(profile: Profile): { from: number; to: number; time_ratio: number; work_ratio: number; tp: number }[] {
  return profile.server.map((c) => {
    const pts = [...new Map(c.points.map((p) => [p.completions, mean(p.seconds.flat())])).entries()].sort((a, b) => a[0] - b[0]);
    const [c0, t0] = pts[0] ?? [Number.NaN, Number.NaN];
    const [c1, t1] = pts.at(-1) ?? [Number.NaN, Number.NaN];
    return { from: c0, to: c1, time_ratio: t1 / t0, work_ratio: c1 / c0, tp: c.tensor_parallel_size };
  });
}

/** One split S + T of the GPUs: the server job there, against colocate on all of them without and with sleep mode. */
export interface SplitRow {
  server_gpus: number;
  trainer_gpus: number;
  server_tensor_parallel_size: number;
  without_sleep: Prediction;
  with_sleep: Prediction;
}

/** `grpo-bench predict`: every split of N GPUs. PREDICTED throughout; `inputs` says what was measured and what assumed. */
export interface SplitTable {
  predicted: true;
  gpus: number;
  per_device_batch: number;
  colocate_tensor_parallel_size: number;
  /** The one-GPU layout with the server on the trainer's GPU (IPC weight transfer). */
  shared_gpu?: boolean;
  rows: SplitRow[];
  /** Distinct inputs over every row, each with where it came from. */
  inputs: InputUse[];
  assumptions: string[];
}

export interface SplitOptions extends PredictOptions {
  gpus: number;
  per_device_batch: number;
  server_tp: readonly number[] | 'all';
  colocate_tp: number;
  /** The one-GPU layout instead of the splits: server and trainer on the same GPU (IPC weight transfer), colocate on that GPU. */
  shared_gpu?: boolean;
}

export function predictSplits(profile: Profile, o: SplitOptions): SplitTable {
  const rows: SplitRow[] = [];
  if (o.shared_gpu && o.gpus !== 1) throw new ProfileGap(`a server on the trainer's GPU is a one-GPU layout: --gpus 1, got ${o.gpus}`);
  const layouts = o.shared_gpu
    ? [{ server_gpus: 1, trainer_gpus: 1, tensor_parallel_size: 1, shared_gpu: true }]
    : splits(o.gpus, o.server_tp);
  for (const s of layouts) {
    const layout = (sleep: boolean): Layout => ({
      per_device_batch: o.per_device_batch,
      server: s,
      colocate: { gpus: o.gpus, tensor_parallel_size: o.colocate_tp, sleep },
    });
    rows.push({
      server_gpus: s.server_gpus,
      trainer_gpus: s.trainer_gpus,
      server_tensor_parallel_size: s.tensor_parallel_size,
      without_sleep: predict(profile, layout(false), o),
      with_sleep: predict(profile, layout(true), o),
    });
  }
  if (rows.length === 0)
    throw new ProfileGap(
      `no split of ${o.gpus} GPU(s) has a server tensor-parallel size in ${JSON.stringify(o.server_tp)}: a split needs at least 2 GPUs`,
    );
  const seen = new Map<string, InputUse>();
  for (const r of rows)
    for (const p of [r.without_sleep, r.with_sleep]) for (const i of p.inputs) seen.set(`${i.name}\u0000${i.detail}`, i);
  const assumptions = [...new Set(rows.flatMap((r) => [...r.without_sleep.assumptions, ...r.with_sleep.assumptions]))];
  return {
    predicted: true,
    gpus: o.gpus,
    per_device_batch: o.per_device_batch,
    colocate_tensor_parallel_size: o.colocate_tp,
    ...(o.shared_gpu ? { shared_gpu: true } : {}),
    rows,
    inputs: [...seen.values()],
    assumptions,
  };
}
