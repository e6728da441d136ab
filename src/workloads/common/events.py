"""The event protocol's writer (docs/events.md): one JSON object per line, appended to the file
the harness names in GRPO_BENCH_EVENTS ('{rank}' in the name is replaced by the process's rank).
The protocol is defined in schemas/events.schema.json (generated from src/records/events.ts);
every file starts with a `protocol` line stating its version.

Each line is written with one write() and flushed, so a process killed mid-run leaves every
finished event readable and at most one truncated last line.
"""

from __future__ import annotations

import json
import os
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Iterator

from common.contract import phase_names, startup_parts

PROTOCOL_VERSION = 1
PHASES = phase_names()
STARTUP_PARTS = startup_parts()


@dataclass(frozen=True)
class Started:
    """When a timed region began: the wall clock for `t0` (it lines up with telemetry and other
    processes) and the monotonic clock for its duration (a wall clock can step)."""

    wall: float
    mono: float

    @classmethod
    def now(cls) -> "Started":
        return cls(time.time(), time.monotonic())


def package_version(name: str) -> str | None:
    """The installed distribution's version; None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    """Versions of what the workload runs on; None for what is not installed."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("torch", "transformers", "accelerate", "trl", "vllm", "datasets", "jsonschema"):
        out[name] = package_version(name)
    try:
        import torch

        out["cuda"] = torch.version.cuda
        out["nccl"] = ".".join(map(str, torch.cuda.nccl.version())) if torch.cuda.is_available() else None
    except Exception:  # torch absent or built without CUDA: the versions stay informative
        out["cuda"] = None
    return out


class EventLog:
    def __init__(self, role: str, rank: int, path_template: str | None = None) -> None:
        self.role = role
        self.rank = rank
        template = path_template if path_template is not None else os.environ.get("GRPO_BENCH_EVENTS")
        self.path = template.replace("{rank}", str(rank)) if template else None
        self._fd: int | None = None
        self._peaks: Any = None
        #: The phase an exception left first (see phase()).
        self.failed_in: list[str] | None = None
        if self.path:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self.emit("protocol", version=PROTOCOL_VERSION)

    def emit(self, type: str, **fields: Any) -> None:
        if self._fd is None:
            return
        line = json.dumps({"type": type, **fields}, separators=(",", ":"), default=float) + "\n"
        os.write(self._fd, line.encode())

    def start(self, mode: str, devices: list[str], **extra: Any) -> None:
        self.emit(
            "start",
            t=time.time(),
            role=self.role,
            rank=self.rank,
            pid=os.getpid(),
            mode=mode,
            devices=devices,
            versions=library_versions(),
            **extra,
        )

    def config(self, config: dict[str, Any]) -> None:
        self.emit("config", t=time.time(), config=config)

    @contextmanager
    def phase(self, step: int, name: str, sync: Callable[[], None] | None = None, **extra: Any) -> Iterator[dict[str, Any]]:
        """Times a region. `sync` (a device synchronize) runs before the end is stamped, so a
        GPU phase ends when its work ends. The yielded dict takes fields known only inside
        (tokens, bytes). With `track_peaks()` on, the allocator's peak in the region is recorded
        as `peak_allocated`. A region left by an exception is not written; the first such one is
        remembered in `failed_in` (where an out-of-memory error hit)."""
        fields: dict[str, Any] = dict(extra)
        if self._peaks is not None:
            self._peaks.opened([])
        started = Started.now()
        try:
            yield fields
        except BaseException:
            if self.failed_in is None:
                self.failed_in = [name]
            raise
        if sync is not None:
            sync()
        until = time.monotonic()
        if self._peaks is not None:
            fields["peak_allocated"] = self._peaks.closed({})
        self.phase_done(step, name, started, synced=sync is not None, until=until, **fields)

    def phase_done(self, step: int, name: str, started: Started, synced: bool, until: float | None = None, **extra: Any) -> None:
        """Writes a phase that began at `started` and ended now, or at the monotonic time `until`:
        the one place a phase event is made (phase() above, common/phases.py for nesting phases,
        regions timed across threads). `synced`: its end was stamped after a device synchronize."""
        if name not in PHASES and ":" not in name:
            raise ValueError(
                f"phase {name!r} is not one the protocol names ({', '.join(PHASES)}); a workload's own phase is named '<workload>:<name>'"
            )
        dur = (time.monotonic() if until is None else until) - started.mono
        self.emit("phase", step=step, name=name, t0=started.wall, t1=started.wall + dur, dur=dur, synced=synced, **extra)

    @contextmanager
    def startup(self, part: str) -> Iterator[None]:
        """Times one part of start-up (docs/events.md "Start-up"). A part left by an exception is
        not written: the run failed, and its start-up is not one to count."""
        started = Started.now()
        yield
        self.startup_done(part, started)

    def startup_done(self, part: str, started: Started) -> None:
        """Writes a start-up part that began at `started` and ended now (imports, timed before
        the log could be opened, are written this way)."""
        if part not in STARTUP_PARTS:
            raise ValueError(f"start-up part {part!r} is not one the protocol names ({', '.join(STARTUP_PARTS)})")
        dur = time.monotonic() - started.mono
        self.emit("startup", part=part, t0=started.wall, t1=started.wall + dur, dur=dur)

    def track_peaks(self) -> None:
        """Record the allocator's peak per phase (CUDA only; phases written by phase() do not nest)."""
        from common.memory import PeakMemory

        self._peaks = PeakMemory.create()

    def step(self, step: int, t0: float, t1: float, prompt_tokens: int, completion_tokens: int, samples: int, **extra: Any) -> None:
        self.emit(
            "step", step=step, t0=t0, t1=t1, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, samples=samples, **extra
        )

    def request(self, endpoint: str, t0: float, t1: float, status: int, bytes_in: int, bytes_out: int, **extra: Any) -> None:
        self.emit("request", endpoint=endpoint, t0=t0, t1=t1, status=status, bytes_in=bytes_in, bytes_out=bytes_out, **extra)

    def memory(self, phase: str, step: int | None = None) -> None:
        """Allocator state of the current CUDA device; allocation retries are the classic colocate slowdown."""
        import torch

        if not torch.cuda.is_available():
            return
        stats = torch.cuda.memory_stats()
        self.emit(
            "memory",
            t=time.time(),
            device=f"cuda:{torch.cuda.current_device()}",
            allocated=stats.get("allocated_bytes.all.current", 0),
            reserved=stats.get("reserved_bytes.all.current", 0),
            peak_reserved=stats.get("reserved_bytes.all.peak", 0),
            alloc_retries=stats.get("num_alloc_retries", 0),
            phase=phase,
            **({"step": step} if step is not None else {}),
        )

    def end(self, status: str, error: str | None = None, **extra: Any) -> None:
        """The last line. `extra` carries what the harness keeps about a failure, e.g. `memory_error`
        (common/memory.py: the phase it hit, the bytes asked and free)."""
        self.emit("end", t=time.time(), status=status, error=error, **extra)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
