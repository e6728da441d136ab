// Opens report.html in headless Chromium with the network blocked. Skips (saying why) when
// Chromium is not installed: `apt-get install -y chromium`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { reportCommand } from '../../src/commands/report/index.ts';
import { chromiumMissing, openReport } from './browser.ts';
import { gpuRun, tinyRun } from './run-source.ts';

const missing = chromiumMissing();

async function check(runDir: string, name: string, charts: number): Promise<void> {
  const { outDir, files } = await reportCommand({ results: runDir, formats: ['html'] });
  assert.deepEqual(files, ['report.html']);
  const screenshot = path.join(outDir, `report-screenshot-${name}.png`);
  const page = await openReport(path.join(outDir, 'report.html'), { screenshot });
  console.log(`screenshot: ${screenshot}; charts drawn ${page.chartsReadyMs} ms after navigation`);
  assert.deepEqual(page.consoleErrors, []);
  assert.deepEqual(page.blockedRequests, [], 'the page asks for nothing outside itself');
  assert.equal(page.alerted, false, 'the scenario name did not run as a script');
  assert.equal(page.charts.length, charts);
  for (const c of page.charts) assert.ok(c.inkFraction > 0.02, `${c.id} has non-blank pixels (${c.inkFraction.toFixed(3)})`);
}

test(
  'report.html of a real tiny run opens offline with no console errors, and every chart draws',
  { skip: missing, timeout: 180_000 },
  async () => {
    await check(await tinyRun({ scenarioName: '<script>alert(1)</script>' }), 'tiny-run', 7);
  },
);

test('report.html of a GPU-shaped run with a failed unit: same', { skip: missing, timeout: 120_000 }, async () => {
  // Three more on GPUs: the views chart of the first GPU of each role (server mode two, colocate one).
  await check(await gpuRun({ scenarioName: '<script>alert(1)</script>', failedUnit: true }), 'gpu', 10);
});
