// Runs one unit's processes as a scoped resource: started in order, each in its own process
// group, logs to files, readiness awaited (a crash told apart from a timeout), and every
// process of the unit ended on every way out — including descendants that left the group
// (torchrun starts each rank with start_new_session=True, so killing the launcher's group
// alone would orphan the ranks). Those are found by an environment marker they inherit.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { isPortFree } from './ports.ts';
import { isLive, listPids, readEnvVar, readStat, type Member } from '../telemetry/proc.ts';
import type { ProcessSpec, Role } from '../records/plan.ts';
import { EVENTS_DIR, logFile, LOGS_DIR } from '../results/layout.ts';

export type UnitOutcome =
  | { status: 'ok' }
  | {
      status: 'failed' | 'timeout';
      message: string;
      process: string;
      exit_code?: number | null;
      signal?: string | null;
      log_tail: string[];
    }
  | { status: 'interrupted'; message: string };

/** A live process of the unit: a group leader, a member of its group, or a descendant that carries the marker. */
export type { Member } from '../telemetry/proc.ts';

/** Environment variable set on every process the supervisor starts; children inherit it. */
export const MARKER_ENV = 'GRPO_BENCH_PROCESS';
export const LOG_TAIL_LINES = 30;
/** UnitProcesses.sampledMembers: one full scan of /proc in this many calls (5 s at 200 ms). */
const FULL_SCAN_EVERY = 25;

/**
 * The processes of one unit: which process groups it started and how to find every live
 * member. Share one with the samplers to get per-process pids while the unit runs.
 */
export class UnitProcesses {
  readonly token = randomBytes(6).toString('hex');
  readonly #groups = new Map<number, { name: string; role: Role }>();
  readonly #roles = new Map<string, Role>();
  /** Membership decided once per (pid, start time): a pid may be reused by an unrelated process. */
  readonly #known = new Map<string, Member | null>();

  envFor(spec: ProcessSpec): Record<string, string> {
    this.#roles.set(spec.name, spec.role);
    return { [MARKER_ENV]: `${this.token}:${spec.name}` };
  }

  add(spec: ProcessSpec, pid: number): void {
    this.#groups.set(pid, { name: spec.name, role: spec.role });
  }

  get groupIds(): number[] {
    return [...this.#groups.keys()];
  }

  /** Every live process of the unit now, from one scan of /proc that reads every pid's stat (teardown relies on it). */
  members(): Member[] {
    return this.#scan(true);
  }

  /**
   * The unit's processes for a sampler's tick. Reading the stat of every pid on the host each tick
   * cost ~50 µs per pid (3.7 ms with 76 processes on the CPU box: ~2 % of a core at 200 ms, and
   * more on a busy node), so a pid once found to be no member is skipped by its number alone
   * between full scans; every FULL_SCAN_EVERY-th call is a full scan, which catches a pid
   * reused by a new member of the unit.
   */
  sampledMembers(): Member[] {
    return this.#scan(this.#ticks++ % FULL_SCAN_EVERY === 0);
  }

  #ticks = 0;
  /** Pids found to be no member of the unit at their last full reading. */
  readonly #strangers = new Set<number>();

  #scan(full: boolean): Member[] {
    const out: Member[] = [];
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      if (!full && this.#strangers.has(pid)) continue;
      const s = readStat(pid);
      if (!isLive(s)) continue;
      const key = `${pid}:${s.starttime}`;
      let m = this.#known.get(key);
      if (m === undefined) {
        m = this.#classify(pid, s.pgid);
        this.#known.set(key, m);
      }
      if (m) {
        this.#strangers.delete(pid);
        out.push(m);
      } else this.#strangers.add(pid);
    }
    return out;
  }

  #classify(pid: number, pgid: number): Member | null {
    const group = this.#groups.get(pgid);
    if (group) return { pid, process: group.name, role: group.role };
    const mark = readEnvVar(pid, MARKER_ENV);
    if (!mark?.startsWith(`${this.token}:`)) return null;
    const name = mark.slice(this.token.length + 1);
    return { pid, process: name, role: this.#roles.get(name) ?? 'trainer' };
  }
}

export interface RunUnitOptions {
  unitDir: string;
  processes: ProcessSpec[];
  /** Whole unit, readiness included. */
  timeoutS: number;
  /** Aborting it (the CLI wires SIGINT/SIGTERM here) ends the unit as interrupted. */
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL at teardown. */
  graceMs?: number;
  onStart?: (name: string, pid: number) => void;
  /** Pass one to read the unit's pids while it runs (samplers); one is made otherwise. */
  tracker?: UnitProcesses;
}

interface Exit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  startError?: string;
}

interface Running {
  spec: ProcessSpec;
  log: string;
  exited: Promise<Exit>;
  exit?: Exit;
}

type Event =
  | { kind: 'exit'; r: Running; x: Exit }
  | { kind: 'stop'; why: 'timeout' | 'interrupted' }
  | { kind: 'ready'; ok: true }
  | { kind: 'ready'; ok: false; last: string };

export async function runUnit(o: RunUnitOptions): Promise<UnitOutcome> {
  const tracker = o.tracker ?? new UnitProcesses();
  mkdirSync(path.join(o.unitDir, LOGS_DIR), { recursive: true });
  mkdirSync(path.join(o.unitDir, EVENTS_DIR), { recursive: true });
  if (o.signal?.aborted) return interrupted(o.signal);

  const busy = await portsInUse(o.processes);
  if (busy) return busy;

  const done = new AbortController();
  const stop = stopWhen(o.timeoutS * 1000, o.signal, done.signal);
  const running: Running[] = [];
  let outcome: UnitOutcome;
  let survivors: Member[];
  try {
    outcome = await drive();
  } finally {
    done.abort();
    survivors = await endUnit(tracker, o.graceMs ?? 5000);
  }
  if (survivors.length === 0) return outcome;
  // Reported, not hidden: a survivor would skew the next unit.
  const note = `${survivors.length} process(es) survived SIGKILL: ${survivors.map((m) => `${m.pid} (${m.process})`).join(', ')}`;
  if (outcome.status === 'ok') return { status: 'failed', message: note, process: survivors[0]!.process, log_tail: [] };
  return { ...outcome, message: `${outcome.message}; ${note}` };

  /** Starts the processes in order, awaiting each one's readiness, then waits for the finishers. */
  async function drive(): Promise<UnitOutcome> {
    const next = (extra: Promise<Event>[] = []) =>
      Promise.race([stop, ...extra, ...running.filter((r) => !r.exit).map((r) => r.exited.then((x): Event => ({ kind: 'exit', r, x })))]);
    const finishers = new Set(o.processes.filter((p) => p.finishes_unit).map((p) => p.name));
    // With no process marked as finishing the unit, the unit ends when all have exited.
    if (finishers.size === 0) for (const p of o.processes) finishers.add(p.name);

    for (const spec of o.processes) {
      const r = start(spec, tracker, o.unitDir, o.onStart);
      running.push(r);
      if (spec.ready.kind !== 'http') continue;
      const { url, timeout_s } = spec.ready;
      const readyP = waitHttp(url, timeout_s * 1000, done.signal).then((res): Event => ({ kind: 'ready', ...res }));
      for (;;) {
        const ev = await next([readyP]);
        if (ev.kind === 'ready') {
          if (ev.ok) break;
          return {
            status: 'timeout',
            message: `${spec.name} was not ready after ${timeout_s} s (GET ${url}: ${ev.last})`,
            process: spec.name,
            log_tail: tail(r.log),
          };
        }
        const end = settle(ev, running, finishers, r);
        if (end) return end;
      }
    }
    while (finishers.size > 0) {
      const end = settle(await next(), running, finishers);
      if (end) return end;
    }
    return { status: 'ok' };
  }

  /** An outcome if this event ends the unit, else null (a finisher exited 0). */
  function settle(ev: Event, running: Running[], finishers: Set<string>, readying?: Running): UnitOutcome | null {
    if (ev.kind === 'stop') {
      if (ev.why === 'interrupted') return interrupted(o.signal);
      const r = running.find((x) => !x.exit && finishers.has(x.spec.name)) ?? running.find((x) => !x.exit) ?? running.at(-1);
      return {
        status: 'timeout',
        message: `unit timed out after ${o.timeoutS} s`,
        process: r?.spec.name ?? '',
        log_tail: r ? tail(r.log) : [],
      };
    }
    if (ev.kind !== 'exit') return null;
    const { r, x } = ev;
    r.exit = x;
    const name = r.spec.name;
    const fail = (message: string): UnitOutcome => ({
      status: 'failed',
      message,
      process: name,
      exit_code: x.code,
      signal: x.signal,
      log_tail: tail(r.log),
    });
    if (x.startError) return fail(`${name} could not be started: ${x.startError}`);
    const how = x.signal ? `was killed by ${x.signal}` : `exited with code ${x.code}`;
    if (r === readying) return fail(`${name} ${how} before it was ready`);
    if (x.code !== 0) return fail(`${name} ${how}`);
    if (!finishers.has(name)) return fail(`${name} (${r.spec.role}) ${how} before the processes that finish the unit were done`);
    finishers.delete(name);
    return null;
  }
}

/** A planned port someone already listens on (a stale server would even pass our readiness check). */
async function portsInUse(specs: ProcessSpec[]): Promise<UnitOutcome | null> {
  for (const spec of specs) {
    for (const [purpose, port] of Object.entries(spec.ports)) {
      if (!(await isPortFree(port))) {
        return {
          status: 'failed',
          message: `port ${port} (${purpose} of ${spec.name}) is already in use`,
          process: spec.name,
          log_tail: [],
        };
      }
    }
  }
  return null;
}

function interrupted(signal?: AbortSignal): UnitOutcome {
  const reason = signal?.reason;
  return { status: 'interrupted', message: typeof reason === 'string' ? `interrupted (${reason})` : 'interrupted' };
}

function stopWhen(ms: number, signal: AbortSignal | undefined, done: AbortSignal): Promise<Event> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'stop', why: 'timeout' }), ms);
    const onAbort = () => resolve({ kind: 'stop', why: 'interrupted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    done.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      },
      { once: true },
    );
  });
}

function start(spec: ProcessSpec, tracker: UnitProcesses, unitDir: string, onStart?: (name: string, pid: number) => void): Running {
  const log = path.join(unitDir, logFile(spec.name));
  // execa's types admit only literal descriptor numbers; at run time any open fd is handed to
  // spawn as is, so the child writes its log directly (nothing passes through this process).
  const fd = openSync(log, 'a') as 3;
  const [file, ...args] = spec.argv;
  let exited: Promise<Exit>;
  try {
    const env = { ...spec.env, ...tracker.envFor(spec) };
    const child = execa(file!, args, {
      cwd: spec.cwd,
      env,
      detached: true,
      stdin: 'ignore',
      stdout: fd,
      stderr: fd,
      reject: false,
      buffer: false,
    });
    if (child.pid !== undefined) {
      tracker.add(spec, child.pid);
      onStart?.(spec.name, child.pid);
    }
    exited = child.then((res) => ({
      code: res.exitCode ?? null,
      signal: res.signal ?? null,
      ...(res.failed && res.exitCode === undefined && !res.signal ? { startError: res.originalMessage ?? res.shortMessage } : {}),
    }));
  } catch (e) {
    exited = Promise.resolve({ code: null, signal: null, startError: (e as Error).message });
  } finally {
    closeSync(fd);
  }
  return { spec, log, exited };
}

/** GET `url` until it answers 200 or `ms` pass; `last` says what the last try saw. */
export async function waitHttp(url: string, ms: number, cancel: AbortSignal): Promise<{ ok: true } | { ok: false; last: string }> {
  const deadline = Date.now() + ms;
  let last = 'no answer yet';
  while (Date.now() < deadline && !cancel.aborted) {
    const status = await getStatus(url, Math.min(2000, Math.max(1, deadline - Date.now())));
    if (status === 200) return { ok: true };
    last = typeof status === 'number' ? `HTTP ${status}` : status;
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())), undefined, { signal: cancel }).catch(() => {});
  }
  return { ok: false, last };
}

function getStatus(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 'no status');
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** The last `n` lines of a log file (reads at most its last 64 KiB). */
export function tail(file: string, n = LOG_TAIL_LINES): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    if (len < size) lines.shift(); // partial first line
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Ends every process of the unit: SIGTERM to each group and to each member outside them,
 * `graceMs` to exit, then SIGKILL to whatever is left. Returns what survived even that.
 */
export async function endUnit(tracker: UnitProcesses, graceMs: number): Promise<Member[]> {
  const send = (sig: NodeJS.Signals, members: Member[]) => {
    for (const pgid of tracker.groupIds) kill(-pgid, sig);
    for (const m of members) kill(m.pid, sig);
  };
  let left = tracker.members();
  send('SIGTERM', left);
  left = await waitGone(tracker, graceMs);
  if (left.length === 0) return [];
  send('SIGKILL', left);
  return waitGone(tracker, 5000);
}

async function waitGone(tracker: UnitProcesses, ms: number): Promise<Member[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = tracker.members();
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone.
  }
}
