// Chart.js plugins the report's charts use, kept as JavaScript source so the very same code runs
// in the HTML page (inlined) and in Node for the PNGs (evaluated once). Plugins only draw what a
// chart definition hands them: big arrays live under `data.gbTimeline` (not in options, which
// Chart.js wraps in resolver proxies), per-bar intervals under each dataset's `errorBars`.
import type { Plugin } from 'chart.js';

export interface TimelineDecor {
  /** Shaded x ranges with a label (warm-up, …). */
  bands?: { x0: number; x1: number; color: string; label?: string }[];
  /** Thin vertical lines (step starts), drawn only while they stay at least 6 px apart. */
  lines?: number[];
  /** Horizontal reference lines (parity at 1×, a published claim). */
  hlines?: { y: number; color: string; label?: string; dash?: number[] }[];
  /** Phase strips drawn in the rows of a category scale named `strip`: [x0, x1, colour index, row index, share from, share to]. */
  strips?: { rows: string[]; spans: number[][]; colors: string[] };
}

export const CHART_PLUGINS_SOURCE = String.raw`(function () {
  var background = {
    id: 'gbBackground',
    beforeDraw: function (chart, _args, opts) {
      if (!opts || !opts.color) return;
      var c = chart.ctx;
      c.save();
      c.fillStyle = opts.color;
      c.fillRect(0, 0, chart.width, chart.height);
      c.restore();
    }
  };

  var errorBars = {
    id: 'gbErrorBars',
    afterDatasetsDraw: function (chart) {
      var c = chart.ctx;
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.errorBars || !chart.isDatasetVisible(i)) return;
        var meta = chart.getDatasetMeta(i);
        var horizontal = chart.options.indexAxis === 'y';
        var vscale = chart.scales[horizontal ? meta.xAxisID : meta.yAxisID];
        c.save();
        c.strokeStyle = ds.errorBarColor || '#1f2430';
        c.lineWidth = 1.5;
        meta.data.forEach(function (el, j) {
          var e = ds.errorBars[j];
          if (!e || e[0] == null || e[1] == null) return;
          var a = vscale.getPixelForValue(e[0]);
          var b = vscale.getPixelForValue(e[1]);
          var cap = Math.min(8, (el.width || 16) / 3);
          c.beginPath();
          if (horizontal) {
            c.moveTo(a, el.y); c.lineTo(b, el.y);
            c.moveTo(a, el.y - cap); c.lineTo(a, el.y + cap);
            c.moveTo(b, el.y - cap); c.lineTo(b, el.y + cap);
          } else {
            c.moveTo(el.x, a); c.lineTo(el.x, b);
            c.moveTo(el.x - cap, a); c.lineTo(el.x + cap, a);
            c.moveTo(el.x - cap, b); c.lineTo(el.x + cap, b);
          }
          c.stroke();
        });
        c.restore();
      });
    }
  };

  var timeline = {
    id: 'gbTimeline',
    beforeDatasetsDraw: function (chart) {
      var d = chart.data.gbTimeline;
      if (!d) return;
      var c = chart.ctx, area = chart.chartArea, x = chart.scales.x, y = chart.scales.y;
      c.save();
      c.beginPath();
      c.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      c.clip();
      (d.bands || []).forEach(function (b) {
        var a = x.getPixelForValue(b.x0), z = x.getPixelForValue(b.x1);
        c.fillStyle = b.color;
        c.fillRect(a, area.top, z - a, area.bottom - area.top);
        if (b.label) {
          c.fillStyle = '#5d6473';
          c.font = '11px ' + chart.options.font.family;
          c.textBaseline = 'bottom';
          c.fillText(b.label, a + 5, area.bottom - 5);
        }
      });
      var lines = d.lines || [];
      if (lines.length > 1) {
        var spacing = Math.abs(x.getPixelForValue(lines[lines.length - 1]) - x.getPixelForValue(lines[0])) / (lines.length - 1);
        if (spacing >= 6) {
          c.strokeStyle = 'rgba(93,100,115,0.28)';
          c.lineWidth = 1;
          c.setLineDash([3, 3]);
          c.beginPath();
          lines.forEach(function (v) {
            var p = Math.round(x.getPixelForValue(v)) + 0.5;
            c.moveTo(p, area.top); c.lineTo(p, area.bottom);
          });
          c.stroke();
          c.setLineDash([]);
        }
      }
      (d.hlines || []).forEach(function (h) {
        var p = y.getPixelForValue(h.y);
        c.strokeStyle = h.color;
        c.lineWidth = 1.25;
        c.setLineDash(h.dash || []);
        c.beginPath(); c.moveTo(area.left, p); c.lineTo(area.right, p); c.stroke();
        c.setLineDash([]);
        if (h.label) {
          c.fillStyle = h.color;
          c.font = '11px ' + chart.options.font.family;
          c.textBaseline = 'bottom';
          c.textAlign = 'right';
          c.fillText(h.label, area.right - 4, p - 3);
          c.textAlign = 'left';
        }
      });
      c.restore();
    },
    afterDraw: function (chart) {
      var d = chart.data.gbTimeline;
      var s = chart.scales.strip;
      if (!d || !d.strips || !s) return;
      var c = chart.ctx, x = chart.scales.x, area = chart.chartArea;
      var rowH = Math.abs(s.getPixelForValue(1) - s.getPixelForValue(0)) || (s.bottom - s.top);
      var h = Math.max(4, Math.min(14, rowH * 0.7));
      c.save();
      c.beginPath();
      c.rect(area.left, s.top, area.right - area.left, s.bottom - s.top);
      c.clip();
      d.strips.spans.forEach(function (sp) {
        var a = x.getPixelForValue(sp[0]), z = x.getPixelForValue(sp[1]);
        var cy = s.getPixelForValue(sp[3]);
        c.fillStyle = d.strips.colors[sp[2]];
        if (sp.length > 5) c.fillRect(a, cy + h / 2 - sp[5] * h, Math.max(1, z - a), (sp[5] - sp[4]) * h);
        else c.fillRect(a, cy - h / 2, Math.max(1, z - a), h);
      });
      c.restore();
    }
  };

  // A chart's provenance under it (options.plugins.gbFooter.lines), in the room the chart's
  // bottom padding leaves.
  var footer = {
    id: 'gbFooter',
    afterDraw: function (chart, _args, opts) {
      if (!opts || !opts.lines || !opts.lines.length) return;
      var c = chart.ctx;
      c.save();
      c.fillStyle = opts.color || '#5d6473';
      c.font = '10.5px ' + chart.options.font.family;
      c.textBaseline = 'bottom';
      c.textAlign = 'left';
      opts.lines.forEach(function (line, i) {
        c.fillText(line, 8, chart.height - 4 - (opts.lines.length - 1 - i) * 14);
      });
      c.restore();
    }
  };

  // Line charts' legends: a series drawn as a line shows a short line with its own dash, a key
  // without a line (phase colours) a filled box, instead of a dashed outline around a box.
  var legendLines = {
    id: 'gbLegendLines',
    afterUpdate: function (chart) {
      var legend = chart.legend;
      if (!legend || !legend.legendItems || chart.config.type !== 'line') return;
      legend.legendItems.forEach(function (item) {
        var ds = chart.data.datasets[item.datasetIndex];
        if (!ds) return;
        var width = typeof ds.borderWidth === 'number' ? ds.borderWidth : 1;
        if (width > 0 && !ds.fill) {
          item.pointStyle = 'line';
          item.lineDash = ds.borderDash || [];
          item.lineWidth = Math.max(1.5, width);
          item.strokeStyle = ds.borderColor;
        } else {
          item.pointStyle = 'rect';
          item.lineDash = [];
          item.lineWidth = 0;
          item.fillStyle = ds.backgroundColor;
        }
      });
    }
  };

  return [background, errorBars, timeline, footer, legendLines];
})()`;

let cached: Plugin[] | undefined;
/** The plugins, evaluated in this process (Node, for the PNGs). */
export function chartPlugins(): Plugin[] {
  cached ??= new Function(`return ${CHART_PLUGINS_SOURCE};`)() as Plugin[];
  return cached;
}
