// Variants as an axis of the plan, and the refusal of a variant that does not hold what it
// declares: the probe runs the real workload Python.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';
import { planVariantRun } from '../../src/launch/variants.ts';
import { probeVariants, variantEnv, versionMatches, type ResolvedVariant } from '../../src/env/variant-probe.ts';
import { projectRoot } from '../../src/env/python.ts';
import type { PlanContext } from '../../src/workloads/types.ts';
import { python } from '../launch/fixtures.ts';

const yaml = (extra = '') => `name: v
workload: synthetic
model: preset:tiny
device: cpu
grpo: { per_device_train_batch_size: 8, num_generations: 4 }
repeats: 2
modes:
  server: { devices: { server: 1, trainer: 1 } }
  colocate: { devices: 1 }
variants:
  old: { python: /envs/old/bin/python }
  new: { python: /envs/new/bin/python, pythonpath: /bundle/variants/trl-1.16.0, env: { X: "1" } }
baseline: new
${extra}`;

function ctx(): PlanContext {
  let port = 41000;
  return { root: '/repo', runDir: '/runs/r1', python: '/py', gpuCount: 0, nextPort: () => port++ };
}

const probed = (name: string, pythonPath: string, extra: Partial<ResolvedVariant> = {}): ResolvedVariant => ({
  name,
  python: pythonPath,
  pythonpath: [],
  env: {},
  expect: {},
  info: { python: pythonPath, executable: pythonPath, libraries: { torch: '2.13.0' }, cuda_available: false, cuda_devices: 0 },
  ...extra,
});

test('variants are an axis: variant × point × mode × repeat, ABBA across variants, each in its own folder level with its own Python and environment', () => {
  const { scenario, sweep } = parseScenario(yaml(), 's.yaml');
  const variants = [
    probed('new', '/envs/new/bin/python', { pythonpath: ['/bundle/variants/trl-1.16.0'], env: { X: '1' } }),
    probed('old', '/envs/old/bin/python'),
  ];
  const plan = planVariantRun(expandSweep(scenario, sweep, 's.yaml'), ctx(), variants);
  assert.deepEqual(
    plan.units.map((u) => u.dir),
    [
      'new/server/r0',
      'new/colocate/r0',
      'old/server/r0',
      'old/colocate/r0',
      'old/colocate/r1',
      'old/server/r1',
      'new/colocate/r1',
      'new/server/r1',
    ],
  );
  assert.deepEqual(
    plan.points.map((p) => [p.id, p.values]),
    [
      ['new', { variant: 'new' }],
      ['old', { variant: 'old' }],
    ],
  );
  for (const u of plan.units) {
    const v = u.dir.split('/')[0]!;
    assert.equal(u.point, v);
    for (const p of u.processes) {
      assert.equal(p.argv[0], `/envs/${v}/bin/python`, `${u.dir} ${p.name} runs its variant's Python`);
      assert.ok(
        p.argv.join(' ').includes(path.join('/runs/r1', u.dir)) ||
          Object.values(p.env).some((e) => e.includes(path.join('/runs/r1', u.dir))),
        `${u.dir} ${p.name} writes into its own folder`,
      );
      if (v === 'new') {
        assert.equal(p.env.X, '1');
        assert.equal(p.env.PYTHONPATH?.split(path.delimiter)[0], '/bundle/variants/trl-1.16.0');
      } else assert.equal(p.env.X, undefined);
    }
  }
});

test('with a sweep, the variant level comes first: <variant>/<point>/<mode>/r<k>', () => {
  const { scenario, sweep } = parseScenario(
    yaml('sweep: { grpo.max_completion_length: [16, 32] }').replace(/\n  server: .*\n/, '\n'),
    's.yaml',
  );
  const plan = planVariantRun(expandSweep(scenario, sweep, 's.yaml'), ctx(), [probed('new', '/n'), probed('old', '/o')], {
    modes: ['colocate'],
  });
  assert.deepEqual(plan.units.map((u) => u.dir).slice(0, 4), [
    'new/max_completion_length=16/colocate/r0',
    'old/max_completion_length=16/colocate/r0',
    'old/max_completion_length=16/colocate/r1',
    'new/max_completion_length=16/colocate/r1',
  ]);
  assert.equal(plan.points.length, 4);
});

test('a baseline that is not a variant is refused, naming the field', () => {
  assert.throws(
    () => parseScenario(yaml().replace('baseline: new', 'baseline: newer'), 's.yaml'),
    /baseline.*'newer' is not a variant \(the scenario has: old, new\)/,
  );
});

test('a variant environment adds its import path before the inherited one', () => {
  assert.deepEqual(variantEnv({ pythonpath: ['/a'], env: { Y: '2' } }, '/b'), { Y: '2', PYTHONPATH: `/a${path.delimiter}/b` });
  assert.ok(
    versionMatches('2.13.0+cpu', '2.13.0') &&
      versionMatches('2.13.0+cpu', '2.13') &&
      !versionMatches('2.13.0', '2.1') &&
      !versionMatches(null, '1'),
  );
});

test('a variant that does not hold the version it declares is refused, naming the variant and the package', async () => {
  const { scenario } = parseScenario(
    `name: w
workload: synthetic
model: preset:tiny
modes: { colocate: { devices: 1 } }
variants:
  ok: { python: ${python}, expect: { torch: "${'2'}" } }
  wrong: { python: ${python}, expect: { trl: "0.0.1" } }
`,
    's.yaml',
  );
  await assert.rejects(probeVariants(scenario, projectRoot()), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /variant 'wrong': trl expected 0\.0\.1, found (\d[\w.+]*|not installed)/);
    assert.doesNotMatch(err.message, /variant 'ok'/);
    return true;
  });
});
