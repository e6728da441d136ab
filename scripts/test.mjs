// Runs the test files under test/ with node's test runner (node 20 has no glob for --test).
// `node scripts/test.mjs [filter…]` runs only files whose path contains one of the filters.
// Files named *.gpu.test.ts need a GPU and run only when GRPO_BENCH_GPU_TESTS=1.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const gpu = process.env.GRPO_BENCH_GPU_TESTS === '1';
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => gpu || !f.endsWith('.gpu.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => path.join('test', f));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
