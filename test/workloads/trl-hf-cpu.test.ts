// Real TRL on CPU: the hf mode of the tiny preset, 3 steps, one process, launched with the argv the
// adapter plans (the supervisor will do this later). Checks the events the harness reads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseEvents, type PhaseEvent, type StepEvent } from '../../src/records/events.ts';
import { PYTHON, context, installedLibraries, plan } from './trl-fixtures.ts';
import { assertEventFilesValid } from '../contract/python.ts';

const python = PYTHON;
const libraries = await installedLibraries();

const SCENARIO = `
name: trl-hf-cpu
workload: trl
model: preset:tiny
device: cpu
grpo: { per_device_train_batch_size: 4, num_generations: 2, max_prompt_length: 8, max_completion_length: 8 }
completions: fixed
steps: 3
trl: { steps_per_generation: 2, gradient_checkpointing: false }
modes:
  hf: { devices: 1 }
`;

function launch(argv: string[], env: Record<string, string>, cwd: string, timeoutMs: number) {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
  return {
    done: done.finally(() => clearTimeout(timer)),
    output: () => output,
    kill: () => {
      try {
        if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

test(
  'hf mode on CPU: real GRPOTrainer steps, TRL timers and callback phases as valid events',
  { skip: libraries.trl ? false : `trl is not installed for ${python}`, timeout: 180_000 },
  async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'grpo-bench-trl-'));
    const ctx = context(libraries, 0, { python, runDir: path.join(dir, 'run'), cacheDir: path.join(dir, 'cache') });
    const unit = plan(SCENARIO, ctx).units[0]!;
    const [trainer] = unit.processes;
    const started = Date.now();
    const proc = launch(trainer!.argv, trainer!.env, trainer!.cwd, 170_000);
    try {
      const code = await proc.done;
      const seconds = (Date.now() - started) / 1000;
      assert.equal(code, 0, proc.output().slice(-4000));
      t.diagnostic(`hf CPU run took ${seconds.toFixed(1)} s`);

      const eventFile = path.join(ctx.runDir, unit.dir, trainer!.events[0]!);
      assertEventFilesValid([eventFile]);
      const text = readFileSync(eventFile, 'utf8');
      const { events, problems, truncated } = parseEvents(text);
      assert.deepEqual(problems, []);
      assert.equal(truncated, false);
      // Imports come before the process says it started; model load and trainer setup after, before the first step.
      const ready = events.findIndex((e) => e.type !== 'startup');
      assert.deepEqual(
        events.slice(0, ready).map((e) => (e.type === 'startup' ? e.part : e.type)),
        ['imports'],
      );
      assert.equal(events[ready]!.type, 'start');
      const firstStep = events.findIndex((e) => e.type === 'step');
      const parts = events.slice(0, firstStep).flatMap((e) => (e.type === 'startup' ? [e.part] : []));
      assert.deepEqual(parts, ['imports', 'model_load', 'trainer_setup']);
      assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'end', status: 'ok' });

      const config = events.find((e) => e.type === 'config')!.config as Record<string, any>;
      assert.equal(config.grpo_config.max_completion_length, 8);
      assert.equal(config.grpo_config.use_vllm, false);
      assert.deepEqual(config.grpo_config.generation_kwargs, { min_new_tokens: 8 });
      assert.equal(config.generation_every_micro_steps, 2);
      assert.equal(config.engine.engine, 'transformers.generate');

      const steps = events.filter((e): e is StepEvent => e.type === 'step');
      assert.deepEqual(
        steps.map((s) => s.step),
        [0, 1, 2],
      );
      // steps_per_generation 2: steps 0 and 1 train on generation 0, step 2 on generation 1.
      assert.deepEqual(
        steps.map((s) => s.generation),
        [0, 0, 1],
      );
      for (const s of steps) {
        assert.equal(s.samples, 4);
        assert.equal(s.completion_tokens / s.samples, 8, 'fixed completions: max_completion_length tokens each');
        assert.equal(s.prompt_tokens / s.samples, 8, 'generated prompts: max_prompt_length tokens each');
        assert.ok(s.t1 > s.t0 && typeof s.loss === 'number');
      }

      const phases = events.filter((e): e is PhaseEvent => e.type === 'phase');
      const byName = (n: string) => phases.filter((p) => p.name === n);
      assert.deepEqual(
        byName('generate').map((p) => [p.step, p.generation]),
        [
          [0, 0],
          [2, 1],
        ],
      );
      assert.deepEqual(
        byName('reward').map((p) => p.step),
        [0, 2],
      );
      for (const p of [...byName('generate'), ...byName('reward')]) assert.deepEqual([p.synced, p.source], [false, 'trl.profiling']);
      for (const n of ['forward_backward', 'optimizer']) {
        assert.deepEqual(
          byName(n).map((p) => [p.step, p.synced, p.source]),
          [
            [0, true, 'grpo-bench'],
            [1, true, 'grpo-bench'],
            [2, true, 'grpo-bench'],
          ],
        );
      }
      assert.ok(phases.some((p) => p.name === 'trl:compute_loss'));
      // Nested: TRL's loss timer inside the harness's forward_backward, generation inside TRL's _prepare_inputs.
      assert.deepEqual([...new Set(byName('trl:compute_loss').map((p) => p.parent))], ['forward_backward']);
      assert.deepEqual([...new Set([...byName('generate'), ...byName('reward')].map((p) => p.parent))], ['trl:prepare_inputs']);
      assert.deepEqual(
        phases.filter((p) => p.name.startsWith('trl:_')),
        [],
        'TRL timer labels drop its leading underscores',
      );
      for (const p of phases) assert.ok(p.t1 >= p.t0 && Math.abs(p.t1 - p.t0 - p.dur) < 1e-6);
    } finally {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
