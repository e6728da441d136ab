"""The phases open on one process, innermost last, for workloads whose phases nest (the trl
workload: TRL's own timers, the engine's sleep and wake-up, and the harness's phases around them).

Each phase is written when it closes, with `parent`, the name of the phase it ran inside (absent at
the top), so that a report takes a nested phase out of its parent instead of adding the two
(docs/events.md, "Nested phases"); and, on CUDA, `peak_allocated`, the allocator's peak while it
was open. A phase left by an exception is not written, but the first such phase (the innermost)
is remembered as where the process failed.
"""

from __future__ import annotations

from typing import Any, Callable

from common.events import Started
from common.memory import PeakMemory


class PhaseStack:
    def __init__(
        self, emit: Callable[..., None], peaks: PeakMemory | None = None, on_close: Callable[[str, int], None] | None = None
    ) -> None:
        """`emit(step=, name=, started=, synced=, **fields)` writes a closed phase: EventLog.phase_done."""
        self._emit = emit
        self._peaks = peaks
        self._on_close = on_close
        self._open: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        #: Outermost → innermost names of the phases open when the first exception left one.
        self.failed_in: list[str] | None = None

    def innermost(self) -> dict[str, Any] | None:
        return self._open[-1] if self._open else None

    def path(self) -> list[str]:
        return [f["name"] for f in self._open]

    def open(self, name: str, step: int, *, source: str, generation: int | None = None, **fields: Any) -> dict[str, Any]:
        if self._peaks is not None:
            self._peaks.opened(self._open)
        frame = {
            "name": name,
            "step": step,
            "source": source,
            "generation": generation,
            "fields": fields,
            "parent": self._open[-1]["name"] if self._open else None,
            "started": Started.now(),
        }
        self._open.append(frame)
        return frame

    def close(self, frame: dict[str, Any], *, failed: bool = False, synced: bool = False, **fields: Any) -> None:
        if failed and self.failed_in is None:
            self.failed_in = self.path()[: self._open.index(frame) + 1] if frame in self._open else [frame["name"]]
        self._open = [f for f in self._open if f is not frame]
        if failed:
            return
        out: dict[str, Any] = {**frame["fields"], **fields}
        if frame["parent"] is not None:
            out["parent"] = frame["parent"]
        if frame["generation"] is not None and frame["generation"] >= 0:
            out["generation"] = frame["generation"]
        if self._peaks is not None:
            out["peak_allocated"] = self._peaks.closed(frame)
        name = frame["name"]
        self._emit(step=frame["step"], name=name, started=frame["started"], synced=synced, source=frame["source"], **out)
        self.seen.add(name)
        if self._on_close is not None:
            self._on_close(name, frame["step"])
