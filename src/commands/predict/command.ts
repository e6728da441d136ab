import { defineCommand } from '../command.ts';
import { integerList, integerOption } from '../options.ts';

export const predictCommandModule = defineCommand({
  command: 'predict <profile..>',
  describe: 'PREDICTED speedup of colocate over every server split of N GPUs, with and without sleep mode, from a profile',
  builder: (y) =>
    y
      .positional('profile', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'profile.json, or results folders (a profile run, server/colocate/hf runs) to build one from',
      })
      .option('gpus', {
        ...integerOption('gpus', 'GPUs of the job (N): every split S + T of them is predicted', { example: '8' }),
        demandOption: true,
      })
      .option('batch', integerOption('batch', 'Per-device batch (default: the profile’s largest measured)', { example: '16' }))
      .option('server-tp', { type: 'string', default: '1', describe: 'Server tensor-parallel sizes: a list (1,2) or all' })
      .option('colocate-tp', integerOption('colocate-tp', 'Colocate engines’ tensor-parallel size', { default: 1 }))
      .option('shared-gpu', {
        type: 'boolean',
        default: false,
        describe: 'With --gpus 1: server mode with its server on the trainer’s GPU (IPC weight transfer) against colocate on that GPU',
      })
      .option('link', {
        type: 'string',
        describe: 'The link the weights cross trainer → server: nvlink3, nvlink4 (default), nvlink5, pcie4, pcie5, or GB/s (one way)',
      })
      .option('assume', {
        type: 'string',
        array: true,
        describe:
          'Override an assumption: name=value (weight_sync_update_s, link_gb_per_s, allreduce_gb_per_s, tp_efficiency, sleep_gb_per_s, ipc_update_overhead_s)',
      })
      .option('out', {
        type: 'string',
        describe: 'Folder for predict.md, predict.json and the chart (default: reports/<profile run>/predict-<N>gpu)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the prediction as JSON' }),
  handler: async (a) => {
    const { predictCommand } = await import('./index.ts');
    await predictCommand({
      profile: a.profile,
      gpus: a.gpus,
      batch: a.batch,
      serverTp: a['server-tp'] === 'all' ? 'all' : integerList([a['server-tp']], 'server-tp'),
      colocateTp: a['colocate-tp'],
      sharedGpu: a['shared-gpu'],
      assume: a.assume ?? [],
      link: a.link,
      out: a.out,
      json: a.json,
    });
    return 0;
  },
});
