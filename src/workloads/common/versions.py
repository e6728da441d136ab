"""Prints, as one JSON object, the versions of the libraries the workloads use and whether
CUDA is usable: what `grpo-bench doctor`, plan-time checks and the manifest record."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.events import library_versions  # noqa: E402

info: dict = {"libraries": library_versions(), "executable": sys.executable}
# The vLLM range the installed TRL accepts (its `vllm` extra, e.g. "<=0.28.0,>=0.19.1"), so that
# refusals can quote it: key "trl[vllm]", null without TRL or without such an extra.
try:
    from importlib import metadata

    spec = next(
        (r.split(";")[0][len("vllm") :].strip() for r in metadata.requires("trl") or [] if r.startswith("vllm") and "extra" in r), None
    )
    info["libraries"]["trl[vllm]"] = spec or None
except Exception:  # trl not installed
    info["libraries"]["trl[vllm]"] = None
try:
    import torch

    info["cuda_available"] = torch.cuda.is_available()
    info["cuda_devices"] = torch.cuda.device_count() if info["cuda_available"] else 0
except ImportError:
    info["cuda_available"] = False
    info["cuda_devices"] = 0
print(json.dumps(info))
