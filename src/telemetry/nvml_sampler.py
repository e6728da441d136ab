"""GPU sampler on NVML (nvidia-ml-py's `pynvml`): one long-lived process per unit, like the
nvidia-smi stream it replaces where pynvml is importable (docs/telemetry.md).

    python3 nvml_sampler.py --gpus 0,1 --interval-ms 200

Writes JSON lines to stdout, flushed one by one:
  {"kind": "meta", ...}      first: driver, NVML and pynvml versions, per GPU its name, SM count
                             and whether GPM metrics are supported (and why not)
  {"kind": "sample", ...}    one per GPU per tick; the keys are telemetry.csv's column names
                             (TELEMETRY_HEADER in nvidia-smi.ts), null where a field cannot be read
  {"kind": "problem", ...}   a field that stopped working mid-run (read once, then left null)

Per tick and GPU: utilization.gpu (the driver's "some kernel ran" over its own window), memory,
power, SM clock, temperature, clock-event reasons, the cumulative energy counter (mJ since the
driver loaded), and from GPM — over exactly the interval since the previous tick — SM activity,
SM occupancy and tensor activity. GPM needs two samples, so the first tick has none. GPM is read
at its own, slower rate (--gpm-interval-ms, default 1000 ms or the tick interval if longer): it is
the costliest read of a tick, its counters advance about every 100 ms (finer windows under-read,
docs/metrics.md "Known-truth check"), and its value stands for the interval since its previous
read, which the analysis weights by (rows between GPM reads leave its columns empty).

Exit codes: 0 after SIGTERM/SIGINT or a closed stdout; 3 when NVML cannot be used at all
(pynvml missing, no driver, a GPU index that does not exist), with the reason on stderr, so the
harness falls back to the nvidia-smi stream.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from typing import Any, Callable

UNAVAILABLE = 3

# telemetry.csv column → GPM metric id name in pynvml.
GPM_FIELDS = {
    "sm_active_pct": "NVML_GPM_METRIC_SM_UTIL",
    "sm_occupancy_pct": "NVML_GPM_METRIC_SM_OCCUPANCY",
    "tensor_active_pct": "NVML_GPM_METRIC_ANY_TENSOR_UTIL",
}


class Stop(Exception):
    pass


def _stop(*_: Any) -> None:
    raise Stop()


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Gpu:
    """One GPU's handle, which fields it answers, and its last GPM sample."""

    def __init__(self, nvml: Any, index: int) -> None:
        self.nvml = nvml
        self.index = index
        self.handle = nvml.nvmlDeviceGetHandleByIndex(index)
        self.dead: set[str] = set()
        self.gpm, self.gpm_reason = self._gpm_support()
        self.samples: list[Any] = []
        self.prev: Any = None
        if self.gpm:
            self.samples = [nvml.nvmlGpmSampleAlloc(), nvml.nvmlGpmSampleAlloc()]
        reasons = getattr(nvml, "nvmlDeviceGetCurrentClocksEventReasons", None) or nvml.nvmlDeviceGetCurrentClocksThrottleReasons
        self.readers: dict[str, Callable[[], Any]] = {
            "util_pct": lambda: nvml.nvmlDeviceGetUtilizationRates(self.handle).gpu,
            "memory": lambda: nvml.nvmlDeviceGetMemoryInfo(self.handle),
            "power_w": lambda: nvml.nvmlDeviceGetPowerUsage(self.handle) / 1000.0,
            "sm_clock_mhz": lambda: nvml.nvmlDeviceGetClockInfo(self.handle, nvml.NVML_CLOCK_SM),
            "temp_c": lambda: nvml.nvmlDeviceGetTemperature(self.handle, nvml.NVML_TEMPERATURE_GPU),
            "throttle_reasons": lambda: "0x%016x" % reasons(self.handle),
            "energy_mj": lambda: nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle),
        }

    def _gpm_support(self) -> tuple[bool, str | None]:
        query = getattr(self.nvml, "nvmlGpmQueryDeviceSupport", None)
        if query is None:
            return False, "this pynvml has no GPM functions"
        try:
            supported = bool(query(self.handle).isSupportedDevice)
        except self.nvml.NVMLError as e:
            return False, f"nvmlGpmQueryDeviceSupport: {e}"
        return (True, None) if supported else (False, "nvmlGpmQueryDeviceSupport says this GPU has no GPM (before Hopper, or a MIG slice)")

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "gpm": self.gpm, "gpm_reason": self.gpm_reason}
        for key, read in (
            ("name", lambda: text(self.nvml.nvmlDeviceGetName(self.handle))),
            ("uuid", lambda: text(self.nvml.nvmlDeviceGetUUID(self.handle))),
        ):
            try:
                out[key] = read()
            except Exception:  # noqa: BLE001 - descriptive only
                out[key] = None
        return out

    def _read(self, field: str) -> Any:
        if field in self.dead:
            return None
        try:
            return self.readers[field]()
        except self.nvml.NVMLError as e:
            self.dead.add(field)
            emit({"kind": "problem", "gpu": self.index, "field": field, "message": f"{type(e).__name__}: {e}; left empty from here on"})
            return None

    def _gpm(self) -> dict[str, float | None]:
        """GPM metrics over the interval since the previous call; None on the first call."""
        empty = {k: None for k in GPM_FIELDS}
        if not self.gpm:
            return empty
        nvml = self.nvml
        cur = self.samples[0] if self.prev is not self.samples[0] else self.samples[1]
        try:
            nvml.nvmlGpmSampleGet(self.handle, cur)
        except nvml.NVMLError as e:
            self.gpm, self.gpm_reason = False, f"nvmlGpmSampleGet: {e}"
            emit(
                {"kind": "problem", "gpu": self.index, "field": "gpm", "message": f"{self.gpm_reason}; GPM fields left empty from here on"}
            )
            return empty
        prev, self.prev = self.prev, cur
        if prev is None:
            return empty
        get = nvml.c_nvmlGpmMetricsGet_t()
        get.version = nvml.NVML_GPM_METRICS_GET_VERSION
        get.numMetrics = len(GPM_FIELDS)
        get.sample1, get.sample2 = prev, cur
        for i, name in enumerate(GPM_FIELDS.values()):
            get.metrics[i].metricId = getattr(nvml, name)
        try:
            nvml.nvmlGpmMetricsGet(get)
        except nvml.NVMLError as e:
            emit({"kind": "problem", "gpu": self.index, "field": "gpm", "message": f"nvmlGpmMetricsGet: {e}"})
            return empty
        out: dict[str, float | None] = {}
        for i, field in enumerate(GPM_FIELDS):
            m = get.metrics[i]
            out[field] = round(m.value, 3) if m.nvmlReturn == nvml.NVML_SUCCESS else None
        return out

    def sample(self, t: float, gpm: bool = True) -> dict[str, Any]:
        mem = self._read("memory")
        row: dict[str, Any] = {"kind": "sample", "t": round(t, 6), "gpu": self.index, "source": "nvml"}
        row["util_pct"] = self._read("util_pct")
        row["mem_used_mib"] = round(mem.used / 2**20, 1) if mem is not None else None
        row["mem_total_mib"] = round(mem.total / 2**20, 1) if mem is not None else None
        power = self._read("power_w")
        row["power_w"] = round(power, 3) if power is not None else None
        for field in ("sm_clock_mhz", "temp_c", "throttle_reasons", "energy_mj"):
            row[field] = self._read(field)
        row.update(self._gpm() if gpm else {k: None for k in GPM_FIELDS})
        return row

    def close(self) -> None:
        for s in self.samples:
            try:
                self.nvml.nvmlGpmSampleFree(s)
            except Exception:  # noqa: BLE001 - shutting down
                pass


def open_gpus(indices: list[int]) -> tuple[Any, list[Gpu]]:
    """pynvml initialised and a Gpu per index; raises RuntimeError with the reason when NVML is not usable."""
    try:
        import pynvml as nvml
    except ImportError as e:
        raise RuntimeError(f"pynvml is not importable ({e}); install nvidia-ml-py") from e
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as e:
        raise RuntimeError(f"nvmlInit failed: {e}") from e
    try:
        count = nvml.nvmlDeviceGetCount()
        missing = [i for i in indices if not 0 <= i < count]
        if missing:
            raise RuntimeError(f"GPU index {missing} not present (NVML sees {count} GPU(s))")
        return nvml, [Gpu(nvml, i) for i in indices]
    except BaseException:
        nvml.nvmlShutdown()
        raise


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gpus", required=True, help="NVML (nvidia-smi) indices, comma-separated")
    p.add_argument("--interval-ms", type=int, default=200)
    p.add_argument(
        "--gpm-interval-ms",
        type=int,
        default=None,
        help="read GPM every this many ms, rounded to whole ticks (default max(1000, --interval-ms))",
    )
    p.add_argument("--count", type=int, default=0, help="stop after this many ticks (0: until signalled)")
    a = p.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        nvml, gpus = open_gpus([int(x) for x in a.gpus.split(",") if x.strip() != ""])
    except RuntimeError as e:
        sys.stderr.write(f"nvml sampler: {e}\n")
        return UNAVAILABLE
    try:
        # GPM on every k-th tick, the first included (it needs a previous sample before it has a value).
        every = max(1, round((a.gpm_interval_ms if a.gpm_interval_ms is not None else max(1000, a.interval_ms)) / a.interval_ms))
        emit(
            {
                "kind": "meta",
                "source": "nvml",
                "interval_ms": a.interval_ms,
                "gpm_interval_ms": every * a.interval_ms,
                "driver": text(nvml.nvmlSystemGetDriverVersion()),
                "nvml": text(nvml.nvmlSystemGetNVMLVersion()),
                "pynvml": _version(),
                "gpus": [g.describe() for g in gpus],
            }
        )
        period = a.interval_ms / 1000.0
        due = time.monotonic()
        ticks = 0
        while a.count <= 0 or ticks < a.count:
            t = time.time()
            for g in gpus:
                emit(g.sample(t, gpm=ticks % every == 0))
            ticks += 1
            # Fixed-rate schedule on the monotonic clock; a late tick skips the slots it missed
            # instead of bursting to catch up.
            due += period
            now = time.monotonic()
            if due < now:
                due = now + period - (now - due) % period
            time.sleep(due - now)
    except (Stop, BrokenPipeError):
        pass
    finally:
        for g in gpus:
            g.close()
        nvml.nvmlShutdown()
    return 0


def _version() -> str | None:
    try:
        from importlib import metadata

        return metadata.version("nvidia-ml-py")
    except Exception:  # noqa: BLE001
        return None


if __name__ == "__main__":
    sys.exit(main())
