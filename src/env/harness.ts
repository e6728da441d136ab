// The harness's own identity for manifests (package version, the git commit it runs from) and the command that runs it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { projectRoot } from './python.ts';

/** Inlined at bundle time, so a one-file CLI on an offline host still knows its version. */
export function harnessVersion(): string {
  return pkg.version;
}

export function gitState(root = projectRoot()): { sha: string | null; dirty: boolean | null } {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { sha, dirty: status.trim().length > 0 };
  } catch {
    return { sha: null, dirty: null }; // not a git checkout (e.g. a bundle on an offline host)
  }
}

/** The command that started this harness (node, its flags, the CLI's entry file): how a job script runs it again on a node. */
export function harnessCommand(): string[] {
  return [process.execPath, ...process.execArgv, path.resolve(process.argv[1]!)];
}
