import type { ModeName } from '../../scenario/schema.ts';
import { REPORTS_ROOT, RESULTS_ROOT } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';
import { integerList, integerOption } from '../options.ts';

const TRAINER_MODES = ['colocate', 'hf', 'none'] as const;

export const profileCommandModule = defineCommand({
  command: 'profile <scenario>',
  describe:
    'Measure the halves the what-if model composes: the server answering 1 … K trainers’ requests, and colocate/hf steps by per-device batch',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file (needs modes.server)' })
      .option('trainers', {
        type: 'string',
        array: true,
        default: ['1-8'],
        describe: 'Trainer counts K to simulate: numbers or ranges (1-8)',
      })
      .option('batches', {
        type: 'string',
        array: true,
        describe: 'Per-device batches B (default: the scenario’s sweep of per_device_train_batch_size, else its value)',
      })
      .option('requests', integerOption('requests', 'Measured requests per (K, B)', { default: 3 }))
      .option(
        'warmup-requests',
        integerOption('warmup-requests', 'Unmeasured requests at the largest (K, B) first', { default: 1, min: 0 }),
      )
      .option('trainer-mode', {
        type: 'string',
        array: true,
        choices: TRAINER_MODES,
        describe: 'Trainer-half modes to run (default: colocate and hf as defined; none with --trainer-runs)',
      })
      .option('trainer-runs', {
        type: 'string',
        array: true,
        describe: 'Results folders of colocate/hf/server runs that make the trainer half',
      })
      .option('steps', integerOption('steps', 'Override the scenario’s steps (trainer half)', { example: '20' }))
      .option(
        'warmup-steps',
        integerOption('warmup-steps', 'Override the scenario’s warm-up steps (trainer half)', { min: 0, example: '2' }),
      )
      .option('repeats', integerOption('repeats', 'Override the scenario’s repeats (trainer half)'))
      .option('out', { type: 'string', default: RESULTS_ROOT, describe: 'Folder that receives results/<run-id>/' })
      .option('reports', { type: 'string', default: REPORTS_ROOT, describe: 'Folder that receives reports/<run-id>/' })
      .option('report', { type: 'boolean', default: true, describe: 'Write the reports (--no-report skips them)' }),
  handler: async (a) => {
    const { profileCommand } = await import('./index.ts');
    const modes = a['trainer-mode'];
    const { exitCode } = await profileCommand({
      scenario: a.scenario,
      trainers: integerList(a.trainers, 'trainers'),
      batches: a.batches ? integerList(a.batches, 'batches') : undefined,
      requests: a.requests,
      warmupRequests: a['warmup-requests'],
      trainerModes: modes ? (modes.includes('none') ? [] : (modes as ModeName[])) : undefined,
      trainerRuns: a['trainer-runs'],
      steps: a.steps,
      warmupSteps: a['warmup-steps'],
      repeats: a.repeats,
      out: a.out,
      reports: a.report ? a.reports : undefined,
    });
    return exitCode;
  },
});
