// Colours, names and fonts every report format uses, so a phase looks the same in the Markdown
// tables, the HTML page and every PNG (a mode's colour is in its descriptor, src/modes.ts).
import { PHASE_NAMES, type PhaseName } from '../records/events.ts';

export const FONT_FAMILY = 'Inter, "Helvetica Neue", Arial, sans-serif';
/** Font files bundled with the package (@fontsource/inter), by CSS weight. */
export const FONT_FILES: Record<number, string> = {
  400: '@fontsource/inter/files/inter-latin-400-normal.woff2',
  600: '@fontsource/inter/files/inter-latin-600-normal.woff2',
};

export const INK = '#1f2430';
export const MUTED = '#5d6473';
export const GRID = '#e6e8ec';
export const PAPER = '#ffffff';

/** How each protocol phase is shown; a phase added to the protocol does not type-check until it has a style. */
const PHASE_STYLE: Record<PhaseName | 'idle', { label: string; color: string }> = {
  generate: { label: 'generate', color: '#4c9bd6' },
  reward: { label: 'reward', color: '#9ccc65' },
  ref_logprobs: { label: 'logprobs (reference)', color: '#b39ddb' },
  old_logprobs: { label: 'logprobs (old policy)', color: '#7e57c2' },
  forward_backward: { label: 'forward/backward', color: '#e8684a' },
  optimizer: { label: 'optimizer', color: '#f2b134' },
  weight_sync: { label: 'weight sync', color: '#d4418e' },
  sleep: { label: 'sleep (free engine)', color: '#80cbc4' },
  wake: { label: 'wake (restore engine)', color: '#26a69a' },
  slowdown: { label: 'injected slowdown', color: '#8d6e63' },
  idle: { label: 'outside any phase', color: '#c9ccd3' },
};
/** Display order and names of the phases of a step (the protocol's order, then time outside any phase); unknown names are shown as themselves after these. */
export const PHASES: readonly { name: string; label: string; color: string }[] = [...PHASE_NAMES, 'idle' as const].map((name) => ({
  name,
  ...PHASE_STYLE[name],
}));
const OTHER_COLORS = ['#5c6bc0', '#a1887f', '#4db6ac', '#f06292'];

export function phaseOrder(names: Iterable<string>): string[] {
  const known = PHASES.map((p) => p.name);
  const set = new Set(names);
  return [...known.filter((n) => set.has(n)), ...[...set].filter((n) => !known.includes(n)).sort()];
}
/** A known phase's label; another is shown as its name, `source:` set apart (`trl: prepare inputs`). */
export function phaseLabel(name: string): string {
  const known = PHASES.find((p) => p.name === name)?.label;
  if (known) return known;
  const colon = name.indexOf(':');
  const words = (s: string) => s.replaceAll('_', ' ').trim();
  return colon > 0 ? `${name.slice(0, colon)}: ${words(name.slice(colon + 1))}` : words(name);
}
export function phaseColor(name: string): string {
  const known = PHASES.find((p) => p.name === name);
  if (known) return known.color;
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return OTHER_COLORS[h % OTHER_COLORS.length]!;
}

/**
 * Series colours inside one mode's time-series panel: the server's devices in the server
 * colour family, trainers in a spread of greys-to-teal that stays readable with 8 lines.
 */
const SERVER_SHADES = ['#2f6db5', '#5b8fd0', '#8ab0e0'];
const TRAINER_SHADES = ['#e07a1f', '#2a9d8f', '#8e5ea2', '#c0392b', '#6d8b3a', '#b07c1a', '#4a6fa5', '#d16ba5', '#5f6b7a', '#17becf'];
export function seriesColor(role: 'trainer' | 'server', index: number): string {
  const shades = role === 'server' ? SERVER_SHADES : TRAINER_SHADES;
  return shades[index % shades.length]!;
}

/** Adds an alpha channel to a #rrggbb colour. */
export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, '0');
  return `${hex}${a}`;
}
