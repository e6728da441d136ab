import { REPORT_FORMAT_NAMES } from '../../report/formats.ts';
import { defineCommand } from '../command.ts';

export const reportCommandModule = defineCommand({
  command: 'report <results>',
  describe: 'Render CSV, Markdown, HTML and PNG reports from a results folder alone',
  builder: (y) =>
    y
      .positional('results', { type: 'string', demandOption: true, describe: 'results/<run-id> folder' })
      .option('out', { type: 'string', describe: 'Output folder (default: reports/<run-id> beside results/)' })
      .option('format', { type: 'string', array: true, choices: REPORT_FORMAT_NAMES, describe: 'Only these formats' })
      .option('allow-unverified', { type: 'boolean', default: false, describe: 'Report a folder whose files no longer match their recorded digests, marking its figures unverified' }),
  handler: async (a) => {
    const { reportCommand } = await import('./index.ts');
    const r = await reportCommand({ results: a.results, out: a.out, formats: a.format, allowUnverified: a['allow-unverified'] });
    if (r.unverified) console.log(r.unverified);
    console.log(`${r.outDir}\n${r.files.map((f) => `  ${f}`).join('\n')}`);
    return 0;
  },
});
