// Notes the analysis leaves on a run: what was missing, partial or weak, and why. Each has a
// kind, a severity and a subject, so every output shows it and none works the fact out again
// (the report's header reads the unequal-work note rather than the comparisons). The kinds and
// the record are defined in records/notes.ts.
import { NOTE_KINDS, type Note, type NoteKind } from '../../records/notes.ts';

/** What a run-wide note is about. */
export const RUN_SUBJECT = 'run';

export function note(kind: NoteKind, subject: string, message: string): Note {
  return { kind, severity: NOTE_KINDS[kind].severity, subject, text: subject === RUN_SUBJECT ? message : `${subject}: ${message}` };
}

/** Notes the report also shows under its headline. */
export function headlineNotes(notes: readonly Note[]): Note[] {
  return notes.filter((n) => (NOTE_KINDS as Record<string, { headline: boolean } | undefined>)[n.kind]?.headline === true);
}
