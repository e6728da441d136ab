import { DEFAULT_GATE_METRIC } from '../../records/metrics.ts';
import { defineCommand } from '../command.ts';
import { fractionOption } from '../options.ts';

export const gateCommandModule = defineCommand({
  command: 'gate <runs..>',
  describe:
    'Did a variant regress? In one run of a scenario with variants, each variant ÷ the baseline variant per point and mode, paired by ABBA block; exit 0 no regression beyond the threshold, 1 regressed, 3 inconclusive',
  builder: (y) =>
    y
      .positional('runs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'results/<run-id> of a run with variants; several runs of one scenario pool their blocks',
      })
      .option('metric', { type: 'string', describe: `Gated metric (default ${DEFAULT_GATE_METRIC})` })
      .option('threshold', fractionOption('threshold', 'Smallest change that counts, as a fraction of the baseline', { default: 0.02 }))
      .option('json', { type: 'boolean', default: false, describe: 'The verdict as JSON instead of Markdown' }),
  handler: async (a) => {
    const { gateCommand } = await import('./index.ts');
    return gateCommand({ runs: a.runs as string[], metric: a.metric, threshold: a.threshold, json: a.json });
  },
});
