"""What trainer.py and server.py share: process start-up (SIGTERM → a clean, recorded exit),
a top-level guard that always writes the `end` event, and the JSON-over-HTTP client."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
import traceback
import urllib.error
import urllib.request
from typing import Any, Callable

from common.memory import parse_memory_error


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT so `finally` blocks run and `end` is written."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


def raise_on_signals() -> None:
    def handler(signum, _frame):
        raise Terminated(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def guarded(log_factory: Callable[[], Any], body: Callable[[Any], None]) -> None:
    """Runs body(log); writes `end` ok, or error with the exception text, and re-raises so the exit
    status is non-zero."""
    log = log_factory()
    try:
        body(log)
    except BaseException as e:
        memory = parse_memory_error(f"{type(e).__name__}: {e}")
        if memory is not None:
            path = log.failed_in or ["setup"]
            memory.update(phase=path[-1], phase_path=path)
        log.end("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}", **({"memory_error": memory} if memory else {}))
        raise
    log.end("ok")


class HttpError(RuntimeError):
    pass


REQUEST_ID_HEADER = "X-Request-Id"
_request_ids = itertools.count()


def next_request_id() -> str:
    """Unique among the processes of a unit: this process's pid and its own count."""
    return f"{os.getpid()}-{next(_request_ids)}"


def http_json(log, base: str, method: str, path: str, payload: Any = None, timeout: float = 600.0, step: int | None = None) -> Any:
    """One HTTP call, recorded as a `request` event (bytes_out = request body, bytes_in = response
    body, from this process's side). Its `id` goes to the server as X-Request-Id, so the server's
    own event of the same request carries it too. Non-2xx answers raise with the server's message."""
    data = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else None
    request_id = next_request_id()
    headers = {REQUEST_ID_HEADER: request_id, **({"Content-Type": "application/json"} if data is not None else {})}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    t0 = time.time()
    m0 = time.monotonic()
    extra = {"id": request_id, **({"step": step} if step is not None else {})}
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
        log.request(path, t0, t0 + time.monotonic() - m0, status, len(body), len(data or b""), **extra)
        raise HttpError(f"{method} {path} answered {status}: {body.decode(errors='replace')[-4000:]}") from None
    log.request(path, t0, t0 + time.monotonic() - m0, status, len(body), len(data or b""), **extra)
    return json.loads(body) if body else None


def wait_healthy(base: str, timeout_s: float) -> float:
    """Polls GET /health until 200; returns seconds waited, or raises after timeout_s."""
    start = time.monotonic()
    last = ""
    while time.monotonic() - start < timeout_s:
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as r:
                if r.status == 200:
                    return time.monotonic() - start
                last = f"status {r.status}"
        except urllib.error.HTTPError as e:
            last = f"status {e.code}"
        except OSError as e:
            last = str(e)
        time.sleep(0.25)
    raise TimeoutError(f"generation server at {base} not healthy after {timeout_s:.0f} s (last: {last})")
