// For tests that make a run folder by editing a real one (a server that wrote no phases, a
// summary that was never written, another scenario name in plan.json): the digests recorded as if the run had written the folder
// that way, so the reader checks the edited files rather than refusing them.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../../src/records/manifest.ts';
import { digestFile, digestUnit } from '../../src/results/integrity.ts';
import { recordDerivedDigests } from '../../src/results/store.ts';

export async function recordAsWritten(runDir: string): Promise<void> {
  const file = path.join(runDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  for (const name of Object.keys(manifest.files ?? {})) manifest.files![name] = await digestFile(path.join(runDir, name));
  for (const unit of manifest.units) if (unit.files) unit.files = await digestUnit(runDir, unit.dir);
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
  await recordDerivedDigests(runDir);
}
