import { defineCommand } from '../command.ts';

export const variantsCommandModule = defineCommand({
  command: 'variants <action> <scenario>',
  describe:
    "Set up a scenario's variants on a machine with a package index: a virtual environment per variant whose python does not exist yet, and pip install of what its expect: pins",
  builder: (y) =>
    y
      .positional('action', {
        type: 'string',
        choices: ['setup'] as const,
        demandOption: true,
        describe: 'setup: make the environments that are missing',
      })
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file with variants' })
      .option('python', { type: 'string', describe: 'Interpreter that makes the environments (default: the workload Python)' })
      .option('over', { type: 'string', describe: "Layer each new environment over this Python's packages (its pins shadow them)" })
      .option('system-site-packages', {
        type: 'boolean',
        default: false,
        describe: "Give new environments the base interpreter's packages (python -m venv --system-site-packages)",
      })
      .option('deps', {
        type: 'boolean',
        default: true,
        describe: 'Install the pins with their dependencies (--no-deps: only the pinned packages)',
      }),
  handler: async (a) => {
    const { variantsSetupCommand } = await import('./setup.ts');
    return variantsSetupCommand({
      scenario: a.scenario,
      python: a.python,
      over: a.over,
      systemSitePackages: a['system-site-packages'],
      noDeps: !a.deps,
    });
  },
});
