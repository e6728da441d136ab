// Hand-built GateSides: step rows with given durations (100 completion tokens, 4 samples per step)
// and the ModeSummary figures the gate reads, computed from those rows.
import type { ModeSummary } from '../../src/records/summary.ts';
import type { StepRow } from '../../src/records/steps.ts';
import { medianStepTime, samplesPerSecond, tokensPerSecond } from '../../src/analysis/summary/summarize.ts';
import type { GateSide } from '../../src/analysis/gate/judge.ts';
import type { Fingerprint } from '../../src/records/manifest.ts';
import { Scenario, type ModeName } from '../../src/scenario/schema.ts';

export const TOKENS = 100;

/** Deterministic noise in [−1, 1): a linear congruential stream from `seed`. */
export function noise(seed: number, n: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x / 2 ** 32) * 2 - 1;
  });
}

/** `runs` runs of `steps` step times base·(1 + jitter·noise); with `runJitter`, each run's level also moves by (1 + runJitter·noise). */
export function durations(base: number, jitter: number, runs: number, steps: number, seed: number, runJitter = 0): number[][] {
  const levels = noise(seed + 104729, runs);
  return Array.from({ length: runs }, (_, r) =>
    noise(seed + 7919 * r, steps).map((z) => base * (1 + runJitter * levels[r]!) * (1 + jitter * z)),
  );
}

export interface ModeSpec {
  point?: string;
  mode?: ModeName;
  /** Step durations per run. */
  runs: number[][];
  /** Seconds between one step's end and the next one's start (default 0: steps back to back). */
  gap?: number;
  /** Completion tokens per step (default TOKENS). */
  tokens?: number;
}

export interface SideOptions {
  environment?: Fingerprint['environment'];
  subject?: Fingerprint['subject'];
  scenario?: Record<string, unknown>;
  runId?: string;
}

const DEVICES = { kind: 'cpu' as const, allocated: [0, 1], training: [0, 1], server: [] };

export function side(modes: ModeSpec[], o: SideOptions = {}): GateSide {
  const rows: StepRow[] = [];
  const summaries: ModeSummary[] = [];
  for (const m of modes) {
    const point = m.point ?? 'default';
    const mode = m.mode ?? 'colocate';
    const tokens = m.tokens ?? TOKENS;
    const own: StepRow[][] = m.runs.map((ds, repeat) => {
      let t = 1000 * (repeat + 1);
      return ds.map((d, step) => {
        const row: StepRow = {
          point,
          mode,
          repeat,
          step,
          warmup: false,
          t0: t,
          t1: t + d,
          duration_s: d,
          samples: 4,
          prompt_tokens: 40,
          completion_tokens: tokens,
          phases: { generate: d / 2 },
          outlier: false,
        };
        t += d + (m.gap ?? 0);
        return row;
      });
    });
    rows.push(...own.flat());
    const all = own.flat();
    const est = (value: number) => ({ value, n_runs: own.length, n_steps: all.length });
    const tps = tokensPerSecond(all);
    summaries.push({
      point,
      mode,
      devices: DEVICES,
      runs: own.map((r, repeat) => ({ repeat, status: 'ok', steps: r.length, steady_state_settled: true })),
      completion_tokens_per_sample: tokens / 4,
      prompt_tokens_per_sample: 10,
      step_time_s: est(medianStepTime(all)),
      completion_tokens_per_s: est(tps),
      completion_tokens_per_s_per_allocated_device: est(tps / DEVICES.allocated.length),
      completion_tokens_per_s_per_training_device: est(tps / DEVICES.training.length),
      samples_per_s: est(samplesPerSecond(all)),
      time_to_first_step_s: est(5),
      phase_median_s: { generate: medianStepTime(all) / 2 },
      generation_to_training_ratio: Number.NaN,
    } as unknown as ModeSummary);
  }
  const scenario = Scenario.parse({
    name: 'gate-test',
    workload: 'synthetic',
    model: 'preset:tiny',
    device: 'cpu',
    modes: { colocate: { devices: 2 } },
    ...o.scenario,
  });
  return {
    dir: `results/${o.runId ?? 'run'}`,
    manifest: {
      run_id: o.runId ?? 'run',
      status: 'completed',
      scenario,
      fingerprint: {
        environment: o.environment ?? { cpu_model: 'Test CPU', cpu_cores: 2, gpu_count: 0 },
        subject: o.subject ?? { trl: '1.12.0', harness_commit: 'aaaa' },
      },
    },
    summary: { scenario: scenario.name, modes: summaries, functional_only: false } as never,
    rows,
  };
}
