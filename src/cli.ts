#!/usr/bin/env node
// Every command and its options, declared in one place. The work lives in src/commands/<verb>/
// and is imported only when that command runs, so `plan` never loads the samplers and
// `doctor` never loads the report renderers.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UserError } from './errors.ts';
import { MODE_NAMES, type ModeName } from './scenario/schema.ts';
import { harnessVersion } from './env/harness.ts';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  await yargs(argv)
    .scriptName('grpo-bench')
    .usage('$0 <command> [options]\n\nRuns one GRPO workload in server and colocate generation modes and compares them.')
    .command(
      'run <scenario>',
      'Run a scenario in each of its modes, sample the machine, summarise and report',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario YAML file' })
          .option('mode', { type: 'string', array: true, choices: MODE_NAMES as unknown as string[], describe: 'Only these modes' })
          .option('repeats', { type: 'number', describe: 'Override the scenario’s repeats' })
          .option('steps', { type: 'number', describe: 'Override the scenario’s steps' })
          .option('warmup-steps', { type: 'number', describe: 'Override the scenario’s warm-up steps' })
          .option('out', { type: 'string', default: 'results', describe: 'Folder that receives results/<run-id>/' })
          .option('reports', { type: 'string', default: 'reports', describe: 'Folder that receives reports/<run-id>/' })
          .option('report', { type: 'boolean', default: true, describe: 'Render the reports at the end (--no-report skips them)' }),
      async (a) => {
        const { runCommand } = await import('./commands/run/index.ts');
        exitCode = await runCommand({
          scenario: a.scenario,
          modes: a.mode as ModeName[] | undefined,
          repeats: positive(a.repeats, '--repeats'),
          steps: positive(a.steps, '--steps'),
          warmupSteps: nonNegative(a['warmup-steps'], '--warmup-steps'),
          out: a.out,
          reports: a.report ? a.reports : undefined,
        });
      },
    )
    .command(
      'plan <scenario>',
      'Print every process each mode would start: argv, env, GPUs, ports',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true })
          .option('mode', { type: 'string', array: true, choices: MODE_NAMES as unknown as string[] })
          .option('json', { type: 'boolean', default: false, describe: 'The plan as JSON, exactly as run executes it' })
          .option('gpus', { type: 'number', describe: 'Plan for this many GPUs instead of probing the machine' }),
      async (a) => {
        const { planCommand } = await import('./commands/plan/index.ts');
        await planCommand({ scenario: a.scenario, modes: a.mode as ModeName[] | undefined, json: a.json, gpus: a.gpus });
      },
    )
    .command(
      'doctor',
      'What this machine offers: GPUs, driver, Python and libraries; what each workload is missing',
      (y) => y.option('json', { type: 'boolean', default: false }),
      async (a) => {
        const { doctorCommand } = await import('./commands/doctor/index.ts');
        exitCode = await doctorCommand({ json: a.json });
      },
    )
    .demandCommand(1, 'Name a command: run, plan or doctor (see --help).')
    .strict()
    .version(harnessVersion())
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(msg, 'See grpo-bench --help, or grpo-bench <command> --help.');
    })
    .parseAsync();
  return exitCode;
}

function positive(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`${flag} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(v: number | undefined, flag: string): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new UserError(`${flag} must be a non-negative integer, got ${v}`);
  return v;
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
      process.exitCode = 70;
    }
  },
);
