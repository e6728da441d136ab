import { defineCommand } from '../command.ts';
import { fractionOption, integerOption, runArgs, runOptions } from '../options.ts';

export const calibrateCommandModule = defineCommand({
  command: 'calibrate <scenario>',
  describe:
    'Measure what the gate resolves here: the scenario as several A/A pairs of folders, a noise profile for compare, and the smallest regression caught with 80% and 95% probability at n runs per side',
  builder: (y) =>
    runOptions(y)
      .option('pairs', integerOption('pairs', 'A/A pairs of results folders to run (default 3)'))
      .option('threshold', fractionOption('threshold', 'Threshold the table of detectable regressions is computed for (default 0.02)'))
      .option('metric', {
        type: 'string',
        describe: 'Metric to calibrate (default completion_tokens_per_s_per_allocated_device; the same names as compare --metric)',
      })
      .option('from', {
        type: 'string',
        array: true,
        describe:
          'Two or more results folders of this scenario already run here (ideally at different times): profile them instead of running',
      }),
  handler: async (a) => {
    const { calibrateCommand } = await import('./index.ts');
    return calibrateCommand({ ...runArgs(a), pairs: a.pairs, threshold: a.threshold, metric: a.metric, from: a.from });
  },
});
