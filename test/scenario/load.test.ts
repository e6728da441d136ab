import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScenarioError, UserError } from '../../src/errors.ts';
import { SCENARIO_LIMITS, loadScenarioFile, parseScenario } from '../../src/scenario/load.ts';
import { expandSweep } from '../../src/scenario/sweep.ts';

const minimal = `name: t
workload: synthetic
model: preset:tiny
modes:
  colocate: { devices: 2 }
`;

function problemsOf(text: string): ScenarioError['problems'] {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    assert.match(err.message, /^bad\.yaml: invalid scenario/);
    return err.problems;
  }
  assert.fail('the scenario was accepted');
}

test('a minimal scenario gets the documented defaults', () => {
  const { scenario, sweep } = parseScenario(minimal, 'ok.yaml');
  assert.equal(scenario.grpo.per_device_train_batch_size, 8);
  assert.equal(scenario.telemetry.interval_ms, 200);
  assert.equal(scenario.protocol, 'equal_per_device_batch');
  assert.equal(scenario.modes.colocate?.engine.backend, 'generate');
  assert.equal(sweep, undefined);
});

test('a wrong type names the field path, the expected type and the line', () => {
  const [p, ...rest] = problemsOf(minimal + 'steps: many\n');
  assert.equal(rest.length, 0);
  assert.equal(p!.path, 'steps');
  assert.match(p!.message, /expected number, got string "many"/);
  assert.equal(p!.line, 6);
});

test('an unknown field is an error naming the field, even nested', () => {
  const problems = problemsOf(minimal.replace('devices: 2', 'devices: 2, sleeep: true'));
  assert.deepEqual(
    problems.map((p) => [p.path, p.message]),
    [['modes.colocate.sleeep', "unknown field 'sleeep' (did you mean 'sleep'?)"]],
  );
});

test('a misspelt field is told the nearest field the schema has at that place', () => {
  const problems = problemsOf(
    minimal
      .replace('modes:', 'stpes: 4\ngrpo: { num_generatons: 4 }\nmodes:\n  server: { devices: { server: 1, trainr: 1 } }')
      .replace('devices: 2', 'devices: 2, vlm: {}'),
  );
  const unknown = problems.filter((p) => p.message.startsWith('unknown field')).map((p) => [p.path, p.message]);
  assert.deepEqual(unknown.sort(), [
    ['grpo.num_generatons', "unknown field 'num_generatons' (did you mean 'num_generations'?)"],
    ['modes.colocate.vlm', "unknown field 'vlm' (did you mean 'vllm'?)"],
    ['modes.server.devices.trainr', "unknown field 'trainr' (did you mean 'trainer'?)"],
    ['stpes', "unknown field 'stpes' (did you mean 'steps'?)"],
  ]);
  // Nothing near enough: no guess.
  assert.deepEqual(
    problemsOf(minimal + 'colour: red\n').map((p) => p.message),
    ["unknown field 'colour'"],
  );
});

test('a value outside an enumeration lists the allowed values', () => {
  const [p] = problemsOf(minimal.replace('workload: synthetic', 'workload: vllm'));
  assert.equal(p!.path, 'workload');
  assert.match(p!.message, /expected one of "synthetic", "trl", got string "vllm"/);
});

test('a missing required field says it is required', () => {
  const [p] = problemsOf(minimal.replace('model: preset:tiny\n', ''));
  assert.equal(p!.path, 'model');
  assert.match(p!.message, /required/);
});

test('YAML syntax errors carry the line', () => {
  const [p] = problemsOf('name: [unclosed\n');
  assert.match(p!.message, /YAML syntax/);
});

test('a missing file is a user error naming the file', async () => {
  await assert.rejects(loadScenarioFile('no/such/scenario.yaml'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /no\/such\/scenario\.yaml: cannot read scenario file \(no such file\)/);
    return true;
  });
});

test('the shipped scenarios all validate', async () => {
  const { readdir } = await import('node:fs/promises');
  const dir = path.resolve(import.meta.dirname, '../../scenarios');
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    const loaded = await loadScenarioFile(path.join(dir, f));
    assert.ok(expandSweep(loaded.scenario, loaded.sweep, f).length >= 1, f);
  }
});

test('a sweep expands to the cartesian product, each point re-validated', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gb-scn-'));
  const file = path.join(dir, 's.yaml');
  await writeFile(file, minimal + 'sweep:\n  grpo.per_device_train_batch_size: [4, 8]\n  steps: [3, 5]\n');
  const loaded = await loadScenarioFile(file);
  const points = expandSweep(loaded.scenario, loaded.sweep, file);
  assert.deepEqual(
    points.map((p) => p.id),
    [
      'per_device_train_batch_size=4,steps=3',
      'per_device_train_batch_size=4,steps=5',
      'per_device_train_batch_size=8,steps=3',
      'per_device_train_batch_size=8,steps=5',
    ],
  );
  assert.equal(points[3]!.scenario.grpo.per_device_train_batch_size, 8);
  assert.equal(points[3]!.scenario.steps, 5);
});

test('a sweep over a misspelt field or a bad value is refused', () => {
  const bad = parseScenario(minimal + 'sweep:\n  grpo.per_device_batch: [4]\n', 's.yaml');
  assert.throws(() => expandSweep(bad.scenario, bad.sweep, 's.yaml'), /per_device_batch/);
  const neg = parseScenario(minimal + 'sweep:\n  steps: [0]\n', 's.yaml');
  assert.throws(() => expandSweep(neg.scenario, neg.sweep, 's.yaml'), /sweep → steps/);
});

describe('hostile or malformed files get a clear error that names the file, without a stack trace', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gb-hostile-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Writes `content` as a scenario file, loads it, and returns the error's message (which must be a user error, so the CLI prints no stack). */
  async function refusal(name: string, content: string | Buffer | null): Promise<string> {
    const file = path.join(dir, name);
    if (content === null) await mkdir(file);
    else await writeFile(file, content);
    try {
      await loadScenarioFile(file);
    } catch (err) {
      assert.ok(err instanceof UserError, `a user error, not ${String(err)}`);
      assert.ok(err.message.startsWith(`${file}: `), `names the file: ${err.message}`);
      assert.doesNotMatch(err.message, /\n\s+at /, 'no stack in the message');
      return err.message;
    }
    assert.fail(`${name} was accepted`);
  }

  test('deep nesting, too deep for the parser', async () => {
    assert.match(await refusal('deep-flow.yaml', `name: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`), /nested too deeply to parse/);
  });

  test('deep nesting the parser survives is still refused past the limit, with its line', async () => {
    const nested = Array.from({ length: SCENARIO_LIMITS.maxDepth + 5 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    const message = await refusal('deep-block.yaml', minimal + 'description:\n' + nested.replace(/^/gm, '  '));
    assert.match(message, new RegExp(`nested more than ${SCENARIO_LIMITS.maxDepth} levels deep`));
    assert.match(message, /\(line \d+\)/);
  });

  test('alias expansion (billion laughs)', async () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ]) {
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    assert.match(await refusal('laughs.yaml', minimal + laughs.join('\n') + '\n'), /aliases expand too far/);
  });

  test('a few aliases are fine', async () => {
    const file = path.join(dir, 'alias-ok.yaml');
    await writeFile(
      file,
      `name: t\nworkload: synthetic\nmodel: preset:tiny\nmodes:\n  colocate: { devices: &d 2 }\n  server: { devices: { server: 1, trainer: *d } }\n`,
    );
    const { scenario } = await loadScenarioFile(file);
    assert.deepEqual(scenario.modes.server?.devices, { server: 1, trainer: 2 });
  });

  test('a huge file is refused before it is read', async () => {
    const message = await refusal('huge.yaml', minimal + `description: "${'x'.repeat(SCENARIO_LIMITS.maxBytes)}"\n`);
    assert.match(message, new RegExp(`\\d+ bytes, more than the ${SCENARIO_LIMITS.maxBytes} a scenario file may have`));
  });

  test('bytes that are not UTF-8, with the line they are on', async () => {
    const bytes = Buffer.concat([Buffer.from(minimal), Buffer.from('description: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    assert.match(await refusal('latin1.yaml', bytes), /not UTF-8 text: invalid bytes on line 6/);
  });

  test('a directory', async () => {
    assert.match(await refusal('a-folder.yaml', null), /cannot read scenario file \(it is a directory, not a file\)/);
  });

  test('an empty file, and one with only comments', async () => {
    assert.match(await refusal('empty.yaml', ''), /the file is empty \(or only comments\); expected a mapping of scenario fields/);
    assert.match(await refusal('comments.yaml', '# nothing here\n'), /the file is empty/);
  });

  test('a list or a scalar instead of a mapping', async () => {
    assert.match(await refusal('list.yaml', '- a\n- b\n'), /expected a mapping of scenario fields/);
    assert.match(await refusal('scalar.yaml', 'just words\n'), /expected a mapping of scenario fields/);
  });

  test('the CLI prints the error without a stack trace and exits 65 (a bad input)', async () => {
    const file = path.join(dir, 'cli-laughs.yaml');
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e', 'f'].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`),
    ];
    await writeFile(file, minimal + bomb.join('\n') + '\n');
    const cli = path.resolve(import.meta.dirname, '../../src/cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'plan', file], { encoding: 'utf8' });
    assert.equal(r.status, 65, r.stderr);
    assert.ok(r.stderr.includes(`${file}: invalid scenario`), r.stderr);
    assert.match(r.stderr, /aliases expand too far/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
