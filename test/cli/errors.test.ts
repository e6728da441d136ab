// Every command answers a bad command line or a bad input with a message naming what was wrong,
// no stack trace, and an exit code that no verdict uses (README, "Exit codes").
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cli, ROOT, tinyScenario, workspace } from '../e2e/helpers.ts';

const USAGE = 64;
const DATA = 65;
const DEMO = path.join(ROOT, 'scenarios', 'demo.yaml');

/** Runs the CLI and checks the refusal: its exit code, its message, no stack, no "bug". */
async function refused(args: string[], code: number, message: RegExp, hint?: RegExp): Promise<number> {
  const r = await cli(args);
  assert.equal(r.exitCode, code, `grpo-bench ${args.join(' ')}\n${r.all}`);
  assert.match(r.stderr, /^error: /m, r.all);
  assert.match(r.stderr, message, r.all);
  if (hint) assert.match(r.stderr, hint, r.all);
  assert.doesNotMatch(r.stderr, /at .*\.(ts|js):\d+|This is a bug/, r.all);
  return r.exitCode!;
}

test('numbers that are not numbers are refused with what was expected, never NaN', async () => {
  await refused(['run', DEMO, '--repeats', 'abc'], USAGE, /--repeats "abc": expected a positive whole number, e.g. --repeats 3/);
  await refused(['run', DEMO, '--warmup-steps', '-1'], USAGE, /--warmup-steps "-1": expected a non-negative whole number/);
  await refused(['calibrate', DEMO, '--pairs', '1.5'], USAGE, /--pairs "1\.5": expected a positive whole number/);
  await refused(['profile', DEMO, '--requests', '0'], USAGE, /--requests "0": expected a positive whole number/);
  await refused(['predict', 'x', '--gpus', 'four'], USAGE, /--gpus "four": expected a positive whole number/);
  await refused(['plan', DEMO, '--gpus', '1.5'], USAGE, /--gpus "1\.5": expected a non-negative whole number/);
  await refused(['headroom', DEMO, '--batches', '8,x'], USAGE, /--batches 8,x: give numbers separated by commas/);
  await refused(['sample', '--interval-ms', 'fast', '--', 'true'], USAGE, /--interval-ms "fast": expected a positive whole number/);
  await refused(
    ['bundle', '--out', 'x', '--python', '3.12', '--split-mib', 'lots'],
    USAGE,
    /--split-mib "lots": expected a positive number/,
  );
  await refused(
    ['slurm-node', 'x', '--unit', 'first', '--role', 'trainer', '--trainer-nodes', 'n1'],
    USAGE,
    /--unit "first": expected a non-negative whole number/,
  );
  await refused(['run', DEMO, '--steps', '3', '--steps', '4'], USAGE, /--steps was given 2 times/);
  await refused(['run', DEMO, '--repeats'], USAGE, /--repeats needs a value/);
});

test('a misspelt flag, choice or command is refused with the nearest known one', async () => {
  await refused(['run', DEMO, '--repet', '3'], USAGE, /unknown option --repet for run/, /Did you mean --repeats\?/);
  await refused(['doctor', '--jsno'], USAGE, /unknown option --jsno for doctor/, /Did you mean --json\?/);
  await refused(['reproduce', '--prfile', 'x'], USAGE, /unknown option --prfile/, /Did you mean --profile\?/);
  await refused(['plan', DEMO, '--mode', 'servr'], USAGE, /--mode servr: expected one of server, colocate, hf/, /Did you mean server\?/);
  await refused(['report', 'x', '--format', 'pdf'], USAGE, /--format pdf: expected one of csv, png, markdown, html/);
  await refused(['rnu', DEMO], USAGE, /unknown command rnu/, /Did you mean run\?/);
  await refused(['report'], USAGE, /Not enough non-option arguments/, /grpo-bench report --help/);
});

test("plan takes pip's name==version beside name=version, and refuses a version that is none", async () => {
  const scenario = path.join(ROOT, 'scenarios', 'trl-0.5b-2gpu.yaml');
  const r = await cli(['plan', scenario, '--gpus', '2', '--assume', 'trl==1.13.0,vllm==0.26.0']);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /^assumed, not probed: 2 GPU\(s\), trl 1\.13\.0, vllm 0\.26\.0$/m);
  await refused(['plan', scenario, '--gpus', '2', '--assume', 'trl=latest'], USAGE, /--assume trl=latest: write name=version/);
});

test('missing files and folders are data errors naming the path', async () => {
  await refused(['run', 'no-such.yaml'], DATA, /no-such\.yaml: cannot read/);
  await refused(['report', 'no-such-folder'], DATA, /no-such-folder: no such results folder/);
  await refused(['predict', 'no-such-folder', '--gpus', '4'], DATA, /no-such-folder: no such file or folder/);
  const ws = await workspace(tinyScenario().replace('steps: 4', 'stpes: 4'));
  await refused(['plan', ws.scenario], DATA, /stpes \(line \d+\): unknown field 'stpes' \(did you mean 'steps'\?\)/);
});

test("compare never answers a bad input with a verdict's exit code", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gb-cli-'));
  const broken = path.join(dir, 'broken');
  await mkdir(broken);
  await writeFile(path.join(broken, 'manifest.json'), '{"run_id": "x", ');
  await writeFile(path.join(broken, 'plan.json'), '{}');
  const verdicts = [0, 1, 2, 3];
  const cases: [string[], number, RegExp][] = [
    [['compare', path.join(dir, 'missing-a'), path.join(dir, 'missing-b')], DATA, /missing-[ab]/],
    [['compare', broken, broken], DATA, /manifest\.json: not valid JSON/],
    [['compare', broken, broken, '--threshold', 'banana'], USAGE, /--threshold "banana": expected a fraction between 0 and 1/],
    [['compare', broken, broken, '--threshold', '1.5'], USAGE, /--threshold "1\.5"/],
  ];
  for (const [args, code, message] of cases) {
    const exit = await refused(args, code, message);
    assert.ok(!verdicts.includes(exit), `grpo-bench ${args.join(' ')} exited ${exit}, a verdict's code`);
  }
});
