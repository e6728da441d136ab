// A results folder written by another version of the harness, brought to what this one reads.
// Its format is manifest.json's `schema_version` (RESULTS_SCHEMA_VERSION): a newer one is refused
// with an error that says so; what an older folder lacks is filled in here, on read, so every
// folder ever written still loads. The folder itself is never changed.
//
// Filled in today: the sweep points (id, values, label) of a plan.json written before they were
// named at plan time.
//
// summary.json has a schema of its own: an older summary is computed again, in memory, by the
// analysis (analysis/summary/summarize.ts, currentSummary).
import { UserError } from '../errors.ts';
import type { UnitPlan } from '../records/plan.ts';
import { sweepPoints, type PointInfo, type SweepSpec } from '../scenario/sweep.ts';
import { RESULTS_SCHEMA_VERSION } from '../records/manifest.ts';
import { INTEGRITY_EXIT_CODE } from './integrity.ts';

/** Refuses a folder written in a format newer than this harness reads. */
export function checkSchemaVersion(file: string, version: number): void {
  if (version > RESULTS_SCHEMA_VERSION) {
    throw new UserError(
      `${file}: schema_version ${version}: written by a newer grpo-bench than this one (it reads results up to schema ${RESULTS_SCHEMA_VERSION})`,
      'Read this folder with the grpo-bench version that wrote it (manifest.json, harness.version), or a later one.',
      INTEGRITY_EXIT_CODE,
    );
  }
}

/**
 * The points of a plan.json written before points were named at plan time: the sweep recorded in
 * the manifest expanded again (the same function named them then), kept to the points the plan's
 * units have, in sweep order. A unit's point the sweep does not give keeps its id as its label.
 */
export function planPoints(units: readonly Pick<UnitPlan, 'point'>[], sweep: SweepSpec | undefined): PointInfo[] {
  const ids = new Set(units.map((u) => u.point));
  const swept = sweepPoints(sweep).filter((p) => ids.has(p.id));
  const named = new Set(swept.map((p) => p.id));
  return [...swept, ...[...ids].filter((id) => !named.has(id)).map((id) => ({ id, values: {}, label: id }))];
}
