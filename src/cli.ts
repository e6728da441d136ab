#!/usr/bin/env node
// Dispatch only: each command declares its options in src/commands/<verb>/command.ts and imports
// its work when it runs, so `plan` never loads the samplers and `doctor` never the renderers.
// Errors end here: a UserError prints its message and hint and exits with its code (never one a
// verdict uses); anything else is a bug (70).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index.ts';
import { optionNames, usageError } from './commands/usage.ts';
import { EXIT, UserError } from './errors.ts';
import { harnessVersion } from './env/harness.ts';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  // The running command's name and flags, for "did you mean" when yargs refuses the line.
  let current: { name?: string; flags: string[] } = { flags: [] };
  const cli = yargs(argv)
    .scriptName('grpo-bench')
    .usage('$0 <command> [options]\n\nRuns one GRPO workload in server and colocate generation modes and compares them.');
  for (const c of COMMANDS) {
    const name = c.command.split(' ')[0]!;
    const builder = (y: Parameters<typeof c.builder>[0]) => {
      const built = c.builder(y);
      current = { name, flags: optionNames(built) };
      return built;
    };
    // `false` hides a command from --help; yargs' types only admit its string form.
    cli.command(c.command, c.describe as string, builder, async (a) => {
      exitCode = await c.handler(a);
    });
  }
  await cli
    .demandCommand(
      1,
      `Name a command: ${COMMANDS.filter((c) => c.describe)
        .map((c) => c.command.split(' ')[0])
        .join(', ')} (see --help).`,
    )
    .recommendCommands()
    .strict()
    .version(harnessVersion())
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // A coerce that refused a value reaches here re-thrown by yargs as a YError with its message.
      if (err && err.name !== 'YError') throw err;
      throw usageError(err?.message ?? msg, current.name, current.flags, argv);
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      if (err.hint) console.error(`hint: ${err.hint}`);
      process.exitCode = err.exitCode;
    } else {
      console.error(err);
      console.error(`\nThis is a bug in grpo-bench ${harnessVersion()} (node ${process.version}); please report it with the lines above.`);
      process.exitCode = EXIT.bug;
    }
  },
);
