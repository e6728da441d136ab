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

/** Vector formats a chart can be drawn in, for print. */
export const VECTOR_FORMATS = ['svg', 'pdf'] as const;
export type VectorFormat = (typeof VECTOR_FORMATS)[number];

/**
 * Draws one chart as SVG (text kept as text, so it stays searchable and editable) or as a one-page
 * PDF, at the chart's own size in points.
 */
export async function renderVector(spec: ChartSpec, format: VectorFormat): Promise<Buffer> {
  ready ??= setup();
  const { Chart, canvas } = await ready;
  const config = structuredClone(spec.config);
  config.options = { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 };
  if (format === 'svg') {
    const surface = canvas.createCanvas(spec.width, spec.height, canvas.SvgExportFlag.NoPrettyXML);
    // SVG text is written back as characters: Inter's contextual alternates (the hyphen and × between
    // digits) have none, and would vanish from `2026-12-01` and `1×`. Set once Chart.js has sized
    // the surface (which resets the context).
    config.plugins = [
      { id: 'gbSvgText', beforeDraw: (c: { ctx: { fontFeatureSettings?: string } }) => void (c.ctx.fontFeatureSettings = '"calt" 0') },
    ] as never;
    const chart = new Chart(surface as unknown as HTMLCanvasElement, config);
    try {
      return surface.getContent();
    } finally {
      chart.destroy();
    }
  }
  const doc = new canvas.PDFDocument({ title: spec.title, creator: 'grpo-bench' });
  const ctx = doc.beginPage(spec.width, spec.height);
  // Chart.js needs a canvas whose context points back at it: the page's context, seen through a
  // proxy that adds the `canvas` a PDF page's context lacks.
  const page: Record<string, unknown> = { width: spec.width, height: spec.height, style: {} };
  const context = new Proxy(ctx, {
    get: (target, key) => {
      if (key === 'canvas') return page;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
  page.getContext = () => context;
  const chart = new Chart(page as unknown as HTMLCanvasElement, config);
  chart.destroy();
  doc.endPage();
  return doc.close();
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
