// PNG charts: the chart definitions of charts.ts drawn by Chart.js on @napi-rs/canvas, in Node,
// with no DOM and no browser. Loaded only when PNGs are asked for (canvas is a native module).
import { createRequire } from 'node:module';
import type { ChartSpec } from './charts.ts';
import { chartPlugins } from './chart-plugins.ts';
import { FONT_FAMILY, FONT_FILES } from './theme.ts';

const require = createRequire(import.meta.url);

/** Device pixels per chart pixel: 2 gives crisp images on high-density screens and in print. */
export const PNG_SCALE = 2;

let ready: Promise<{ Chart: typeof import('chart.js').Chart; canvas: typeof import('@napi-rs/canvas') }> | undefined;

async function setup() {
  const [{ Chart, registerables }, canvas] = await Promise.all([import('chart.js'), import('@napi-rs/canvas')]);
  for (const file of Object.values(FONT_FILES)) canvas.GlobalFonts.registerFromPath(require.resolve(file), 'Inter');
  Chart.register(...registerables, ...chartPlugins());
  Chart.defaults.font.family = FONT_FAMILY;
  return { Chart, canvas };
}

/** Draws one chart and returns PNG bytes. */
export async function renderPng(spec: ChartSpec, scale = PNG_SCALE): Promise<Buffer> {
  ready ??= setup();
  const { Chart, canvas } = await ready;
  const surface = canvas.createCanvas(spec.width, spec.height);
  // Chart.js resizes the surface to width × devicePixelRatio and scales its drawing.
  const config = structuredClone(spec.config);
  config.options = { ...config.options, responsive: false, animation: false, devicePixelRatio: scale };
  // Chart.js draws on any object with a 2D context; with no DOM it uses its basic platform.
  const chart = new Chart(surface as unknown as HTMLCanvasElement, config);
  try {
    return await surface.encode('png');
  } finally {
    chart.destroy();
  }
}
