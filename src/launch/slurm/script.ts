// The batch job script of a SLURM plan: what `run` submits with sbatch and `plan` prints.
// It only places: for each unit in the plan's order, one srun step per group of nodes runs
// grpo-bench's node agent (`grpo-bench slurm-node`), which starts that node's processes from
// plan.json, samples the node and records what happened. Pure: plan and settings in, text out.
import path from 'node:path';
import type { SlurmSettings } from '../../scenario/schema.ts';
import { fileSlug, SLURM_FILES } from '../../results/layout.ts';
import { shellQuote } from '../shell.ts';
import type { RunPlan, SlurmGroup } from '../../records/plan.ts';

/** The node agent's signal for the other group's end: to a server, the trainers are done; to trainers, the server is gone. */
export const PEER_ENDED_SIGNAL = 'SIGUSR2' satisfies NodeJS.Signals;

export interface ScriptOptions {
  scenario: string;
  runDir: string;
  settings: SlurmSettings;
  /** The command that runs grpo-bench on a node: node, its flags, the CLI's entry file. */
  harness: string[];
  /** Project root (src/, the workloads' Python) and the workload Python, the same paths on every node. */
  root: string;
  python: string;
}

export function jobScript(plan: RunPlan, o: ScriptOptions): string {
  const slurm = plan.slurm;
  if (!slurm) throw new Error('jobScript needs a plan made for SLURM (planSlurmRun)');
  const q = shellQuote;
  const s = o.settings;
  const sbatch = [
    `--job-name=grpo-bench-${fileSlug(o.scenario, 'run', 40)}`,
    `--nodes=${slurm.nodes}`,
    '--ntasks-per-node=1',
    // A requeued job would run its units again over the results already written.
    '--no-requeue',
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    ...(s.account ? [`--account=${s.account}`] : []),
    ...(s.time_limit !== undefined ? [`--time=${s.time_limit}`] : []),
    ...(plan.device === 'cuda' ? [`--gres=gpu:${slurm.per_node}`] : []),
    `--output=${path.join(o.runDir, SLURM_FILES.output)}`,
    ...s.sbatch,
  ];
  const lines = [
    '#!/bin/bash',
    `# grpo-bench: scenario '${plan.scenario}' (${plan.workload}, ${plan.device}), ${plan.units.length} unit(s) on ${slurm.nodes} node(s).`,
    '# Written by `grpo-bench run` into the results folder and submitted with sbatch; `grpo-bench plan`',
    '# prints it without submitting. docs/slurm.md explains each part.',
    ...sbatch.map((x) => `#SBATCH ${x}`),
    'set -u',
    '',
    `RUN=${q(o.runDir)}`,
    '# grpo-bench itself, as the node agent of each unit: it starts the processes plan.json gives its',
    '# node, samples the node, measures its clock against the submitting host and records the outcome.',
    `AGENT=(${o.harness.map(q).join(' ')} slurm-node "$RUN")`,
    `export GRPO_BENCH_ROOT=${q(o.root)}`,
    `export GRPO_BENCH_PYTHON=${q(o.python)}`,
    ...Object.entries(s.env).map(([k, v]) => `export ${k}=${q(v)}`),
    `cd "$GRPO_BENCH_ROOT" || exit 1`,
    '',
    "# The job's nodes in SLURM's order, and each one's address on the cluster network: SLURM's",
    "# NodeAddr (where slurmd is reached) as an IPv4 address. A server binds its node's address",
    "# (not every interface); trainers reach it there and meet each other at the first trainer's.",
    'mapfile -t NODES < <(scontrol show hostnames "$SLURM_JOB_NODELIST")',
    'GRPO_BENCH_NODE_ADDRS=',
    'for n in "${NODES[@]}"; do',
    '  addr=$(scontrol show node "$n" | grep -o \'NodeAddr=[^ ]*\' | cut -d= -f2)',
    '  ip=$(getent ahostsv4 "${addr:-$n}" | awk \'NR == 1 { print $1 }\')',
    '  GRPO_BENCH_NODE_ADDRS+="$n=${ip:-${addr:-$n}},"',
    'done',
    'export GRPO_BENCH_NODE_ADDRS',
    '',
    '# scancel and the time limit signal this script and every step: start no further unit.',
    'stopping=0',
    "trap 'stopping=1' TERM INT",
    '',
    '# names FIRST COUNT: COUNT of the nodes from index FIRST, comma-separated.',
    'names() { local IFS=,; echo "${NODES[*]:$1:$2}"; }',
    '# await PID…: waits for these steps (a signal also ends `wait`, hence the loop).',
    'await() { local p; for p in "$@"; do while kill -0 "$p" 2>/dev/null; do wait "$p"; done; done; }',
    '',
    '# unit INDEX SERVER_NODES TRAINER_NODES COUNT: one unit, one srun step per group of nodes.',
    '# The server step starts first and serves until the trainers are done; then it is told so and',
    `# ends its server (${PEER_ENDED_SIGNAL}). When the server step ends first, the trainers cannot go on and`,
    `# are told to stop (${PEER_ENDED_SIGNAL} too: each group reads it as the other one's end).`,
    'unit() {',
    '  local where=(--unit "$1" --server-nodes "$2" --trainer-nodes "$3") server= trainer',
    '  if [ -n "$2" ]; then',
    '    srun --overlap --nodes=1 --ntasks=1 --nodelist="$2" "${AGENT[@]}" "${where[@]}" --role server &',
    '    server=$!',
    '  fi',
    '  srun --overlap --nodes="$4" --ntasks="$4" --ntasks-per-node=1 --nodelist="$3" "${AGENT[@]}" "${where[@]}" --role trainer &',
    '  trainer=$!',
    '  if [ -n "$server" ]; then',
    '    while kill -0 "$trainer" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 0.2; done',
    `    if kill -0 "$server" 2>/dev/null; then kill -${PEER_ENDED_SIGNAL.slice(3)} "$server"; else kill -${PEER_ENDED_SIGNAL.slice(3)} "$trainer" 2>/dev/null; fi`,
    '  fi',
    '  await $server "$trainer"',
    '}',
    '',
  ];
  plan.units.forEach((u, i) => {
    const placement = slurm.units[i]!;
    const server = placement.groups.find((g) => g.role === 'server');
    const trainer = placement.groups.find((g) => g.role === 'trainer')!;
    lines.push(`# ${i + 1}/${plan.units.length} ${u.dir}: ${describeUnit(u.mode, server, trainer, plan.device)}`);
    const serverNodes = server ? `"$(names ${server.nodes[0]} ${server.nodes.length})"` : '""';
    const trainerNodes = `"$(names ${trainer.nodes[0]} ${trainer.nodes.length})"`;
    lines.push(`[ "$stopping" = 1 ] || unit ${i} ${serverNodes} ${trainerNodes} ${trainer.nodes.length}`);
  });
  lines.push('');
  return lines.join('\n');
}

function describeUnit(mode: string, server: SlurmGroup | undefined, trainer: SlurmGroup, device: 'cuda' | 'cpu'): string {
  const span = (g: SlurmGroup) => (g.nodes.length === 1 ? `node ${g.nodes[0]}` : `nodes ${g.nodes[0]}-${g.nodes.at(-1)}`);
  const per = trainer.slots[0]!.length;
  const ranks = `${per} rank${per > 1 ? 's' : ''} each${device === 'cuda' ? `, ${per} GPU${per > 1 ? 's' : ''}` : ''}`;
  const servers = server ? `the server on ${span(server)}${device === 'cuda' ? ` (${server.slots[0]!.length} GPU(s))` : ''}, ` : '';
  return `${mode} mode: ${servers}trainers on ${span(trainer)} (${ranks})`;
}
