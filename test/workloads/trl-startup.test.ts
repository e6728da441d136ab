// The colocated vLLM engine's construction is timed as `engine_start` by wrapping the `LLM` name
// the TRL module that builds it imported (src/workloads/trl/engine.py): the installed TRL must
// still build it that way, and the wrap must time the call and come off again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PYTHON, ROOT, installedLibraries } from './trl-fixtures.ts';

const hasTrl = Boolean((await installedLibraries()).trl);

const CASES = `
import json, sys, types
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'src/workloads'))})
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'src/workloads/trl'))})
from common.events import EventLog
import engine
out = {"installed": engine.engine_built_by_name(), "moved": engine.engine_built_by_name(["from vllm import LLM", "self.llm = build_engine()"])}
# A module shaped as TRL's (vLLM is not installed here), with the real event writer.
module = types.ModuleType("trl_like")
class LLM:
    def __init__(self, model): self.model = model
module.LLM = LLM
engine._engine_modules = lambda: [module]
log = EventLog("trainer", 0, sys.argv[1])
undo = engine.time_engine_start(log)
built = module.LLM("m")
undo()
log.end("ok")
out["built"] = type(built).__name__ == "LLM" and built.model == "m"
out["restored"] = module.LLM is LLM
out["lines"] = [json.loads(l) for l in open(sys.argv[1])]
print(json.dumps(out))
`;

test(
  'the installed TRL builds its colocated engine through the LLM name, and the wrap times it as engine_start',
  { skip: hasTrl ? false : 'trl is not installed' },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gb-trl-startup-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'trainer-0.jsonl');
    const r = spawnSync(PYTHON, ['-c', CASES, file], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.installed, true, 'TRL no longer builds its engine as LLM(...) in the module that imported it');
    assert.equal(out.moved, false);
    assert.deepEqual([out.built, out.restored], [true, true]);
    const parts = out.lines.filter((l: { type: string }) => l.type === 'startup');
    assert.deepEqual(
      parts.map((l: { part: string }) => l.part),
      ['engine_start'],
    );
  },
);
