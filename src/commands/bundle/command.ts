import { defineCommand } from '../command.ts';
import { positiveNumberOption } from '../options.ts';

export const bundleCommandModule = defineCommand({
  command: 'bundle [requirements..]',
  describe: 'Build an offline bundle for a host without network: the harness as one file, Node, and the wheels it lacks',
  builder: (y) =>
    y
      .positional('requirements', {
        type: 'string',
        array: true,
        describe: 'What the host must be able to import, e.g. trl==1.13.0 vllm==0.26.0',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Output folder (emptied first)' })
      .option('python', { type: 'string', demandOption: true, describe: 'Target Python major.minor, e.g. 3.12' })
      .option('platform', { type: 'string', array: true, describe: 'Wheel platform tags the target accepts' })
      .option('have', { type: 'string', array: true, describe: 'What the host has: name==version or name (never shipped)' })
      .option('have-file', { type: 'string', array: true, describe: 'pip freeze output (or one name per line) of the host' })
      .option('requirement', { alias: 'r', type: 'string', array: true, describe: 'Requirement files' })
      .option('exclude', { type: 'string', array: true, describe: 'Packages not to ship' })
      .option('force-ship', { type: 'string', array: true, describe: 'Ship even though the host has it' })
      .option('strip', { type: 'string', array: true, describe: 'name:glob — drop matching files from that wheel' })
      .option('find-links', { type: 'string', array: true, describe: 'Folders or pages of wheels pip may take from (pip’s --find-links)' })
      // Declared positively: yargs reads --no-X as X=false, never as an option named no-X.
      .option('index', { type: 'boolean', default: true, describe: 'Ask the package index (--no-index: only --find-links)' })
      .option('node', { type: 'boolean', default: false, describe: 'Include this Node.js binary (xz)' })
      .option('harness', { type: 'boolean', default: true, describe: 'Bundle the harness (--no-harness: wheels only)' })
      // No default here: unset, it follows --harness (a wheels-only bundle does not ship them unasked).
      .option('harness-requirements', {
        type: 'boolean',
        describe:
          "Ship the wheels of requirements-harness.txt (jsonschema: what the workloads import beside the host's PyTorch stack), less what the host has (default: with the harness; --no-harness-requirements leaves them out)",
      })
      .option('resolver-python', {
        type: 'string',
        describe: "A local Python of the target's major.minor to resolve wheels with (default: python<ver>, else python3)",
      })
      .option('split-mib', positiveNumberOption('split-mib', 'Split into parts of at most this many MiB', { example: '1900' }))
      .option('variant', {
        type: 'string',
        array: true,
        describe: 'PACKAGE=VERSION of a pure-Python package installed in its own folder for a scenario variant (e.g. trl=1.16.0)',
      }),
  handler: async (a) => {
    const { bundleCommand } = await import('./index.ts');
    return bundleCommand({
      out: a.out,
      python: a.python,
      platforms: a.platform,
      have: a.have,
      haveFiles: a['have-file'],
      requirements: a.requirements,
      requirementFiles: a.requirement,
      harnessRequirements: a['harness-requirements'],
      resolverPython: a['resolver-python'],
      exclude: a.exclude,
      forceShip: a['force-ship'],
      strip: a.strip,
      findLinks: a['find-links'],
      noIndex: !a.index,
      node: a.node,
      entry: a.harness ? undefined : null,
      splitMib: a['split-mib'],
      variants: a.variant,
    });
  },
});
