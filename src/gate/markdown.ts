// The verdict as Markdown for a pull request. Formats only: every number is in the Verdict.
import { escapeMarkdown } from '../report/escape.ts';
import { show } from './comparable.ts';
import type { GateComparison, OtherMetric, Outcome, Verdict } from './types.ts';

const OUTCOME: Record<Outcome, string> = { regressed: '🔴 regressed', improved: '🟢 improved', within_noise: 'within noise' };

export function verdictMarkdown(v: Verdict): string {
  const lines: string[] = [];
  const headline = v.regressed
    ? `**Regressed**: ${v.comparisons.filter((c) => c.outcome === 'regressed').map(where).join(', ')}`
    : v.comparisons.some((c) => c.outcome === 'improved')
      ? `**No regression**; improved: ${v.comparisons.filter((c) => c.outcome === 'improved').map(where).join(', ')}`
      : '**No regression** beyond the threshold';
  lines.push(`### grpo-bench compare: ${headline}`, '');
  lines.push(`\`${v.candidate.run_id}\` (candidate) against \`${v.baseline.run_id}\` (baseline), scenario \`${v.baseline.scenario}\`.`);
  lines.push(`Gated metric: \`${v.metric}\` (${v.higher_is_better ? 'higher' : 'lower'} is better), noise threshold ${pct(v.threshold)}, family-wise error ${v.alpha} (Holm).`, '');

  lines.push('| point | mode | baseline | candidate | ratio | adjusted interval | p (Holm) | outcome |');
  lines.push('| --- | --- | ---: | ---: | ---: | --- | ---: | --- |');
  for (const c of v.comparisons) {
    lines.push(
      `| ${escapeMarkdown(c.point)} | ${c.mode} | ${num(c.baseline.value)} ${runs(c.baseline.n_runs, c.baseline.n_steps)} | ${num(c.candidate.value)} ${runs(c.candidate.n_runs, c.candidate.n_steps)} | ${c.ratio.toFixed(3)} | ${c.interval.low.toFixed(3)}–${c.interval.high.toFixed(3)} (${pct(c.interval.level, 2)}) | ${c.p_adjusted.toPrecision(2)} | ${OUTCOME[c.outcome]} |`,
    );
  }
  lines.push('');

  if (v.changed.length > 0) {
    lines.push(`**What changed**: ${v.changed.map((c) => `${c.field} ${c.baseline ?? '(none)'} → ${c.candidate ?? '(none)'}`).join(', ')}`, '');
  }
  if (v.allowed.length > 0) {
    lines.push(`**Allowed differences** (--allow-different): ${v.allowed.map((d) => `${d.field} ${show(d.baseline)} → ${show(d.candidate)}`).join(', ')}`, '');
  }
  if (v.not_compared.length > 0) lines.push(`Not compared (in one run only): ${v.not_compared.join(', ')}`, '');

  lines.push('<details><summary>Other metrics (reported, not gated)</summary>', '');
  lines.push('| point | mode | metric | baseline | candidate | ratio | 95% interval |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | --- |');
  for (const c of v.comparisons) for (const o of c.others) lines.push(otherRow(c, o));
  lines.push('', '</details>', '');

  if (v.warnings.length > 0) {
    lines.push('**Warnings**', '');
    for (const w of v.warnings) lines.push(`- ${w}`);
    lines.push('');
  }
  lines.push(`<sub>Rule: ${v.rule}. ${v.resamples} bootstrap resamples per comparison${v.noise_profile ? `; noise profile ${v.noise_profile}` : ''}.</sub>`);
  return lines.join('\n');
}

function otherRow(c: GateComparison, o: OtherMetric): string {
  const iv = o.low !== undefined && o.high !== undefined && Number.isFinite(o.low) ? `${o.low.toFixed(3)}–${o.high!.toFixed(3)}` : '';
  return `| ${escapeMarkdown(c.point)} | ${c.mode} | ${o.name} | ${num(o.baseline)} | ${num(o.candidate)} | ${o.ratio === null ? '–' : o.ratio.toFixed(3)} | ${iv} |`;
}

const where = (c: GateComparison) => `${c.point}/${c.mode} ×${c.ratio.toFixed(3)}`;
const runs = (r: number, s: number) => `<sub>(${r} run${r === 1 ? '' : 's'}, ${s} steps)</sub>`;
const pct = (x: number, digits = 1) => `${+(100 * x).toFixed(digits)}%`;

function num(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a !== 0 && (a < 0.01 || a >= 1e5) ? x.toExponential(2) : x.toPrecision(4);
}
