// The project's formatters: prettier for TypeScript and JavaScript, ruff for Python.
//   node scripts/format.mjs           rewrite the files
//   node scripts/format.mjs --check   list what is not formatted and fail (npm test runs this)
// ruff comes from .venv-tools (node scripts/setup.mjs --with lint), else from PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const local = path.join(root, '.venv-tools', 'bin', 'ruff');
const ruff = existsSync(local) ? local : 'ruff';
const steps = [
  [path.join(root, 'node_modules', '.bin', 'prettier'), [check ? '--check' : '--write', '--log-level', 'warn', '.']],
  [ruff, ['format', ...(check ? ['--check'] : []), '.']],
];
let failed = false;
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    console.error(`${path.basename(cmd)}: ${r.error.message} (run node scripts/setup.mjs --with lint)`);
    failed = true;
  } else if (r.status !== 0) failed = true;
}
if (failed && check) console.error('\nnot formatted: run `npm run format`');
process.exit(failed ? 1 : 0);
