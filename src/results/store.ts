// The results folder of one run. JSON files are replaced atomically (write, then rename) so
// a crash never leaves a half-written manifest; event and telemetry files are appended to by
// their writers as the run goes.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RUN_FILES } from './layout.ts';
import type { Manifest, UnitRecord } from '../records/manifest.ts';

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

  async updateUnit(unitDir: string, patch: Partial<UnitRecord>): Promise<void> {
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

  writeJson(name: string, value: unknown): Promise<void> {
    return writeJsonAtomic(path.join(this.dir, name), value);
  }

  private save(): Promise<void> {
    return writeJsonAtomic(path.join(this.dir, RUN_FILES.manifest), this.manifest);
  }
}
