"""The `--config` JSON both programs read (SyntheticConfig in adapter.ts), checked on load so a
bad value stops the process with one clear sentence instead of a stack trace minutes in."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field, fields
from typing import Any

WORKLOADS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if WORKLOADS not in sys.path:
    sys.path.insert(0, WORKLOADS)

BUCKET_BYTES_DEFAULT = 256 * 1024 * 1024


class ConfigError(Exception):
    pass


@dataclass
class ServerAddress:
    host: str
    port: int
    sync_port: int
    world_size: int


@dataclass
class SyntheticConfig:
    mode: str
    model: str
    device: str
    seed: int
    steps: int
    per_device_train_batch_size: int
    num_generations: int
    max_prompt_length: int
    max_completion_length: int
    gradient_accumulation_steps: int
    learning_rate: float
    beta: float
    temperature: float
    completions: str
    backend: str
    sleep: bool
    slowdown: float
    server: ServerAddress | None = None
    # Optional fields (not sent by the adapter today): defaults here.
    weight_sync_bucket_bytes: int = BUCKET_BYTES_DEFAULT
    epsilon: float = 0.2
    server_timeout_s: float = 600.0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def preset(self) -> str:
        return self.model[len("preset:"):]

    @property
    def samples_per_rank(self) -> int:
        """Completions one rank trains on per optimizer step (TRL: per_device × accumulation steps,
        generated at once since steps_per_generation defaults to gradient_accumulation_steps)."""
        return self.per_device_train_batch_size * self.gradient_accumulation_steps

    @property
    def prompts_per_rank(self) -> int:
        return self.samples_per_rank // self.num_generations

    def dtype(self):
        import torch

        return torch.bfloat16 if self.device == "cuda" else torch.float32


def parse(argv: list[str] | None = None) -> SyntheticConfig:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="SyntheticConfig as JSON (see adapter.ts)")
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.config)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--config is not JSON: {e}") from e
    return from_dict(raw)


def from_dict(raw: dict[str, Any]) -> SyntheticConfig:
    known = {f.name for f in fields(SyntheticConfig)} - {"raw"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown config field(s): {', '.join(unknown)}")
    required = [f.name for f in fields(SyntheticConfig) if f.name not in ("server", "raw", "weight_sync_bucket_bytes",
                                                                           "epsilon", "server_timeout_s")]
    missing = [k for k in required if k not in raw]
    if missing:
        raise ConfigError(f"missing config field(s): {', '.join(missing)}")
    values = dict(raw)
    if values.get("server") is not None:
        values["server"] = ServerAddress(**values["server"])
    cfg = SyntheticConfig(**values, raw=raw)
    _check(cfg)
    return cfg


def _check(c: SyntheticConfig) -> None:
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(message)

    need(c.mode in ("server", "colocate"), f"mode must be server or colocate, not {c.mode!r}")
    need(c.model.startswith("preset:"), f"model {c.model!r}: the synthetic workload builds its model from a preset (preset:<name>)")
    need(c.device in ("cuda", "cpu"), f"device must be cuda or cpu, not {c.device!r}")
    for name in ("steps", "per_device_train_batch_size", "num_generations", "max_prompt_length",
                 "max_completion_length", "gradient_accumulation_steps"):
        need(isinstance(getattr(c, name), int) and getattr(c, name) > 0, f"{name} must be a positive integer")
    need(c.per_device_train_batch_size % c.num_generations == 0,
         f"per_device_train_batch_size ({c.per_device_train_batch_size}) must be a multiple of num_generations "
         f"({c.num_generations}): the synthetic workload keeps each prompt's group of completions on one rank")
    need(c.completions in ("fixed", "natural"), f"completions must be fixed or natural, not {c.completions!r}")
    need(c.backend in ("generate", "static_compiled"), f"backend must be generate or static_compiled, not {c.backend!r}")
    need(c.slowdown >= 0, "slowdown must be >= 0")
    need(c.beta >= 0, "beta must be >= 0")
    need(c.temperature > 0, "temperature must be > 0")
    need(c.weight_sync_bucket_bytes > 0, "weight_sync_bucket_bytes must be > 0")
    if c.mode == "server":
        need(c.server is not None, "server mode needs config.server {host, port, sync_port, world_size}")
        need(c.server.world_size >= 2, "server.world_size counts trainer rank 0 plus the server workers: at least 2")
        need(not c.sleep, "sleep applies to colocate mode only")


def resolve_device(c: SyntheticConfig, index: int = 0):
    """The torch device, or an error: never a silent fall-back to CPU."""
    import torch

    if c.device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device cuda was asked for but torch {torch.__version__} sees no GPU "
                f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}, torch.version.cuda={torch.version.cuda})")
        if index >= torch.cuda.device_count():
            raise RuntimeError(f"cuda:{index} asked for but only {torch.cuda.device_count()} GPU(s) are visible")
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    torch.set_num_threads(1)
    return torch.device("cpu")


def device_sync(device):
    """The phase-end synchronize for `device`. CPU work is synchronous, so its phases end with the work too."""
    import torch

    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
