// Opens a report page in headless Chromium (Debian's `chromium`, driven by playwright-core)
// with the network blocked, and says what a reader would see. Used by the browser test and
// by the long-run benchmark.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.GRPO_BENCH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
}

export interface PageReport {
  consoleErrors: string[];
  /** Requests that tried to leave the file (all blocked). */
  blockedRequests: string[];
  charts: { id: string; width: number; height: number; inkFraction: number }[];
  /** Milliseconds from navigation start until every chart was drawn (measured in the page). */
  chartsReadyMs: number;
  /** Milliseconds from goto() to charts drawn, measured outside. */
  wallMs: number;
  /** True when an injected <script> ran (a failed escape). */
  alerted: boolean;
}

export async function openReport(file: string, options: { screenshot?: string; width?: number } = {}): Promise<PageReport> {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'grpo-bench-chromium-'));
  // A fresh profile per run, so nothing from an earlier session leaks in.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1200, height: 900 },
  });
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const blockedRequests: string[] = [];
    let alerted = false;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('dialog', (d) => {
      alerted = true;
      void d.dismiss();
    });
    await page.route('**', (r) => {
      if (r.request().url().startsWith('file:')) return r.continue();
      blockedRequests.push(r.request().url());
      return r.abort();
    });
    const t0 = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts-ready'), undefined, { timeout: 30_000 });
    const wallMs = performance.now() - t0;
    const chartsReadyMs = Number(await page.evaluate(() => document.documentElement.getAttribute('data-charts-ms')));
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const ctx = c.getContext('2d')!;
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let ink = 0;
        for (let i = 0; i < data.length; i += 4)
          if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240)) ink++;
        return { id: c.id, width: c.width, height: c.height, inkFraction: ink / (c.width * c.height || 1) };
      }),
    );
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    return { consoleErrors, blockedRequests, charts, chartsReadyMs, wallMs, alerted };
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}
