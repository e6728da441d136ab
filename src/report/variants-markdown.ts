// A variant verdict as Markdown (`grpo-bench gate`): kept apart from the report's variant tables,
// which the report's Markdown itself renders, so that neither imports the other.
import type { VariantComparison, VariantVerdict } from '../analysis/variants.ts';
import { markdownTable } from './markdown.ts';
import { pct, plan, variantPhaseTable, variantRatioTable, versionsTable } from './variants.ts';
import { formatNumber } from '../value-format.ts';

export function variantVerdictMarkdown(v: VariantVerdict): string {
  const t = pct(v.threshold);
  const of = (o: VariantComparison['outcome']) => v.comparisons.filter((c) => c.outcome === o);
  const where = (c: VariantComparison) => `${c.candidate} ${c.point}/${c.mode} ×${formatNumber(c.ratio, { decimals: 3 })}`;
  const headline =
    v.outcome === 'regressed'
      ? `**Regressed** beyond ${t}: ${of('regressed').map(where).join(', ')}`
      : v.outcome === 'inconclusive'
        ? `**Inconclusive** at ${t}: ${of('inconclusive')
            .map((c) => `${where(c)} (${plan(c)})`)
            .join(', ')}`
        : `**No regression** beyond ${t}`;
  const lines = [
    `### grpo-bench gate: ${headline}`,
    '',
    `Run${v.run_ids.length > 1 ? 's' : ''} ${v.run_ids.map((r) => `\`${r}\``).join(', ')}: variants ${v.variants.map((n) => `\`${n}\``).join(', ')} against the baseline \`${v.baseline}\`.`,
    '',
  ];
  if (v.versions.length) lines.push(markdownTable(versionsTable(v)), '');
  lines.push(markdownTable(variantRatioTable(v)), '');
  lines.push(
    `<details><summary>Phases side by side${v.phases_from ? ` (${v.phases_from})` : ''}</summary>`,
    '',
    markdownTable(variantPhaseTable(v)),
    '',
    '</details>',
    '',
  );
  if (v.warnings.length) lines.push('**Warnings**', '', ...v.warnings.map((w) => `- ${w}`), '');
  lines.push(`<sub>Rule: ${v.rule}.</sub>`);
  return lines.join('\n');
}
