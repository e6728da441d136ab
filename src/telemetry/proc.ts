// Reading Linux /proc: process stat lines (ppid, process group, CPU ticks, RSS) and the
// environment marker by which the supervisor recognises its own processes.
import { readdirSync, readFileSync } from 'node:fs';
import { execaSync } from 'execa';
import type { Role } from '../records/plan.ts';

/** A live process of a unit: its pid, the ProcessSpec it descends from, and that one's role. */
export interface Member {
  pid: number;
  /** The ProcessSpec name it descends from. */
  process: string;
  role: Role;
}

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, X … */
  state: string;
  ppid: number;
  pgid: number;
  /** User + system CPU time of the process itself, in seconds. */
  cpu_s: number;
  /** Start time after boot, in clock ticks: with pid, identifies a process across pid reuse. */
  starttime: number;
  rss_bytes: number;
}

let sysconf: { clkTck: number; pageSize: number } | undefined;

function conf(): { clkTck: number; pageSize: number } {
  if (!sysconf) {
    const get = (name: string, fallback: number) => {
      try {
        const n = Number(execaSync('getconf', [name]).stdout.trim());
        return Number.isFinite(n) && n > 0 ? n : fallback;
      } catch {
        return fallback;
      }
    };
    sysconf = { clkTck: get('CLK_TCK', 100), pageSize: get('PAGESIZE', 4096) };
  }
  return sysconf;
}

/** Parses one `/proc/<pid>/stat` line; the command name may hold spaces and parentheses. */
export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const f = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 of proc(5); field n is f[n - 3].
  const num = (n: number) => Number(f[n - 3]);
  const { clkTck, pageSize } = conf();
  return {
    pid: Number(line.slice(0, open).trim()),
    comm: line.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: num(4),
    pgid: num(5),
    cpu_s: (num(14) + num(15)) / clkTck,
    starttime: num(22),
    rss_bytes: num(24) * pageSize,
  };
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every pid on the host (that this user may see). */
export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The value of `name` in the environment a process started with, or null (gone, or not ours to read). */
export function readEnvVar(pid: number, name: string): string | null {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
  const key = Buffer.from(`${name}=`);
  let at = env.indexOf(key);
  // Only a match at the start of an entry counts.
  while (at > 0 && env[at - 1] !== 0) at = env.indexOf(key, at + 1);
  if (at < 0) return null;
  const end = env.indexOf(0, at);
  return env.subarray(at + key.length, end < 0 ? env.length : end).toString('utf8');
}

/** A process that exists and is not a zombie (a zombie has exited; it only waits to be reaped). */
export function isLive(s: ProcStat | null): s is ProcStat {
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}
