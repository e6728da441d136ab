// Integrity of a results folder. The manifest records the size and sha256 of plan.json when it is
// written, of every raw file a unit wrote (events, samples, logs, node records) when the unit
// ends, and of steps.csv and summary.json when the analysis writes them. Every read of the folder (results/read.ts)
// checks them, so a report or a verdict never rests on files that changed after the run: a
// missing, cut, emptied or edited raw file is an IntegrityError naming the file and what differs.
// A derived file that no longer matches is not trusted: the caller computes it again from the
// raw files. Folders written before digests existed read as before, marked as such.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { FileDigest, FileDigests, Manifest } from '../records/manifest.ts';
import { RUN_FILES } from './layout.ts';

/**
 * The exit code of a results folder that cannot be trusted or read: EX_DATAERR of sysexits.h,
 * which no verdict of `compare` (0, 1, 2, 3) uses.
 */
export const INTEGRITY_EXIT_CODE = 65;

/** The derived files whose digests the manifest keeps (`derived`), by name in the run folder. */
export const DERIVED_FILES = [RUN_FILES.steps, RUN_FILES.summary] as const;

export interface IntegrityProblem {
  /** Relative to the run folder. */
  file: string;
  /** `missing`: recorded, now absent; `size`/`digest`: present but not as recorded; `unreadable`: the manifest itself. */
  what: 'missing' | 'size' | 'digest' | 'unreadable';
  /** Says what differs, e.g. `4120 bytes when the run ended, 0 now`. */
  detail: string;
}

export interface IntegrityCheck {
  /**
   * `verified`: every recorded raw file is as the run left it; `before_digests`: the folder was
   * written before digests existed, nothing to check; `unverified`: some are not
   * (problems), and the caller asked to go on.
   */
  state: 'verified' | 'before_digests' | 'unverified';
  problems: IntegrityProblem[];
  /** Unit folders whose raw files are not as recorded (the figures of their point and mode are unverified). */
  units: string[];
  /** A run-wide file (plan.json, or the manifest itself) is not as recorded: every figure is unverified. */
  runWide: boolean;
  /** Derived files that no longer match their digest: computed again from the raw files, never shown as written. */
  derivedChanged: string[];
}

/** A folder whose raw files are missing, damaged or changed; lists each file and what differs. */
export class IntegrityError extends UserError {
  constructor(
    readonly runDir: string,
    readonly problems: readonly IntegrityProblem[],
  ) {
    super(
      `${runDir}: the results folder does not match what its run recorded, so its figures cannot be trusted\n` +
        problems.map((p) => `  ${p.file}: ${p.what === 'missing' ? 'missing' : p.what === 'unreadable' ? 'unreadable' : `${p.what} differs`} (${p.detail})`).join('\n'),
      'Restore the folder from where it was copied, or run the scenario again. `grpo-bench report --allow-unverified` shows the figures anyway, each marked unverified.',
      INTEGRITY_EXIT_CODE,
    );
  }
}

/** Size and sha256 of a file, read as a stream (logs and event files may be large). */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Every raw file of a unit folder, relative to the run folder, sorted: events, logs, sample files
 * and node records, the unit's nodes included. A workload's own output folder (`<workload>-output`,
 * checkpoints) is not the harness's record and is left out, as are files still being replaced.
 */
export async function unitRawFiles(runDir: string, unitDir: string): Promise<string[]> {
  const entries = await readdir(path.join(runDir, unitDir), { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
    .map((e) => path.relative(runDir, path.join(e.parentPath, e.name)))
    .filter((rel) => !path.relative(unitDir, rel).split(path.sep).some((part) => part.endsWith('-output')))
    .sort();
}

/** The digests of a unit's raw files as they are now (called when the unit ends). */
export async function digestUnit(runDir: string, unitDir: string): Promise<FileDigests> {
  const out: FileDigests = {};
  for (const rel of await unitRawFiles(runDir, unitDir)) out[rel] = await digestFile(path.join(runDir, rel));
  return out;
}

async function compare(runDir: string, rel: string, want: FileDigest): Promise<IntegrityProblem | undefined> {
  const abs = path.join(runDir, rel);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isFile()) return { file: rel, what: 'missing', detail: `${want.bytes} bytes when recorded, no file now` };
  if (info.size !== want.bytes) return { file: rel, what: 'size', detail: `${want.bytes} bytes when recorded, ${info.size} now` };
  const now = await digestFile(abs);
  if (now.sha256 !== want.sha256) return { file: rel, what: 'digest', detail: `same size, different content: sha256 ${want.sha256.slice(0, 12)}… when recorded, ${now.sha256.slice(0, 12)}… now` };
  return undefined;
}

/**
 * Checks a folder against its manifest's digests. Raw files of units that ended are compared one
 * by one; an event or sample file that appeared in such a unit after it ended counts as a change
 * too. Derived files are only reported as changed (the caller recomputes them).
 */
export async function checkIntegrity(runDir: string, manifest: Manifest): Promise<IntegrityCheck> {
  const recorded = manifest.units.filter((u) => u.files !== undefined);
  const problems: IntegrityProblem[] = [];
  for (const [rel, want] of Object.entries(manifest.files ?? {})) {
    const problem = await compare(runDir, rel, want);
    if (problem) problems.push(problem);
  }
  const runWide = problems.length > 0;
  const units = new Set<string>();
  for (const unit of recorded) {
    const files = unit.files!;
    for (const [rel, want] of Object.entries(files)) {
      const problem = await compare(runDir, rel, want);
      if (problem) {
        problems.push(problem);
        units.add(unit.dir);
      }
    }
    for (const rel of await unitRawFiles(runDir, unit.dir)) {
      if (files[rel] || !/\.(jsonl|csv)$/.test(rel)) continue;
      problems.push({ file: rel, what: 'digest', detail: 'not among the files the unit wrote: added after the run' });
      units.add(unit.dir);
    }
  }
  const derivedChanged: string[] = [];
  for (const [name, want] of Object.entries(manifest.derived ?? {})) {
    if (await compare(runDir, name, want)) derivedChanged.push(name);
  }
  // Without raw digests nothing backs the figures but the folder itself: marked, not refused.
  const before = recorded.length === 0 && manifest.files === undefined;
  return { state: before ? 'before_digests' : problems.length ? 'unverified' : 'verified', problems, units: [...units].sort(), runWide, derivedChanged };
}

/**
 * The first line of a report whose folder did not verify: which figures rest on raw files that
 * changed after the run. Undefined when everything verified (or nothing could be checked).
 */
export function unverifiedLine(check: IntegrityCheck | undefined, unitPointMode: (unitDir: string) => string | undefined): string | undefined {
  if (!check || check.state !== 'unverified') return undefined;
  const files = check.problems.map((p) => `${p.file} ${p.what === 'missing' ? 'missing' : p.what === 'unreadable' ? 'unreadable' : `(${p.what} differs)`}`);
  const subjects = [...new Set(check.units.map((u) => unitPointMode(u) ?? u))];
  const which = check.runWide || check.units.length === 0 ? 'every figure rests' : `the figures of ${subjects.join(', ')} and every comparison with them rest`;
  return `UNVERIFIED: ${which} on raw files that no longer match what the run recorded (${files.join('; ')}); shown because of --allow-unverified.`;
}
