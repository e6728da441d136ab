// report.html: one self-contained page (Chart.js, plugins, font and data inlined; a content
// security policy that allows no network), readable offline and printable.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { modeColor } from '../modes.ts';
import { figureParts, MISSING } from '../value-format.ts';
import { REPORT_FILES, RUN_FILES } from '../results/layout.ts';
import type { ChartSpec, OmittedChart } from './charts.ts';
import { CHART_PLUGINS_SOURCE } from './chart-plugins.ts';
import { escapeHtml as esc, jsonForScript } from './escape.ts';
import type { ReportInput } from './load.ts';
import { reportFootnotes, reportHeader, reportTables, samplesFile, type Cell, type Table } from './tables.ts';
import { FONT_FAMILY, FONT_FILES, GRID, INK, MUTED } from './theme.ts';

const require = createRequire(import.meta.url);

export async function chartJsSource(): Promise<string> {
  const src = await readFile(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  // No source-map comment (the map is not shipped) and nothing that could end the script element.
  return src.replace(/\/\/# sourceMappingURL=\S+\s*$/, '').replace(/<\/script/gi, '<\\/script');
}

async function fontFaces(): Promise<string> {
  const faces = await Promise.all(
    Object.entries(FONT_FILES).map(async ([weight, file]) => {
      const data = (await readFile(require.resolve(file))).toString('base64');
      return `@font-face{font-family:Inter;font-style:normal;font-weight:${weight};font-display:block;src:url(data:font/woff2;base64,${data}) format("woff2")}`;
    }),
  );
  return faces.join('\n');
}

export function tableHtml(t: Table): string {
  const cls = (i: number) => (t.numeric?.[i] ? ' class="num"' : '');
  const cell = (c: Cell) => {
    if (typeof c === 'string') return esc(c).replaceAll('\n', '<br>');
    const p = figureParts(c);
    if (!p) return esc(MISSING);
    // `4.29 ×` over `4.16–4.41`: the interval on its own muted line, so wide tables stay narrow.
    return `${esc(p.value)}${p.unit ? ` ${esc(p.unit)}` : ''}${p.bracket ? `<span class="ci">${esc(p.bracket)}</span>` : ''}`;
  };
  return `<section class="table" id="table-${esc(t.id)}">
<h2>${esc(t.title)}</h2>
${t.caption ? `<p class="caption">${esc(t.caption)}</p>` : ''}
<div class="scroll"><table>
<thead><tr>${t.columns.map((c, i) => `<th${cls(i)}>${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${t.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${cell(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table></div>
</section>`;
}

export function figureHtml(c: ChartSpec): string {
  return `<figure class="chart" style="aspect-ratio:${c.width}/${c.height}" data-chart="${esc(c.id)}">
<canvas id="chart-${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></canvas>
</figure>`;
}

function footnotesHtml(input: ReportInput): string {
  const foot = reportFootnotes(input);
  const notes = foot.notes.length
    ? `<section class="table" id="notes">
<h2>Notes</h2>
<p class="caption">Left by the analysis: what was missing, partial or weak in this run, and why.</p>
<ul>
${foot.notes.map((n) => `<li>${esc(n.text)}</li>`).join('\n')}
</ul>
</section>`
    : '';
  const methods = foot.methods.length
    ? `<section class="table" id="methods">
<h2>Methods</h2>
<dl>
${foot.methods.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}
</dl>
<p class="caption">Definitions in full: docs/metrics.md.</p>
</section>`
    : '';
  return notes + '\n' + methods;
}

const CSS = `
:root{--ink:${INK};--muted:${MUTED};--grid:${GRID};--server:${modeColor('server')};--colocate:${modeColor('colocate')}}
*{box-sizing:border-box}
body{margin:0;font-family:${FONT_FAMILY};color:var(--ink);background:#f6f7f9;font-size:14px;line-height:1.45}
main{max-width:1080px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:24px;margin:0 0 6px;font-weight:600;letter-spacing:-.01em;overflow-wrap:anywhere}
h2{font-size:17px;margin:0 0 6px;font-weight:600}
.facts{color:var(--muted);margin:0 0 18px;overflow-wrap:anywhere}
.headline{background:#fff;border-left:4px solid var(--colocate);padding:14px 18px;margin:0 0 12px;font-size:17px;font-weight:600;border-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.note{background:#fff8e6;border:1px solid #f1d48a;padding:10px 14px;border-radius:4px;margin:0 0 10px}
.charts{display:grid;grid-template-columns:1fr;gap:18px;margin:22px 0}
figure.chart{margin:0;background:#fff;border-radius:6px;padding:10px;box-shadow:0 1px 2px rgba(0,0,0,.06);position:relative;width:100%}
figure.chart canvas{display:block;width:100%!important;height:100%!important}
figure.chart .error{color:#b03a2e;font-weight:600}
section.table{background:#fff;border-radius:6px;padding:16px 18px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.caption{color:var(--muted);margin:0 0 10px;font-size:13px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--grid);vertical-align:top}
th{font-weight:600;border-bottom:2px solid #c4c8d0;vertical-align:bottom;min-width:5em}
td.num,th.num{text-align:right}
td{overflow-wrap:anywhere}
td:first-child,td.num{white-space:nowrap}
td.num{overflow-wrap:normal}
.ci{display:block;color:var(--muted);font-size:11.5px}
ul{margin:0;padding-left:20px}
li{margin:0 0 4px;overflow-wrap:anywhere}
dl{margin:0 0 8px;display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;font-size:13px}
dt{font-weight:600}
dd{margin:0;color:var(--ink)}
footer{color:var(--muted);font-size:12px;margin-top:28px}
@media print{
  @page{size:A4;margin:14mm}
  body{background:#fff;font-size:11px}
  main{max-width:none;padding:0}
  .headline,figure.chart,section.table{box-shadow:none;border:1px solid var(--grid)}
  figure.chart,section.table,tr{break-inside:avoid}
  .charts{gap:10px}
  .scroll{overflow:visible}
}`;

/** Runs in the page: draws every chart once the inlined font is ready. */
const BOOT = `(function () {
  var specs = JSON.parse(document.getElementById('gb-charts').textContent);
  var settings = JSON.parse(document.getElementById('gb-settings').textContent);
  Chart.register.apply(Chart, GB_PLUGINS);
  Chart.defaults.font.family = settings.fontFamily;
  function draw() {
    specs.forEach(function (spec) {
      var canvas = document.getElementById('chart-' + spec.id);
      try {
        var config = spec.config;
        config.options.responsive = true;
        config.options.maintainAspectRatio = false;
        config.options.animation = false;
        new Chart(canvas, config);
      } catch (err) {
        var p = document.createElement('p');
        p.className = 'error';
        p.textContent = 'This chart could not be drawn: ' + err;
        canvas.replaceWith(p);
        console.error(err);
      }
    });
    document.documentElement.setAttribute('data-charts-ms', String(Math.round(performance.now())));
    document.documentElement.setAttribute('data-charts-ready', String(specs.length));
  }
  var fonts = document.fonts;
  if (fonts && fonts.load) Promise.all([fonts.load('400 12px Inter'), fonts.load('600 12px Inter')]).then(draw, draw);
  else draw();
})();`;

/** A self-contained page: `body` (escaped HTML) with the charts drawn into its `figureHtml` slots. */
export async function htmlPage(o: { title: string; generator: string; body: string; charts: readonly ChartSpec[] }): Promise<string> {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; font-src data:; img-src data:";
  const [chartJs, faces] = await Promise.all([chartJsSource(), fontFaces()]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(o.generator)}">
<title>${esc(o.title)}</title>
<style>
${faces}
${CSS}
</style>
</head>
<body>
<main>
${o.body}
</main>
<script type="application/json" id="gb-charts">${jsonForScript(o.charts.map((c) => ({ id: c.id, config: c.config })))}</script>
<script type="application/json" id="gb-settings">${jsonForScript({ fontFamily: FONT_FAMILY })}</script>
<script>
${chartJs}
</script>
<script>
var GB_PLUGINS = ${CHART_PLUGINS_SOURCE};
${BOOT}
</script>
</body>
</html>
`;
}

export async function renderHtml(
  input: ReportInput,
  charts: readonly ChartSpec[],
  generator: string,
  omitted: readonly OmittedChart[] = [],
): Promise<string> {
  const h = reportHeader(input);
  const tables = reportTables(input);
  const first = ['comparisons', 'modes'];
  const body = `${h.unverified ? `<p class="note"><strong>${esc(h.unverified)}</strong></p>\n` : ''}<header>
<h1>${esc(h.title)}</h1>
<p class="facts">${h.facts.map(esc).join(' · ')}</p>
${h.headlines.map((s) => `<p class="headline">${esc(s)}</p>`).join('\n')}
${h.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
</header>
${tables
  .filter((t) => first.includes(t.id))
  .map(tableHtml)
  .join('\n')}
<div class="charts">
${charts.map(figureHtml).join('\n')}
${omitted.map((c) => `<p class="note">Left out: ${esc(c.title)}. ${esc(c.reason)}</p>`).join('\n')}
</div>
${tables
  .filter((t) => !first.includes(t.id))
  .map(tableHtml)
  .join('\n')}
${footnotesHtml(input)}
<footer>Made by ${esc(generator)} from the results folder of run ${esc(input.runId)}. Numbers: ${RUN_FILES.summary}; per-step rows: ${REPORT_FILES.steps}; ${esc(samplesFile(input).replaceAll('`', ''))}. Time series are downsampled for display (minimum and maximum of each bucket kept).</footer>`;
  return htmlPage({ title: h.title, generator, body, charts });
}
