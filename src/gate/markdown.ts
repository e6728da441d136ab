// The verdict as Markdown for a pull request. Formats only: every number is in the Verdict.
import { escapeMarkdown } from '../report/escape.ts';
import { show } from './comparable.ts';
import type { GateComparison, OtherMetric, Outcome, Verdict } from './types.ts';

const OUTCOME: Record<Outcome, string> = { regressed: '🔴 regressed', no_regression: 'no regression', inconclusive: '🟡 inconclusive' };

export function verdictMarkdown(v: Verdict): string {
  const lines: string[] = [];
  const t = pct(v.threshold);
  const of = (o: Outcome) => v.comparisons.filter((c) => c.outcome === o);
  const headline =
    v.outcome === 'regressed'
      ? `**Regressed** beyond ${t}: ${of('regressed').map(where).join(', ')}`
      : v.outcome === 'inconclusive'
        ? `**Inconclusive** at ${t}: ${of('inconclusive').map(needs).join(', ')}`
        : `**No regression** beyond ${t}`;
  lines.push(`### grpo-bench compare: ${headline}`, '');
  lines.push(`\`${v.candidate.run_id}\` (candidate) against \`${v.baseline.run_id}\` (baseline), scenario \`${v.baseline.scenario}\`.`);
  lines.push(`Gated metric: \`${v.metric}\` (${v.higher_is_better ? 'higher' : 'lower'} is better), threshold ${t}, each interval at ${pct(v.level, 2)} (family-wise ${pct(1 - v.alpha, 0)}).`, '');

  lines.push('| point | mode | baseline | candidate | ratio | interval | outcome | speed |');
  lines.push('| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
  for (const c of v.comparisons) {
    const iv = c.interval ? `${c.interval.low.toFixed(3)}–${c.interval.high.toFixed(3)}` : 'none';
    lines.push(
      `| ${escapeMarkdown(c.point)} | ${c.mode} | ${num(c.baseline.value)} ${runs(c.baseline_runs.length)} | ${num(c.candidate.value)} ${runs(c.candidate_runs.length)} | ${c.ratio.toFixed(3)} | ${iv} | ${OUTCOME[c.outcome]}${c.outcome === 'inconclusive' ? ` (${plan(c)})` : ''} | ${speed(c)} |`,
    );
  }
  lines.push('');

  const flags = v.comparisons.flatMap((c) => c.flags.filter((f) => f.kind !== 'no_noise_profile'));
  if (flags.length > 0) {
    lines.push('**Flags** (the verdict stands, but read it with these)', '');
    for (const f of flags) lines.push(`- ${escapeMarkdown(f.subject)}: ${f.text}`);
    lines.push('');
  }
  if (v.changed.length > 0) {
    lines.push(`**What changed**: ${v.changed.map((c) => `${c.field} ${c.baseline ?? '(none)'} → ${c.candidate ?? '(none)'}`).join(', ')}`, '');
  }
  if (v.allowed.length > 0) {
    lines.push(`**Allowed differences** (--allow-different): ${v.allowed.map((d) => `${d.field} ${show(d.baseline)} → ${show(d.candidate)}`).join(', ')}`, '');
  }
  if (v.not_compared.length > 0) lines.push(`Not compared (in one run only): ${v.not_compared.join(', ')}`, '');

  lines.push('<details><summary>Other metrics (reported, not gated)</summary>', '');
  lines.push('| point | mode | metric | baseline | candidate | ratio | 95% interval (runs) |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | --- |');
  for (const c of v.comparisons) for (const o of c.others) lines.push(otherRow(c, o));
  lines.push('', '</details>', '');

  if (v.warnings.length > 0) {
    lines.push('**Warnings**', '');
    for (const w of v.warnings) lines.push(`- ${w}`);
    lines.push('');
  }
  lines.push(`<sub>Rule: ${v.rule}.${v.noise_profile ? ` Noise profile ${v.noise_profile}.` : ''}</sub>`);
  return lines.join('\n');
}

function otherRow(c: GateComparison, o: OtherMetric): string {
  const iv = o.low !== undefined && o.high !== undefined && Number.isFinite(o.low) ? `${o.low.toFixed(3)}–${o.high.toFixed(3)}` : '';
  return `| ${escapeMarkdown(c.point)} | ${c.mode} | ${o.name} | ${num(o.baseline)} | ${num(o.candidate)} | ${o.ratio === null ? '–' : o.ratio.toFixed(3)} | ${iv} |`;
}

/** "no difference resolved (±4.1%)" unless the interval excludes 1. */
function speed(c: GateComparison): string {
  if (c.change === 'faster' || c.change === 'slower') return c.change;
  if (c.change === 'no_interval' || !c.interval) return 'no interval';
  const within = Math.max(Math.abs(c.interval.high - 1), Math.abs(1 - c.interval.low));
  return `no difference resolved (±${pct(within)})`;
}

function plan(c: GateComparison): string {
  if (c.runs_needed) return `~${c.runs_needed} runs per side would resolve it`;
  if (!c.interval) return 'no interval: repeat with ≥ 2 runs per side, or calibrate this machine';
  return 'more runs would not resolve it: the ratio sits at the threshold';
}

const where = (c: GateComparison) => `${c.point}/${c.mode} ×${c.ratio.toFixed(3)}`;
const needs = (c: GateComparison) => `${where(c)} (${plan(c)})`;
const runs = (r: number) => `<sub>(${r} run${r === 1 ? '' : 's'})</sub>`;
const pct = (x: number, digits = 1) => `${+(100 * x).toFixed(digits)}%`;

function num(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a !== 0 && (a < 0.01 || a >= 1e5) ? x.toExponential(2) : x.toPrecision(4);
}
