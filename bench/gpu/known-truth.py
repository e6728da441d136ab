"""A GPU program whose activity is known, to check what each telemetry view reads.

For fixed intervals ("segments") it
  idle          sleeps on the host: no kernel runs, no SM is busy;
  one_sm        keeps one single-thread spin kernel running (torch.cuda._sleep launches
                `spin_kernel<<<1, 1>>>`): a kernel runs all the time, on one SM of many;
  matmul        runs large bf16 matrix products back to back: every SM busy, tensor cores busy;
  tiny_kernels  launches one-element additions as fast as the host can: kernels are short and
                sparse, each on one SM; the GPU waits on the launching thread;
  h2d_copy      copies pinned host memory to the device: copy engines busy, no kernel, no SM;
and writes each segment as a `phase` event (docs/events.md) named `known-truth:<segment>`, with `truth`: what
the program knows the GPU did (the share of time a kernel ran, the share of SMs busy; null where
only a bound is known). `grpo-bench sample` samples it and tabulates every view per segment.

    python3 bench/gpu/known-truth.py [--seconds 6] [--cycles 2] [--device cuda]

Events go to GRPO_BENCH_EVENTS (or --events). Segments run in cycles, the second in reverse
order, so a view that lags shows it on both sides. On a machine without CUDA, `--device cpu`
runs the schedule with CPU stand-ins for what needs a GPU (for testing the program itself).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import Any, Callable

ROOT = os.environ.get("GRPO_BENCH_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "src", "workloads"))

import torch  # noqa: E402

from common.events import EventLog, Started  # noqa: E402

SEGMENTS = ("idle", "one_sm", "matmul", "tiny_kernels", "h2d_copy")
# A program's own phases are named '<program>:<name>' (docs/events.md).
PHASE_PREFIX = "known-truth:"


class Gpu:
    """The device, its SM count, and how fast its spin kernel counts cycles."""

    def __init__(self, device: torch.device) -> None:
        # set_device needs an index: plain `cuda` means the current device.
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        self.device = device
        self.cuda = device.type == "cuda"
        if self.cuda:
            torch.cuda.set_device(device)
            props = torch.cuda.get_device_properties(device)
            self.name, self.sms = props.name, props.multi_processor_count
        else:
            self.name, self.sms = "cpu", None
        self.cycles_per_s: float | None = None

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def calibrate_spin(self) -> float:
        """Cycles per second of torch.cuda._sleep, timed with CUDA events (its clock is the SM clock, which boosts)."""
        cycles = 20_000_000
        torch.cuda._sleep(cycles // 10)  # first launch loads the module
        self.sync()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        torch.cuda._sleep(cycles)
        end.record()
        end.synchronize()
        self.cycles_per_s = cycles / (start.elapsed_time(end) / 1000.0)
        return self.cycles_per_s


def run_until(deadline: float, launch: Callable[[], None], sync: Callable[[], None], every: int) -> int:
    """Launches `launch` until the deadline, synchronising every `every` launches so the
    queue stays short and the segment's work ends when the segment does. Returns launches."""
    n = 0
    while time.monotonic() < deadline:
        for _ in range(every):
            launch()
        n += every
        sync()
    return n


def segment_idle(g: Gpu, seconds: float) -> dict[str, Any]:
    time.sleep(seconds)
    return {
        "truth": {"kernel_running_pct": 0.0, "sm_active_pct": 0.0, "tensor_active": False, "what": "host sleeps; nothing queued on the GPU"}
    }


def segment_one_sm(g: Gpu, seconds: float) -> dict[str, Any]:
    if not g.cuda:
        time.sleep(seconds)
        return {"skipped": "needs CUDA", "truth": None}
    chunk = int(g.cycles_per_s * 0.05)  # ~50 ms a kernel
    done: list[torch.cuda.Event] = []

    def launch() -> None:
        torch.cuda._sleep(chunk)
        e = torch.cuda.Event()
        e.record()
        done.append(e)

    # Two kernels in flight: wait for the older while the newer runs, so one always runs.
    deadline = time.monotonic() + seconds
    launch()
    n = 1
    while time.monotonic() < deadline:
        launch()
        n += 1
        done.pop(0).synchronize()
    g.sync()
    return {
        "kernels": n,
        "cycles_per_kernel": chunk,
        "truth": {
            "kernel_running_pct": 100.0,
            "sm_active_pct": 100.0 / g.sms,
            "tensor_active": False,
            "what": f"one spin kernel of one thread always running: 1 of {g.sms} SMs",
        },
    }


def segment_matmul(g: Gpu, seconds: float) -> dict[str, Any]:
    n = 8192 if g.cuda else 512
    dtype = torch.bfloat16 if g.cuda else torch.float32
    a = torch.randn(n, n, device=g.device, dtype=dtype)
    b = torch.randn(n, n, device=g.device, dtype=dtype)
    c = torch.empty(n, n, device=g.device, dtype=dtype)
    g.sync()
    launches = run_until(time.monotonic() + seconds, lambda: torch.matmul(a, b, out=c), g.sync, 8 if g.cuda else 1)
    flops = 2 * n**3 * launches
    return {
        "launches": launches,
        "size": n,
        "dtype": str(dtype).replace("torch.", ""),
        "flop": flops,
        "truth": {
            "kernel_running_pct": 100.0,
            "sm_active_pct": 100.0,
            "tensor_active": g.cuda,
            "what": f"{n}x{n} {str(dtype).replace('torch.', '')} matmuls back to back: all SMs, tensor cores",
        },
    }


def segment_tiny(g: Gpu, seconds: float) -> dict[str, Any]:
    x = torch.zeros(1, device=g.device)
    g.sync()
    t0 = time.monotonic()
    launches = run_until(t0 + seconds, lambda: x.add_(1.0), g.sync, 1000)
    per_s = launches / (time.monotonic() - t0)
    return {
        "launches": launches,
        "launches_per_s": round(per_s),
        "truth": {
            "kernel_running_pct": None,
            "sm_active_pct": None,
            "tensor_active": False,
            "what": f"{round(per_s)} one-element kernels/s, each a few µs on one SM: launch-bound, "
            "SMs nearly all idle; the share of time a kernel ran is small but not known exactly",
        },
    }


def segment_copy(g: Gpu, seconds: float) -> dict[str, Any]:
    nbytes = 256 * 2**20
    host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=g.cuda)
    dev = torch.empty(nbytes, dtype=torch.uint8, device=g.device)
    g.sync()
    launches = run_until(time.monotonic() + seconds, lambda: dev.copy_(host, non_blocking=True), g.sync, 4)
    return {
        "copies": launches,
        "bytes": launches * nbytes,
        "truth": {
            "kernel_running_pct": 0.0,
            "sm_active_pct": 0.0,
            "tensor_active": False,
            "what": "pinned host → device copies: copy engines busy, no kernel",
        },
    }


RUN = {"idle": segment_idle, "one_sm": segment_one_sm, "matmul": segment_matmul, "tiny_kernels": segment_tiny, "h2d_copy": segment_copy}


def schedule(cycles: int) -> list[str]:
    out: list[str] = []
    for c in range(cycles):
        out += list(SEGMENTS) if c % 2 == 0 else list(reversed(SEGMENTS))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=6.0, help="length of each segment")
    p.add_argument("--cycles", type=int, default=2)
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    p.add_argument("--events", default=None, help="event file (default: GRPO_BENCH_EVENTS)")
    p.add_argument("--only", default=None, help="comma-separated segments to run (default: all)")
    a = p.parse_args(argv)
    log = EventLog("program", 0, a.events)
    status, error = "ok", None
    try:
        device = torch.device(a.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda but torch sees no CUDA device (use --device cpu to test the schedule)")
        g = Gpu(device)
        # Warm-up outside every segment: CUDA context, cuBLAS handle, the spin kernel's clock.
        segment_matmul(g, 0.5)
        if g.cuda:
            g.calibrate_spin()
        only = set(a.only.split(",")) if a.only else None
        plan = [s for s in schedule(a.cycles) if only is None or s in only]
        log.config(
            {
                "program": "known-truth",
                "device": str(device),
                "device_name": g.name,
                "sms": g.sms,
                "spin_cycles_per_s": g.cycles_per_s,
                "seconds": a.seconds,
                "cycles": a.cycles,
                "segments": plan,
                "torch": torch.__version__,
                "visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            }
        )
        for i, name in enumerate(plan):
            started = Started.now()
            extra = RUN[name](g, a.seconds)
            g.sync()
            log.phase_done(i, f"{PHASE_PREFIX}{name}", started, synced=True, **extra)
            sys.stderr.write(f"{name}: {time.monotonic() - started.mono:.2f} s\n")
    except BaseException as e:  # noqa: BLE001 - recorded in the end event, then re-raised as the exit code
        status, error = "error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        traceback.print_exc()
    log.end(status, error)
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
