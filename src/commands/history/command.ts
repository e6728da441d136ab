import { DEFAULT_GATE_METRIC } from '../../records/metrics.ts';
import { REPORTS_ROOT } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';

export const historyCommandModule = defineCommand({
  command: 'history <folders..>',
  describe:
    'A metric over versions and dates from many run folders: one line per comparable configuration (machine, model, mode, settings), with intervals, as history.html and history.csv; folders that do not compare are listed apart with why',
  builder: (y) =>
    y
      .positional('folders', { type: 'string', array: true, demandOption: true, describe: 'Run folders (results/<run-id>)' })
      .option('out', { type: 'string', default: `${REPORTS_ROOT}/history`, describe: 'Folder for history.html and history.csv' })
      .option('metric', { type: 'string', describe: `Metric (default ${DEFAULT_GATE_METRIC})` }),
  handler: async (a) => {
    const { historyCommand } = await import('./index.ts');
    await historyCommand({ folders: a.folders as string[], out: a.out, metric: a.metric });
    return 0;
  },
});
