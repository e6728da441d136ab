// The Python side of the contract, run from the tests: the real checker over real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PYTHON, ROOT } from '../workloads/trl-fixtures.ts';

/** src/workloads/common/contract.py's check of event files against schemas/events.schema.json. */
export function checkEventFiles(...files: string[]) {
  return spawnSync(PYTHON, [path.join(ROOT, 'src/workloads/common/contract.py'), 'events', ...files], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Asserts that Python's jsonschema finds every line of these files valid. */
export function assertEventFilesValid(files: string[]): void {
  const r = checkEventFiles(...files);
  assert.equal(r.status, 0, `event files that break schemas/events.schema.json:\n${r.stdout}${r.stderr}`);
}
