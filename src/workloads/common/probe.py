"""The loop of a profile driver (`grpo-bench profile`): stands in for trainer rank 0 of server mode
and sends the generation server, for each planned point, what that rank would send when K trainers
each hold a per-device batch B — one request with K·B·GA/G unique prompts and n = G — timing each
answer. Each workload's probe.py supplies how a request is sent (`send`) and which prompts.

Events (docs/events.md "Profile driver"), as role trainer, rank 0:
  start, config (the request's settings), one `phase` named generate per request with
  trainers, per_device_batch, prompts, n, completions, tokens, repeat, warmup; end.
"""

from __future__ import annotations

from typing import Any, Callable

from common.events import Started

# send(prompt_ids, n, step) -> completion token ids, one list per completion, prompt-major.
Send = Callable[[list[list[int]], int, int], list[list[int]]]
# prompts(count, step) -> `count` prompts of token ids.
Prompts = Callable[[int, int], list[list[int]]]


def request_plan(probe: dict[str, Any]) -> list[tuple[int, int, int, bool]]:
    """(trainers, per_device_batch, repeat, warmup) per request: warm-up requests at the largest
    point first, then every repeat of the points, odd repeats backwards (so drift falls on both ends)."""
    points = [(p["trainers"], p["per_device_batch"]) for p in probe["points"]]
    if not points:
        return []
    largest = max(points, key=lambda p: p[0] * p[1])
    out = [(largest[0], largest[1], -1, True) for _ in range(probe["warmup"])]
    for r in range(probe["repeats"]):
        order = points if r % 2 == 0 else list(reversed(points))
        out += [(k, b, r, False) for k, b in order]
    return out


def run(
    log,
    probe: dict[str, Any],
    num_generations: int,
    accumulation: int,
    send: Send,
    prompts: Prompts,
    before: Callable[[], None] | None = None,
) -> None:
    """Sends every planned request and writes its `phase` event. `before` runs untimed ahead of
    each request (TRL resets the server's prefix cache at every weight sync)."""
    G = num_generations
    for step, (k, b, repeat, warmup) in enumerate(request_plan(probe)):
        completions = k * b * accumulation
        if completions % G:
            raise ValueError(
                f"{k} trainers × per-device batch {b} × {accumulation} = {completions} completions, not a multiple of num_generations {G}"
            )
        ids = prompts(completions // G, step)
        if before is not None:
            before()
        started = Started.now()
        out = send(ids, G, step)
        if len(out) != completions:
            raise RuntimeError(f"the server answered {len(out)} completions for {len(ids)} prompts × n={G}")
        # The answer holds every completion: the server's work for this request is done (synced).
        log.phase_done(
            step,
            "generate",
            started,
            synced=True,
            source="grpo-bench.probe",
            trainers=k,
            per_device_batch=b,
            prompts=len(ids),
            n=G,
            completions=completions,
            tokens=sum(len(c) for c in out),
            repeat=repeat,
            warmup=warmup,
        )
