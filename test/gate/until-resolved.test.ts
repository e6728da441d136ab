// The arms `run --until-resolved` compares and the order it runs them in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arms, inBlocks } from '../../src/commands/run/until-resolved.ts';
import type { ModeName } from '../../src/scenario/schema.ts';

const unit = (point: string, mode: ModeName, repeat: number) => ({ point, mode, repeat });

test('two sweep points of one mode, planned point after point, run in ABBA blocks', () => {
  const planned = [0, 1, 2]
    .map((r) => unit('slowdown=0', 'colocate', r))
    .concat([0, 1, 2].map((r) => unit('slowdown=0.05', 'colocate', r)));
  const pair = arms(planned);
  assert.deepEqual(pair, [
    { point: 'slowdown=0', mode: 'colocate' },
    { point: 'slowdown=0.05', mode: 'colocate' },
  ]);
  assert.deepEqual(
    inBlocks(planned, pair).map((u) => `${u.point}/r${u.repeat}`),
    ['slowdown=0/r0', 'slowdown=0.05/r0', 'slowdown=0.05/r1', 'slowdown=0/r1', 'slowdown=0/r2', 'slowdown=0.05/r2'],
  );
});

test('two modes at one point: the baseline is the first in the order server, hf, colocate', () => {
  const pair = arms([unit('p', 'colocate', 0), unit('p', 'server', 0)]);
  assert.deepEqual(
    pair.map((a) => a.mode),
    ['server', 'colocate'],
  );
});

test('anything else is refused, saying what the run has', () => {
  assert.throws(
    () => arms([unit('a', 'colocate', 0), unit('b', 'server', 0)]),
    /two modes at one point, or one mode at two sweep points; this run has 2 mode\(s\) at 2 point\(s\)/,
  );
});
