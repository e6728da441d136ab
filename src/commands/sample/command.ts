import { UsageError } from '../../errors.ts';
import { defineCommand } from '../command.ts';
import { integerOption, positiveNumberOption } from '../options.ts';

const SOURCES = ['auto', 'nvml', 'nvidia-smi'] as const;

export const sampleCommandModule = defineCommand({
  command: 'sample [program..]',
  describe:
    'Run any program under the harness’s samplers and show what each view (utilization.gpu, SM and tensor activity, power, energy) read during each of its phase events',
  builder: (y) =>
    y
      .positional('program', { type: 'string', array: true, describe: 'The program and its arguments, after --' })
      .option('out', { type: 'string', describe: 'Folder for its events, logs, samples and tables (default results/sample-<time>)' })
      .option('gpus', {
        type: 'string',
        default: '',
        describe: 'GPU indices to sample, comma-separated; the program sees them as CUDA_VISIBLE_DEVICES',
      })
      .option('interval-ms', integerOption('interval-ms', 'Sampling period', { default: 200, example: '200' }))
      .option('source', {
        type: 'string',
        choices: SOURCES,
        default: 'auto' as const,
        describe: 'GPU sampler: NVML (GPM, energy counter) or the nvidia-smi stream; auto uses NVML where pynvml imports',
      })
      .option(
        'settle',
        positiveNumberOption('settle', 'Seconds skipped at the start of each segment before reading it (default 1)', { min: 0 }),
      )
      .option('timeout', positiveNumberOption('timeout', 'Seconds before the program is ended', { default: 3600, example: '600' })),
  handler: async (a) => {
    const { sampleCommand } = await import('./index.ts');
    const gpus = a.gpus === '' ? [] : a.gpus.split(',').map((g) => (g.trim() === '' ? Number.NaN : Number(g.trim())));
    if (gpus.some((g) => !Number.isInteger(g) || g < 0)) throw new UsageError(`--gpus ${a.gpus}: give GPU indices, e.g. 0 or 0,1`);
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort('interrupted'));
    const { exitCode } = await sampleCommand({
      // Words after `--` land in yargs' `_`, after the command's own name.
      command: [...(a.program ?? []), ...a._.slice(1)].map(String),
      out: a.out,
      gpus,
      intervalMs: a['interval-ms'],
      source: a.source,
      settleS: a.settle,
      timeoutS: a.timeout,
      signal: stop.signal,
    });
    return exitCode;
  },
});
