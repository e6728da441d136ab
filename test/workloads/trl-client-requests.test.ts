// The trl workload's trainer-side request events (src/workloads/trl/client_requests.py): a real
// requests.Session against a real local HTTP server; the client object around the session
// stands in for TRL's VLLMClient, which needs a vLLM server to construct.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PYTHON, ROOT } from './trl-fixtures.ts';

const PROGRAM = `
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace as NS
sys.path[:0] = [${JSON.stringify(path.join(ROOT, 'src/workloads/trl'))}]
import requests
import client_requests as cr

seen = []
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen.append(self.headers.get(cr.REQUEST_ID_HEADER))
        out = json.dumps({"got": len(body)}).encode()
        self.send_response(200 if self.path == "/v1/completions" else 404)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{httpd.server_address[1]}"

class Log:
    def __init__(self): self.events = []
    def request(self, endpoint, t0, t1, status, bytes_in, bytes_out, **extra):
        self.events.append(dict(endpoint=endpoint, ok=t1 >= t0, status=status, bytes_in=bytes_in, bytes_out=bytes_out, **extra))

client = NS(session=requests.Session())
trainer = NS(vllm_generation=NS(vllm_client=client), state=NS(global_step=3))
assert cr.find_client(trainer) is client
assert cr.find_client(NS(vllm_client=client)) is client, "older TRL: the client on the trainer"
assert cr.find_client(NS()) is None
log = Log()
cr.record_requests(client, log, step=lambda: trainer.state.global_step)
client.session.post(base + "/v1/completions", json={"prompt": [1, 2, 3]})
trainer.state.global_step = 4
client.session.post(base + "/update_weights", json={})
print(json.dumps({"events": log.events, "seen": seen}))
httpd.shutdown()
`;

test('trainer-side request events of the trl workload: path, status, sizes, step, and the id the server received', () => {
  const r = spawnSync(PYTHON, ['-c', PROGRAM], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { events, seen } = JSON.parse(r.stdout) as { events: Record<string, unknown>[]; seen: string[] };
  assert.equal(events.length, 2);
  assert.deepEqual(
    events.map((e) => [e.endpoint, e.status, e.step, e.ok]),
    [
      ['/v1/completions', 200, 3, true],
      ['/update_weights', 404, 4, true],
    ],
  );
  assert.deepEqual(
    events.map((e) => e.id),
    seen,
    'the id in each event is the X-Request-Id the server got',
  );
  // requests serialises json= with Python's default separators; the server answers {"got": <bytes>}.
  assert.equal(events[0]!.bytes_out, '{"prompt": [1, 2, 3]}'.length);
  assert.equal(events[0]!.bytes_in, '{"got": 21}'.length);
});
