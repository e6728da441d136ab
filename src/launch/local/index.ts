// The local launcher: each unit's processes on this machine, one unit after another, under the
// supervisor with the samplers running (../unit.ts).
import path from 'node:path';
import type { Launcher, LaunchRun } from '../launcher.ts';
import { planVariantRun } from '../variants.ts';
import { followProgress } from '../progress.ts';
import type { UnitOutcome } from '../supervisor.ts';
import type { UnitPlan } from '../../records/plan.ts';
import { describeError, outcomeError, runSampledUnit } from '../unit.ts';
import { compileCacheWarm } from '../../env/compile-cache.ts';

export const localLauncher: Launcher = {
  onThisMachine: true,
  skipsUnits: true,
  plan: (points, ctx, options) => planVariantRun(points, ctx, options.variants ?? [], options),
  where: (plan, gpusHere) => (plan.device === 'cuda' ? `${gpusHere} GPU(s)` : 'CPU'),
  async run(o) {
    for (const [index, unit] of o.plan.units.entries()) {
      if (o.signal.aborted) break;
      const reason = await o.skip?.(unit, o.store.current.units);
      if (reason !== undefined) {
        console.error(`[${index + 1}/${o.plan.units.length}] ${unit.dir}: skipped (${reason})`);
        await o.store.updateUnit(unit.dir, { status: 'skipped', error: { message: reason } });
        continue;
      }
      const outcome = await runOneUnit(unit, index, o);
      if (outcome.status === 'interrupted') return { interrupted: true, endedEarly: null };
    }
    return { interrupted: false, endedEarly: null };
  },
};

async function runOneUnit(unit: UnitPlan, index: number, o: LaunchRun): Promise<UnitOutcome> {
  const unitDir = path.join(o.runDir, unit.dir);
  const scenario = o.scenarioOf(unit);
  const cacheWarm = await compileCacheWarm(
    process.env,
    unit.processes.map((p) => p.env),
  );
  await o.store.updateUnit(unit.dir, { status: 'running', started: new Date().toISOString(), cache_warm: cacheWarm });
  const done = followProgress({ unit, unitDir, steps: scenario.steps, index, total: o.plan.units.length });
  const { outcome, samplerCost, gpuTelemetry, samplerProblems } = await runSampledUnit({
    dir: unitDir,
    processes: unit.processes,
    gpus: unit.devices.kind === 'cuda' ? unit.devices.allocated : [],
    telemetry: scenario.telemetry,
    timeoutS: scenario.timeouts.run_s,
    signal: o.signal,
  });
  for (const p of samplerProblems) console.error(`  sampler: ${p}`);
  const ended = new Date().toISOString();
  if (outcome.status === 'ok') {
    done('done');
    await o.store.updateUnit(unit.dir, { status: 'ok', ended, sampler_cost: samplerCost, telemetry: gpuTelemetry });
  } else {
    done(outcome.status);
    const error = await outcomeError(outcome, unitDir);
    console.error(describeError(error).join('\n'));
    await o.store.updateUnit(unit.dir, { status: outcome.status, ended, error, sampler_cost: samplerCost, telemetry: gpuTelemetry });
  }
  return outcome;
}
