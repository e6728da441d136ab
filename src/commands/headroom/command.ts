import type { ModeName } from '../../scenario/schema.ts';
import { RESULTS_ROOT } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';
import { integerOption, MODE_CHOICES, numberList } from '../options.ts';

export const headroomCommandModule = defineCommand({
  command: 'headroom <scenario>',
  describe:
    'Memory headroom of a model in one mode on this GPU: the largest per-device batch and the smallest vLLM memory share that fit (a search that stops at the first out-of-memory)',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
      .option('mode', { type: 'string', choices: MODE_CHOICES, describe: 'Mode to probe (default colocate)' })
      .option('batches', { type: 'string', describe: 'Per-device batches to try, upwards, e.g. 8,16,32,64' })
      .option('utilizations', { type: 'string', describe: 'vLLM gpu_memory_utilization values to try, downwards, e.g. 0.3,0.2,0.15' })
      .option('axis', { type: 'string', choices: ['batch', 'utilization'] as const, describe: 'Only this search' })
      .option('point', { type: 'string', describe: 'Start from this point of the scenario’s sweep (its id)' })
      .option('steps', integerOption('steps', 'Steps per probe (default: the scenario’s)', { example: '5' }))
      .option('warmup-steps', integerOption('warmup-steps', 'Warm-up steps per probe', { min: 0, example: '2' }))
      .option('out', { type: 'string', default: RESULTS_ROOT, describe: 'Folder that receives results/<run-id>/' }),
  handler: async (a) => {
    const { headroomCommand } = await import('./index.ts');
    const { exitCode } = await headroomCommand({
      scenario: a.scenario,
      mode: a.mode as ModeName | undefined,
      batches: numberList(a.batches, 'batches'),
      utilizations: numberList(a.utilizations, 'utilizations'),
      axis: a.axis,
      point: a.point,
      steps: a.steps,
      warmupSteps: a['warmup-steps'],
      out: a.out,
    });
    return exitCode;
  },
});
