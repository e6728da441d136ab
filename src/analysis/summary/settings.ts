// Each mode's effective settings — the `config` events its processes wrote — and the keys on
// which the modes of a point differ. What is compared and what is ignored, and why:
// docs/metrics.md "Settings that differ"; the ignore list is EFFECTIVE_SETTINGS_IGNORED in constants.ts.
import type { UnitPlan } from '../../records/plan.ts';
import type { EventFile } from '../../results/read.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { MODE_ORDER } from '../../modes.ts';
import { EFFECTIVE_SETTINGS_IGNORED, REPEAT_VARIED_SETTINGS } from '../inference/constants.ts';
import { note } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import type { SettingsDifference } from '../../records/summary.ts';

/** Flattened key → value as text. */
export type Settings = Map<string, string>;

/** What settings need of a unit (UnitData fits). */
export interface SettingsUnit {
  plan: Pick<UnitPlan, 'point' | 'mode' | 'repeat' | 'dir'>;
  events: readonly EventFile[];
}

const SERVER_PREFIX = 'server.';

/** A value as text: strings as they are, everything else as JSON (so `null`, `true`, `240`, `[]`). */
function text(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

/** An array of strings with `--options` in it: a command line. */
const isArgv = (a: unknown[]): a is string[] => a.every((x) => typeof x === 'string') && a.some((x) => (x as string).startsWith('--'));

/**
 * Nested objects → dotted keys (`grpo_config.generation_kwargs.min_tokens`). A command line
 * (an array of strings with `--options`) becomes one key per option (`command.--port`, its value
 * the next word, `true` for a bare flag, `--k=v` split) and `command.args` for the other words;
 * other arrays and empty objects are one value, as JSON.
 */
export function flattenSettings(config: Record<string, unknown>, prefix = '', out: Settings = new Map()): Settings {
  for (const [k, v] of Object.entries(config)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      flattenSettings(v as Record<string, unknown>, `${key}.`, out);
    } else if (Array.isArray(v) && isArgv(v)) {
      const args: string[] = [];
      const put = (flag: string, value: string) => {
        const k2 = `${key}.${flag}`;
        out.set(k2, out.has(k2) ? `${out.get(k2)} ${value}` : value);
      };
      for (let i = 0; i < v.length; i++) {
        const w = v[i]!;
        if (!w.startsWith('--')) args.push(w);
        else if (w.includes('=')) put(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
        else if (i + 1 < v.length && !v[i + 1]!.startsWith('--')) put(w, v[++i]!);
        else put(w, 'true');
      }
      if (args.length > 0) out.set(`${key}.args`, args.join(' '));
    } else {
      out.set(key, text(v));
    }
  }
  return out;
}

/** A key's last part, as the ignore lists match it: `--data-seed` → `data_seed`. */
const lastPart = (key: string) =>
  key
    .slice(key.lastIndexOf('.') + 1)
    .replace(/^-+/, '')
    .replaceAll('-', '_')
    .toLowerCase();

/** True for keys that say nothing about the work (EFFECTIVE_SETTINGS_IGNORED), matched on their last part. */
export function isIgnoredSetting(key: string): boolean {
  return EFFECTIVE_SETTINGS_IGNORED.some((r) => r.pattern.test(lastPart(key)));
}

/** True for keys the harness sets per repeat on purpose (REPEAT_VARIED_SETTINGS: the seeds). */
function variedPerRepeat(key: string): boolean {
  return REPEAT_VARIED_SETTINGS.some((r) => r.pattern.test(lastPart(key)));
}

function firstConfig(file: EventFile | undefined): Record<string, unknown> | undefined {
  const e = file?.parsed.events.find((x) => x.type === 'config');
  return e?.type === 'config' ? e.config : undefined;
}

/**
 * A unit's effective settings: trainer rank 0's `config` event, the server's (rank 0) under
 * `server.`; ignored keys dropped. Undefined when trainer rank 0 wrote none. `missing` says what
 * was absent, for the notes.
 */
export function unitSettings(unit: SettingsUnit): { settings?: Settings; missing: string[] } {
  const trainerFile = unit.events.find((f) => f.role === 'trainer' && f.rank === 0);
  const serverFile = unit.events.find((f) => f.role === 'server' && f.rank === 0);
  const trainer = firstConfig(trainerFile);
  const missing: string[] = [];
  if (!trainer) missing.push(trainerFile ? `${trainerFile.file} has no config event` : `${unit.plan.dir} has no trainer rank 0 event file`);
  const server = firstConfig(serverFile);
  if (serverFile && !server) missing.push(`${serverFile.file} has no config event`);
  if (!trainer) return { missing };
  const all = flattenSettings(trainer);
  if (server) flattenSettings(server, SERVER_PREFIX, all);
  const settings: Settings = new Map([...all].filter(([k]) => !isIgnoredSetting(k)));
  return { settings, missing };
}

/** Keys on which two settings maps differ (a key only one has counts). */
function differingKeys(a: Settings, b: Settings): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/**
 * Per point: each mode's settings (its first repeat whose trainer rank 0 wrote a config event),
 * and every key whose value differs between those modes or that only some of them have. A
 * `server.X` key counts as equal where a mode without it has the same value under `X` (the
 * server's dtype against colocate's dtype), so a setting both modes share is not listed just
 * because one mode runs it in a separate process. Missing config events and repeats that
 * disagree with the one used are noted, not fatal.
 */
export function settingsDifferences(
  units: readonly SettingsUnit[],
  points: readonly string[],
  notes: Note[],
): { compared: Record<string, ModeName[]>; differences: SettingsDifference[] } {
  const compared: Record<string, ModeName[]> = {};
  const differences: SettingsDifference[] = [];
  for (const point of points) {
    const byMode = new Map<ModeName, Settings>();
    for (const mode of MODE_ORDER) {
      const group = units
        .filter((u) => u.plan.point === point && u.plan.mode === mode && u.events.length > 0)
        .sort((a, b) => a.plan.repeat - b.plan.repeat);
      let chosen: { dir: string; settings: Settings } | undefined;
      const absent: string[] = [];
      for (const u of group) {
        const { settings, missing } = unitSettings(u);
        absent.push(...missing);
        if (!settings) continue;
        if (!chosen) {
          chosen = { dir: u.plan.dir, settings };
          continue;
        }
        const keys = differingKeys(chosen.settings, settings).filter((k) => !variedPerRepeat(k));
        if (keys.length > 0) {
          const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? `, … (${keys.length} in all)` : '');
          notes.push(
            note(
              'settings_differ_between_repeats',
              u.plan.dir,
              `settings differ from ${chosen.dir} (${shown}); the settings comparison uses ${chosen.dir}`,
            ),
          );
        }
      }
      if (absent.length > 0) {
        const what = chosen ? `the settings comparison uses ${chosen.dir}` : 'this mode’s settings are not compared';
        notes.push(note('settings_missing', `${point}/${mode}`, `${absent.join('; ')}; ${what}`));
      }
      if (chosen) byMode.set(mode, chosen.settings);
    }
    const modes = MODE_ORDER.filter((m) => byMode.has(m));
    compared[point] = modes;
    if (modes.length < 2) continue;
    const keys = [...new Set(modes.flatMap((m) => [...byMode.get(m)!.keys()]))].sort();
    for (const key of keys) {
      const values = Object.fromEntries(modes.map((m) => [m, byMode.get(m)!.get(key) ?? null])) as Record<string, string | null>;
      const effective = modes.map(
        (m) => values[m] ?? (key.startsWith(SERVER_PREFIX) ? byMode.get(m)!.get(key.slice(SERVER_PREFIX.length)) : undefined) ?? null,
      );
      if (effective.every((v) => v !== null && v === effective[0])) continue;
      differences.push({ point, key, values });
    }
  }
  return { compared, differences };
}
