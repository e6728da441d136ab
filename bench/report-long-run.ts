// Benchmark (not a test): a long run — 2 hours per mode × 8 GPUs × 5 samples/s — through
// `report` (raw files made up by test/report/fixture.ts, numbers by the real analysis).
// Prints the HTML size, the build time and the page's load time in headless Chromium.
//   npx tsx bench/report-long-run.ts [--keep]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reportCommand } from '../src/commands/report/index.ts';
import { REPORT_FILES, SAMPLE_FILES, unitDir } from '../src/results/layout.ts';
import { buildRunFixture } from '../test/report/fixture.ts';
import { chromiumMissing, openReport } from '../test/report/browser.ts';

const HOURS = 2;
const GPUS = 8;
const HZ = 5;
const STEP_S = 6;
const keep = process.argv.includes('--keep');

const root = await mkdtemp(path.join(tmpdir(), 'grpo-bench-long-run-'));
try {
  let t = performance.now();
  const runDir = await buildRunFixture(path.join(root, 'results'), {
    runId: 'long-run',
    devices: GPUS,
    sampleHz: HZ,
    stepSeconds: STEP_S,
    steps: Math.round((HOURS * 3600) / STEP_S),
    warmupSteps: 3,
    repeats: 1,
    allRanks: false,
  });
  const fixtureS = (performance.now() - t) / 1000;
  const telemetryOf = (mode: string) => path.join(runDir, unitDir({ point: 'default', mode, repeat: 0 }, false), SAMPLE_FILES.telemetry);
  const telemetryBytes = (await stat(telemetryOf('server'))).size + (await stat(telemetryOf('colocate'))).size;

  t = performance.now();
  const { outDir } = await reportCommand({ results: runDir });
  const buildAllS = (performance.now() - t) / 1000;
  t = performance.now();
  await reportCommand({ results: runDir, formats: ['html'] });
  const buildHtmlS = (performance.now() - t) / 1000;
  const html = path.join(outDir, REPORT_FILES.html);
  const htmlBytes = (await stat(html)).size;
  const csvBytes = (await stat(path.join(outDir, REPORT_FILES.telemetry))).size;

  const rows: [string, string][] = [
    [
      'run',
      `2 modes × ${HOURS} h × ${GPUS} GPUs × ${HZ} samples/s (${((2 * HOURS * 3600 * HZ * GPUS) / 1e6).toFixed(2)} M GPU samples, ${(telemetryBytes / 1e6).toFixed(1)} MB telemetry)`,
    ],
    ['fixture written and analysed in', `${fixtureS.toFixed(1)} s`],
    ['report build, all formats', `${buildAllS.toFixed(1)} s`],
    ['report build, HTML only', `${buildHtmlS.toFixed(1)} s`],
    ['report.html size', `${(htmlBytes / 1e6).toFixed(2)} MB (limit 5 MB)`],
    ['telemetry.csv (every sample)', `${(csvBytes / 1e6).toFixed(1)} MB`],
  ];
  const missing = chromiumMissing();
  if (missing) rows.push(['page load', `skipped: ${missing}`]);
  else {
    const loads = [];
    for (let i = 0; i < 3; i++)
      loads.push(await openReport(html, { screenshot: i === 0 ? path.join(outDir, 'report-screenshot.png') : undefined }));
    const ready = loads.map((l) => l.chartsReadyMs).sort((a, b) => a - b);
    rows.push(['page load to all charts drawn', `median ${ready[1]} ms of 3 (${ready.join(', ')} ms; limit 2000 ms)`]);
    rows.push(['console errors / blocked requests', `${loads[0]!.consoleErrors.length} / ${loads[0]!.blockedRequests.length}`]);
  }
  for (const [k, v] of rows) console.log(`${k.padEnd(36)} ${v}`);
  if (keep) console.log(`kept: ${outDir}`);
  if (htmlBytes >= 5_000_000) process.exitCode = 1;
} finally {
  if (!keep) await rm(root, { recursive: true, force: true });
}
