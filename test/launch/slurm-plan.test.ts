// The SLURM plan and job script: pure, so checked without a cluster. The script is also given
// to `bash -n`, which parses it as the job's shell will.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { planSlurmRun } from '../../src/launch/slurm/plan.ts';
import { jobScript } from '../../src/launch/slurm/script.ts';
import { fillSpec, parseNodeAddrs } from '../../src/launch/slurm/placeholders.ts';
import { visibleGpus } from '../../src/launch/slurm/agent.ts';
import type { RunPlan } from '../../src/records/plan.ts';
import { UserError } from '../../src/errors.ts';

const yaml = (modes: string, extra = '') => `name: cluster run
workload: synthetic
model: preset:tiny
grpo: { per_device_train_batch_size: 8, num_generations: 4 }
launcher: slurm
modes:
${modes}
${extra}`;

function plan(text: string): RunPlan {
  const { scenario, sweep } = parseScenario(text, 's.yaml');
  let port = 40000;
  return planSlurmRun(expandSweep(scenario, sweep, 's.yaml'), { root: '/repo', runDir: '/runs/r1', python: '/py', nextPort: () => port++ });
}

const script = (p: RunPlan, settings = {}) =>
  jobScript(p, {
    scenario: p.scenario,
    runDir: '/runs/r1',
    settings: { sbatch: [], env: {}, ...settings },
    harness: ['/usr/bin/node', '/opt/gb/grpo-bench.mjs'],
    root: '/repo',
    python: '/py',
  });

test('server mode puts the server on a node of its own and spreads the trainers evenly over the next nodes', () => {
  const p = plan(yaml('  server: { devices: { server: 2, trainer: 16 } }', 'slurm: { gpus_per_node: 8 }'));
  assert.equal(p.device, 'cuda');
  assert.equal(p.slurm!.nodes, 3);
  assert.equal(p.slurm!.per_node, 8);
  const [server, trainers] = p.slurm!.units[0]!.groups;
  assert.deepEqual(server, { role: 'server', nodes: [0], slots: [[0, 1]] });
  assert.deepEqual(trainers, {
    role: 'trainer',
    nodes: [1, 2],
    slots: [
      [2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17],
    ],
  });
  // Device accounting is the same as on one machine: 18 allocated, 16 training.
  assert.equal(p.units[0]!.devices.allocated.length, 18);
  assert.equal(p.units[0]!.devices.training.length, 16);
});

test('colocate mode makes every node a trainer; the job takes the nodes of its largest unit', () => {
  const p = plan(yaml('  server: { devices: { server: 1, trainer: 1 } }\n  colocate: { devices: 2 }', 'device: cpu'));
  assert.equal(p.device, 'cpu');
  assert.equal(p.slurm!.per_node, 1);
  assert.equal(p.slurm!.nodes, 2);
  assert.deepEqual(
    p.slurm!.units.map((u) => u.groups.map((g) => `${g.role}:${g.nodes.join(',')}`)),
    [['server:0', 'trainer:1'], ['trainer:0,1']],
  );
});

test('the processes carry placeholders for what only the job knows: addresses, node rank, the node folder', () => {
  const p = plan(yaml('  server: { devices: { server: 1, trainer: 4 } }', 'slurm: { gpus_per_node: 2 }'));
  const [server, trainer] = p.units[0]!.processes;
  const config = JSON.parse(server!.argv.at(-1)!);
  assert.equal(config.server.host, '{server_addr}', 'the server binds its node address, not every interface');
  assert.equal(config.server.sync_host, '{head_addr}', 'the server joins the weight-sync store on trainer rank 0’s node');
  assert.deepEqual(server!.ready, { kind: 'http', url: 'http://{server_addr}:40000/health', timeout_s: 600 });
  assert.equal(server!.env.GRPO_BENCH_EVENTS, '/runs/r1/server/r0/nodes/{node}/events/server-0.jsonl');
  const argv = trainer!.argv.join(' ');
  assert.match(argv, /--nnodes 2 --node-rank \{node_rank\} --nproc-per-node 2 --master-addr \{head_addr\} --master-port 40002/);

  const filled = fillSpec(trainer!, { node: 'gpu7', nodeRank: '1', nodeAddr: '10.0.0.7', serverAddr: '10.0.0.5', headAddr: '10.0.0.6' });
  assert.match(filled.argv.join(' '), /--nnodes 2 --node-rank 1 --nproc-per-node 2 --master-addr 10\.0\.0\.6 /);
  assert.equal(filled.env.GRPO_BENCH_EVENTS, '/runs/r1/server/r0/nodes/gpu7/events/trainer-{rank}.jsonl');
  assert.equal(JSON.parse(filled.argv.at(-1)!).server.host, '10.0.0.5');
});

test('placements SLURM cannot give are refused with the field and the fix', () => {
  const refuse = (modes: string, extra: string, pattern: RegExp) =>
    assert.throws(
      () => plan(yaml(modes, extra)),
      (e: unknown) => e instanceof UserError && pattern.test(e.message),
    );
  refuse('  colocate: { devices: 5 }', 'slurm: { gpus_per_node: 4 }', /5 devices on 2 nodes of 4; ranks are spread evenly/);
  refuse('  server: { devices: { server: 3, trainer: 2 } }', 'slurm: { gpus_per_node: 2 }', /server spanning nodes is not supported/);
  refuse(
    '  colocate: { devices: [0, 1] }',
    'slurm: { gpus_per_node: 2 }',
    /modes\.colocate\.devices lists GPU indices; with the slurm launcher SLURM picks/,
  );
  refuse('  colocate: { devices: 2 }', '', /needs slurm\.gpus_per_node/);
});

test('the job script asks for the nodes and settings, and places each unit with srun', async () => {
  const p = plan(yaml('  server: { devices: { server: 1, trainer: 8 } }\n  colocate: { devices: 16 }', 'slurm: { gpus_per_node: 8 }'));
  const text = script(p, {
    partition: 'gpu',
    account: 'proj',
    time_limit: '02:00:00',
    sbatch: ['--qos=high'],
    env: { NCCL_SOCKET_IFNAME: 'ib0' },
  });
  const sbatch = text.split('\n').filter((l) => l.startsWith('#SBATCH '));
  assert.deepEqual(sbatch, [
    '#SBATCH --job-name=grpo-bench-cluster-run',
    '#SBATCH --nodes=2',
    '#SBATCH --ntasks-per-node=1',
    '#SBATCH --no-requeue',
    '#SBATCH --partition=gpu',
    '#SBATCH --account=proj',
    '#SBATCH --time=02:00:00',
    '#SBATCH --gres=gpu:8',
    '#SBATCH --output=/runs/r1/slurm/job-%j.out',
    '#SBATCH --qos=high',
  ]);
  assert.match(text, /^AGENT=\(\/usr\/bin\/node \/opt\/gb\/grpo-bench\.mjs slurm-node "\$RUN"\)$/m);
  assert.match(text, /^export NCCL_SOCKET_IFNAME=ib0$/m);
  assert.match(text, /^export GRPO_BENCH_PYTHON=\/py$/m);
  assert.match(text, /^\[ "\$stopping" = 1 \] \|\| unit 0 "\$\(names 0 1\)" "\$\(names 1 1\)" 1$/m);
  assert.match(text, /^\[ "\$stopping" = 1 \] \|\| unit 1 "" "\$\(names 0 2\)" 2$/m);
  const syntax = await execa('bash', ['-n'], { input: text, reject: false });
  assert.equal(syntax.exitCode, 0, syntax.stderr);
});

test('a CPU job asks for no GPUs', () => {
  const text = script(plan(yaml('  colocate: { devices: 2 }', 'device: cpu')));
  assert.doesNotMatch(text, /--gres/);
});

test('node addresses and visible GPUs as the job gives them', () => {
  assert.deepEqual(parseNodeAddrs('n1=10.0.0.1,n2=10.0.0.2,'), { n1: '10.0.0.1', n2: '10.0.0.2' });
  assert.deepEqual(visibleGpus(2, '4,5,6,7'), { names: ['4', '5'], indices: [4, 5] });
  assert.deepEqual(visibleGpus(2, undefined), { names: ['0', '1'], indices: [0, 1] });
  assert.deepEqual(visibleGpus(1, 'GPU-1a2b'), { names: ['GPU-1a2b'], indices: [0] });
});
