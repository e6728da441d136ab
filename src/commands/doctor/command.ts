import { defineCommand } from '../command.ts';

export const doctorCommandModule = defineCommand({
  command: 'doctor',
  describe: 'What this machine offers: GPUs, driver, Python and libraries; what each workload is missing',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'The report as JSON' }),
  handler: async (a) => {
    const { doctorCommand } = await import('./index.ts');
    return doctorCommand({ json: a.json });
  },
});
