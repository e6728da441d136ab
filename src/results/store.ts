// The results folder of one run. JSON files are replaced atomically (write, then rename) so
// a crash never leaves a half-written manifest; event and telemetry files are appended to by
// their writers as the run goes. When a unit ends, the digests of the raw files it wrote go into
// its record (integrity.ts), and those of steps.csv and summary.json once the analysis wrote them.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DERIVED_FILES, digestFile, digestUnit } from './integrity.ts';
import { RUN_FILES } from './layout.ts';
import type { FileDigests, Manifest, UnitRecord } from '../records/manifest.ts';

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

export class RunStore {
  private constructor(
    readonly dir: string,
    private manifest: Manifest,
  ) {}

  /** Creates the folder and writes the manifest first, so even a run that dies at once leaves a record. */
  static async create(dir: string, manifest: Manifest): Promise<RunStore> {
    await mkdir(dir, { recursive: true });
    const store = new RunStore(dir, manifest);
    await store.save();
    return store;
  }

  get current(): Readonly<Manifest> {
    return this.manifest;
  }

  /** A patch that ends the unit (any status but planned or running) records the digests of its raw files as they are now. */
  async updateUnit(unitDir: string, patch: Partial<UnitRecord>): Promise<void> {
    if (patch.status !== undefined && patch.status !== 'planned' && patch.status !== 'running') {
      patch = { ...patch, files: await digestUnit(this.dir, unitDir) };
    }
    this.manifest = {
      ...this.manifest,
      units: this.manifest.units.map((u) => (u.dir === unitDir ? { ...u, ...patch } : u)),
    };
    await this.save();
  }

  /** Replaces top-level fields of the manifest (not the units: updateUnit does those). */
  async update(patch: Partial<Omit<Manifest, 'units'>>): Promise<void> {
    this.manifest = { ...this.manifest, ...patch };
    await this.save();
  }

  async finish(status: Manifest['status']): Promise<void> {
    this.manifest = { ...this.manifest, status, ended: new Date().toISOString() };
    await this.save();
  }

  /** Writes a run-wide file (plan.json) and records its digest in the manifest (`files`). */
  async writeJson(name: string, value: unknown): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, name), value);
    this.manifest = { ...this.manifest, files: { ...this.manifest.files, [name]: await digestFile(path.join(this.dir, name)) } };
    await this.save();
  }

  private save(): Promise<void> {
    return writeJsonAtomic(path.join(this.dir, RUN_FILES.manifest), this.manifest);
  }
}

/** Adds the digests of steps.csv and summary.json, as just written, to the folder's manifest.json (`derived`). */
export async function recordDerivedDigests(runDir: string): Promise<void> {
  const file = path.join(runDir, RUN_FILES.manifest);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  const derived: FileDigests = {};
  for (const name of DERIVED_FILES) {
    if (await stat(path.join(runDir, name)).catch(() => undefined)) derived[name] = await digestFile(path.join(runDir, name));
  }
  await writeJsonAtomic(file, { ...manifest, derived });
}
