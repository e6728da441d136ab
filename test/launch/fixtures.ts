// Small real programs for supervisor and sampler tests, written to a temporary folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolvePython } from '../../src/env/python.ts';
import { isLive, readStat } from '../../src/telemetry/proc.ts';
import type { ProcessSpec, Readiness } from '../../src/records/plan.ts';

export const python = process.env.GRPO_BENCH_PYTHON ?? resolvePython();

/** A fresh folder, removed when the test file's tests are done. */
export function tempDir(prefix = 'grpo-bench-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `source` to `dir/name` and returns its path. */
export function script(dir: string, name: string, source: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  return file;
}

/** A /health server: `ok` answers 200, `busy` answers 503, `crash` prints and exits 3 before listening. */
export const SERVER_PY = `
import http.server, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
print("server starting on", port, flush=True)
if mode == "crash":
    time.sleep(0.3)
    for i in range(40):
        print(f"loading shard {i}", flush=True)
    print("RuntimeError: CUDA out of memory (pretend)", file=sys.stderr, flush=True)
    sys.exit(3)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503 if mode == "busy" else 200)
        self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", port), H)
if mode == "exit-after-ready":
    srv.timeout = 0.1
    end = time.time() + 1.5
    while time.time() < end:
        srv.handle_request()
    sys.exit(0)
srv.serve_forever()
`;

/**
 * A launcher like torchrun: starts \`n\` children; with \`escape\`, each child leaves the
 * process group (start_new_session, as torch elastic does). Children ignore SIGTERM when
 * \`stubborn\`, optionally burn CPU, and write their pids to \`pidfile\` (one per line).
 */
export const LAUNCHER_PY = `
import os, signal, subprocess, sys, time
n, escape, stubborn, busy, pidfile = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4] == "1", sys.argv[5]
if len(sys.argv) > 6:
    if stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\\n")
    end = time.time() + 120
    while time.time() < end:
        if not busy:
            time.sleep(0.05)
    sys.exit(0)
kids = [subprocess.Popen([sys.executable, __file__, *sys.argv[1:], "child"], start_new_session=escape) for _ in range(n)]
print("launched", [k.pid for k in kids], flush=True)
for k in kids:
    k.wait()
`;

export function spec(name: string, argv: string[], over: Partial<ProcessSpec> = {}): ProcessSpec {
  const ready: Readiness = { kind: 'none' };
  return { name, role: 'trainer', argv, env: {}, cwd: os.tmpdir(), gpus: [], ports: {}, ready, events: [], finishes_unit: true, ...over };
}

export async function readPids(file: string, count: number, ms = 20_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
      if (pids.length >= count) return pids;
    }
    await sleep(50);
  }
  throw new Error(`${file}: fewer than ${count} pids after ${ms} ms`);
}

export function alive(pids: number[]): number[] {
  return pids.filter((p) => isLive(readStat(p)));
}
