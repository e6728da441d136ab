"""A stand-in for nvidia-ml-py's `pynvml` on machines without an NVIDIA driver, for the NVML
sampler's tests: the functions and structures the sampler calls, with values a test can
predict. The real library needs libnvidia-ml, which a CPU machine does not have; the sampler
against real NVML is checked on a GPU host (bench/gpu/known-truth.sh).

FAKE_NVML (JSON) sets it up: {"count": 2, "gpm": [true, false], "init_error": null,
"power_w": [300, 100], "util_steps": 2}. Per GPU i:
  utilization.gpu   10·i + k, where k counts reads and moves every `util_steps` reads (so a
                    value repeats, as the real one does)
  power             power_w[i] W; the energy counter grows by power × elapsed wall time (mJ)
  GPM SM activity   sm_pct[i] (default 40 + i) %, occupancy half of it, tensor activity a quarter
"""

from __future__ import annotations

import ctypes
import json
import os
import time
from types import SimpleNamespace

_cfg = json.loads(os.environ.get("FAKE_NVML", "{}"))
_count = int(_cfg.get("count", 1))
_gpm = list(_cfg.get("gpm", [True] * _count))
_power = list(_cfg.get("power_w", [300.0] * _count))
_sm = list(_cfg.get("sm_pct", [40.0 + i for i in range(_count)]))
_util_steps = int(_cfg.get("util_steps", 2))
_started = time.time()
_reads = [0] * _count

NVML_SUCCESS = 0
NVML_CLOCK_SM = 1
NVML_TEMPERATURE_GPU = 0
NVML_GPM_METRIC_SM_UTIL = 2
NVML_GPM_METRIC_SM_OCCUPANCY = 3
NVML_GPM_METRIC_ANY_TENSOR_UTIL = 5
NVML_GPM_METRICS_GET_VERSION = 1


class NVMLError(Exception):
    pass


class NVMLError_NotSupported(NVMLError):
    pass


def nvmlInit():
    if _cfg.get("init_error"):
        raise NVMLError(_cfg["init_error"])


def nvmlShutdown():
    pass


def nvmlSystemGetDriverVersion():
    return "580.00.fake"


def nvmlSystemGetNVMLVersion():
    return "13.580.fake"


def nvmlDeviceGetCount():
    return _count


def nvmlDeviceGetHandleByIndex(i):
    return i


def nvmlDeviceGetName(h):
    return b"Fake GPU"


def nvmlDeviceGetUUID(h):
    return f"GPU-fake-{h}"


def nvmlDeviceGetUtilizationRates(h):
    _reads[h] += 1
    return SimpleNamespace(gpu=10 * h + _reads[h] // _util_steps, memory=0)


def nvmlDeviceGetMemoryInfo(h):
    return SimpleNamespace(used=1024 * 2**20, total=143771 * 2**20, free=0)


def nvmlDeviceGetPowerUsage(h):
    return int(_power[h] * 1000)


def nvmlDeviceGetClockInfo(h, kind):
    return 1980


def nvmlDeviceGetTemperature(h, sensor):
    return 40


def nvmlDeviceGetCurrentClocksEventReasons(h):
    if _cfg.get("no_reasons"):
        raise NVMLError_NotSupported("Not Supported")
    return 0


def nvmlDeviceGetTotalEnergyConsumption(h):
    return int(1_000_000 + _power[h] * (time.time() - _started) * 1000)


class c_nvmlGpmSupport_t(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("isSupportedDevice", ctypes.c_uint)]


def nvmlGpmQueryDeviceSupport(h):
    return c_nvmlGpmSupport_t(1, 1 if _gpm[h] else 0)


class _Sample:
    def __init__(self):
        self.gpu = None
        self.t = None


def nvmlGpmSampleAlloc():
    return _Sample()


def nvmlGpmSampleFree(s):
    pass


def nvmlGpmSampleGet(h, s):
    s.gpu, s.t = h, time.time()
    return s


class _Metric(ctypes.Structure):
    _fields_ = [("metricId", ctypes.c_uint), ("nvmlReturn", ctypes.c_int), ("value", ctypes.c_double)]


class c_nvmlGpmMetricsGet_t:
    def __init__(self):
        self.version = 0
        self.numMetrics = 0
        self.sample1 = None
        self.sample2 = None
        self.metrics = (_Metric * 98)()


def nvmlGpmMetricsGet(get):
    if get.version != NVML_GPM_METRICS_GET_VERSION or get.sample1 is None or get.sample2 is None:
        raise NVMLError("Invalid Argument")
    if not get.sample2.t > get.sample1.t:
        raise NVMLError("samples out of order")
    sm = _sm[get.sample1.gpu]
    value = {NVML_GPM_METRIC_SM_UTIL: sm, NVML_GPM_METRIC_SM_OCCUPANCY: sm / 2, NVML_GPM_METRIC_ANY_TENSOR_UTIL: sm / 4}
    for i in range(get.numMetrics):
        m = get.metrics[i]
        m.value = value[m.metricId]
        m.nvmlReturn = NVML_SUCCESS
    return get
