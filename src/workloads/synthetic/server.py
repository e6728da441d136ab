"""Generation server of the synthetic GRPO workload (server mode; docs/workloads.md, "synthetic").

HTTP (stdlib ThreadingHTTPServer), JSON bodies:
  GET  /health            200 once every replica's model is built
  POST /generate          {prompts: [[ids]], n, max_tokens, min_tokens, temperature, seed, step}
                          → {completion_ids: [[ids]]} prompt-major (prompt i's n completions together)
  POST /init_weight_sync  {host, port, world_size} → {layout}; each replica joins the trainer's
                          weight-sync group (rank 1 + replica) in the background
  POST /update_weights    {step} → 200 at once; each replica then receives the broadcast (TRL's
                          fire-and-forget update, then the trainer's NCCL broadcast)
  POST /close             200; the trainer is done: each replica, in its worker thread (after its
                          queued jobs), aborts its side of the weight-sync group (a local teardown,
                          as the trainer's), then the answer goes out. The server serves on until it
                          is signalled: the harness ends it once every trainer has exited

One replica (model copy + single worker thread, so its jobs run in arrival order) per server
device; a request's prompts are split across replicas (data parallel). world_size in the config
is replicas + 1. SIGTERM/SIGINT: `end` is written and the process exits at once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORKLOADS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[0] = WORKLOADS

from common.events import EventLog, Started  # noqa: E402

# The `imports` start-up part: torch and what follows, before the event log can be opened.
IMPORTS = Started.now()

import torch  # noqa: E402

from common.presets import build_model  # noqa: E402
from synthetic import config as cfgmod  # noqa: E402
from synthetic import weightsync  # noqa: E402
from synthetic.engine import Engine  # noqa: E402
from synthetic.runtime import REQUEST_ID_HEADER, Terminated, raise_on_signals  # noqa: E402


class Replica:
    def __init__(self, index: int, device: torch.device, cfg: cfgmod.SyntheticConfig) -> None:
        self.index, self.device, self.cfg = index, device, cfg
        self.engine = Engine(build_model(cfg.preset, cfg.dtype(), device, cfg.seed), cfg.backend, device)
        self.group: weightsync.SyncGroup | None = None
        self.pool = ThreadPoolExecutor(1, thread_name_prefix=f"replica{index}", initializer=self._init_thread)

    def _init_thread(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def join(self, host: str, port: int, world_size: int) -> None:
        self.group = weightsync.SyncGroup(host, port, 1 + self.index, world_size, self.device, self.cfg.server_timeout_s)
        self.group.connect()
        self.group.warm_up()

    def leave(self) -> None:
        """This replica's side of the weight-sync group: local teardown (weightsync.SyncGroup.close)."""
        group, self.group = self.group, None
        if group is not None:
            group.close()

    def receive(self) -> dict:
        if self.group is None:
            raise RuntimeError("/update_weights without a weight-sync group (before /init_weight_sync, or after /close)")
        started = Started.now()
        step, nbytes, nbuckets = weightsync.receive(self.group, self.engine.model, self.cfg.weight_sync_bucket_bytes)
        self.sync()
        return {"started": started, "ended": time.monotonic(), "step": step, "bytes": nbytes, "buckets": nbuckets}

    def generate(self, prompts: torch.Tensor, body: dict) -> list[list[int]]:
        comp, lengths = self.engine.generate(
            prompts,
            int(body["n"]),
            int(body["max_tokens"]),
            int(body.get("min_tokens", 0)),
            float(body.get("temperature", 1.0)),
            int(body.get("seed", 0)) + self.index,
        )
        self.sync()
        comp, lengths = comp.cpu(), lengths.cpu()
        return [comp[i, : int(lengths[i])].tolist() for i in range(comp.shape[0])]


class Server:
    def __init__(self, cfg: cfgmod.SyntheticConfig, log: EventLog) -> None:
        self.cfg, self.log = cfg, log
        n = cfg.server.world_size - 1
        if cfg.device == "cuda":
            devices = [cfgmod.resolve_device(cfg, i) for i in range(n)]
            if torch.cuda.device_count() != n:
                raise RuntimeError(
                    f"server.world_size {cfg.server.world_size} means {n} server GPU(s), but "
                    f"{torch.cuda.device_count()} are visible (CUDA_VISIBLE_DEVICES="
                    f"{os.environ.get('CUDA_VISIBLE_DEVICES')!r})"
                )
        else:
            devices = [cfgmod.resolve_device(cfg) for _ in range(n)]
        # The server's engines: its model and engine are one part (no trainer beside them).
        with log.startup("engine_start"):
            self.replicas = [Replica(i, d, cfg) for i, d in enumerate(devices)]
        self.fatal: str | None = None
        self.httpd: ThreadingHTTPServer | None = None

    def describe(self) -> dict:
        m = self.replicas[0].engine.model
        return {
            "workload": "synthetic",
            "role": "server",
            "mode": "server",
            "preset": self.cfg.preset,
            "parameters": sum(p.numel() for p in m.parameters()),
            "param_bytes": weightsync.param_bytes(m),
            "dtype": str(self.cfg.dtype()).replace("torch.", ""),
            "backend": self.cfg.backend,
            "replicas": len(self.replicas),
            "devices": [str(r.device) for r in self.replicas],
            "host": self.cfg.server.host,
            "port": self.cfg.server.port,
            "weight_sync": {
                "backend": "nccl" if self.cfg.device == "cuda" else "gloo",
                "bucket_bytes": self.cfg.weight_sync_bucket_bytes,
                "world_size": self.cfg.server.world_size,
            },
        }

    def die(self, what: str) -> None:
        """A background job failed: record it and exit non-zero now (the trainer sees the connection drop)."""
        self.fatal = what
        sys.stderr.write(what + "\n")
        self.log.end("error", what)
        os._exit(1)

    def watch(self, futures: list[Future], on_done) -> None:
        def wait() -> None:
            try:
                results = [f.result() for f in futures]
                on_done(results)
            except BaseException as e:  # noqa: BLE001 - every failure ends the server loudly
                self.die(f"{type(e).__name__}: {e}\n{traceback.format_exc()}")

        threading.Thread(target=wait, daemon=True).start()

    # -- endpoints --------------------------------------------------------------------------------------------
    def init_weight_sync(self, body: dict) -> dict:
        ws = int(body["world_size"])
        if ws != len(self.replicas) + 1:
            raise ValueError(f"world_size {ws} but this server has {len(self.replicas)} replica(s) (expects {len(self.replicas) + 1})")
        futures = [r.pool.submit(r.join, body["host"], int(body["port"]), ws) for r in self.replicas]
        self.watch(futures, lambda _: None)
        return {"layout": weightsync.layout(self.replicas[0].engine.model)}

    def update_weights(self, body: dict) -> dict:
        futures = [r.pool.submit(r.receive) for r in self.replicas]

        def done(results: list[dict]) -> None:
            step = results[0]["step"]
            if step != body.get("step", step):
                raise RuntimeError(f"weight sync header says step {step}, the request said {body.get('step')}")
            # From the first replica's start to the last one's end.
            started = Started(min(r["started"].wall for r in results), min(r["started"].mono for r in results))
            self.log.phase_done(
                step,
                "weight_sync",
                started,
                synced=True,
                until=max(r["ended"] for r in results),
                bytes=results[0]["bytes"],
                buckets=results[0]["buckets"],
                replicas=len(results),
            )
            self.memory("weight_sync", step)

        self.watch(futures, done)
        return {"status": "queued"}

    def generate(self, body: dict) -> dict:
        prompts = torch.tensor(body["prompts"], dtype=torch.long)
        if prompts.dim() != 2:
            raise ValueError("prompts must be a list of equal-length token id lists")
        step = int(body.get("step", 0))
        parts = [p for p in prompts.tensor_split(len(self.replicas)) if p.shape[0] > 0]
        with self.log.phase(step, "generate", lambda: [r.sync() for r in self.replicas]) as f:
            futures = [r.pool.submit(r.generate, p.to(r.device), body) for r, p in zip(self.replicas, parts)]
            ids = [seq for fut in futures for seq in fut.result()]
            f["tokens"] = sum(len(s) for s in ids)
            f["sequences"] = len(ids)
            f["replicas"] = len(parts)
        self.memory("generate", step)
        return {"completion_ids": ids}

    def memory(self, phase: str, step: int) -> None:
        if self.cfg.device == "cuda":
            for r in self.replicas:
                with torch.cuda.device(r.device):
                    self.log.memory(phase, step)

    def close(self, _body: dict) -> dict:
        """Tears down every replica's side of the weight-sync group, in its worker thread after the
        jobs already queued there, so the trainer's own teardown never waits on a live peer. The
        server does not exit: the harness signals it. Bounded: a replica stuck in a collective
        past the wait is aborted from here (ncclCommAbort from another thread is how a blocked
        NCCL call is released)."""
        futures = [r.pool.submit(r.leave) for r in self.replicas]
        deadline = time.monotonic() + min(60.0, self.cfg.server_timeout_s)
        for r, fut in zip(self.replicas, futures):
            try:
                fut.result(timeout=max(0.0, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - a stuck or failed job: abort from this thread
                traceback.print_exc()
                group = r.group
                if group is not None:
                    group.close()
        return {"status": "closed"}

    def handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # health probes would flood the log
                if "/health" not in self.path:
                    sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

            def reply(self, status: int, payload: dict, t0: float, m0: float, nbytes_in: int, step=None) -> None:
                body = json.dumps(payload, separators=(",", ":")).encode()
                # The server's time ends when the answer is ready; sending it is the transport's
                # share of the client's round trip (docs/metrics.md "Request latency").
                t1 = t0 + time.monotonic() - m0
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if self.path != "/health":
                    request_id = self.headers.get(REQUEST_ID_HEADER)
                    extra = {**({"id": request_id} if request_id else {}), **({"step": step} if step is not None else {})}
                    server.log.request(self.path, t0, t1, status, nbytes_in, len(body), **extra)

            def do_GET(self):
                t0, m0 = time.time(), time.monotonic()
                if self.path.rstrip("/") == "/health":
                    self.reply(200, {"status": "ok"}, t0, m0, 0)
                else:
                    self.reply(404, {"error": f"no GET {self.path}"}, t0, m0, 0)

            def do_POST(self):
                t0, m0 = time.time(), time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                routes = {
                    "/generate": server.generate,
                    "/init_weight_sync": server.init_weight_sync,
                    "/update_weights": server.update_weights,
                    "/close": server.close,
                }
                route = routes.get(self.path.rstrip("/"))
                if route is None:
                    return self.reply(404, {"error": f"no POST {self.path}"}, t0, m0, len(raw))
                step = None
                try:
                    body = json.loads(raw or b"{}")
                    step = body.get("step") if isinstance(body.get("step"), int) else None
                    self.reply(200, route(body), t0, m0, len(raw), step)
                except Exception as e:  # noqa: BLE001 - the trainer gets the reason, the log the trace
                    traceback.print_exc()
                    self.reply(500, {"error": f"{type(e).__name__}: {e}"}, t0, m0, len(raw), step)

        return Handler

    def serve(self) -> None:
        s = self.cfg.server
        self.httpd = ThreadingHTTPServer((s.host, s.port), self.handler())
        self.httpd.daemon_threads = True
        extra = {"visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
        if self.cfg.device == "cuda":
            extra["device_name"] = torch.cuda.get_device_name(self.replicas[0].device)
        self.log.start("server", [str(r.device) for r in self.replicas], **extra)
        self.log.config(self.describe())
        sys.stderr.write(f"synthetic generation server on http://{s.host}:{s.port} ({len(self.replicas)} replica(s))\n")
        self.httpd.serve_forever(poll_interval=0.2)


def main() -> None:
    log = EventLog("server", 0)
    log.startup_done("imports", IMPORTS)
    raise_on_signals()
    status, error, code = "ok", None, 0
    try:
        cfg = cfgmod.parse()
        Server(cfg, log).serve()
    except Terminated as e:
        sys.stderr.write(f"{e}: exiting\n")  # the harness ends the server once the trainers are done: a normal exit
    except SystemExit as e:  # a bad --config: its message says what to fix, a traceback would not
        status, error, code = "error", str(e), 2
        sys.stderr.write(f"{e}\n")
    except BaseException as e:  # noqa: BLE001
        status, error, code = "error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}", 1
        traceback.print_exc()
    log.end(status, error)
    sys.stderr.flush()
    os._exit(code)  # replica threads may be blocked in a collective: do not wait for them


if __name__ == "__main__":
    main()
