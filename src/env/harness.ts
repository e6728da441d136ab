// The harness's own identity for manifests: package version and the git commit it runs from.
import { execFileSync } from 'node:child_process';
import pkg from '../../package.json' with { type: 'json' };
import { projectRoot } from './python.ts';

/** Inlined at bundle time, so a one-file CLI on an offline host still knows its version. */
export function harnessVersion(): string {
  return pkg.version;
}

export function gitState(root = projectRoot()): { sha: string | null; dirty: boolean | null } {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { sha, dirty: status.trim().length > 0 };
  } catch {
    return { sha: null, dirty: null }; // not a git checkout (e.g. a bundle on an offline host)
  }
}
