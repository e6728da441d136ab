import { REPORT_FORMAT_NAMES } from '../../report/formats.ts';
import { defineCommand } from '../command.ts';

export const reportCommandModule = defineCommand({
  command: 'report <results..>',
  describe: 'Render CSV, Markdown, HTML and PNG reports from a results folder alone; given several, one page over them all',
  builder: (y) =>
    y
      .positional('results', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'results/<run-id> folder; several (or folders holding them): one page comparing them',
      })
      .option('out', {
        type: 'string',
        describe: 'Output folder (default: reports/<run-id> beside results/; for several folders reports/multi-<run ids>)',
      })
      .option('format', { type: 'string', array: true, choices: REPORT_FORMAT_NAMES, describe: 'Only these formats' })
      .option('vector', {
        type: 'string',
        choices: ['svg', 'pdf'] as const,
        describe: 'Also draw every chart as SVG or PDF (charts/<id>.svg|pdf), for print',
      })
      .option('allow-unverified', {
        type: 'boolean',
        default: false,
        describe: 'Report a folder whose files no longer match their recorded digests, marking its figures unverified',
      }),
  handler: async (a) => {
    const results = a.results as string[];
    const allowUnverified = a['allow-unverified'];
    const { reportCommand } = await import('./index.ts');
    const { multiReportCommand } = await import('./multi.ts');
    const r =
      results.length === 1
        ? await reportCommand({ results: results[0]!, out: a.out, formats: a.format, vector: a.vector, allowUnverified })
        : await multiReportCommand({ results, out: a.out, formats: a.format, vector: a.vector, allowUnverified });
    if (r.unverified) console.log(r.unverified);
    console.log(`${r.outDir}\n${r.files.map((f) => `  ${f}`).join('\n')}`);
    return 0;
  },
});
