// Opens report.html in headless Chromium with the network blocked. Skips (saying why) when
// Chromium is not installed: `apt-get install -y chromium`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { reportCommand } from '../../src/commands/report/index.ts';
import { chromiumMissing, openReport } from './browser.ts';
import { tinyRun } from './run-source.ts';

const missing = chromiumMissing();

test('report.html opens offline with no console errors, and every chart draws', { skip: missing, timeout: 120_000 }, async () => {
  const runDir = await tinyRun({ scenarioName: '<script>alert(1)</script>', failedUnit: true });
  const { outDir, files } = await reportCommand({ results: runDir, formats: ['html'] });
  assert.deepEqual(files, ['report.html']);
  const screenshot = path.join(outDir, 'report-screenshot.png');
  const page = await openReport(path.join(outDir, 'report.html'), { screenshot });
  console.log(`screenshot: ${screenshot}; charts drawn ${page.chartsReadyMs} ms after navigation`);
  assert.deepEqual(page.consoleErrors, []);
  assert.deepEqual(page.blockedRequests, [], 'the page asks for nothing outside itself');
  assert.equal(page.alerted, false, 'the scenario name did not run as a script');
  assert.equal(page.charts.length, 7);
  for (const c of page.charts) assert.ok(c.inkFraction > 0.02, `${c.id} has non-blank pixels (${c.inkFraction.toFixed(3)})`);
});
