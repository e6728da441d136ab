// The event protocol across the language boundary: the committed JSON Schema files match their
// zod definitions, and the real Python writer produces lines that both sides accept.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe as suite, test } from 'node:test';
import { PHASE_NAMES, PROTOCOL_VERSION, parseEvents } from '../../src/records/events.ts';
import { CONTRACT, renderSchema, schemaFile } from '../../src/workloads/contract.ts';
import { PYTHON, ROOT } from '../workloads/trl-fixtures.ts';
import { checkEventFiles } from './python.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'grpo-bench-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function python(code: string, args: string[] = []) {
  const prelude = `import sys\nsys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'src/workloads'))})\n`;
  return spawnSync(PYTHON, ['-c', prelude + code, ...args], { encoding: 'utf8', timeout: 60_000 });
}

suite('schemas/ and their zod definitions', () => {
  test('every committed schema file is what its zod definition generates (npm run schemas rewrites them)', () => {
    for (const name of Object.keys(CONTRACT)) {
      const file = schemaFile(ROOT, name);
      assert.equal(
        readFileSync(file, 'utf8'),
        renderSchema(name),
        `${path.relative(ROOT, file)} has drifted from ${CONTRACT[name]!.source}`,
      );
    }
  });

  test('schemas/ holds no file that no zod definition generates', () => {
    const generated = Object.keys(CONTRACT)
      .map((n) => `${n}.schema.json`)
      .sort();
    assert.deepEqual(readdirSync(path.join(ROOT, 'schemas')).sort(), generated);
  });

  test('the Python side reads the phase names from the schema', () => {
    const r = python('import json\nfrom common.contract import phase_names\nprint(json.dumps(phase_names()))');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [...PHASE_NAMES]);
  });
});

const WRITER = `
import time
from common.events import EventLog, Started
log = EventLog("trainer", 0, sys.argv[1])
imports = Started.now()
log.startup_done("imports", imports)
with log.startup("model_load"):
    pass
try:
    with log.startup("compile"):
        pass
except ValueError as e:
    print(e)
log.start("colocate", ["cpu"])
log.config({"preset": "tiny", "nested": {"a": [1, 2]}})
with log.phase(0, "generate", lambda: None) as f:
    f["tokens"] = 64
started = Started.now()
log.phase_done(0, "weight_sync", started, synced=True, until=started.mono + 0.25, bytes=1024, buckets=1)
with log.phase(0, "demo:own_phase"):
    pass
try:
    with log.phase(0, "forward_backwards"):
        pass
except ValueError as e:
    print(e)
log.step(0, started.wall, started.wall + 1.0, prompt_tokens=32, completion_tokens=64, samples=4, loss=0.0, reward_mean=None)
log.request("/generate", started.wall, started.wall + 0.5, 200, bytes_in=10, bytes_out=20, step=0)
log.end("ok")
`;

suite('the Python event writer', () => {
  const file = path.join(dir, 'trainer-0.jsonl');
  let stdout = '';
  test('runs', () => {
    const r = python(WRITER, [file]);
    assert.equal(r.status, 0, r.stderr);
    stdout = r.stdout;
  });

  test('every line it writes follows schemas/events.schema.json, checked by Python', () => {
    const r = checkEventFiles(file);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok: 1 event file/);
  });

  test('the file states its protocol version first, and the harness reads every event without a problem', () => {
    const text = readFileSync(file, 'utf8');
    assert.deepEqual(JSON.parse(text.split('\n')[0]!), { type: 'protocol', version: PROTOCOL_VERSION });
    const parsed = parseEvents(text);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.protocol, PROTOCOL_VERSION);
    assert.deepEqual(
      parsed.events.map((e) => e.type),
      ['startup', 'startup', 'start', 'config', 'phase', 'phase', 'phase', 'step', 'request', 'end'],
    );
  });

  test('one writer call makes a phase: t1 is t0 + dur, and a phase timed elsewhere keeps its measured length', () => {
    const phases = parseEvents(readFileSync(file, 'utf8')).events.filter((e) => e.type === 'phase');
    for (const p of phases) assert.ok(Math.abs(p.t1 - p.t0 - p.dur) < 1e-6, JSON.stringify(p));
    const sync = phases.find((p) => p.name === 'weight_sync')!;
    assert.ok(Math.abs(sync.dur - 0.25) < 1e-6);
    assert.deepEqual([sync.bytes, sync.buckets, sync.synced], [1024, 1, true]);
    assert.deepEqual(
      phases.map((p) => [p.name, p.synced]),
      [
        ['generate', true],
        ['weight_sync', true],
        ['demo:own_phase', false],
      ],
    );
  });

  test('start-up parts are written as the protocol names them, t1 = t0 + dur, and another part is refused', () => {
    const parts = parseEvents(readFileSync(file, 'utf8')).events.filter((e) => e.type === 'startup');
    assert.deepEqual(
      parts.map((p) => p.part),
      ['imports', 'model_load'],
    );
    for (const p of parts) assert.ok(Math.abs(p.t1 - p.t0 - p.dur) < 1e-6, JSON.stringify(p));
    assert.match(stdout, /start-up part 'compile' is not one the protocol names \(imports, model_load, engine_start, trainer_setup\)/);
  });

  test('a misspelt phase name is refused by the writer, naming the protocol phases', () => {
    assert.match(
      stdout,
      /phase 'forward_backwards' is not one the protocol names \(generate, reward, .*\); a workload's own phase is named '<workload>:<name>'/,
    );
  });

  test('a line that breaks the protocol is named by file, line and field', () => {
    const bad = path.join(dir, 'bad-0.jsonl');
    const r = python(
      'from common.events import EventLog\nlog = EventLog("trainer", 0, sys.argv[1])\nlog.emit("phase", step=0, name="generate", t0=1.0, t1=0.5, dur=-0.5, synced=True)\nlog.emit("step", step=1)',
      [bad],
    );
    assert.equal(r.status, 0, r.stderr);
    const check = checkEventFiles(bad);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /bad-0\.jsonl:2: dur: -0\.5 is less than the minimum of 0/);
    assert.match(check.stdout, /bad-0\.jsonl:3: \(document\): 't0' is a required property/);
  });
});

suite('reading event files', () => {
  test('a file from before the protocol header is read as version 1', () => {
    const parsed = parseEvents('{"type":"end","status":"ok"}\n');
    assert.deepEqual([parsed.protocol, parsed.problems, parsed.events.length], [1, [], 1]);
  });

  test('a file from a newer protocol is read as far as it goes, with a problem that says to update', () => {
    const parsed = parseEvents(`{"type":"protocol","version":${PROTOCOL_VERSION + 1}}\n{"type":"end","status":"ok"}\n`);
    assert.equal(parsed.protocol, PROTOCOL_VERSION + 1);
    assert.equal(parsed.events.length, 1);
    assert.match(parsed.problems[0]!.message, /newer than this grpo-bench reads/);
  });

  test('the committed results under bench/ still read without a problem', () => {
    const files = readdirSync(path.join(ROOT, 'bench'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.jsonl'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const parsed = parseEvents(readFileSync(path.join(ROOT, 'bench', f), 'utf8'));
      assert.deepEqual([parsed.protocol, parsed.problems], [1, []], f);
    }
  });
});
