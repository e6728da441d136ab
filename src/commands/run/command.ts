import { REPORTS_ROOT } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';
import { fractionOption, integerOption, positiveNumberOption, runArgs, runOptions } from '../options.ts';
import { UsageError } from '../../errors.ts';

export const runCommandModule = defineCommand({
  command: 'run <scenario>',
  describe: 'Run a scenario in each of its modes, sample the machine, summarise and report',
  builder: (y) =>
    runOptions(y)
      .option('reports', { type: 'string', default: REPORTS_ROOT, describe: 'Folder that receives reports/<run-id>/' })
      .option('report', { type: 'boolean', default: true, describe: 'Render the reports at the end (--no-report skips them)' })
      .option('until-resolved', {
        type: 'boolean',
        describe:
          'Two modes (or two sweep points) in interleaved blocks until the regression rule resolves (alpha spending) or --budget-s runs out',
      })
      .option(
        'budget-s',
        positiveNumberOption('budget-s', 'With --until-resolved: seconds of runs (start-up included) it may spend', { example: '1800' }),
      )
      .option('threshold', fractionOption('threshold', 'With --until-resolved: the regression threshold as a fraction (default 0.02)'))
      .option(
        'max-blocks',
        integerOption('max-blocks', 'With --until-resolved: at most this many blocks, whatever the budget allows', { example: '10' }),
      )
      .option('format', {
        type: 'string',
        choices: ['text', 'markdown'] as const,
        default: 'text' as const,
        describe: 'The summary on stdout: plain aligned text (default, to a terminal or a pipe) or Markdown',
      }),
  handler: async (a) => {
    const { runCommand } = await import('./index.ts');
    if (a['until-resolved'] && a['budget-s'] === undefined)
      throw new UsageError(
        '--until-resolved needs --budget-s N (seconds of runs it may spend, > 0)',
        'e.g. --until-resolved --budget-s 1800',
      );
    const untilResolved = a['until-resolved'] ? { budgetS: a['budget-s']!, threshold: a.threshold, maxBlocks: a['max-blocks'] } : undefined;
    return (await runCommand({ ...runArgs(a), format: a.format, reports: a.report ? a.reports : undefined, untilResolved })).exitCode;
  },
});
