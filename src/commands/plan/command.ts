import type { LauncherName, ModeName } from '../../scenario/schema.ts';
import { LAUNCHER_NAMES } from '../../launch/launchers.ts';
import { defineCommand } from '../command.ts';
import { integerOption, MODE_CHOICES } from '../options.ts';

export const planCommandModule = defineCommand({
  command: 'plan <scenario>',
  describe: 'Print every process each mode would start: argv, env, GPUs, ports; anywhere (what this machine lacks is listed as warnings)',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
      .option('mode', { type: 'string', array: true, choices: MODE_CHOICES, describe: 'Only these modes' })
      .option('json', { type: 'boolean', default: false, describe: 'The plan as JSON, exactly as run executes it' })
      .option('gpus', integerOption('gpus', 'Plan for this many GPUs instead of probing the machine', { min: 0, example: '8' }))
      .option('assume', {
        type: 'string',
        array: true,
        describe: 'Library versions to plan for instead of probing: name=version or name==version, e.g. trl=1.13.0,vllm=0.26.0',
      })
      .option('launcher', {
        type: 'string',
        choices: LAUNCHER_NAMES,
        describe: 'Override the scenario’s launcher (slurm: print the job script)',
      }),
  handler: async (a) => {
    const { planCommand } = await import('./index.ts');
    await planCommand({
      scenario: a.scenario,
      modes: a.mode as ModeName[] | undefined,
      json: a.json,
      gpus: a.gpus,
      assume: a.assume,
      launcher: a.launcher as LauncherName | undefined,
    });
    return 0;
  },
});
