import { DEFAULT_GATE_METRIC } from '../../records/metrics.ts';
import { defineCommand } from '../command.ts';
import { fractionOption } from '../options.ts';

export const compareCommandModule = defineCommand({
  command: 'compare <baseline> <candidate>',
  describe:
    'Did the candidate regress? Per point and mode, a t interval of the candidate ÷ baseline ratio of per-run values; exit 0 no regression beyond the threshold, 1 regressed, 3 inconclusive (with the runs per side that would resolve it), 2 not comparable',
  builder: (y) =>
    y
      .positional('baseline', { type: 'string', demandOption: true, describe: 'results/<run-id> of the baseline' })
      .positional('candidate', { type: 'string', demandOption: true, describe: 'results/<run-id> of the candidate' })
      .option('metric', { type: 'string', describe: `Gated metric (default ${DEFAULT_GATE_METRIC})` })
      .option('threshold', fractionOption('threshold', 'Smallest change that counts, as a fraction of the baseline', { default: 0.02 }))
      .option('allow-different', {
        type: 'string',
        array: true,
        describe: 'Environment, settings or work field allowed to differ (exact or prefix, e.g. slowdown, environment, work)',
      })
      .option('noise-profile', { type: 'string', describe: 'Noise profile file from calibrate (default: found beside the baseline)' })
      .option('json', { type: 'boolean', default: false, describe: 'The verdict as JSON instead of text' })
      .option('format', {
        type: 'string',
        choices: ['text', 'markdown'] as const,
        default: 'text' as const,
        describe: 'Plain aligned text (default, to a terminal or a pipe) or Markdown for a pull request',
      }),
  handler: async (a) => {
    const { compareCommand } = await import('./index.ts');
    return compareCommand({
      baseline: a.baseline,
      candidate: a.candidate,
      metric: a.metric,
      threshold: a.threshold,
      allowDifferent: a['allow-different'],
      noiseProfile: a['noise-profile'],
      json: a.json,
      format: a.format,
    });
  },
});
