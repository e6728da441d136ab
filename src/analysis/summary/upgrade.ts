// summary.json written by an older harness, brought to the current shape for display when its
// results folder cannot be analysed again (docs/reports.md "Summaries written by an older harness").
// Only the representation changes here; what an old summary never had stays missing.
import { pointOf, type PointInfo, type ScalarValue } from '../../scenario/sweep.ts';
import { note, RUN_SUBJECT } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import type { Summary } from '../../records/summary.ts';

/** Before schema 3, `points` mapped each point id to its swept values. */
type OldPoints = Record<string, Record<string, ScalarValue>>;

/** Before schema 3, a note was its text alone. */
type OldNote = string;

/** The summary in the current shape; one already in it is returned as it is. */
export function upgradeSummary(old: Summary): Summary {
  const points = old.points as PointInfo[] | OldPoints | undefined;
  const notes = (old.notes ?? []) as (Note | OldNote)[];
  return {
    ...old,
    // The label comes from the values by the function that names points at plan time (a point
    // without values is labelled by its id, as before); the id stays as written.
    points: points === undefined || Array.isArray(points) ? (points ?? []) : Object.entries(points).map(pointFromValues),
    // An old note's kind is not known; nothing is read back out of its text.
    notes: notes.map((n) => (typeof n === 'string' ? note('unclassified', RUN_SUBJECT, n) : n)),
    // Before schema 5 there were no comparisons between sweep points.
    point_comparisons: old.point_comparisons ?? [],
  };
}

function pointFromValues([id, values]: [string, Record<string, ScalarValue>]): PointInfo {
  return { id, values, label: Object.keys(values).length ? pointOf(values).label : id };
}
