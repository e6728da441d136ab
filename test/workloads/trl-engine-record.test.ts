// What the trl workload records as each mode's engine settings (the input of the report's
// "settings that differ" table), read off TRL's own generation object as the installed TRL
// builds it. Only vLLM's start is skipped: vLLM does not run here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON, ROOT, installedLibraries } from './trl-fixtures.ts';

const hasTrl = Boolean((await installedLibraries()).trl);

const SCRIPT = `
import json, sys
sys.path[:0] = [${JSON.stringify(path.join(ROOT, 'src/workloads'))}, ${JSON.stringify(path.join(ROOT, 'src/workloads/trl'))}]
from types import SimpleNamespace as NS
import train
import trl.generation.vllm_generation as vgm
vgm.VLLMGeneration._init_vllm = lambda self: None
vgm.DistributedBackend = lambda accelerator: None
out = {"names": list(train.ENGINE_SHARED + train.ENGINE_COLOCATE_ONLY + train.ENGINE_SERVER_ONLY)}
for mode in ("server", "colocate"):
    vg = vgm.VLLMGeneration(model=None, accelerator=None, processing_class=None, mode=mode,
                            server_base_url="http://127.0.0.1:41001", group_port=41002,
                            gpu_memory_utilization=0.3, enable_sleep_mode=True, max_num_seqs=64)
    out["missing"] = [a for a in out["names"] if not hasattr(vg, a)]
    out[mode] = train.engine_record({"mode": mode}, NS(vllm_generation=vg))
print(json.dumps(out))
`;

test(
  'each vLLM mode records only the engine settings that configure it',
  { skip: hasTrl ? false : `trl is not installed for ${PYTHON}` },
  () => {
    const r = spawnSync(PYTHON, ['-c', SCRIPT], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // A TRL that renames one of these fields must fail here, not record nothing in silence.
    assert.deepEqual(out.missing, [], 'fields the record reads that the installed TRL does not set');

    const server = out.server;
    assert.equal(server.mode, 'server');
    assert.equal(server.server_base_url, 'http://127.0.0.1:41001');
    assert.equal(server.group_port, 41002);
    for (const k of ['gpu_memory_utilization', 'enable_sleep_mode', 'max_num_seqs', 'tensor_parallel_size', 'vllm_config']) {
      assert.equal(k in server, false, `server mode records the in-process engine's ${k}`);
    }
    assert.match(server.prompts_sent, /unique prompts once, n=num_generations/);
    assert.match(server.server, /events\/server-0\.jsonl/);

    const colocate = out.colocate;
    assert.equal(colocate.gpu_memory_utilization, 0.3);
    assert.equal(colocate.enable_sleep_mode, true);
    assert.equal(colocate.max_num_seqs, 64);
    for (const k of ['server_base_url', 'group_port', 'server']) assert.equal(k in colocate, false, `colocate mode records ${k}`);
    assert.match(colocate.prompts_sent, /duplicated num_generations times, n=1/);
    assert.equal(colocate.fixed_by_trl.distributed_executor_backend, 'external_launcher');
  },
);
