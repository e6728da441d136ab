"""TRL's own profiling timers, captured in-process on every rank, as `phase` events.

TRL times its regions with `profiling_context(trainer, name)` (trl/extras/profiling.py), used
directly in the trainer (`with profiling_context(self, "vLLM.generate")`) and through
`profiling_decorator` (compute_loss, _prepare_inputs, _calculate_rewards …). Its timers keep no
start time, report only from the main process and only to experiment trackers, and never
synchronise the device. The factory is looked up by name at call time in two module
namespaces — trl.extras.profiling (by the decorator) and trl.trainer.grpo_trainer (by the
`with` statements) — so replacing it in both wraps every TRL timer, on every rank, in every
TRL from 0.18 (a generator context manager) to 1.x (a ProfilingContext class). Each wrapped
region is stamped on entry and exit (wall clock for t0/t1, monotonic clock for dur) and written
with `synced: false, source: "trl.profiling"`.

`verify()` checks, before training, that the timers are where this module expects them; the
recorder checks, after training, that the phases each rank must have were seen. Either failure
raises CaptureError: numbers from a TRL whose timers moved would be silently wrong.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

from common.phases import PhaseStack

# TRL timer name (after the "<TrainerClass>." prefix) → event phase name.
PHASE_OF = {
    "vLLM.generate": "generate",
    "transformers.generate": "generate",
    "transformers.generate_batch": "generate",
    "sync_weights": "weight_sync",
    "_move_model_to_vllm": "weight_sync",  # TRL < 0.2x: the weight push was a decorated method
    "_calculate_rewards": "reward",
}
LOGPS = ("_get_per_token_logps_and_entropies", "_get_per_token_logps")


class CaptureError(RuntimeError):
    """TRL's timers are not where this capture expects them (or never fired)."""


def _trl_modules():
    from trl.extras import profiling
    from trl.trainer import grpo_trainer

    return profiling, grpo_trainer


def _decorated(fn: Any, wrapper_code: Any) -> bool:
    return getattr(fn, "__code__", None) is wrapper_code and hasattr(fn, "__wrapped__")


def verify(mode: str, profiling: Any = None, grpo_trainer: Any = None) -> list[str]:
    """Problems that make capturing TRL's timers unreliable in `mode`; empty when all is in place."""
    if profiling is None or grpo_trainer is None:
        profiling, grpo_trainer = _trl_modules()
    problems: list[str] = []
    factory = getattr(profiling, "profiling_context", None)
    decorator = getattr(profiling, "profiling_decorator", None)
    if not callable(factory) or not callable(decorator):
        return ["trl.extras.profiling no longer defines profiling_context and profiling_decorator"]
    if getattr(grpo_trainer, "profiling_context", None) is not factory:
        problems.append("trl.trainer.grpo_trainer no longer uses trl.extras.profiling.profiling_context by that name")
    trainer_cls = grpo_trainer.GRPOTrainer
    wrapper_code = decorator(lambda self: None).__code__
    if not _decorated(getattr(trainer_cls, "compute_loss", None), wrapper_code):
        problems.append("GRPOTrainer.compute_loss is no longer wrapped by profiling_decorator")
    source = inspect.getsource(grpo_trainer)
    timed = lambda name: f'profiling_context(self, "{name}")' in source  # noqa: E731
    if mode == "hf" and not (timed("transformers.generate")):
        problems.append('GRPOTrainer has no "transformers.generate" timer: generation cannot be timed in hf mode')
    if mode in ("server", "colocate"):
        if not timed("vLLM.generate"):
            problems.append('GRPOTrainer has no "vLLM.generate" timer')
        if not (timed("sync_weights") or _decorated(getattr(trainer_cls, "_move_model_to_vllm", None), wrapper_code)):
            problems.append('GRPOTrainer has neither a "sync_weights" timer nor a timed _move_model_to_vllm')
    rewards = getattr(trainer_cls, "_calculate_rewards", None)
    if rewards is not None and not _decorated(rewards, wrapper_code):
        problems.append("GRPOTrainer._calculate_rewards is no longer wrapped by profiling_decorator")
    if rewards is None and "profiling_context(self, reward_func_name)" not in source:
        problems.append("GRPOTrainer times its reward functions neither in _calculate_rewards nor by name")
    return problems


class TimerCapture:
    """Replaces TRL's profiling_context with a wrapper that opens and closes each timer as a phase on
    the process's PhaseStack (so TRL's timers nest with the harness's phases and the engine's sleep
    and wake-up)."""

    def __init__(self, stack: PhaseStack) -> None:
        self.stack = stack
        self._originals: list[tuple[Any, Any]] = []
        self._probing, self._probe_hits = False, 0
        # Before TRL 0.22 each reward function was timed directly under _prepare_inputs.
        self._rewards_timed_alone = False
        # Set by the trainer just before it computes log-probabilities of the reference model.
        self.logps_label = "old_logprobs"

    @property
    def seen(self) -> set[str]:
        return self.stack.seen

    def install(self, profiling: Any = None, grpo_trainer: Any = None) -> None:
        if profiling is None or grpo_trainer is None:
            profiling, grpo_trainer = _trl_modules()
        self._rewards_timed_alone = not hasattr(grpo_trainer.GRPOTrainer, "_calculate_rewards")
        original = profiling.profiling_context
        capture = self

        def profiling_context(trainer: Any, name: str):
            return _Timed(capture, original(trainer, name), trainer, name)

        profiling_context.__wrapped__ = original  # type: ignore[attr-defined]
        for module in (profiling, grpo_trainer):
            self._originals.append((module, module.profiling_context))
            module.profiling_context = profiling_context
        self._probe(profiling)

    def uninstall(self) -> None:
        for module, original in reversed(self._originals):
            module.profiling_context = original
        self._originals.clear()

    def _probe(self, profiling: Any) -> None:
        """A decorated method on a stand-in trainer must come through the wrapper: proves that the
        decorator looks the factory up by name at call time."""

        class _Probe:
            state = SimpleNamespace(global_step=0)
            args = SimpleNamespace(report_to=[])
            accelerator = SimpleNamespace(is_main_process=False)

            @profiling.profiling_decorator
            def probe(self) -> None:
                pass

        self._probing, self._probe_hits = True, 0
        try:
            _Probe().probe()
        finally:
            self._probing = False
        if self._probe_hits == 0:
            raise CaptureError("TRL's profiling_decorator does not go through trl.extras.profiling.profiling_context any more")

    def begin(self, trainer: Any, name: str) -> dict[str, Any] | None:
        if self._probing:
            self._probe_hits += 1
            return None
        prefix = f"{type(trainer).__name__}."
        raw = name[len(prefix) :] if name.startswith(prefix) else name
        enclosing = self.stack.innermost()
        phase = self.phase_name(raw, enclosing["fields"].get("timer") if enclosing else None)
        step = int(getattr(getattr(trainer, "state", None), "global_step", 0) or 0)
        return self.stack.open(phase, step, source="trl.profiling", generation=getattr(trainer, "_bench_generation", None), timer=raw)

    def end(self, frame: dict[str, Any] | None, failed: bool) -> None:
        if frame is not None:
            self.stack.close(frame, failed=failed)

    def phase_name(self, raw: str, parent_timer: str | None) -> str:
        """A protocol phase where the timer is one; otherwise `trl:<timer>` with TRL's leading
        underscores dropped (`trl:prepare_inputs`, `trl:compute_loss`): containers and sub-timers,
        which nest in or around the protocol phases."""
        if raw in PHASE_OF:
            return PHASE_OF[raw]
        if raw in LOGPS and parent_timer != "compute_loss":
            return self.logps_label
        if self._rewards_timed_alone and parent_timer == "_prepare_inputs" and raw not in LOGPS:
            return "reward"
        return trl_label(raw)

    def require(self, phases: set[str]) -> None:
        missing = sorted(phases - self.seen)
        if missing:
            raise CaptureError(
                f"TRL's timers for {', '.join(missing)} never fired on this rank (seen: {', '.join(sorted(self.seen)) or 'none'}); "
                "the installed TRL may have moved or renamed them"
            )


def trl_label(timer: str) -> str:
    """The event name of a TRL timer that is not a protocol phase."""
    return "trl:" + timer.lstrip("_")


class _Timed:
    """TRL's context, opened and closed as a phase; re-enterable when the inner one is."""

    def __init__(self, capture: TimerCapture, inner: Any, trainer: Any, name: str) -> None:
        self._capture, self._inner, self._trainer, self._name = capture, inner, trainer, name
        self._open: list[dict[str, Any] | None] = []

    def __enter__(self) -> Any:
        self._open.append(self._capture.begin(self._trainer, self._name))
        return self._inner.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._inner.__exit__(*exc)
        finally:
            self._capture.end(self._open.pop(), failed=exc[0] is not None)


def required_phases(mode: str, is_main: bool) -> set[str]:
    """Phases every rank must have captured by the end of a run (server: only the main process calls the server)."""
    if mode == "hf":
        return {"generate", "reward"}
    if mode == "colocate":
        return {"generate", "reward", "weight_sync"}
    return {"generate", "reward", "weight_sync"} if is_main else {"reward"}


def check_or_exit(mode: str) -> None:
    """verify(), turned into a clear message and exit status 3 (for train.py and `python capture.py MODE`)."""
    import sys

    problems = verify(mode)
    if problems:
        sys.stderr.write("grpo-bench: cannot capture TRL's profiling timers with this TRL:\n  " + "\n  ".join(problems) + "\n")
        raise SystemExit(3)


if __name__ == "__main__":
    import sys

    check_or_exit(sys.argv[1] if len(sys.argv) > 1 else "hf")
    print("ok: TRL's profiling timers are where the capture expects them")
