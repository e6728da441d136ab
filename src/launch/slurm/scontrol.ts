// SLURM's client commands as the harness uses them: sbatch to submit, scontrol to follow a
// job (it works without accounting, where sacct does not), squeue to see it leave the queue,
// scancel to end it. Parsers are pure and tested on recorded output.
import { execa } from 'execa';
import { UnavailableError, UserError } from '../../errors.ts';

export interface JobInfo {
  id: string;
  /** PENDING, RUNNING, COMPLETING, COMPLETED, CANCELLED, TIMEOUT, NODE_FAIL, … */
  state: string;
  /** Why it is pending, or why it ended (TimeLimit, NodeDown, …); 'None' when SLURM gives none. */
  reason: string;
  /** The batch script's exit code and signal, `code:signal`. */
  exitCode: string;
  /** The job's nodes in SLURM's compressed form (n[1-2]); '(null)' while pending. */
  nodeList: string;
  runTime: string;
  timeLimit: string;
}

/** States from which a job does not run again (the job script asks not to be requeued). */
export const ENDED_STATES = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'SPECIAL_EXIT',
  'REVOKED',
]);

/** One job from `scontrol show job -o <id>`: one line of Key=Value fields. */
export function parseJobInfo(text: string): JobInfo | null {
  const field = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(text)?.[1];
  const id = field('JobId');
  const state = field('JobState');
  if (!id || !state) return null;
  return {
    id,
    state,
    reason: field('Reason') ?? 'None',
    exitCode: field('ExitCode') ?? '',
    nodeList: field('NodeList') ?? '',
    runTime: field('RunTime') ?? '',
    timeLimit: field('TimeLimit') ?? '',
  };
}

/** The job id in `sbatch --parsable` output: `id` or `id;cluster`. */
export function parseSubmitted(stdout: string): string | null {
  const m = /^(\d+)(?:;\S+)?$/m.exec(stdout.trim());
  return m ? m[1]! : null;
}

/** Why a job ended, in words; null when it completed normally. */
export function endedEarly(info: Pick<JobInfo, 'id' | 'state' | 'reason' | 'exitCode'>, cancelledBy?: string): string | null {
  const why = info.reason && info.reason !== 'None' ? `, ${info.reason}` : '';
  const tag = `(${info.state}${why})`;
  switch (info.state) {
    case 'COMPLETED':
      return null;
    case 'TIMEOUT':
      return `SLURM ended job ${info.id} at its time limit ${tag}`;
    case 'CANCELLED':
      return cancelledBy
        ? `job ${info.id} cancelled by grpo-bench on ${cancelledBy} ${tag}`
        : `job ${info.id} was cancelled outside grpo-bench (scancel) ${tag}`;
    case 'NODE_FAIL':
      return `SLURM ended job ${info.id}: a node failed ${tag}`;
    case 'PREEMPTED':
      return `SLURM preempted job ${info.id} ${tag}`;
    case 'OUT_OF_MEMORY':
      return `SLURM ended job ${info.id}: out of memory ${tag}`;
    case 'DEADLINE':
      return `SLURM ended job ${info.id} at its deadline ${tag}`;
    case 'BOOT_FAIL':
      return `job ${info.id} never ran: its nodes failed to boot ${tag}`;
    case 'FAILED':
      return `job ${info.id} failed: the job script exited with ${info.exitCode || 'an error'} ${tag}`;
    default:
      return `job ${info.id} ended ${tag}`;
  }
}

/** Submits the script; the job id. `env` is added to the job's environment (sbatch exports the rest). */
export async function submit(script: string, env: Record<string, string>): Promise<string> {
  const exports = ['ALL', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(',');
  const r = await slurmCommand('sbatch', ['--parsable', `--export=${exports}`, script]);
  if (r.exitCode !== 0)
    throw new UserError(
      `sbatch refused the job (${script}):\n  ${r.all.trim().split('\n').join('\n  ')}`,
      "The scenario's slurm settings (partition, account, time_limit, gpus_per_node, sbatch) become the script's #SBATCH lines; SLURM_CONF must point at the cluster's configuration.",
    );
  const id = parseSubmitted(r.stdout);
  if (!id) throw new UserError(`sbatch answered without a job id: ${r.all.trim()}`);
  return id;
}

/** The job as scontrol knows it; null once SLURM has forgotten it (MinJobAge after its end). */
export async function showJob(id: string): Promise<JobInfo | null> {
  const r = await slurmCommand('scontrol', ['show', 'job', '-o', id]);
  if (r.exitCode !== 0) {
    if (/Invalid job id/i.test(r.all)) return null;
    throw new UserError(`scontrol show job ${id} failed: ${r.all.trim()}`);
  }
  return parseJobInfo(r.stdout);
}

/** Whether squeue still lists the job (pending, running, or completing: its processes not all gone). */
export async function inQueue(id: string): Promise<boolean> {
  const r = await slurmCommand('squeue', ['-h', '-j', id, '-o', '%T']);
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

export async function cancel(id: string): Promise<void> {
  await slurmCommand('scancel', [id]);
}

async function slurmCommand(file: string, args: string[]) {
  try {
    return await execa(file, args, { reject: false, all: true, timeout: 30_000 }).then((r) => {
      if (r.failed && r.exitCode === undefined) throw Object.assign(new Error(r.shortMessage), { code: (r as { code?: string }).code });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, all: r.all ?? '' };
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UnavailableError(
        `${file} not found: the slurm launcher runs where SLURM's client commands are (a login node)`,
        'Run on a host with sbatch, scontrol, squeue and scancel on PATH, or use launcher: local.',
      );
    }
    throw err;
  }
}
