"""The in-process vLLM engine of TRL colocate mode: its sleep and wake-up timed as `sleep` and
`wake` phases, and what it holds on the device (weights, KV cache).

With `vllm_enable_sleep_mode`, TRL (1.x: `VLLMGeneration` in trl/generation/vllm_generation.py;
before: the trainer) calls `self.llm.sleep(level=2)` after each generation and
`self.llm.wake_up(tags=[…])` before the next weight sync (tags `weights`) and generation
(`kv_cache`). No TRL timer covers them: the wake-up of the weights runs inside the `sync_weights`
timer, the rest between timers. `SleepCapture` wraps the two methods on the engine the trainer
holds, so each call becomes a phase on the process's PhaseStack (nested where it runs), with the
device's free memory before and after it and the difference as `bytes` (freed by a sleep, taken
back by a wake-up). The first sleep, in the engine's construction, is before training and not timed.

`verify_sleep()` checks, before training, that TRL still makes those calls on `self.llm`, and the
run checks at the end that both phases were seen: a TRL that moved them fails loudly (exit 3).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from common.memory import device_free
from common.phases import PhaseStack

CALLS = {"sleep": "self.llm.sleep(", "wake": "self.llm.wake_up("}


def _engine_modules() -> list[Any]:
    """The TRL modules that may hold the colocate engine's sleep and wake-up calls, newest first."""
    import importlib

    out = []
    for name in ("trl.generation.vllm_generation", "trl.trainer.grpo_trainer"):
        try:
            out.append(importlib.import_module(name))
        except ImportError:
            continue
    return out


def _engine_sources() -> list[str]:
    """The source of each TRL module that may build or drive the colocate engine."""
    sources = []
    for module in _engine_modules():
        try:
            sources.append(inspect.getsource(module))
        except (OSError, TypeError):
            continue
    return sources


def verify_sleep(sources: list[str] | None = None) -> list[str]:
    """Problems that make timing the engine's sleep and wake-up unreliable; empty when both calls are where expected."""
    if sources is None:
        sources = _engine_sources()
    text = "\n".join(sources)
    return [
        f"TRL no longer calls {call}…) on its colocated engine: the {phase} phase cannot be timed"
        for phase, call in CALLS.items()
        if call not in text
    ]


def engine_of(trainer: Any) -> Any:
    """The colocated vLLM engine: `trainer.vllm_generation.llm` (TRL 1.x) or `trainer.llm` (before)."""
    holder = getattr(trainer, "vllm_generation", None) or trainer
    return getattr(holder, "llm", None)


class SleepCapture:
    """Wraps `sleep` and `wake_up` on one engine instance; `uninstall()` puts the originals back."""

    def __init__(self, stack: PhaseStack, step: Callable[[], int], generation: Callable[[], int | None], sync: Callable[[], None]) -> None:
        self._stack, self._step, self._generation, self._sync = stack, step, generation, sync
        self._engine: Any = None

    def install(self, engine: Any) -> None:
        for method in ("sleep", "wake_up"):
            if not callable(getattr(engine, method, None)):
                raise RuntimeError(f"the colocated engine ({type(engine).__name__}) has no {method}()")
        self._engine = engine
        engine.sleep = self._wrap("sleep", engine.sleep)
        engine.wake_up = self._wrap("wake", engine.wake_up)

    def uninstall(self) -> None:
        if self._engine is not None:
            for method in ("sleep", "wake_up"):
                self._engine.__dict__.pop(method, None)  # the class's method shows through again
            self._engine = None

    def _wrap(self, phase: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            call = inspect.signature(original).bind(*args, **kwargs).arguments
            fields = {"level": call["level"]} if "level" in call else {"tags": call.get("tags")}
            frame = self._stack.open(phase, self._step(), source="vllm", generation=self._generation(), **fields)
            before = device_free()
            try:
                result = original(*args, **kwargs)
                self._sync()
            except BaseException:
                self._stack.close(frame, failed=True)
                raise
            after = device_free()
            memory: dict[str, int] = {}
            if before is not None and after is not None:
                moved = after[0] - before[0] if phase == "sleep" else before[0] - after[0]
                memory = {"bytes": max(0, moved), "device_free_before": before[0], "device_free_after": after[0]}
            self._stack.close(frame, synced=True, **memory)
            return result

        timed.__wrapped__ = original  # type: ignore[attr-defined]
        return timed


def engine_memory(engine: Any) -> dict[str, Any]:
    """What the engine holds on the device, as vLLM (v1, in-process worker) determined it at start:
    the weights, the KV cache it sized from gpu_memory_utilization, and what it asked for in all.
    Fields vLLM does not expose in this version are listed under `unknown`."""
    out: dict[str, Any] = {}
    unknown: list[str] = []

    def take(key: str, get: Callable[[], Any]) -> None:
        try:
            value = get()
        except Exception:  # noqa: BLE001 - an attribute another vLLM lacks: recorded as unknown
            value = None
        if value is None:
            unknown.append(key)
        else:
            out[key] = int(value) if isinstance(value, (int, float)) else value

    core = getattr(engine, "llm_engine", None)
    worker = getattr(getattr(core, "model_executor", None), "driver_worker", None)
    cache = getattr(getattr(core, "vllm_config", None), "cache_config", None)
    take("weights_bytes", lambda: worker.model_runner.model_memory_usage)
    take("kv_cache_bytes", lambda: worker.available_kv_cache_memory_bytes)
    take("requested_bytes", lambda: worker.requested_memory)
    take("num_gpu_blocks", lambda: cache.num_gpu_blocks)
    take("block_size", lambda: cache.block_size)
    free = device_free()
    if free is not None:
        out["device_total_bytes"] = free[1]
    if unknown:
        out["unknown"] = unknown
    return out


def engine_built_by_name(sources: list[str] | None = None) -> bool:
    """Whether a TRL module builds the colocate engine through the `LLM` name it imported from
    vLLM, which time_engine_start wraps; without it `engine_start` stays inside `trainer_setup`."""
    if sources is None:
        sources = _engine_sources()
    return any("from vllm import LLM" in text and "= LLM(" in text for text in sources)


def time_engine_start(log: Any) -> Callable[[], None]:
    """Times the colocated engine's construction as the `engine_start` start-up part (vLLM's
    torch.compile and CUDA-graph capture are inside it) by wrapping the `LLM` name the TRL module
    that builds it imported; it runs inside GRPOTrainer's constructor, so inside `trainer_setup`,
    and the summary counts it once, in `engine_start` (docs/events.md "Start-up"). Returns the undo;
    without vLLM there is no `LLM` to wrap and nothing is timed."""
    for module in _engine_modules():
        original = getattr(module, "LLM", None)
        if original is None:
            continue

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with log.startup("engine_start"):
                return _original(*args, **kwargs)

        module.LLM = timed

        def undo(module: Any = module, original: Any = original) -> None:
            module.LLM = original

        return undo
    return lambda: None
