// Server mode on a shared GPU with IPC weight transfer (modes.server.vllm.weight_transfer: ipc):
// the plan (one GPU for server and trainer, vLLM's IPC backend, loopback, the insecure-serialization
// switch on the server alone), its refusals, and the trainer's client subclass against the
// installed TRL (src/workloads/trl/ipc_client.py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import { formatPlan } from '../../src/commands/plan/index.ts';
import { trl } from '../../src/workloads/trl/adapter.ts';
import type { TrlRunConfig } from '../../src/workloads/trl/config.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { SHARED_GPU_SERVER_LABEL } from '../../src/modes.ts';
import { GPU_SCENARIO, PYTHON, ROOT, TRL_0_29, TRL_1_13, context, installedLibraries, plan } from './trl-fixtures.ts';

const VLLM_0_26 = { ...TRL_1_13, vllm: '0.26.0' };
const SHARED = GPU_SCENARIO.replace(
  'devices: { server: 1, trainer: 3 }\n    vllm: { gpu_memory_utilization: 0.85, max_model_len: 512, enable_prefix_caching: true }',
  'devices: { server: [0], trainer: [0] }\n    vllm: { gpu_memory_utilization: 0.3, max_model_len: 512, weight_transfer: ipc }',
);

suite('trl plan: server on a shared GPU with IPC weight transfer', () => {
  test('server and trainer on the one GPU; vLLM with the IPC backend bound to loopback; the serialization switch on the server only', () => {
    const p = plan(SHARED, context(VLLM_0_26, 1), ['server']);
    const u = p.units[0]!;
    assert.deepEqual(u.devices, { kind: 'cuda', allocated: [0], training: [0], server: [0] });
    const [server, trainer] = u.processes;
    const argv = server!.argv;
    assert.equal(argv[argv.indexOf('--weight-transfer-config') + 1], '{"backend": "ipc"}');
    assert.equal(argv[argv.indexOf('--host') + 1], '127.0.0.1');
    assert.equal(server!.env.VLLM_ALLOW_INSECURE_SERIALIZATION, '1');
    assert.equal(trainer!.env.VLLM_ALLOW_INSECURE_SERIALIZATION, undefined);
    assert.equal(server!.env.CUDA_VISIBLE_DEVICES, '0');
    assert.equal(trainer!.env.CUDA_VISIBLE_DEVICES, '0');
    assert.deepEqual(server!.gpus, [0]);
    assert.deepEqual(trainer!.gpus, [0]);
    // No NCCL rendezvous: the handles travel in the HTTP request.
    assert.deepEqual(server!.ports, { http: 29000 });
    assert.deepEqual(trainer!.ports, { rendezvous: 29002 });
    const cfg = JSON.parse(trainer!.argv.at(-1)!) as TrlRunConfig;
    assert.deepEqual(cfg.vllm, {
      mode: 'server',
      base_url: 'http://127.0.0.1:29000',
      host: '127.0.0.1',
      port: 29000,
      group_port: 29001,
      weight_transfer: 'ipc',
    });
    assert.match(formatPlan(p), new RegExp(SHARED_GPU_SERVER_LABEL));
  });

  test('counts instead of GPU lists take the same GPU for both', () => {
    const yaml = SHARED.replace('devices: { server: [0], trainer: [0] }', 'devices: { server: 1, trainer: 1 }');
    assert.deepEqual(plan(yaml, context(VLLM_0_26, 1), ['server']).units[0]!.devices, {
      kind: 'cuda',
      allocated: [0],
      training: [0],
      server: [0],
    });
  });

  test('the default (nccl) still refuses one GPU for both, and says which setting allows it', () => {
    const yaml = SHARED.replace(', weight_transfer: ipc', '');
    assert.throws(
      () => plan(yaml, context(VLLM_0_26, 2), ['server']),
      /gives the same GPU to the server and a trainer.*weight_transfer: ipc/,
    );
  });

  test('ipc with two different GPUs is refused with the fix', () => {
    const apart = SHARED.replace('devices: { server: [0], trainer: [0] }', 'devices: { server: [0], trainer: [1] }');
    assert.throws(
      () => plan(apart, context(VLLM_0_26, 2), ['server']),
      /weight_transfer ipc the server and the trainer share one GPU; got server \[0\], trainer \[1\]/,
    );
  });

  test("check(): one GPU is enough for ipc; TRL's own server (before 1.11), tensor parallelism and a non-loopback host are refused", () => {
    const { scenario } = parseScenario(SHARED, 'test.yaml');
    assert.deepEqual(trl.check(scenario, 'cuda', context(VLLM_0_26, 1), ['server']), []);
    const old = trl.check(scenario, 'cuda', context(TRL_0_29, 1), ['server']);
    assert.ok(
      old.some((p) => /weight_transfer ipc needs TRL ≥ 1\.11/.test(p)),
      old.join('\n'),
    );
    const wide = parseScenario(
      SHARED.replace('weight_transfer: ipc', 'weight_transfer: ipc, tensor_parallel_size: 2'),
      'test.yaml',
    ).scenario;
    assert.ok(
      trl
        .check(wide, 'cuda', context(VLLM_0_26, 1), ['server'])
        .some((p) => /tensor_parallel_size and data_parallel_size must be 1/.test(p)),
    );
    const open = parseScenario(
      SHARED.replace('devices: { server: [0], trainer: [0] }', 'devices: { server: [0], trainer: [0] }\n    host: 0.0.0.0'),
      'test.yaml',
    ).scenario;
    assert.ok(trl.check(open, 'cuda', context(VLLM_0_26, 1), ['server']).some((p) => /binds the server to 127\.0\.0\.1/.test(p)));
    const nccl = parseScenario(SHARED.replace(', weight_transfer: ipc', ''), 'test.yaml').scenario;
    assert.ok(trl.check(nccl, 'cuda', context(VLLM_0_26, 1), ['server']).some((p) => /at least 2 GPUs/.test(p)));
  });
});

const CLIENT = `
import inspect, json, sys
sys.path[:0] = [${JSON.stringify(path.join(ROOT, 'src/workloads'))}, ${JSON.stringify(path.join(ROOT, 'src/workloads/trl'))}]
import base64, pickle
from types import SimpleNamespace as NS
import ipc_client as ic
from trl.generation import vllm_client, vllm_generation
out = {"problems": ic.verify()}
base = vllm_client.VLLMClient
C = ic.make_ipc_client_class(base, None)
def shape(f):
    return [(p.name, str(p.kind), repr(p.default)) for p in inspect.signature(f).parameters.values()]
out["signatures"] = {n: [shape(getattr(C, n)), shape(getattr(base, n))] for n in ("init_communicator", "update_named_params", "reset_prefix_cache")}
out["overrides"] = sorted(n for n in ("init_communicator", "update_named_params", "reset_prefix_cache", "generate", "_post") if n in C.__dict__)
undo = ic.install(None)
out["installed"] = vllm_generation.VLLMClient.__name__
undo()
out["restored"] = vllm_generation.VLLMClient is base
info = NS(names=["a", "b"], dtype_names=["bfloat16", "bfloat16"], shapes=[[2], [3, 4]], packed=False, tensor_sizes=None,
          ipc_handles=[{"GPU-1": (1, 2, "x")}, {"GPU-1": (3, 4, "y")}])
wire = ic.http_update_info(info)
out["wire_keys"] = sorted(wire)
out["wire_handles"] = pickle.loads(base64.b64decode(wire["ipc_handles_pickled"])) == info.ipc_handles
out["backend"] = [ic.server_backend({"vllm_config": {"weight_transfer_config": {"backend": "ipc"}}}), ic.server_backend({"vllm_config": "text"})]
client = C.__new__(C)
try:
    client.init_communicator("cpu")
except NotImplementedError as e:
    out["cpu"] = str(e)
# A TRL whose generation helper builds its client under another name is caught.
import importlib.util, tempfile, os
src = "from trl.generation.vllm_client import VLLMClient as Client\\nclass G:\\n    def f(self):\\n        self.c = Client()\\n        self.c.init_communicator(device=0)\\n"
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "renamed_generation.py"), "w") as f:
    f.write(src)
spec = importlib.util.spec_from_file_location("renamed_generation", os.path.join(folder, "renamed_generation.py"))
renamed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(renamed)
out["renamed"] = ic.verify(renamed, vllm_client)
print(json.dumps(out))
`;

test('the IPC client overrides exactly the transfer methods of the installed TRL, with their signatures, and swaps in and out', async (t) => {
  const libs = await installedLibraries();
  if (!libs.trl) return t.skip('needs trl in the test Python');
  const r = spawnSync(PYTHON, ['-c', CLIENT], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual(out.problems, [], 'TRL still builds VLLMClient by name and calls the methods the subclass overrides');
  for (const [name, [ours, theirs]] of Object.entries(out.signatures as Record<string, [unknown, unknown]>)) {
    assert.deepEqual(ours, theirs, `${name}: the override's parameters are TRL's`);
  }
  assert.deepEqual(out.overrides, ['init_communicator', 'reset_prefix_cache', 'update_named_params'], "generation and HTTP stay TRL's");
  assert.equal(out.installed, 'IPCVLLMClient');
  assert.equal(out.restored, true);
  assert.deepEqual(out.wire_keys, ['dtype_names', 'ipc_handles_pickled', 'names', 'packed', 'shapes']);
  assert.equal(out.wire_handles, true);
  assert.deepEqual(out.backend, ['ipc', null]);
  assert.match(String(out.cpu), /IPC weight transfer shares CUDA memory/);
  assert.deepEqual(out.renamed, [
    'trl.generation.vllm_generation no longer uses VLLMClient by that name',
    "TRL's VLLMGeneration no longer calls VLLMClient",
    "TRL's VLLMGeneration no longer calls update_named_params",
    "TRL's VLLMGeneration no longer calls reset_prefix_cache",
  ]);
});
