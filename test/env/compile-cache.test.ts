// The compile-cache settings a run records: the harness's environment under what the plan's processes set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPILE_CACHE_VARS, compileCacheSettings } from '../../src/env/compile-cache.ts';

test('each variable as the processes see it, null where unset, and both values where processes differ', () => {
  const s = compileCacheSettings({ VLLM_CACHE_ROOT: '/harness/vllm', HOME: '/root' }, [
    { TORCHINDUCTOR_CACHE_DIR: '/p/inductor' },
    { TORCHINDUCTOR_CACHE_DIR: '/p/inductor', VLLM_CACHE_ROOT: '/server/vllm' },
  ]);
  assert.deepEqual(Object.keys(s), [...COMPILE_CACHE_VARS]);
  assert.equal(s.VLLM_CACHE_ROOT, '/harness/vllm | /server/vllm');
  assert.equal(s.TORCHINDUCTOR_CACHE_DIR, '/p/inductor');
  assert.equal(s.XDG_CACHE_HOME, null);
});
