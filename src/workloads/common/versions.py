"""Prints, as one JSON object, the versions of the libraries the workloads use and whether
CUDA is usable: what `grpo-bench doctor`, plan-time checks and the manifest record."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.events import library_versions  # noqa: E402

info: dict = {"libraries": library_versions(), "executable": sys.executable}
try:
    import torch

    info["cuda_available"] = torch.cuda.is_available()
    info["cuda_devices"] = torch.cuda.device_count() if info["cuda_available"] else 0
except ImportError:
    info["cuda_available"] = False
    info["cuda_devices"] = 0
print(json.dumps(info))
