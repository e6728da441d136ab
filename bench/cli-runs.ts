// What the benchmarks that run real runs share: the grpo-bench CLI as a child process, exactly as
// a user runs it (so the figures include everything a run does), and the CPU time it took.
// GRPO_BENCH_CLI names the grpo-bench command to run (the installed bundle's `grpo-bench` on a
// host without this checkout's node_modules); without it, this checkout's src/cli.ts through tsx.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../src/env/python.ts';

/** User + system CPU seconds of this process and of every child it waited for (clock ticks of 1/100 s). */
export async function readCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is stat field 3 (state); utime, stime, cutime, cstime are fields 14–17.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

/**
 * One grpo-bench command as a child process, its output appended to `log`; the folders it made
 * under `results` (noise profiles aside). A non-zero exit is warned about, not thrown: a partial
 * run's finished steps still count.
 */
export async function cli(argv: string[], results: string, log: string): Promise<string[]> {
  const root = projectRoot();
  const before = new Set(await readdir(results).catch(() => []));
  const fd = openSync(log, 'a');
  const code = await new Promise<number>((resolve) => {
    const command = process.env.GRPO_BENCH_CLI;
    const [file, args] = command ? [command, argv] : [process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...argv]];
    const child = spawn(file, args, { cwd: root, stdio: ['ignore', fd, fd] });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  closeSync(fd);
  if (code !== 0) console.error(`  warning: ${argv[0]} exited ${code} (see ${log}); finished steps are used`);
  return (await readdir(results))
    .filter((n) => !before.has(n) && n !== 'noise-profiles')
    .sort()
    .map((n) => path.join(results, n));
}
