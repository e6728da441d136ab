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
  'from common.phases import PhaseStack',
  'events = []',
  'stack = PhaseStack(emit=lambda **f: events.append(f))',
  'c = capture.TimerCapture(stack)',
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
  'out["events"] = [{k: e[k] for k in ("step", "name", "timer", "parent", "synced", "source", "generation") if k in e} for e in events]',
  // The harness's own phase around TRL's loss timer, and the engine's sleep and wake-up (a stand-in
  // engine: vLLM does not run here) inside and beside TRL's weight-sync timer.
  'import engine',
  'class Engine:',
  '    def __init__(self): self.calls = []',
  '    def sleep(self, level=1, mode="abort"): self.calls.append(("sleep", level))',
  '    def wake_up(self, tags=None): self.calls.append(("wake_up", tags))',
  'llm = Engine()',
  'sc = engine.SleepCapture(stack, step=lambda: 5, generation=lambda: 3, sync=lambda: None)',
  'sc.install(llm)',
  'events.clear()',
  'c.install()',
  'class GRPOTrainer:',
  '    state, args, accelerator, _bench_generation = NS(global_step=5), NS(report_to=[]), NS(is_main_process=False), 3',
  '    @profiling.profiling_decorator',
  '    def _prepare_inputs(self):',
  '        with grpo_trainer.profiling_context(self, "sync_weights"):',
  '            llm.wake_up(tags=["weights"])',
  '        llm.wake_up(tags=["kv_cache"])',
  '        with grpo_trainer.profiling_context(self, "vLLM.generate"):',
  '            pass',
  '        llm.sleep(level=2)',
  '    @profiling.profiling_decorator',
  '    def compute_loss(self):',
  '        pass',
  't = GRPOTrainer()',
  't._prepare_inputs()',
  'fb = stack.open("forward_backward", 5, source="grpo-bench")',
  't.compute_loss()',
  'stack.close(fb, synced=True)',
  'c.uninstall()',
  'sc.uninstall()',
  'out["nested"] = [{k: e[k] for k in ("name", "parent", "source", "synced", "level", "tags", "timer") if k in e} for e in events]',
  'out["engine_calls"] = llm.calls',
  'out["engine_restored"] = "sleep" not in vars(llm) and "wake_up" not in vars(llm)',
  'out["sleep_clean"] = engine.verify_sleep()',
  'out["sleep_moved"] = engine.verify_sleep(["self.llm.sleep(level=2)", "self.engine.wake_up(tags)"])',
  // An exception inside a phase: not written, remembered as where the process failed.
  'outer = stack.open("forward_backward", 6, source="grpo-bench")',
  'inner = stack.open("trl:compute_loss", 6, source="trl.profiling")',
  'stack.close(inner, failed=True)',
  'out["failed_in"] = stack.failed_in',
  'try:',
  '    c.require({"generate", "old_logprobs"})',
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
  '    capture.TimerCapture(PhaseStack(emit=lambda **f: None)).install()',
  'except capture.CaptureError as e:',
  '    out["bypass"] = str(e)',
  'print(json.dumps(out))',
].join('\n');

suite('TRL timer capture', { skip: hasTrl ? false : `trl is not installed for ${python}` }, () => {
  let out: {
    clean: Record<string, string[]>;
    restored: boolean;
    events: unknown[];
    nested: unknown[];
    engine_calls: unknown[];
    engine_restored: boolean;
    sleep_clean: string[];
    sleep_moved: string[];
    failed_in: string[];
    require: string;
    moved: string[];
    bypass: string;
  };
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
      { ...base, name: 'trl:my_reward', timer: 'my_reward', parent: 'reward' },
      { ...base, name: 'reward', timer: '_calculate_rewards' },
      { ...base, name: 'generate', timer: 'vLLM.generate' },
    ]);
    assert.equal(out.restored, true);
  });

  test('TRL timers, the engine’s sleep and wake-up and the harness’s phases nest: each names the phase it ran inside', () => {
    const trl = { source: 'trl.profiling', synced: false };
    assert.deepEqual(out.nested, [
      { name: 'wake', parent: 'weight_sync', source: 'vllm', synced: true, tags: ['weights'] },
      { ...trl, name: 'weight_sync', parent: 'trl:prepare_inputs', timer: 'sync_weights' },
      { name: 'wake', parent: 'trl:prepare_inputs', source: 'vllm', synced: true, tags: ['kv_cache'] },
      { ...trl, name: 'generate', parent: 'trl:prepare_inputs', timer: 'vLLM.generate' },
      { name: 'sleep', parent: 'trl:prepare_inputs', source: 'vllm', synced: true, level: 2 },
      { ...trl, name: 'trl:prepare_inputs', timer: '_prepare_inputs' },
      { ...trl, name: 'trl:compute_loss', parent: 'forward_backward', timer: 'compute_loss' },
      { name: 'forward_backward', source: 'grpo-bench', synced: true },
    ]);
    assert.deepEqual(out.engine_calls, [
      ['wake_up', ['weights']],
      ['wake_up', ['kv_cache']],
      ['sleep', 2],
    ]);
    assert.equal(out.engine_restored, true);
  });

  test('with the installed TRL the engine’s sleep and wake-up are where the capture expects them; a moved call is named', () => {
    assert.deepEqual(out.sleep_clean, []);
    assert.deepEqual(out.sleep_moved, ['TRL no longer calls self.llm.wake_up(…) on its colocated engine: the wake phase cannot be timed']);
  });

  test('a phase left by an exception is not written; the process remembers the phases it failed in', () => {
    assert.deepEqual(out.failed_in, ['forward_backward', 'trl:compute_loss']);
  });

  test('a phase whose timer never fired is an error at the end of the run', () => {
    assert.match(out.require, /TRL's timers for old_logprobs never fired on this rank/);
  });

  test('an un-timed compute_loss and a renamed generate timer are both named', () => {
    assert.ok(
      out.moved.some((p) => /compute_loss is no longer wrapped/.test(p)),
      out.moved.join('\n'),
    );
    assert.ok(
      out.moved.some((p) => /no "transformers\.generate" timer/.test(p)),
      out.moved.join('\n'),
    );
  });

  test('a decorator that bypasses the factory is caught when the capture is installed', () => {
    assert.match(out.bypass, /^TRL's profiling_decorator does not go through/);
  });

  test('a trainer that stops using profiling_context by name: exit 3 with the reason', () => {
    const r = py(
      'import contextlib\ngrpo_trainer.profiling_context = lambda trainer, name: contextlib.nullcontext()\ncapture.check_or_exit("hf")',
    );
    assert.equal(r.status, 3);
    assert.match(
      r.stderr,
      /cannot capture TRL's profiling timers[\s\S]*grpo_trainer no longer uses trl\.extras\.profiling\.profiling_context/,
    );
  });
});
