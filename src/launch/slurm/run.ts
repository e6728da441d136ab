// `run` with the slurm launcher: the plan's job script is written into the results folder and
// submitted; the harness then follows the job (its state, each unit's progress from the files
// the node agents write) and records each unit as its nodes finish it. Ctrl-C, a failure of the
// harness, or the harness being killed (a watchdog outlives it) cancel the job, so nothing keeps
// the GPUs. A job SLURM ends (time limit, node failure, preemption) leaves a partial run that
// says why, with everything measured before.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startClockServer } from './clock.ts';
import { combineNodes } from './outcome.ts';
import { CLOCK_URL_ENV } from './placeholders.ts';
import { cancel, endedEarly, ENDED_STATES, inQueue, showJob, submit, type JobInfo } from './scontrol.ts';
import type { RunPlan, SlurmUnit, UnitPlan } from '../../records/plan.ts';
import { describeError } from '../unit.ts';
import { firstWorkloadError } from '../../results/failure.ts';
import type { SlurmRecord, UnitRecord } from '../../records/manifest.ts';
import { readNodeFolders } from '../../results/nodes.ts';
import { eventFile, SLURM_FILES, slurmOutputFile } from '../../results/layout.ts';
import type { RunStore } from '../../results/store.ts';
import { followProgress } from '../progress.ts';

const POLL_MS = 1000;
/** How long a cancelled job may take to leave the queue before the harness stops waiting for it. */
const LEAVE_QUEUE_S = 120;

export interface SlurmRunOptions {
  plan: RunPlan;
  script: string;
  store: RunStore;
  runDir: string;
  /** Steps of each unit (its sweep point's), for the progress line. */
  steps: (unit: UnitPlan) => number;
  signal: AbortSignal;
}

export interface SlurmRunResult {
  /** Ctrl-C (or SIGTERM/SIGHUP) cancelled the job. */
  interrupted: boolean;
  /** Why the job ended before its last unit, when SLURM ended it (or someone else cancelled it). */
  endedEarly: string | null;
}

export async function runOnSlurm(o: SlurmRunOptions): Promise<SlurmRunResult> {
  const scriptFile = path.join(o.runDir, SLURM_FILES.script);
  await mkdir(path.dirname(scriptFile), { recursive: true });
  await writeFile(scriptFile, o.script);
  await chmod(scriptFile, 0o755);
  const clock = await startClockServer();
  const units = new UnitFollower(o);
  let jobId: string | undefined;
  let watchdog: ChildProcess | undefined;
  let last: JobInfo | null = null;
  let cancelledOn: string | undefined;
  let over = false;
  try {
    if (o.signal.aborted) return { interrupted: true, endedEarly: null };
    jobId = await submit(scriptFile, { [CLOCK_URL_ENV]: clock.url });
    watchdog = cancelWhenGone(jobId);
    const record: SlurmRecord = {
      job_id: jobId,
      script: SLURM_FILES.script,
      output: slurmOutputFile(jobId),
      submitted: new Date().toISOString(),
    };
    await o.store.update({ slurm: record });
    console.error(`job ${jobId} submitted: ${path.relative(process.cwd(), scriptFile) || scriptFile}`);
    for (;;) {
      if (o.signal.aborted && !cancelledOn) {
        cancelledOn = typeof o.signal.reason === 'string' ? o.signal.reason : 'interrupt';
        console.error(`job ${jobId}: cancelling (scancel) …`);
        await cancel(jobId);
      }
      const info = await showJob(jobId);
      if (info && (info.state !== last?.state || info.reason !== last.reason)) {
        console.error(`job ${jobId}: ${describeState(info)}`);
        await o.store.update({
          slurm: { ...record, state: info.state, reason: info.reason, exit_code: info.exitCode, nodes: info.nodeList },
        });
      }
      last = info ?? last;
      await units.poll();
      // Over once SLURM says so and the job has left the queue (COMPLETING: processes still being ended).
      if ((!info || ENDED_STATES.has(info.state)) && !(await inQueue(jobId))) break;
      await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => {});
    }
    over = true;
  } finally {
    // A failure of the harness itself: the job must not keep its nodes.
    if (jobId && !over) await cancelAndWait(jobId);
    if (watchdog?.pid) killGroup(watchdog.pid);
    await clock.close();
  }
  let why = last ? endedEarly(last, cancelledOn) : `job ${jobId} left SLURM's records before its end was seen`;
  await units.finish(why);
  if (!units.anyStarted && !cancelledOn) {
    why ??= `no node recorded a unit in ${o.runDir}: the results folder must be on a filesystem the compute nodes share (see the job's output, ${slurmOutputFile(jobId!)}, where the nodes could write it)`;
  }
  if (last)
    await o.store.update({
      slurm: {
        ...o.store.current.slurm!,
        state: last.state,
        reason: last.reason,
        exit_code: last.exitCode,
        nodes: last.nodeList,
        ...(why ? { ended_early: why } : {}),
      },
    });
  await units.recordEnvironment();
  if (why) console.error(`job ${jobId}: ${why}`);
  return { interrupted: cancelledOn !== undefined, endedEarly: cancelledOn ? null : why };
}

function describeState(info: JobInfo): string {
  if (info.state === 'PENDING') return `pending (${info.reason})`;
  if (info.state === 'RUNNING') return `running on ${info.nodeList}`;
  return `${info.state.toLowerCase()}${info.reason !== 'None' ? ` (${info.reason})` : ''}`;
}

/** Each unit's state from its nodes' records: running when the first appears, recorded when all have ended. */
class UnitFollower {
  readonly #o: SlurmRunOptions;
  readonly #state = new Map<number, { progress?: (final: string) => void; recorded: boolean }>();

  constructor(o: SlurmRunOptions) {
    this.#o = o;
  }

  /** Whether any node recorded the start of any unit. */
  get anyStarted(): boolean {
    return this.#state.size > 0;
  }

  async poll(): Promise<void> {
    for (const [index, unit] of this.#o.plan.units.entries()) {
      const state = this.#state.get(index);
      if (state?.recorded) continue;
      const unitDir = path.join(this.#o.runDir, unit.dir);
      const nodes = await readNodeFolders(unitDir);
      if (nodes.length === 0) continue;
      if (!state) {
        await this.#o.store.updateUnit(unit.dir, { status: 'running', started: nodes.map((n) => n.record.started).sort()[0] });
        this.#state.set(index, { recorded: false });
      }
      const s = this.#state.get(index)!;
      const head = nodes.find((n) => n.record.role === 'trainer' && n.record.node_rank === 0);
      if (!s.progress && head) {
        const eventsFile = path.join(unitDir, head.dir, eventFile('trainer', 0));
        s.progress = followProgress({ unit, unitDir, eventsFile, steps: this.#o.steps(unit), index, total: this.#o.plan.units.length });
      }
      const verdict = combineNodes(
        nodes.map((n) => n.record),
        expectedNodes(this.#o.plan.slurm!.units[index]!),
      );
      // An interrupted unit is recorded once the job is over, in the job's words (its time limit …).
      if (verdict && verdict.status !== 'interrupted') await this.#record(index, unit, verdict);
    }
  }

  /** After the job: every unit a node started is recorded, those cut short with the job's reason. */
  async finish(why: string | null): Promise<void> {
    await this.poll();
    for (const [index, unit] of this.#o.plan.units.entries()) {
      const state = this.#state.get(index);
      if (!state || state.recorded) continue;
      const nodes = await readNodeFolders(path.join(this.#o.runDir, unit.dir));
      const verdict = combineNodes(
        nodes.map((n) => n.record),
        expectedNodes(this.#o.plan.slurm!.units[index]!),
        { why },
      );
      await this.#record(index, unit, verdict!);
    }
    for (const s of this.#state.values()) s.progress?.('stopped');
  }

  async #record(index: number, unit: UnitPlan, verdict: NonNullable<ReturnType<typeof combineNodes>>): Promise<void> {
    const s = this.#state.get(index)!;
    s.recorded = true;
    s.progress?.(verdict.status === 'ok' ? 'done' : verdict.status);
    s.progress = undefined;
    let record: Partial<UnitRecord> = verdict;
    if (verdict.error && verdict.status !== 'interrupted') {
      // The earliest error a workload process recorded on any node, named from the unit folder.
      const cause = await firstWorkloadError(path.join(this.#o.runDir, unit.dir));
      record = { ...verdict, error: { ...verdict.error, ...(cause ? { workload_error: cause } : {}) } };
    }
    if (record.error) console.error(describeError(record.error).join('\n'));
    await this.#o.store.updateUnit(unit.dir, record);
  }

  /**
   * The run's environment fingerprint is the compute nodes', not the submitting host's: that of
   * the first unit's head trainer node, with the job's node count.
   */
  async recordEnvironment(): Promise<void> {
    for (const unit of this.#o.plan.units) {
      const nodes = await readNodeFolders(path.join(this.#o.runDir, unit.dir));
      const head = nodes.find((n) => n.record.role === 'trainer' && n.record.node_rank === 0)?.record.environment;
      if (!head) continue;
      const fp = this.#o.store.current.fingerprint;
      await this.#o.store.update({ fingerprint: { ...fp, environment: { ...head, slurm_nodes: this.#o.plan.slurm!.nodes } } });
      return;
    }
  }
}

function expectedNodes(u: SlurmUnit): number {
  return u.groups.reduce((n, g) => n + g.nodes.length, 0);
}

/**
 * A process of its own that cancels the job when the harness disappears without a chance to
 * (SIGKILL, a lost session): it polls the harness's pid and calls scancel once it is gone.
 */
function cancelWhenGone(jobId: string): ChildProcess {
  const child = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; scancel ${jobId} 2>/dev/null`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

async function cancelAndWait(jobId: string): Promise<void> {
  await cancel(jobId).catch(() => {});
  const deadline = Date.now() + LEAVE_QUEUE_S * 1000;
  while (Date.now() < deadline && (await inQueue(jobId).catch(() => false))) await sleep(POLL_MS);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
