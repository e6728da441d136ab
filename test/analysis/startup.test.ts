// The start-up split (analysis/summary/startup.ts) with numbers worked by hand, and the cache
// check that says whether a unit started cold (env/compile-cache.ts) on real folders.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runStartup } from '../../src/analysis/summary/startup.ts';
import { compileCacheWarm } from '../../src/env/compile-cache.ts';
import type { StartupEvent } from '../../src/records/events.ts';

const part = (p: StartupEvent['part'], t0: number, dur: number): StartupEvent => ({ type: 'startup', part: p, t0, t1: t0 + dur, dur });

test('a run’s start-up splits into launch, its parts, the first step and the rest, adding up to the time to first step', () => {
  // Launched at 100; first event at 102; imports 2 s, model 3 s, then GRPOTrainer 40 s with the
  // engine (30 s) built inside it; the first step runs 150 → 154.
  const events = [part('imports', 102, 2), part('model_load', 104, 3), part('trainer_setup', 108, 40), part('engine_start', 110, 30)];
  const r = runStartup(100, 102, events, { t0: 150, t1: 154 }, 'cold')!;
  assert.deepEqual(Object.fromEntries(r.seconds), {
    launch: 2,
    imports: 2,
    model_load: 3,
    engine_start: 30,
    trainer_setup: 10, // 40 less the engine inside it
    first_step: 4,
    other: 3, // 107 → 108 and 148 → 150
  });
  assert.equal(r.total_s, 54);
  assert.equal(
    [...r.seconds.values()].reduce((a, b) => a + b, 0),
    r.total_s,
  );
  assert.equal(r.cache, 'cold');
});

test('a run without start-up events has no split (older folders), not a split of zeros', () => {
  assert.equal(runStartup(100, 102, [], { t0: 150, t1: 154 }, 'unknown'), undefined);
});

const dir = await mkdtemp(path.join(tmpdir(), 'gb-cache-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a unit starts cold when a compile cache folder it names is absent or empty, warm when each holds something, unknown when none is named', async () => {
  const empty = path.join(dir, 'empty');
  const full = path.join(dir, 'full');
  await mkdir(empty);
  await mkdir(full);
  await writeFile(path.join(full, 'graph'), 'x');
  assert.equal(await compileCacheWarm({}, [{ VLLM_CACHE_ROOT: path.join(dir, 'absent') }]), false);
  assert.equal(await compileCacheWarm({}, [{ VLLM_CACHE_ROOT: empty }]), false);
  assert.equal(await compileCacheWarm({ TORCHINDUCTOR_CACHE_DIR: full }, [{ VLLM_CACHE_ROOT: full }]), true);
  assert.equal(
    await compileCacheWarm({ TORCHINDUCTOR_CACHE_DIR: empty }, [{ VLLM_CACHE_ROOT: full }]),
    false,
    'the harness’s own variable counts where a process sets none',
  );
  assert.equal(await compileCacheWarm({}, [{}]), null);
});
