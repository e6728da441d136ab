import { REPRODUCE_DIR } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';

export const reproduceCommandModule = defineCommand({
  command: 'reproduce [claims..]',
  describe:
    'Each published claim (scenarios/published/*.yaml) against its PREDICTED value from a profile and, where a run exists, the measured one: verdict and the gap from the phases',
  builder: (y) =>
    y
      .positional('claims', {
        type: 'string',
        array: true,
        describe: 'Scenario files with a claim: block (default: scenarios/published/*.yaml)',
      })
      .option('profile', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Profiles: profile.json files, or results folders (a profile run and runs of the same model and lengths join into one)',
      })
      .option('runs', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Results folders of runs of the claims’ scenarios',
      })
      .option('assume', { type: 'string', array: true, describe: 'Override an assumption of the model: name=value' })
      .option('link', {
        type: 'string',
        describe: 'The link the weights cross trainer → server: nvlink3, nvlink4 (default), nvlink5, pcie4, pcie5, or GB/s (one way)',
      })
      .option('out', { type: 'string', default: REPRODUCE_DIR, describe: 'Folder for reproduce.md and reproduce.json' })
      .option('json', { type: 'boolean', default: false, describe: 'Print each claim’s result as JSON instead of the table' })
      .option('format', {
        type: 'string',
        choices: ['text', 'markdown'] as const,
        default: 'text' as const,
        describe:
          'The table on stdout: plain aligned text (default, to a terminal or a pipe) or Markdown; reproduce.md is Markdown either way',
      }),
  handler: async (a) => {
    const { reproduceCommand } = await import('./index.ts');
    await reproduceCommand({
      claims: a.claims ?? [],
      profiles: a.profile,
      runs: a.runs,
      assume: a.assume ?? [],
      link: a.link,
      out: a.out,
      json: a.json,
      format: a.format,
    });
    return 0;
  },
});
