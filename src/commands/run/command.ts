import { REPORTS_ROOT } from '../../results/layout.ts';
import { defineCommand } from '../command.ts';
import { runArgs, runOptions } from '../options.ts';

export const runCommandModule = defineCommand({
  command: 'run <scenario>',
  describe: 'Run a scenario in each of its modes, sample the machine, summarise and report',
  builder: (y) =>
    runOptions(y)
      .option('reports', { type: 'string', default: REPORTS_ROOT, describe: 'Folder that receives reports/<run-id>/' })
      .option('report', { type: 'boolean', default: true, describe: 'Render the reports at the end (--no-report skips them)' })
      .option('format', { type: 'string', choices: ['text', 'markdown'] as const, default: 'text' as const, describe: 'The summary on stdout: plain aligned text (default, to a terminal or a pipe) or Markdown' }),
  handler: async (a) => {
    const { runCommand } = await import('./index.ts');
    return (await runCommand({ ...runArgs(a), format: a.format, reports: a.report ? a.reports : undefined })).exitCode;
  },
});
