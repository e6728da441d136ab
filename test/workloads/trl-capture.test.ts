// TRL timer capture (src/workloads/trl/capture.py) fails loudly when a TRL moves its timers.
// Python is run from here so that the project keeps one test runner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import { PYTHON, ROOT, installedLibraries } from './trl-fixtures.ts';

const python = PYTHON;
const hasTrl = Boolean((await installedLibraries()).trl);
const PRELUDE = [
  'import json, sys',
  `sys.path[:0] = [${JSON.stringify(path.join(ROOT, 'src/workloads'))}, ${JSON.stringify(path.join(ROOT, 'src/workloads/trl'))}]`,
  'import capture',
  'from trl.extras import profiling',
  'from trl.trainer import grpo_trainer',
].join('\n');

function py(body: string) {
  const r = spawnSync(python, ['-c', `${PRELUDE}\n${body}`], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One Python process runs the cases that need no exit status, in an order where each one's
// monkey-patching cannot affect the ones before it; importing TRL costs seconds each time.
const CASES = [
  'out = {"clean": {m: capture.verify(m) for m in ("hf", "server", "colocate")}}',
  // Emission on a non-main rank, names mapped to phases, require() on what never fired.
  'from types import SimpleNamespace as NS',
  'events = []',
  'c = capture.TimerCapture(emit=lambda **f: events.append(f))',
  'c.install()',
  'class GRPOTrainer:',
  '    state, args, accelerator, _bench_generation = NS(global_step=4), NS(report_to=[]), NS(is_main_process=False), 2',
  '    @profiling.profiling_decorator',
  '    def _calculate_rewards(self):',
  '        with grpo_trainer.profiling_context(self, "my_reward"):',
  '            pass',
  'GRPOTrainer()._calculate_rewards()',
  'with grpo_trainer.profiling_context(GRPOTrainer(), "vLLM.generate"):',
  '    pass',
  'c.uninstall()',
  'out["restored"] = grpo_trainer.profiling_context is profiling.profiling_context and not hasattr(profiling.profiling_context, "__wrapped__")',
  'out["events"] = [{k: e[k] for k in ("step", "name", "timer", "parent", "synced", "source", "generation")} for e in events]',
  'try:',
  '    c.require({"generate", "weight_sync"})',
  'except capture.CaptureError as e:',
  '    out["require"] = str(e)',
  // A TRL whose compute_loss lost its timer and whose generate timer was renamed.
  'import inspect',
  'T = grpo_trainer.GRPOTrainer',
  'T.compute_loss = T.compute_loss.__wrapped__',
  'orig = inspect.getsource',
  'inspect.getsource = lambda obj: orig(obj).replace(\'"transformers.generate"\', \'"transformers.gen"\')',
  'out["moved"] = capture.verify("hf")',
  // A decorator that no longer goes through the factory.
  'profiling.profiling_decorator = lambda f: f',
  'try:',
  '    capture.TimerCapture(emit=lambda **f: None).install()',
  'except capture.CaptureError as e:',
  '    out["bypass"] = str(e)',
  'print(json.dumps(out))',
].join('\n');

suite('TRL timer capture', { skip: hasTrl ? false : `trl is not installed for ${python}` }, () => {
  let out: { clean: Record<string, string[]>; restored: boolean; events: unknown[]; require: string; moved: string[]; bypass: string };
  test('the cases run', () => {
    const r = py(CASES);
    assert.equal(r.status, 0, r.stderr);
    out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  });

  test('with the installed TRL the timers are where the capture expects them, in every mode', () => {
    assert.deepEqual(out.clean, { hf: [], server: [], colocate: [] });
  });

  test('wrapped timers are emitted on a non-main rank, TRL names mapped to phases; uninstall restores TRL', () => {
    const base = { step: 4, synced: false, source: 'trl.profiling', generation: 2 };
    assert.deepEqual(out.events, [
      { ...base, name: 'trl:my_reward', timer: 'my_reward', parent: '_calculate_rewards' },
      { ...base, name: 'reward', timer: '_calculate_rewards', parent: null },
      { ...base, name: 'generate', timer: 'vLLM.generate', parent: null },
    ]);
    assert.equal(out.restored, true);
  });

  test('a phase whose timer never fired is an error at the end of the run', () => {
    assert.match(out.require, /TRL's timers for weight_sync never fired on this rank/);
  });

  test('an un-timed compute_loss and a renamed generate timer are both named', () => {
    assert.ok(out.moved.some((p) => /compute_loss is no longer wrapped/.test(p)), out.moved.join('\n'));
    assert.ok(out.moved.some((p) => /no "transformers\.generate" timer/.test(p)), out.moved.join('\n'));
  });

  test('a decorator that bypasses the factory is caught when the capture is installed', () => {
    assert.match(out.bypass, /^TRL's profiling_decorator does not go through/);
  });

  test('a trainer that stops using profiling_context by name: exit 3 with the reason', () => {
    const r = py('import contextlib\ngrpo_trainer.profiling_context = lambda trainer, name: contextlib.nullcontext()\ncapture.check_or_exit("hf")');
    assert.equal(r.status, 3);
    assert.match(r.stderr, /cannot capture TRL's profiling timers[\s\S]*grpo_trainer no longer uses trl\.extras\.profiling\.profiling_context/);
  });
});
