// Where report tests get their results folder. Today: the made-up fixture. When a real tiny
// run can be produced in tests, change `tinyRun` to produce one; nothing else changes.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildRunFixture, type FixtureOptions } from './fixture.ts';

export async function tempDir(prefix = 'grpo-bench-report-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** A results folder of a small run (both modes, 2 repeats), in a fresh temporary folder. */
export async function tinyRun(options: FixtureOptions = {}): Promise<string> {
  return buildRunFixture(path.join(await tempDir(), 'results'), options);
}
