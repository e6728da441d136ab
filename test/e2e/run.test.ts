// End to end: the real CLI, real Python workload processes, real HTTP, on the tiny CPU scenario.
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { parseEvents } from '../../src/records/events.ts';
import { resolvePython } from '../../src/env/python.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import type { Summary } from '../../src/records/summary.ts';
import { cli, onlyRunDir, processesMentioning, readJsonFile, ROOT, tinyScenario, workspace } from './helpers.ts';

test('run measures both modes of the tiny scenario and summarises equal work per sample', async () => {
  const ws = await workspace(tinyScenario());
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report']);
  assert.equal(r.exitCode, 0, r.all);
  const runDir = await onlyRunDir(ws.results);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.status, 'completed');
  assert.deepEqual(
    manifest.units.map((u) => [u.dir, u.status]),
    [
      ['server/r0', 'ok'],
      ['colocate/r0', 'ok'],
    ],
  );
  assert.ok(manifest.units.every((u) => u.sampler_cost && u.sampler_cost.harness_cpu_s_per_s >= 0));
  assert.equal(manifest.fingerprint.subject.torch !== null, true);

  for (const unit of ['server/r0', 'colocate/r0']) {
    const events = parseEvents(await readFile(path.join(runDir, unit, 'events', 'trainer-0.jsonl'), 'utf8'));
    assert.deepEqual(events.problems, [], unit);
    assert.equal(events.events.filter((e) => e.type === 'step').length, 4, unit);
    assert.equal(events.events.at(-1)?.type, 'end');
    assert.ok(existsSync(path.join(runDir, unit, 'processes.csv')), `${unit}: per-process CPU samples`);
    assert.ok(existsSync(path.join(runDir, unit, 'logs', 'trainer.log')));
  }
  assert.ok(existsSync(path.join(runDir, 'server/r0/events/server-0.jsonl')));

  const summary = await readJsonFile<Summary>(path.join(runDir, 'summary.json'));
  assert.equal(summary.functional_only, true);
  const byMode = Object.fromEntries(summary.modes.map((m) => [m.mode, m]));
  assert.equal(byMode.server!.completion_tokens_per_sample, 8);
  assert.equal(byMode.colocate!.completion_tokens_per_sample, 8);
  assert.equal(summary.comparisons[0]!.equal_work.equal, true);
  assert.ok(byMode.server!.steps_measured >= 1 && byMode.server!.steps_measured <= 3);
  assert.ok((byMode.server!.weight_sync_bytes_per_step ?? 0) > 0, 'server mode pushes weights every step');
  // What the modes did differently, from each mode's own config events; what they share is not listed.
  assert.deepEqual(summary.settings_compared, { default: ['server', 'colocate'] });
  const differs = Object.fromEntries(summary.settings_differences.map((d) => [d.key, d.values]));
  assert.match(differs.prompts_sent!.server!, /one request, n=num_generations/);
  assert.match(differs.prompts_sent!.colocate!, /in-process/);
  assert.deepEqual(differs.world_size, { server: '1', colocate: '2' });
  for (const same of ['num_generations', 'max_completion_length', 'learning_rate', 'seed']) assert.equal(same in differs, false, same);
  // One run per mode: the headline gives the ratio but neither "faster" nor "slower".
  const headline = summary.comparisons[0]!.statement;
  assert.ok(r.stdout.includes(headline), r.stdout);
  assert.match(headline, /^colocate at [\d.]+ × server's speed, from too few runs/);
  assert.doesNotMatch(headline, /ran [\d.]+ × faster|ran slower/);
  assert.match(r.stdout, /results: /);
  assert.ok(existsSync(path.join(runDir, 'steps.csv')));
  assert.deepEqual(processesMentioning(runDir), []);
});

test('a workload that crashes fails its unit with the log tail, and the run keeps the other mode', async () => {
  const ws = await workspace(tinyScenario());
  // A real process that crashes like a trainer would: the Python launcher for trainers only.
  const wrapper = path.join(ws.dir, 'python');
  const real = process.env.GRPO_BENCH_PYTHON ?? resolvePython();
  await writeFile(
    wrapper,
    `#!/bin/sh\ncase "$*" in *trainer.py*) echo "RuntimeError: simulated trainer crash" >&2; exit 3;; esac\nexec ${real} "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'colocate', '--mode', 'server'], {
    GRPO_BENCH_PYTHON: wrapper,
  });
  assert.equal(r.exitCode, 1, r.all);
  assert.match(r.all, /trainer exited with (code|exit code) 3/i);
  assert.match(r.all, /simulated trainer crash/);
  const runDir = await onlyRunDir(ws.results);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.equal(manifest.status, 'failed');
  for (const u of manifest.units) {
    assert.equal(u.status, 'failed');
    assert.ok(
      u.error?.log_tail?.some((l) => l.includes('simulated trainer crash')),
      JSON.stringify(u.error),
    );
  }
  assert.deepEqual(processesMentioning(runDir), []);
});

test("a rank that fails under the launcher is named with its own error, not only the launcher's traceback", async () => {
  const ws = await workspace(tinyScenario());
  // Rank 1 of the real trainer raises in its third optimizer step; rank 0 then fails in the next
  // collective, and the launcher (torchrun) exits with a traceback of its own, the last thing
  // in the log.
  const site = path.join(ws.dir, 'site');
  await mkdir(site);
  await writeFile(
    path.join(site, 'sitecustomize.py'),
    `import os, sys
if os.environ.get("RANK") == "1" and sys.argv[0].endswith("trainer.py"):
    import torch
    step, calls = torch.optim.AdamW.step, []
    def failing_step(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("injected failure on rank 1")
        return step(self, *a, **k)
    torch.optim.AdamW.step = failing_step
`,
  );
  const r = await cli(['run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'colocate'], { PYTHONPATH: site });
  assert.equal(r.exitCode, 1, r.all);
  assert.match(r.all, /first error a workload process recorded \(events\/trainer-1\.jsonl\)/);
  assert.match(r.all, /> RuntimeError: injected failure on rank 1/);
  const manifest = await readJsonFile<Manifest>(path.join(await onlyRunDir(ws.results), 'manifest.json'));
  const error = manifest.units[0]!.error!;
  assert.equal(error.workload_error?.file, 'events/trainer-1.jsonl');
  assert.match(error.workload_error!.error, /^RuntimeError: injected failure on rank 1/);
  assert.deepEqual(processesMentioning(ws.results), []);
});

test('SIGINT mid-step ends every process of the run and leaves a partial, readable results folder', async () => {
  const ws = await workspace(tinyScenario().replace('steps: 4', 'steps: 200'));
  const child = execa(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'run', ws.scenario, '--out', ws.results, '--no-report', '--mode', 'server'],
    {
      cwd: path.resolve(import.meta.dirname, '..', '..'),
      reject: false,
      all: true,
    },
  );
  const deadline = Date.now() + 120_000;
  let runDir: string | undefined;
  for (;;) {
    assert.ok(Date.now() < deadline, 'the run never reached its second step');
    await new Promise((r) => setTimeout(r, 300));
    if (!existsSync(ws.results)) continue;
    runDir ??= await onlyRunDir(ws.results).catch(() => undefined);
    const events = runDir && path.join(runDir, 'server/r0/events/trainer-0.jsonl');
    if (events && existsSync(events) && (await readFile(events, 'utf8')).split('"type":"step"').length > 2) break;
  }
  child.kill('SIGINT');
  const r = await child;
  assert.equal(r.exitCode, 130, r.all);
  const manifest = await readJsonFile<Manifest>(path.join(runDir!, 'manifest.json'));
  assert.equal(manifest.status, 'interrupted');
  assert.equal(manifest.units[0]!.status, 'interrupted');
  const events = parseEvents(await readFile(path.join(runDir!, 'server/r0/events/trainer-0.jsonl'), 'utf8'));
  assert.ok(events.events.filter((e) => e.type === 'step').length >= 2);
  assert.deepEqual(processesMentioning(runDir!), [], 'no process of the run is left');
  const summary = await readJsonFile<Summary>(path.join(runDir!, 'summary.json'));
  assert.ok(summary.modes[0]!.steps_measured >= 1, 'the steps finished before the interrupt are summarised');
});

test('plan prints the processes without starting any', async () => {
  const ws = await workspace(tinyScenario());
  const r = await cli(['plan', ws.scenario, '--json']);
  assert.equal(r.exitCode, 0, r.all);
  const plan = JSON.parse(r.stdout);
  assert.deepEqual(
    plan.units.map((u: { dir: string }) => u.dir),
    ['server/r0', 'colocate/r0'],
  );
  assert.equal(existsSync(ws.results), false);
});

test('plan shows a trl scenario: it probes the installed libraries as run does', async () => {
  const r = await cli(['plan', path.join(ROOT, 'scenarios', 'trl-cpu-tiny.yaml'), '--json']);
  assert.equal(r.exitCode, 0, r.all);
  const plan = JSON.parse(r.stdout);
  assert.deepEqual(
    plan.units.map((u: { dir: string }) => u.dir),
    ['hf/r0'],
  );
  const argv: string[] = plan.units[0].processes[0].argv;
  assert.ok(argv.includes('accelerate.commands.launch') && argv.some((a) => a.endsWith('train.py')), argv.join(' '));
});

test('plan works anywhere: told the GPUs and library versions it prints every process and lists what the machine lacks; run still refuses', async () => {
  const scenario = path.join(ROOT, 'scenarios', 'trl-0.5b-2gpu.yaml');
  // This machine: no GPU, no vLLM.
  const told = await cli(['plan', scenario, '--gpus', '2', '--json']);
  assert.equal(told.exitCode, 0, told.all);
  const plan = JSON.parse(told.stdout);
  assert.deepEqual(
    plan.units.map((u: { dir: string }) => u.dir),
    ['server/r0', 'colocate/r0', 'hf/r0'],
  );
  assert.deepEqual(plan.assumed, { gpus: 2 });
  const lacks = plan.warnings.map((w: { message: string }) => w.message).join('\n');
  assert.match(lacks, /server mode needs vLLM, which is not installed/);
  assert.match(lacks, /colocate mode needs vLLM, which is not installed/);

  const assumed = await cli(['plan', scenario, '--gpus', '1', '--assume', 'trl=1.13.0,vllm=0.26.0']);
  assert.equal(assumed.exitCode, 0, assumed.all);
  assert.match(assumed.stdout, /^assumed, not probed: 1 GPU\(s\), trl 1\.13\.0, vllm 0\.26\.0$/m);
  assert.match(assumed.stdout, /server-0 \(server, GPUs 0/);
  assert.match(
    assumed.stdout,
    /warning: this machine cannot run this plan[\s\S]*server mode needs at least 2 GPUs[\s\S]*modes\.colocate\.devices needs GPU 1 but this machine has 1/,
  );
  assert.doesNotMatch(assumed.stdout, /needs vLLM/);

  const bad = await cli(['plan', scenario, '--gpus', '2', '--assume', 'trl']);
  assert.equal(bad.exitCode, 64, bad.all);
  assert.match(bad.stderr, /--assume trl: write name=version/);

  const ws = await workspace('');
  const run = await cli(['run', scenario, '--out', ws.results]);
  assert.equal(run.exitCode, 69, run.all);
  assert.match(run.stderr, /asks for device: cuda, but this machine has no GPU/);
  assert.equal(existsSync(ws.results), false);
});

test('a bad scenario is refused with the file, the field and no stack trace', async () => {
  const ws = await workspace(tinyScenario().replace('steps: 4', 'steps: four'));
  const r = await cli(['run', ws.scenario, '--out', ws.results]);
  assert.equal(r.exitCode, 65, r.all);
  assert.match(r.stderr, /scenario\.yaml: invalid scenario/);
  assert.match(r.stderr, /steps \(line \d+\): expected number, got string "four"/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
});

test('doctor reports the Python and what each workload needs', async () => {
  const r = await execa(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'doctor', '--json'], {
    cwd: path.resolve(import.meta.dirname, '..', '..'),
    reject: false,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.python.libraries.torch);
  assert.equal(report.workloads.find((w: { workload: string }) => w.workload === 'synthetic').ok, true);
});
