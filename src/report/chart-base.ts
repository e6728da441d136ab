// What every chart definition is made of: the spec shared by the HTML page and the PNG renderer,
// the house style of titles and axes, and room for whiskers. Kept apart from the chart builders
// (charts.ts, variants.ts) so that each can use it without importing the other.
import type { ChartConfiguration } from 'chart.js';
import { GRID, INK, MUTED, PAPER } from './theme.ts';

export interface ChartSpec {
  /** File-safe id: the PNG is `charts/<id>.png`, the canvas `chart-<id>`. */
  id: string;
  /** What the chart shows, for alt text and the Markdown link. */
  title: string;
  width: number;
  height: number;
  config: ChartConfiguration;
}

type Config = ChartConfiguration;

export function baseOptions(title: string, subtitle: string | string[], legend = true): NonNullable<Config['options']> {
  return {
    animation: false,
    font: { size: 12 },
    color: INK,
    layout: { padding: { top: 4, right: 16, bottom: 6, left: 8 } },
    plugins: {
      title: { display: true, text: title, color: INK, align: 'start', font: { size: 15, weight: 600 }, padding: { top: 4, bottom: 2 } },
      subtitle: { display: true, text: subtitle, color: MUTED, align: 'start', font: { size: 11.5 }, padding: { bottom: 10 } },
      legend: { display: legend, position: 'top', align: 'start', labels: { color: INK, boxWidth: 14, boxHeight: 10, padding: 12 } },
      tooltip: { enabled: true },
      gbBackground: { color: PAPER },
    },
  } as NonNullable<Config['options']>;
}

export function axis(title: string, extra: Record<string, unknown> = {}) {
  return {
    title: { display: true, text: title, color: INK, font: { size: 12, weight: 600 } },
    grid: { color: GRID },
    border: { color: '#c4c8d0' },
    ticks: { color: MUTED },
    ...extra,
  };
}

export function roomFor(datasets: { data: (number | null)[]; errorBars: (number[] | null)[] }[]): {
  suggestedMax?: number;
  suggestedMin?: number;
} {
  const ends = datasets.flatMap((d) => d.errorBars.flatMap((e) => e ?? [])).filter(Number.isFinite);
  if (ends.length === 0) return {};
  const hi = Math.max(...ends);
  const lo = Math.min(...ends);
  const pad = 0.04 * (hi - Math.min(0, lo) || 1);
  return { suggestedMax: hi + pad, ...(lo < 0 ? { suggestedMin: lo - pad } : {}) };
}
