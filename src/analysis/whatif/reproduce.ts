// Published claims judged against a PREDICTED value (a profile through the what-if model) and,
// where a run of the claim's scenario exists, the measured one: each with its interval and its
// normalisation, a verdict, and the gap explained from the phases. Pure: scenarios, profiles and
// summaries in, verdicts out. docs/whatif.md describes the rules.
import type { Scenario } from '../../scenario/schema.ts';
import type { SweepPoint } from '../../scenario/sweep.ts';
import type { Profile } from '../../records/profile.ts';
import type { Estimate, Summary } from '../../records/summary.ts';
import { predict, ProfileGap, type Assumptions, type PredictOptions } from './model.ts';
import { type Interval, type Layout, type Prediction } from '../../records/prediction.ts';

/** A measured run's verdict. */
export type Verdict = 'reproduced' | 'not reproduced' | 'not comparable';
/** A prediction's: the model is no measurement, so it only agrees or disagrees with the claim. */
export type ModelVerdict = 'the model agrees' | 'the model disagrees' | 'not comparable';
type Claim = NonNullable<Scenario['claim']>;
export type ClaimMetric = Claim['metric'];
/** A value with an optional interval (a prediction's or a measurement's). */
export type Ranged = Pick<Estimate, 'value' | 'low' | 'high'>;

export interface ClaimScenario {
  file: string;
  scenario: Scenario & { claim: Claim };
  points: readonly SweepPoint[];
}

export interface Side {
  /** The value at the claim's point (or the sweep's maximum for `at: max`); null when there is none. */
  value: Ranged | null;
  /** The point it was taken at. */
  point: string | null;
  /** Every point of the sweep this side has a value for. */
  per_point: { point: string; value: Ranged }[];
  verdict: Verdict;
  /** Why that verdict: the comparison with the claim, or what makes it not comparable. */
  why: string[];
  /** The gap from the phases: what the step is made of, on both modes, at the claim's point. */
  gap: string[];
}

/** What one input would have to be for the model to agree with the claim's value (the others as they are). */
export interface BreakEven {
  input: 'server_weight_sync_s' | 'compute_factor' | 'server_generation_factor';
  /** The model's own value of the input (seconds, or 1 for a factor). */
  model: number;
  /** The value at which the model's prediction equals the claim; null when none in the range searched does. */
  needed: number | null;
  /** The sentence every output shows. */
  text: string;
}

export interface ClaimResult {
  scenario: string;
  file: string;
  claim: Claim;
  /** The normalisation in words (what the value is a ratio of). */
  normalisation: string;
  /** PREDICTED: from a profile, never a measurement. */
  predicted: Omit<Side, 'verdict'> & {
    verdict: ModelVerdict;
    predicted: true;
    profile: string | null;
    assumptions: string[];
    break_even: BreakEven[];
  };
  measured: Side & { run_id: string | null };
}

export const NORMALISATION: Record<ClaimMetric, string> = {
  speedup_per_training_device: 'colocate ÷ server completion tokens/s per training GPU (the post’s server × N/T)',
  speedup_per_allocated_device: 'colocate ÷ server completion tokens/s per allocated GPU',
  throughput_ratio: 'colocate ÷ server completion tokens/s of the whole job (GPU counts may differ)',
};

export interface ReproduceInputs {
  claims: readonly ClaimScenario[];
  profiles: readonly Profile[];
  /** Summaries of runs, matched to a claim by scenario name. */
  runs: readonly { run_id: string; summary: Summary }[];
  assumptions?: Partial<Assumptions>;
  resamples?: number;
}

export function reproduce(inputs: ReproduceInputs): ClaimResult[] {
  return inputs.claims.map((c) => judgeClaim(c, inputs));
}

function judgeClaim(c: ClaimScenario, inputs: ReproduceInputs): ClaimResult {
  const claim = c.scenario.claim;
  return {
    scenario: c.scenario.name,
    file: c.file,
    claim,
    normalisation: NORMALISATION[claim.metric],
    predicted: predictedSide(c, inputs),
    measured: measuredSide(c, inputs.runs),
  };
}

/** A sweep point's layout as the what-if model takes it. */
function layoutOf(s: Scenario) {
  const size = (d: number | readonly number[]) => (typeof d === 'number' ? d : d.length);
  const server = s.modes.server!;
  const colocate = s.modes.colocate!;
  return {
    per_device_batch: s.grpo.per_device_train_batch_size,
    server: {
      server_gpus: size(server.devices.server),
      trainer_gpus: size(server.devices.trainer),
      tensor_parallel_size: server.vllm.tensor_parallel_size,
    },
    colocate: {
      gpus: size(colocate.devices),
      tensor_parallel_size: colocate.vllm.tensor_parallel_size,
      sleep: s.workload === 'trl' ? colocate.vllm.enable_sleep_mode : colocate.sleep,
    },
  };
}

const metricOf = (p: Prediction, m: ClaimMetric): Interval =>
  m === 'speedup_per_training_device'
    ? p.speedup_per_training_gpu
    : m === 'speedup_per_allocated_device'
      ? p.speedup_per_allocated_gpu
      : p.throughput_ratio;

function predictedSide(c: ClaimScenario, inputs: ReproduceInputs): ClaimResult['predicted'] {
  const claim = c.scenario.claim;
  const model = claim.stand_in ?? c.scenario.model;
  const base = {
    predicted: true as const,
    profile: null,
    assumptions: [] as string[],
    value: null,
    point: null,
    per_point: [],
    gap: [],
    break_even: [] as BreakEven[],
  };
  const notComparable = (why: string[]) => ({ ...base, verdict: 'not comparable' as const, why });
  if (!c.scenario.modes.server || !c.scenario.modes.colocate)
    return notComparable(['the scenario needs both a server and a colocate mode']);
  const candidates = inputs.profiles.filter((p) => p.model === model);
  if (candidates.length === 0)
    return notComparable([`no profile of ${model}${claim.stand_in ? ` (the stand-in for ${c.scenario.model})` : ''} was given`]);
  const g = c.scenario.grpo;
  const shape = (p: Profile) =>
    `${p.shape.max_prompt_length} + ${p.shape.max_completion_length} tokens, num_generations ${p.shape.num_generations}`;
  // The profile at the scenario's lengths if there is one, else the first (its lengths rescaled, assumed).
  const sameShape = (p: Profile) =>
    p.shape.max_prompt_length === g.max_prompt_length && p.shape.max_completion_length === g.max_completion_length;
  const profile = candidates.find(sameShape) ?? candidates[0]!;
  const rescaled = !sameShape(profile);
  if (profile.shape.num_generations !== g.num_generations) {
    return notComparable([
      `the profile of ${model} was measured at num_generations ${profile.shape.num_generations}; the claim's scenario has ${g.num_generations}`,
    ]);
  }
  const label = `${profile.scenario} (${profile.sources.map((s) => s.run_id).join(', ')}${profile.device_name ? `, ${profile.device_name}` : ''})`;
  const perPoint: { point: string; prediction: Prediction; options: PredictOptions; layout: Layout }[] = [];
  try {
    for (const pt of c.points) {
      const lengths = {
        max_prompt_length: pt.scenario.grpo.max_prompt_length,
        max_completion_length: pt.scenario.grpo.max_completion_length,
      };
      const options: PredictOptions = { assumptions: inputs.assumptions, resamples: inputs.resamples, lengths };
      const layout = layoutOf(pt.scenario);
      perPoint.push({ point: pt.id, prediction: predict(profile, layout, options), options, layout });
    }
  } catch (err) {
    if (err instanceof ProfileGap) return { ...notComparable([err.message]), profile: label };
    throw err;
  }
  const values = perPoint.map((p) => ({ point: p.point, value: metricOf(p.prediction, claim.metric) }));
  const chosen = pick(c, values);
  const chosenPoint = perPoint.find((p) => p.point === chosen?.point)!;
  const at = chosenPoint.prediction;
  const assumptions = [...new Set(perPoint.flatMap((p) => p.prediction.assumptions))];
  const why: string[] = [];
  const blockers: string[] = [];
  const varied = Object.keys(c.points[0]?.values ?? {});
  if (varied.some((k) => k.endsWith('tensor_parallel_size')) && assumptions.some((a) => /tensor parallel \d+ not measured/.test(a))) {
    blockers.push('the claim varies tensor parallelism, which the profile did not measure (the model assumes its speed-up)');
  }
  const gpus = Math.max(at.layout.colocate.gpus, at.layout.server.server_gpus + at.layout.server.trainer_gpus);
  if (gpus > 8) blockers.push(`the job spans nodes (${gpus} GPUs): cross-node all-reduce and weight sync are assumed, not measured`);
  const judged = modelVerdict(judge(claim, chosen?.value ?? null, values));
  why.push(...judged.why);
  const breakEven = claim.value !== undefined && chosen ? breakEvens(profile, chosenPoint, claim.metric, claim.value) : [];
  if (rescaled)
    why.push(
      `rests on rescaling the profile's ${shape(profile)} to the scenario's ${g.max_prompt_length} + ${g.max_completion_length} tokens (assumed; see the assumptions)`,
    );
  return {
    predicted: true,
    profile: label,
    assumptions,
    value: chosen?.value ?? null,
    point: chosen?.point ?? null,
    per_point: values,
    verdict: blockers.length > 0 ? 'not comparable' : judged.verdict,
    why: blockers.length > 0 ? [...blockers, `(${judged.verdict}: ${judged.why.join('; ')})`] : why,
    gap: predictedGap(at),
    break_even: breakEven,
  };
}

function modelVerdict(j: { verdict: Verdict; why: string[] }): { verdict: ModelVerdict; why: string[] } {
  return {
    verdict: j.verdict === 'reproduced' ? 'the model agrees' : j.verdict === 'not reproduced' ? 'the model disagrees' : 'not comparable',
    why: j.why,
  };
}

/** Where each input is searched, and how its break-even reads. */
const BREAK_EVEN: {
  input: BreakEven['input'];
  range: [number, number];
  model: (p: Prediction) => number;
  say: (x: number, model: number) => string;
}[] = [
  {
    input: 'server_weight_sync_s',
    range: [0, 120],
    model: (p) => p.server.parts.weight_sync!.value,
    say: (x, m) => `the server's weight sync took ${fmt(x)} s a step (the model has ${fmt(m)} s)`,
  },
  {
    input: 'compute_factor',
    range: [0.01, 100],
    model: () => 1,
    say: (x) => `the trainer half (compute, both modes) were ${fmt(x)}× the profile's`,
  },
  {
    input: 'server_generation_factor',
    range: [0.01, 100],
    model: () => 1,
    say: (x) => `the server generated in ${fmt(x)}× the time its curve gives`,
  },
];

/**
 * For each input the model assumes or carries over, the value at which the predicted metric equals
 * the claimed value, the other inputs as they are: found by bisection on the model itself, which
 * is monotone in each (a longer sync or slower server only slows the server; more compute on both
 * sides draws the ratio toward 1).
 */
export function breakEvens(
  profile: Profile,
  at: { prediction: Prediction; options: PredictOptions; layout: Layout },
  metric: ClaimMetric,
  target: number,
): BreakEven[] {
  return BREAK_EVEN.map((b) => {
    const model = b.model(at.prediction);
    const f = (x: number) =>
      metricOf(predict(profile, at.layout, { ...at.options, resamples: 1, adjust: { [b.input]: x } }), metric).value - target;
    let [lo, hi] = b.range;
    let flo = f(lo);
    const fhi = f(hi);
    if (!(Number.isFinite(flo) && Number.isFinite(fhi)) || Math.sign(flo) === Math.sign(fhi)) {
      return {
        input: b.input,
        model,
        needed: null,
        text: `no ${b.input.replace(/_/g, ' ')} in ${b.range[0]}–${b.range[1]} makes the model agree`,
      };
    }
    // Bisection in log space for factors (they span decades), linear for seconds.
    const mid = b.input === 'server_weight_sync_s' ? (a: number, z: number) => (a + z) / 2 : (a: number, z: number) => Math.sqrt(a * z);
    for (let i = 0; i < 60; i++) {
      const m = mid(lo, hi);
      const fm = f(m);
      if (Math.sign(fm) === Math.sign(flo)) [lo, flo] = [m, fm];
      else hi = m;
    }
    const needed = mid(lo, hi);
    return { input: b.input, model, needed, text: `agrees if ${b.say(needed, model)}` };
  });
}

/** The claim's point: the last sweep point, the maximum of the metric, or the point with the given values. */
function pick(c: ClaimScenario, values: { point: string; value: Ranged }[]): { point: string; value: Ranged } | undefined {
  const at = c.scenario.claim.at;
  if (at === 'last') return values.at(-1);
  if (at === 'max')
    return values.reduce<{ point: string; value: Ranged } | undefined>(
      (best, v) => (!best || v.value.value > best.value.value ? v : best),
      undefined,
    );
  const point = c.points.find((p) =>
    Object.entries(at).every(([k, v]) => Object.entries(p.values).some(([path, pv]) => (path === k || path.endsWith(`.${k}`)) && pv === v)),
  );
  return point ? values.find((v) => v.point === point.id) : undefined;
}

/**
 * A value claim is reproduced when the claim lies within the interval widened by tolerance × claim
 * on each side; a trend claim when the last point's interval lies wholly beyond the first's in the
 * claimed direction.
 */
export function judge(
  claim: Claim,
  value: Ranged | null,
  perPoint: readonly { point: string; value: Ranged }[],
): { verdict: Verdict; why: string[] } {
  const why: string[] = [];
  let ok = true;
  if (claim.value !== undefined) {
    if (!value) return { verdict: 'not comparable', why: ['no value at the claim’s point'] };
    const slack = claim.tolerance * claim.value;
    const [lo, hi] = [value.low ?? value.value, value.high ?? value.value];
    const inside = claim.value >= lo - slack && claim.value <= hi + slack;
    ok &&= inside;
    const rel = (value.value - claim.value) / claim.value;
    why.push(
      `${fmt(value.value)} (${fmt(lo)}–${fmt(hi)}) against the claimed ${claim.value}: ${rel >= 0 ? '+' : ''}${(100 * rel).toFixed(0)} %; ` +
        (inside
          ? `within the interval widened by ±${Math.round(claim.tolerance * 100)} %`
          : `outside the interval widened by ±${Math.round(claim.tolerance * 100)} %`),
    );
  }
  if (claim.trend !== undefined) {
    const first = perPoint[0]?.value;
    const last = perPoint.at(-1)?.value;
    if (!first || !last || perPoint.length < 2)
      return { verdict: 'not comparable', why: [...why, 'a trend needs at least two sweep points'] };
    const [fLo, fHi, lLo, lHi] = [first.low ?? first.value, first.high ?? first.value, last.low ?? last.value, last.high ?? last.value];
    const clear = claim.trend === 'decreasing' ? lHi < fLo : lLo > fHi;
    ok &&= clear;
    why.push(
      `along the sweep ${fmt(first.value)} → ${fmt(last.value)}: ${clear ? `${claim.trend}, the intervals apart` : `not clearly ${claim.trend}`}`,
    );
  }
  return { verdict: ok ? 'reproduced' : 'not reproduced', why };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '—';
}

function share(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)} %`;
}

/** Per training GPU the speedup is the server step ÷ the colocate step: say what each is made of. */
function predictedGap(p: Prediction): string[] {
  const s = p.server;
  const c = p.colocate;
  const sp = Object.fromEntries(Object.entries(s.parts).map(([k, v]) => [k, v.value]));
  const cp = Object.fromEntries(Object.entries(c.parts).map(([k, v]) => [k, v.value]));
  const { server_gpus: S, trainer_gpus: T, tensor_parallel_size: tp } = p.layout.server;
  const B = p.layout.per_device_batch;
  const lines = [
    `server step ${fmt(s.step_time_s.value)} s = generation ${fmt(sp.generation!)} + compute ${fmt(sp.compute!)} + weight sync ${fmt(sp.weight_sync!)}${sp.allreduce ? ` + extra all-reduce ${fmt(sp.allreduce)}` : ''} (generation ${share(sp.generation!, s.step_time_s.value)}; gen ÷ train ${fmt(s.generation_to_training_ratio.value)})`,
    `colocate step ${fmt(c.step_time_s.value)} s = generation ${fmt(cp.generation!)} + compute ${fmt(cp.compute!)} + weight load ${fmt(cp.weight_sync!)}${cp.sleep_wake ? ` + sleep/wake ${fmt(cp.sleep_wake)}` : ''}${cp.allreduce ? ` + extra all-reduce ${fmt(cp.allreduce)}` : ''} (gen ÷ train ${fmt(c.generation_to_training_ratio.value)})`,
    `the server (${S} GPU${S > 1 ? 's' : ''}, tp ${tp}) generates ${T} × ${B} = ${T * B} completions in ${fmt(sp.generation!)} s; a colocate rank its own ${B} in ${fmt(cp.generation!)} s: ${fmt(sp.generation! / cp.generation!)}× the time for ${fmt((T * B) / (S / tp) / B)}× the completions per engine`,
    `per training GPU, speedup = server step ÷ colocate step = ${fmt(s.step_time_s.value / c.step_time_s.value)}`,
  ];
  return lines;
}

function measuredSide(c: ClaimScenario, runs: ReproduceInputs['runs']): ClaimResult['measured'] {
  const claim = c.scenario.claim;
  const mine = runs.filter((r) => r.summary.scenario === c.scenario.name);
  const none = { run_id: null, value: null, point: null, per_point: [], gap: [] };
  if (mine.length === 0)
    return {
      ...none,
      verdict: 'not comparable',
      why: ['no run of this scenario was given (grpo-bench reproduce --runs results/<run-id>)'],
    };
  const run = mine.at(-1)!;
  const s = run.summary;
  const pairs = s.comparisons.filter((x) => x.baseline === 'server' && x.candidate === 'colocate');
  const value = (point: string): Ranged | undefined => {
    const cmp = pairs.find((x) => x.point === point);
    if (!cmp) return undefined;
    if (claim.metric === 'speedup_per_training_device') return cmp.speedup_per_training_device;
    if (claim.metric === 'speedup_per_allocated_device') return cmp.speedup_per_allocated_device;
    const devices = (mode: string) => s.modes.find((m) => m.point === point && m.mode === mode)?.devices.allocated.length ?? Number.NaN;
    const k = devices('colocate') / devices('server');
    const e = cmp.speedup_per_allocated_device;
    return { value: e.value * k, low: e.low !== undefined ? e.low * k : undefined, high: e.high !== undefined ? e.high * k : undefined };
  };
  const perPoint = c.points
    .map((p) => ({ point: p.id, value: value(p.id) }))
    .filter((p): p is { point: string; value: Ranged } => p.value !== undefined);
  const chosen = pick(c, perPoint);
  const why: string[] = [];
  if (s.functional_only) why.push('a CPU run: it shows the harness works, its speedups say nothing about GPUs');
  const cmp = pairs.find((x) => x.point === chosen?.point);
  if (cmp && !cmp.equal_work.equal)
    why.push(`the modes did unequal work per sample (${(100 * cmp.equal_work.max_relative_difference).toFixed(1)} % apart)`);
  const judged = judge(claim, chosen?.value ?? null, perPoint);
  if (cmp?.speedup_per_allocated_device.interval === 'within_run_spread')
    judged.why.push('one run per mode: the range is that run’s spread, not a confidence interval');
  const gap = chosen ? measuredGap(s, chosen.point) : [];
  return {
    run_id: run.run_id,
    value: chosen?.value ?? null,
    point: chosen?.point ?? null,
    per_point: perPoint,
    verdict: why.length > 0 ? 'not comparable' : judged.verdict,
    why: why.length > 0 ? [...why, `(as measured: ${judged.why.join('; ')})`] : judged.why,
    gap,
  };
}

function measuredGap(s: Summary, point: string): string[] {
  const out: string[] = [];
  for (const mode of ['server', 'colocate'] as const) {
    const m = s.modes.find((x) => x.point === point && x.mode === mode);
    if (!m) continue;
    const phases = Object.entries(m.phase_median_s)
      .filter(([k, v]) => v > 0 && !k.includes(':'))
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    out.push(`${mode}: median step ${fmt(m.step_time_s.value)} s (${phases}); gen ÷ train ${fmt(m.generation_to_training_ratio)}`);
  }
  return out;
}
