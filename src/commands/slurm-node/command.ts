import { defineCommand } from '../command.ts';
import { integerOption } from '../options.ts';

export const slurmNodeCommandModule = defineCommand({
  command: 'slurm-node <run>',
  describe: false, // started by a SLURM job script on each node, not by people
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'results/<run-id> folder of the run' })
      .option('unit', { ...integerOption('unit', 'Index of the unit in plan.json', { min: 0, example: '0' }), demandOption: true })
      .option('role', {
        type: 'string',
        choices: ['server', 'trainer'] as const,
        demandOption: true,
        describe: 'Which of the unit’s roles this node runs',
      })
      .option('server-nodes', { type: 'string', default: '', describe: "The unit's server nodes, comma-separated" })
      .option('trainer-nodes', { type: 'string', demandOption: true, describe: "The unit's trainer nodes, comma-separated" }),
  handler: async (a) => {
    const { slurmNodeCommand } = await import('./index.ts');
    return slurmNodeCommand({ run: a.run, unit: a.unit, role: a.role, serverNodes: a['server-nodes'], trainerNodes: a['trainer-nodes'] });
  },
});
