// Writes schemas/*.schema.json from their zod definitions (src/workloads/contract.ts).
//   npx tsx scripts/schemas.ts           rewrite every file
//   npx tsx scripts/schemas.ts --check   exit 1, naming the files, when a committed file differs
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTRACT, renderSchema, schemaFile } from '../src/workloads/contract.ts';

const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const name of Object.keys(CONTRACT)) {
  const file = schemaFile(root, name);
  const text = renderSchema(name);
  const committed = await readFile(file, 'utf8').catch(() => null);
  if (committed === text) continue;
  if (check) stale.push(path.relative(root, file));
  else {
    await writeFile(file, text);
    console.error(`wrote ${path.relative(root, file)}`);
  }
}
if (stale.length) {
  console.error(`out of date with their zod definitions: ${stale.join(', ')}\nrun: npm run schemas`);
  process.exitCode = 1;
}
