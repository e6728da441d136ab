import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../src/launch/ports.ts';
import { runUnit, UnitProcesses } from '../../src/launch/supervisor.ts';
import { alive, LAUNCHER_PY, python, readPids, script, SERVER_PY, spec, tempDir } from './fixtures.ts';

function server(dir: string, mode: string, port: number, timeout_s: number) {
  return spec('server-0', [python, script(dir, 'server.py', SERVER_PY), mode, String(port)], {
    role: 'server',
    finishes_unit: false,
    ready: { kind: 'http', url: `http://127.0.0.1:${port}/health`, timeout_s },
  });
}

test('a unit succeeds when its trainer exits 0 after the server is ready, and logs both streams', async () => {
  const dir = tempDir();
  const port = await freePort();
  const started: [string, number][] = [];
  const trainer = spec(
    'trainer',
    [python, '-c', 'import sys,os; print("step 1", flush=True); print("warn", os.environ["FOO"], file=sys.stderr)'],
    { env: { FOO: 'bar' } },
  );
  const outcome = await runUnit({
    unitDir: dir,
    processes: [server(dir, 'ok', port, 20), trainer],
    timeoutS: 60,
    onStart: (name, pid) => started.push([name, pid]),
  });
  assert.deepEqual(outcome, { status: 'ok' });
  assert.deepEqual(
    started.map(([n]) => n),
    ['server-0', 'trainer'],
  );
  assert.ok(existsSync(path.join(dir, 'events')));
  const log = readFileSync(path.join(dir, 'logs', 'trainer.log'), 'utf8');
  assert.match(log, /step 1/);
  assert.match(log, /warn bar/);
  assert.match(readFileSync(path.join(dir, 'logs', 'server-0.log'), 'utf8'), /server starting/);
  assert.deepEqual(alive(started.map(([, p]) => p)), [], 'the server was ended with the unit');
});

test('a crashing server fails the unit with its log tail before the readiness deadline', async () => {
  const dir = tempDir();
  const outcome = await runUnit({
    unitDir: dir,
    processes: [server(dir, 'crash', await freePort(), 120), spec('trainer', [python, '-c', 'pass'])],
    timeoutS: 300,
  });
  assert.equal(outcome.status, 'failed');
  assert.ok(outcome.status === 'failed');
  assert.equal(outcome.process, 'server-0');
  assert.equal(outcome.exit_code, 3);
  assert.match(outcome.message, /server-0 exited with code 3 before it was ready/);
  assert.equal(outcome.log_tail.length, 30);
  assert.match(outcome.log_tail.at(-1)!, /CUDA out of memory/);
  // "exited … before it was ready" above: the crash was noticed, not the 120 s readiness deadline.
  assert.ok(!existsSync(path.join(dir, 'logs', 'trainer.log')), 'the trainer never started');
});

test('readiness times out when /health never answers 200', async () => {
  const dir = tempDir();
  const pids: number[] = [];
  const outcome = await runUnit({
    unitDir: dir,
    processes: [server(dir, 'busy', await freePort(), 1.5)],
    timeoutS: 60,
    onStart: (_, p) => pids.push(p),
  });
  assert.equal(outcome.status, 'timeout');
  assert.ok(outcome.status === 'timeout');
  assert.match(outcome.message, /server-0 was not ready after 1.5 s .*HTTP 503/);
  assert.deepEqual(alive(pids), []);
});

test('a server that exits before the trainers finish fails the unit', async () => {
  const dir = tempDir();
  const outcome = await runUnit({
    unitDir: dir,
    processes: [server(dir, 'exit-after-ready', await freePort(), 20), spec('trainer', [python, '-c', 'import time; time.sleep(60)'])],
    timeoutS: 90,
    graceMs: 1000,
  });
  assert.ok(outcome.status === 'failed', JSON.stringify(outcome));
  assert.equal(outcome.process, 'server-0');
  assert.equal(outcome.exit_code, 0);
  assert.match(outcome.message, /server-0 \(server\) exited with code 0 before the processes that finish the unit were done/);
});

test('a trainer exiting non-zero fails the unit with its exit code and the last 30 lines of its log', async () => {
  const dir = tempDir();
  const code = 'import sys\nfor i in range(100): print("line", i)\nsys.exit(7)';
  const outcome = await runUnit({ unitDir: dir, processes: [spec('trainer', [python, '-c', code])], timeoutS: 60 });
  assert.ok(outcome.status === 'failed');
  assert.equal(outcome.message, 'trainer exited with code 7');
  assert.equal(outcome.exit_code, 7);
  assert.equal(outcome.signal, null);
  assert.deepEqual(
    outcome.log_tail,
    Array.from({ length: 30 }, (_, i) => `line ${70 + i}`),
  );
});

test('a process that cannot be started fails the unit naming it', async () => {
  const outcome = await runUnit({ unitDir: tempDir(), processes: [spec('trainer', ['/nonexistent/python3'])], timeoutS: 30 });
  assert.ok(outcome.status === 'failed');
  assert.equal(outcome.process, 'trainer');
  assert.match(outcome.message, /trainer could not be started: .*ENOENT/);
});

test('supervisor ends the whole process group of a launcher whose child ignores SIGTERM', async () => {
  const dir = tempDir();
  const pidfile = path.join(dir, 'pids');
  const launcher = script(dir, 'launcher.py', LAUNCHER_PY);
  // Two children in the launcher's group, both ignoring SIGTERM; the unit times out.
  const outcome = await runUnit({
    unitDir: dir,
    processes: [spec('trainer', [python, launcher, '2', '0', '1', '0', pidfile])],
    timeoutS: 3,
    graceMs: 500,
  });
  assert.equal(outcome.status, 'timeout');
  assert.ok(outcome.status === 'timeout');
  assert.match(outcome.message, /unit timed out after 3 s/);
  assert.equal(outcome.process, 'trainer');
  const pids = await readPids(pidfile, 2, 1);
  assert.deepEqual(alive(pids), []);
});

test('an aborted unit leaves no process alive, children that left the group included', async () => {
  const dir = tempDir();
  const pidfile = path.join(dir, 'pids');
  const launcher = script(dir, 'launcher.py', LAUNCHER_PY);
  const tracker = new UnitProcesses();
  const abort = new AbortController();
  // Like torchrun: the ranks run in sessions of their own, and here they ignore SIGTERM too.
  const run = runUnit({
    unitDir: dir,
    processes: [spec('trainer', [python, launcher, '2', '1', '1', '0', pidfile])],
    timeoutS: 120,
    signal: abort.signal,
    graceMs: 500,
    tracker,
  });
  const pids = await readPids(pidfile, 2);
  const members = tracker.members();
  for (const p of pids)
    assert.ok(
      members.some((m) => m.pid === p && m.process === 'trainer'),
      `rank ${p} is listed as a member`,
    );
  abort.abort('SIGINT');
  const outcome = await run;
  assert.deepEqual(outcome, { status: 'interrupted', message: 'interrupted (SIGINT)' });
  assert.deepEqual(alive(pids), []);
  assert.deepEqual(tracker.members(), []);
});

test("a sampler's cheap scan lists the same members as a full scan, ranks that left the group and ones started after it included", async () => {
  const dir = tempDir();
  const pidfile = path.join(dir, 'pids');
  const launcher = script(dir, 'launcher.py', LAUNCHER_PY);
  const tracker = new UnitProcesses();
  // The first call is a full scan: every process on the host is classified, none is of the unit yet.
  assert.deepEqual(tracker.sampledMembers(), []);
  const abort = new AbortController();
  const run = runUnit({
    unitDir: dir,
    processes: [spec('trainer', [python, launcher, '2', '1', '1', '0', pidfile])],
    timeoutS: 120,
    signal: abort.signal,
    graceMs: 500,
    tracker,
  });
  const pids = await readPids(pidfile, 2);
  const byPid = (ms: { pid: number; process: string }[]) => ms.map((m) => `${m.pid}:${m.process}`).sort();
  const cheap = tracker.sampledMembers();
  for (const p of pids)
    assert.ok(
      cheap.some((m) => m.pid === p && m.process === 'trainer'),
      `rank ${p} is found by the cheap scan`,
    );
  assert.deepEqual(byPid(cheap), byPid(tracker.members()));
  abort.abort('SIGINT');
  await run;
  assert.deepEqual(tracker.sampledMembers(), []);
});

test('a planned port someone already listens on fails the unit before anything starts', async () => {
  const dir = tempDir();
  const stale = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => stale.once('listening', r));
  const { port } = stale.address() as net.AddressInfo;
  try {
    const outcome = await runUnit({ unitDir: dir, processes: [{ ...server(dir, 'ok', port, 10), ports: { http: port } }], timeoutS: 30 });
    assert.deepEqual(outcome, {
      status: 'failed',
      message: `port ${port} (http of server-0) is already in use`,
      process: 'server-0',
      log_tail: [],
    });
    assert.ok(!existsSync(path.join(dir, 'logs', 'server-0.log')));
  } finally {
    stale.close();
  }
});
