// One machine's share of a unit, start to end: GPU hygiene, the samplers, the supervised
// processes, the samplers stopped; then the outcome as the manifest records it. `run` does this
// for a whole unit on this machine; a SLURM node agent does it for its node's share.
import { UserError } from '../errors.ts';
import { errorLines, firstWorkloadError, memoryErrorLine } from '../results/failure.ts';
import type { UnitRecord } from '../records/manifest.ts';
import { waitGpusIdle } from '../telemetry/hygiene.ts';
import type { Scenario } from '../scenario/schema.ts';
import { startSampling, type SamplerCost } from '../telemetry/samplers.ts';
import { runUnit, UnitProcesses, type UnitOutcome } from './supervisor.ts';
import type { ProcessSpec } from '../records/plan.ts';

export interface SampledUnitOptions {
  /** Where logs, events and samples go. */
  dir: string;
  processes: ProcessSpec[];
  /** This machine's GPU indices the processes use; empty on CPU. */
  gpus: number[];
  /** The unit's scenario's telemetry settings; `enabled: false` runs no sampler. */
  telemetry: Scenario['telemetry'];
  timeoutS: number;
  signal: AbortSignal;
  graceMs?: number;
}

export interface SampledUnit {
  outcome: UnitOutcome;
  samplerCost?: SamplerCost;
  /** Which GPU sampler ran and whether GPM was available (the manifest's `telemetry`). */
  gpuTelemetry?: UnitRecord['telemetry'];
  /** Problems the samplers met (a stream that died). */
  samplerProblems: string[];
}

export async function runSampledUnit(o: SampledUnitOptions): Promise<SampledUnit> {
  let samplerCost: SamplerCost | undefined;
  let gpuTelemetry: UnitRecord['telemetry'];
  const samplerProblems: string[] = [];
  try {
    await waitGpusIdle({ gpus: o.gpus });
    const tracker = new UnitProcesses();
    const t = o.telemetry;
    const sampling = t.enabled
      ? await startSampling({
          unitDir: o.dir,
          intervalMs: t.interval_ms,
          gpus: o.gpus,
          members: () => tracker.sampledMembers(),
          gpuSource: t.source,
        })
      : undefined;
    gpuTelemetry = sampling?.gpu;
    let outcome: UnitOutcome;
    try {
      outcome = await runUnit({
        unitDir: o.dir,
        processes: o.processes,
        timeoutS: o.timeoutS,
        signal: o.signal,
        tracker,
        graceMs: o.graceMs,
      });
    } finally {
      samplerCost = await sampling?.stop();
      samplerProblems.push(...(sampling?.problems ?? []));
    }
    return { outcome, samplerCost, gpuTelemetry, samplerProblems };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return {
      outcome: { status: 'failed', message: err.message, process: 'harness', log_tail: [] },
      samplerCost,
      gpuTelemetry,
      samplerProblems,
    };
  }
}

/**
 * The manifest's error record of an outcome that is not ok, with the first error a workload
 * process recorded among the event files under `dir` (a launcher's own traceback buries the rank's).
 */
export async function outcomeError(
  outcome: Exclude<UnitOutcome, { status: 'ok' }>,
  dir: string,
): Promise<NonNullable<UnitRecord['error']>> {
  if (outcome.status === 'interrupted') return { message: outcome.message };
  const cause = await firstWorkloadError(dir);
  return {
    message: outcome.message,
    process: outcome.process,
    exit_code: outcome.exit_code,
    signal: outcome.signal,
    log_tail: outcome.log_tail,
    ...(cause ? { workload_error: cause } : {}),
  };
}

/** The lines `run` prints for a unit that did not end ok. */
export function describeError(error: NonNullable<UnitRecord['error']>): string[] {
  const lines = [`  ${error.message}`];
  if (error.log_tail?.length) lines.push(...error.log_tail.map((l) => `  | ${l}`));
  const cause = error.workload_error;
  if (cause) lines.push(`  first error a workload process recorded (${cause.file}):`, ...errorLines(cause.error).map((l) => `  > ${l}`));
  if (cause?.memory_error) lines.push(`  ${memoryErrorLine(cause.memory_error)}`);
  return lines;
}
