"""The trl workload's HTTP requests to its generation server, as `request` events (trainer side).

TRL's VLLMClient makes every call through one `requests.Session` (`client.session`); wrapping
that session's `request` method on the trainer's main process records each call's round trip,
status and sizes, with an `id` sent as X-Request-Id. The server (`vllm serve` after serve.py's
exec) writes no events of its own, so for this workload only the trainer's side of request
latency is known (docs/metrics.md "Request latency").
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any, Callable
from urllib.parse import urlparse

REQUEST_ID_HEADER = "X-Request-Id"


def find_client(trainer: Any) -> Any | None:
    """The trainer's VLLMClient: on its generation helper (TRL >= 1.x) or on the trainer itself (older TRL)."""
    for holder in (getattr(trainer, "vllm_generation", None), trainer):
        client = getattr(holder, "vllm_client", None) if holder is not None else None
        if client is not None and hasattr(getattr(client, "session", None), "request"):
            return client
    return None


def record_requests(client: Any, log: Any, step: Callable[[], int | None]) -> None:
    """Wraps the client's session so each request becomes a `request` event."""
    session = client.session
    original = session.request
    ids = itertools.count()

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        request_id = f"{os.getpid()}-{next(ids)}"
        kwargs["headers"] = {**(kwargs.get("headers") or {}), REQUEST_ID_HEADER: request_id}
        t0, m0 = time.time(), time.monotonic()
        status, bytes_in, bytes_out = 0, 0, 0
        try:
            response = original(method, url, *args, **kwargs)
            status, bytes_in = response.status_code, len(response.content or b"")
            body = getattr(response.request, "body", None)
            bytes_out = len(body) if body is not None else 0
            return response
        finally:
            current = step()
            log.request(
                urlparse(url).path,
                t0,
                t0 + time.monotonic() - m0,
                status,
                bytes_in,
                bytes_out,
                id=request_id,
                **({"step": current} if current is not None else {}),
            )

    session.request = request
