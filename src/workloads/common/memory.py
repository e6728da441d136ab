"""GPU memory facts the workloads record besides the `memory` events: the allocator's peak in each
phase, the device's free memory around an engine's sleep and wake-up, and what an out-of-memory
error said (the phase it hit, the bytes asked, the bytes free), so that a sweep point that does not
fit is a result rather than a crash.

Everything here is a no-op on CPU.
"""

from __future__ import annotations

import re
from typing import Any

_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_SIZE = r"([\d.]+)\s*(B|KiB|MiB|GiB|TiB)"


def _bytes(value: str, unit: str) -> int:
    return int(float(value) * _UNITS[unit])


def cuda_in_use() -> bool:
    try:
        import torch

        return torch.cuda.is_available() and torch.cuda.is_initialized()
    except ImportError:
        return False


def device_free() -> tuple[int, int] | None:
    """(free, total) bytes of the current CUDA device as the driver sees them (every process's
    allocations, and memory held outside PyTorch's allocator such as vLLM's sleep-mode pool)."""
    if not cuda_in_use():
        return None
    import torch

    free, total = torch.cuda.mem_get_info()
    return int(free), int(total)


class PeakMemory:
    """The allocator's peak per phase, phases nested: when a phase opens, the peak reached so far is
    credited to every phase still open and the counter is reset; when it closes, its peak is the
    larger of what it was credited and the counter. An enclosing phase's peak therefore covers its
    children's. (`torch.cuda.reset_peak_memory_stats` also resets the reserved peak that `memory`
    events report, so theirs is the peak since the last phase began.)"""

    def __init__(self) -> None:
        import torch

        self._torch = torch

    @staticmethod
    def create() -> PeakMemory | None:
        return PeakMemory() if cuda_in_use() else None

    def opened(self, open_frames: list[dict[str, Any]]) -> None:
        so_far = int(self._torch.cuda.max_memory_allocated())
        for f in open_frames:
            f["peak"] = max(f.get("peak", 0), so_far)
        self._torch.cuda.reset_peak_memory_stats()

    def closed(self, frame: dict[str, Any]) -> int:
        return max(frame.get("peak", 0), int(self._torch.cuda.max_memory_allocated()))


def parse_memory_error(message: str) -> dict[str, Any] | None:
    """What a memory failure said, or None when the message is not one.

    - PyTorch's allocator (torch.OutOfMemoryError): "Tried to allocate 2.00 GiB. GPU 0 has a total
      capacity of 139.81 GiB of which 1.06 GiB is free. … this process has 138.7 GiB memory in use."
    - vLLM at start-up, when the device has less free memory than gpu_memory_utilization asks for:
      "Free memory on device cuda:0 (40.1/139.81 GiB) on startup is less than desired GPU memory
      utilization (0.9, 125.83 GiB)."
    - vLLM when the KV cache cannot hold one sequence, or has no room at all ("No available memory
      for the cache blocks", "… KV cache is needed, which is larger than the available KV cache memory").
    """
    out: dict[str, Any] = {}
    if m := re.search(r"Tried to allocate " + _SIZE, message):
        out = {"kind": "oom", "asked_bytes": _bytes(*m.groups())}
        if t := re.search(r"total capacity of " + _SIZE + r" of which " + _SIZE + " is free", message):
            out["total_bytes"] = _bytes(t.group(1), t.group(2))
            out["free_bytes"] = _bytes(t.group(3), t.group(4))
        if p := re.search(r"this process has " + _SIZE + " memory in use", message):
            out["process_bytes"] = _bytes(*p.groups())
    elif m := re.search(
        r"Free memory on device\S*(?: \S+)? \(([\d.]+)/([\d.]+) (GiB|MiB)\) on startup is less than "
        r"desired GPU memory utilization \(([\d.]+), ([\d.]+) (GiB|MiB)\)",
        message,
    ):
        free, total, unit, share, asked, unit2 = m.groups()
        out = {
            "kind": "engine_start",
            "free_bytes": _bytes(free, unit),
            "total_bytes": _bytes(total, unit),
            "asked_bytes": _bytes(asked, unit2),
            "gpu_memory_utilization": float(share),
        }
    elif "No available memory for the cache blocks" in message or "larger than the available KV cache memory" in message:
        out = {"kind": "kv_cache"}
        if m := re.search(r"\(" + _SIZE + r" KV cache is needed, which is larger than the available KV cache memory \(" + _SIZE, message):
            out["asked_bytes"] = _bytes(m.group(1), m.group(2))
            out["free_bytes"] = _bytes(m.group(3), m.group(4))
    elif "out of memory" in message.lower():
        out = {"kind": "oom"}
    else:
        return None
    out["message"] = message.strip().splitlines()[0][:500] if message.strip() else ""
    return out
