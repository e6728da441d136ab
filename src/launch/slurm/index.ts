// The slurm launcher: one batch job for the whole run (docs/slurm.md). The plan places each unit
// on nodes, the job script is what is submitted, and the harness follows the job (./run.ts).
import { harnessCommand } from '../../env/harness.ts';
import { UsageError } from '../../errors.ts';
import type { Launcher, ScriptContext } from '../launcher.ts';
import type { RunPlan } from '../../records/plan.ts';
import { planSlurmRun } from './plan.ts';
import { jobScript } from './script.ts';

function script(plan: RunPlan, c: ScriptContext): string {
  return jobScript(plan, {
    scenario: c.scenario.name,
    runDir: c.runDir,
    settings: c.scenario.slurm,
    harness: harnessCommand(),
    root: c.root,
    python: c.python,
  });
}

export const slurmLauncher: Launcher = {
  // The devices are the compute nodes': this host's GPUs (a login node has none) do not count.
  onThisMachine: false,
  // The job runs every unit it was given; the harness only follows it.
  skipsUnits: false,
  plan: (points, ctx, options) => {
    // Each variant needs its own Python on every node, which a job script cannot check before it runs.
    if (options.variants?.length)
      throw new UsageError('a scenario with variants runs on this machine, not as a SLURM job', 'Use --launcher local.');
    return planSlurmRun(points, ctx, options);
  },
  script,
  where: (plan) => `a SLURM job of ${plan.slurm!.nodes} node(s)`,
  async run(o) {
    const { runOnSlurm } = await import('./run.ts');
    return runOnSlurm({
      plan: o.plan,
      script: script(o.plan, o),
      store: o.store,
      runDir: o.runDir,
      steps: (u) => o.scenarioOf(u).steps,
      signal: o.signal,
    });
  },
};
