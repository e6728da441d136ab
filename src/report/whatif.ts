// What-if reports: a profile's measured halves (profile.md), and predictions (predict.md, the
// reproduce verdicts). Formatting only: every number comes from profile.ts and
// model.ts. A prediction is labelled PREDICTED wherever it appears.
import type { ProfileView } from '../analysis/whatif/profile.ts';
import type { Profile } from '../records/profile.ts';
import type { ClaimResult } from '../analysis/whatif/reproduce.ts';
import type { InputUse } from '../records/prediction.ts';
import type { SplitRow, SplitTable } from '../analysis/whatif/model.ts';
import type { ChartSpec } from './chart-base.ts';
import { axis, roomFor } from './chart-base.ts';
import { sweepChart, sweepLine, withFooter } from './charts.ts';
import { profileFooter } from './provenance.ts';
import { escapeMarkdown as md } from './escape.ts';
import type { RunLevelEstimate } from '../analysis/inference/intervals.ts';
import { estimateFigure, formatFigure, formatNumber, type RangedValue } from '../value-format.ts';
import { markdownTable } from './markdown.ts';
import type { Cell, Table } from './table-types.ts';
import { modeColor, SHARED_GPU_SERVER_LABEL } from '../modes.ts';
import { reportChartFile } from '../results/layout.ts';
import { INK, MUTED } from './theme.ts';

/** A run-level figure as the value formatter takes it (its interval, or one run's spread, labelled). */
/** A ratio in a sentence: `1.43 (1.40–1.46) ×`. */
const times = (e: RangedValue) => formatFigure(estimateFigure(e, { unit: '×' }));

const ranged = (r: RunLevelEstimate): RangedValue => ({
  value: r.value,
  low: r.interval?.low,
  high: r.interval?.high,
  interval: r.interval?.kind,
});

/** The words every predicted figure carries. */
export const PREDICTED = 'PREDICTED';

export function profileTables(p: Profile, v: ProfileView): Table[] {
  const tables: Table[] = [];
  for (const c of v.server) {
    tables.push({
      id: `server-${c.tensor_parallel_size}x${c.data_parallel_size}`,
      title: `Server half: generation time per request (tensor parallel ${c.tensor_parallel_size}, ${c.data_parallel_size} replica${c.data_parallel_size > 1 ? 's' : ''})`,
      caption:
        `MEASURED. One request holds K trainers' unique prompts with n = ${p.shape.num_generations}, as TRL's rank 0 sends it; ` +
        'seconds from sending it to holding every completion: the mean per run; over two runs or more their t interval, with one run the 25th–75th percentile of its requests ("one run; steps" below: requests), not a confidence interval.',
      columns: ['completions', 'trainers K', 'per-device batch', 'prompts', 'source', 'requests', 'seconds', 'completion tokens/s'],
      numeric: [true, true, true, true, false, true, true, true],
      rows: c.rows.map((r) => [
        String(r.completions),
        String(r.trainers),
        String(r.per_device_batch),
        String(r.prompts),
        r.source,
        String(r.requests),
        estimateFigure(ranged(r.seconds)),
        { value: r.completion_tokens_per_s },
      ]),
    });
  }
  if (v.trainer.length > 0) {
    tables.push({
      id: 'trainer-half',
      title: 'Trainer half and colocate’s own costs: seconds per step',
      caption:
        'MEASURED: the mean per run of the measured steps; over two runs or more their t interval, with one run the 25th–75th percentile of its steps. Compute: the step outside generate, weight sync/load, sleep and wake (no second counted twice). ' +
        'Generate: colocate, one rank’s share; server, the wait for the server; hf, transformers.',
      columns: ['mode', 'per-device batch', 'ranks', 'sleep', 'tp', 'steps', 'compute', 'generate', 'weight sync / load', 'sleep + wake'],
      numeric: [false, true, true, false, true, true, true, true, true, true],
      rows: v.trainer.map((h) => [
        h.mode,
        String(h.per_device_batch),
        String(h.training_devices),
        h.mode === 'colocate' ? (h.sleep_mode ? 'on' : 'off') : '—',
        String(h.tensor_parallel_size),
        String(h.steps),
        estimateFigure(ranged(h.compute_s)),
        estimateFigure(ranged(h.generate_s)),
        estimateFigure(ranged(h.weight_sync_s)),
        estimateFigure(ranged(h.sleep_wake_s)),
      ]),
    });
  }
  return tables;
}

export function profileMarkdown(p: Profile, v: ProfileView, charts: readonly ChartSpec[]): string {
  const out = [`# Profile: ${md(p.scenario)}`, ''];
  out.push(
    [
      `model ${p.model}`,
      `workload ${p.workload}`,
      p.device_name ?? p.device_kind,
      `${p.shape.max_prompt_length} + ${p.shape.max_completion_length} tokens`,
      `num_generations ${p.shape.num_generations}`,
    ]
      .map(md)
      .join(' · '),
    '',
  );
  if (p.parameter_bytes) out.push(`Weights: ${formatNumber(p.parameter_bytes.value / 1e9)} GB (${md(p.parameter_bytes.source)}).`, '');
  for (const t of profileTables(p, v)) {
    out.push(`## ${md(t.title)}`, '', md(t.caption ?? ''), '', markdownTable(t), '');
    if (t.id.startsWith('server-'))
      for (const c of charts.filter((x) => x.id === `generation-${t.id.slice('server-'.length)}`))
        out.push(`![${md(c.title)}](${reportChartFile(c.id)})`, '');
  }
  out.push(
    '## Sources',
    '',
    ...p.sources.map((s) => `- \`${md(s.run_id)}\`: ${s.units.length ? s.units.map(md).join(', ') : 'no unit used'}`),
    '',
  );
  if (p.notes.length) out.push('## Notes', '', ...p.notes.map((n) => `- ${md(n)}`), '');
  out.push('Use it: `grpo-bench predict <this results folder> --gpus N`. Definitions: docs/metrics.md, "What-if model".', '');
  return out.join('\n');
}

export function profileCharts(p: Profile, v: ProfileView): ChartSpec[] {
  const footer = profileFooter(p, false);
  return v.server.map((c) => {
    const rows = [...c.rows].sort((a, b) => a.completions - b.completions);
    const line = sweepLine(
      'seconds per request',
      modeColor('server'),
      rows.map((r) => ranged(r.seconds)),
    );
    const chart = sweepChart({
      id: `generation-${c.tensor_parallel_size}x${c.data_parallel_size}`,
      title: 'Server generation time against the completions it serves',
      field: `completions in the request (trainers × per-device batch; n = ${p.shape.num_generations})`,
      labels: rows.map((r) => `${r.completions} (${r.trainers}×${r.per_device_batch})`),
      datasets: [line],
      heading: `MEASURED: how the server’s generation time grows with the trainers it serves (tp ${c.tensor_parallel_size})`,
      notes: [
        `${p.model}, ${p.shape.max_prompt_length} + ${p.shape.max_completion_length} tokens${p.device_name ? `, ${p.device_name}` : ''}; whiskers: t interval over runs, or with one run the 25th–75th percentile of its requests.`,
      ],
      y: axis('seconds per request', { beginAtZero: true, ...roomFor([line]) }),
    });
    return withFooter(chart, footer);
  });
}

// ---------------------------------------------------------------------------------------------

export function splitTableView(t: SplitTable): Table {
  return {
    id: 'predicted-splits',
    title: t.shared_gpu
      ? `${PREDICTED}: ${SHARED_GPU_SERVER_LABEL}, against colocate on that GPU, per-device batch ${t.per_device_batch}`
      : `${PREDICTED}: colocate on ${t.gpus} ${t.gpus === 1 ? 'GPU' : 'GPUs'} against every server split, per-device batch ${t.per_device_batch}`,
    caption:
      `${PREDICTED}, not measured: composed from a profile’s measured halves and the assumptions listed below. ` +
      (t.rows[0]?.without_sleep.server.step_time_s.spread === 'runs'
        ? 'Ranges: 95 % of the model on resampled runs of the measured inputs (not the assumptions’ error). '
        : 'Ranges: the model on resampled inputs, some measured in one run: that run’s spread, not a confidence interval (nor the assumptions’ error). ') +
      'Speedup = colocate ÷ server completion tokens/s, per training GPU (the co-location post’s method: server × N/T) and per allocated GPU.',
    columns: [
      'split S+T',
      'server tp×dp',
      'server step s',
      'server gen ÷ train',
      'colocate step s (no sleep)',
      'speedup / training GPU',
      'speedup / allocated GPU',
      'with sleep: / training GPU',
      'with sleep: / allocated GPU',
    ],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows: t.rows.map((r) => [
      splitLabel(r, t),
      `${r.server_tensor_parallel_size}×${r.server_gpus / r.server_tensor_parallel_size}`,
      estimateFigure(r.without_sleep.server.step_time_s),
      formatNumber(r.without_sleep.server.generation_to_training_ratio.value, 2),
      estimateFigure(r.without_sleep.colocate.step_time_s),
      estimateFigure(r.without_sleep.speedup_per_training_gpu, { unit: '×' }),
      estimateFigure(r.without_sleep.speedup_per_allocated_gpu, { unit: '×' }),
      estimateFigure(r.with_sleep.speedup_per_training_gpu, { unit: '×' }),
      estimateFigure(r.with_sleep.speedup_per_allocated_gpu, { unit: '×' }),
    ]),
  };
}

function splitLabel(r: SplitRow, t: SplitTable): string {
  return t.shared_gpu ? '1 GPU shared (IPC)' : `${r.server_gpus}+${r.trainer_gpus}`;
}

/** Seconds per step by part, both modes (without sleep): what a measured run's phases are set against. */
export function stepPartsTable(t: SplitTable): Table {
  const rows: Cell[][] = [];
  for (const r of t.rows) {
    const p = r.without_sleep;
    for (const [mode, m] of [
      ['server', p.server],
      ['colocate', p.colocate],
    ] as const) {
      rows.push([
        splitLabel(r, t),
        mode,
        estimateFigure(m.step_time_s),
        ...(['generation', 'compute', 'weight_sync'] as const).map((k) => (m.parts[k] ? estimateFigure(m.parts[k]!) : '—')),
      ]);
    }
  }
  return {
    id: 'predicted-parts',
    title: `${PREDICTED}: seconds per step by part (no sleep)`,
    caption:
      'Step = generation + compute (rewards, log-probs, forward/backward, optimizer) + weight sync (server: to the server; colocate: the in-process load) + all-reduce.',
    columns: ['layout', 'mode', 'step s', 'generation s', 'compute s', 'weight sync s'],
    numeric: [false, false, true, true, true, true],
    rows,
  };
}

export function inputsTable(inputs: readonly InputUse[]): Table {
  const order = { measured: 0, interpolated: 1, extrapolated: 2, assumed: 3 } as const;
  return {
    id: 'inputs',
    title: 'What the prediction rests on',
    caption:
      'measured: a profile’s mean at that point; interpolated / extrapolated: between / beyond measured points (the server curve on log-log axes through all its points, a trainer half linearly; per-step costs held at what was measured); assumed: not measured, a fixed input.',
    columns: ['input', 'provenance', 'value', 'how'],
    numeric: [false, false, true, false],
    rows: [...inputs]
      .sort((a, b) => order[a.provenance] - order[b.provenance] || a.name.localeCompare(b.name))
      .map((i) => [i.name, i.provenance, `${formatNumber(i.value)} ${i.unit}`, i.detail]),
  };
}

export function predictMarkdown(p: Profile, t: SplitTable, chart: ChartSpec | undefined): string {
  const out = [
    `# ${PREDICTED}: ${t.shared_gpu ? `${SHARED_GPU_SERVER_LABEL}, vs colocate on one GPU` : `server vs colocate on ${t.gpus} GPUs`} — ${md(p.model)}`,
    '',
  ];
  out.push(
    `> **${PREDICTED}, not measured.** From the profile of \`${md(p.scenario)}\` (${md(p.sources.map((s) => s.run_id).join(', '))}${p.device_name ? `, ${md(p.device_name)}` : ''}).`,
    '',
  );
  const table = splitTableView(t);
  out.push(`## ${md(table.title)}`, '', md(table.caption ?? ''), '', markdownTable(table), '');
  if (chart) out.push(`![${md(chart.title)}](${reportChartFile(chart.id)})`, '');
  if (t.shared_gpu) {
    const parts = stepPartsTable(t);
    out.push(`## ${md(parts.title)}`, '', md(parts.caption ?? ''), '', markdownTable(parts), '');
  }
  const inputs = inputsTable(t.inputs);
  out.push(`## ${md(inputs.title)}`, '', md(inputs.caption ?? ''), '', markdownTable(inputs), '');
  out.push(
    '## Assumptions',
    '',
    ...t.assumptions.map((a) => `- ${md(a)}`),
    '',
    'The model and its validation: docs/metrics.md, "What-if model".',
    '',
  );
  return out.join('\n');
}

/** The prediction's chart, with the profile it rests on in its footer. */
export function predictChart(t: SplitTable, profile: Profile): ChartSpec {
  const labels = t.rows.map((r) => `${splitLabel(r, t)}${r.server_tensor_parallel_size > 1 ? ` tp${r.server_tensor_parallel_size}` : ''}`);
  const lines = [
    sweepLine(
      'per training GPU, no sleep',
      '#8e5ea2',
      t.rows.map((r) => r.without_sleep.speedup_per_training_gpu),
      [6, 4],
    ),
    sweepLine(
      'per training GPU, sleep',
      '#c39bd3',
      t.rows.map((r) => r.with_sleep.speedup_per_training_gpu),
      [2, 3],
    ),
    sweepLine(
      'per allocated GPU, no sleep',
      INK,
      t.rows.map((r) => r.without_sleep.speedup_per_allocated_gpu),
    ),
    sweepLine(
      'per allocated GPU, sleep',
      MUTED,
      t.rows.map((r) => r.with_sleep.speedup_per_allocated_gpu),
      [10, 3, 2, 3],
    ),
  ];
  const chart = sweepChart({
    id: 'predicted-speedup',
    title: `${PREDICTED} speedup of colocate over each server split of ${t.gpus} GPUs`,
    field: 'server split: server GPUs + trainer GPUs',
    labels,
    datasets: lines,
    decor: { hlines: [{ y: 1, color: MUTED, label: 'parity (1×)', dash: [4, 4] }] },
    heading: `${PREDICTED} (not measured): colocate ÷ server, ${t.gpus} GPUs, per-device batch ${t.per_device_batch}`,
    notes: [
      t.rows[0]?.without_sleep.speedup_per_training_gpu.spread === 'runs'
        ? 'Whiskers: 95 % of the model on resampled runs of the measured inputs; assumed inputs (see predict.md) are fixed.'
        : 'Whiskers: the spread of the model on resampled inputs; some input rests on one run, so this is that run’s spread, not a confidence interval. Assumed inputs (predict.md) are fixed.',
    ],
    y: axis('PREDICTED speedup (×)', { beginAtZero: true, ...roomFor(lines) }),
  });
  return withFooter(chart, profileFooter(profile, true));
}

// ---------------------------------------------------------------------------------------------

const claimText = (r: ClaimResult) =>
  [r.claim.value !== undefined ? `${r.claim.value}×` : '', r.claim.trend ? `${r.claim.trend} along the sweep` : '']
    .filter(Boolean)
    .join(', ') + (r.claim.at === 'max' ? ' (maximum)' : r.claim.at === 'last' ? ' (last point)' : '');

export function reproduceTable(results: readonly ClaimResult[]): Table {
  return {
    id: 'claims',
    title: 'Published claims: PREDICTED and measured',
    caption:
      'Predicted: a profile through the what-if model (PREDICTED, not a measurement): the model agrees or disagrees with the claim; it never reproduces one. ' +
      'Measured: a run of the scenario, when one was given: reproduced when the claim lies within the interval widened by the claim’s tolerance. ' +
      'Break-even: the value each input would need for the model to agree, the others as they are.',
    columns: ['scenario', 'claim', 'normalisation', 'PREDICTED', 'the model (PREDICTED)', 'break-even', 'measured', 'verdict (measured)'],
    rows: results.map((r) => [
      r.scenario,
      claimText(r),
      r.claim.metric.replaceAll('_', ' '),
      r.predicted.value ? `${times(r.predicted.value)}${r.predicted.point ? ` at ${r.predicted.point}` : ''}` : '—',
      r.predicted.verdict,
      r.predicted.break_even.map((b) => b.text).join('; ') || '—',
      r.measured.value ? `${times(r.measured.value)}${r.measured.point ? ` at ${r.measured.point}` : ''}` : '—',
      r.measured.verdict,
    ]),
  };
}

export function reproduceMarkdown(results: readonly ClaimResult[], profiles: readonly Profile[]): string {
  const out = ['# Published claims against PREDICTED and measured values', ''];
  out.push(
    `Profiles used: ${profiles.length ? profiles.map((p) => `\`${md(p.model)}\` (${md(p.sources.map((s) => s.run_id).join(', '))}${p.device_name ? `, ${md(p.device_name)}` : ''})`).join('; ') : 'none'}.`,
    '',
  );
  const t = reproduceTable(results);
  out.push(`## ${md(t.title)}`, '', md(t.caption ?? ''), '', markdownTable(t), '');
  for (const r of results) {
    out.push(`## ${md(r.scenario)}`, '');
    out.push(`- **Claim:** ${md(claimText(r))}, ${md(r.normalisation)}. Source: ${md(r.claim.source)}`);
    if (r.claim.method) out.push(`- **Method (as published):** ${md(r.claim.method)}`);
    if (r.claim.unstated.length) out.push(`- **Unstated by the sources:** ${r.claim.unstated.map(md).join('; ')}`);
    if (r.claim.assumed.length) out.push(`- **Assumed in the scenario:** ${r.claim.assumed.map(md).join('; ')}`);
    out.push(
      `- **${PREDICTED}:** ${r.predicted.value ? md(times(r.predicted.value)) : '—'} — ${md(r.predicted.verdict)}${r.predicted.profile ? ` (profile ${md(r.predicted.profile)})` : ''}`,
      ...r.predicted.why.map((w) => `  - ${md(w)}`),
    );
    if (r.predicted.per_point.length > 1)
      out.push(`  - by point: ${r.predicted.per_point.map((p) => `${md(p.point)} ${md(times(p.value))}`).join('; ')}`);
    if (r.predicted.gap.length) out.push('  - where the time goes (PREDICTED):', ...r.predicted.gap.map((g) => `    - ${md(g)}`));
    if (r.predicted.break_even.length)
      out.push('  - break-even (the measurement that would settle it):', ...r.predicted.break_even.map((b) => `    - ${md(b.text)}`));
    out.push(
      `- **Measured:** ${r.measured.value ? md(times(r.measured.value)) : '—'} — ${md(r.measured.verdict)}${r.measured.run_id ? ` (run ${md(r.measured.run_id)})` : ''}`,
      ...r.measured.why.map((w) => `  - ${md(w)}`),
    );
    if (r.measured.gap.length) out.push('  - where the time went (measured):', ...r.measured.gap.map((g) => `    - ${md(g)}`));
    if (r.predicted.assumptions.length) out.push('- **The prediction assumes:**', ...r.predicted.assumptions.map((a) => `  - ${md(a)}`));
    out.push('');
  }
  out.push('Rules and the model: docs/whatif.md and docs/metrics.md, "What-if model".', '');
  return out.join('\n');
}
