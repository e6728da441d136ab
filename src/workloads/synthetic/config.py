"""The `--config` JSON both programs read: schemas/synthetic-config.schema.json, generated from
src/workloads/synthetic/config.ts. Checked on load, so a bad value stops the process with a
message naming the field instead of a stack trace minutes in. The fields, their types, ranges
and defaults are the schema's; the checks here relate fields to each other, which a JSON
Schema does not express."""

from __future__ import annotations

import argparse
import os
import sys

WORKLOADS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if WORKLOADS not in sys.path:
    sys.path.insert(0, WORKLOADS)

from common.contract import ContractError, Record, load_config  # noqa: E402


class SyntheticConfig(Record):
    """The validated document, fields as attributes (`cfg.per_device_train_batch_size`, `cfg.server.port`)."""

    @property
    def preset(self) -> str:
        return self.model[len("preset:") :]

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
    """The --config of this process; a bad one exits with the reasons (SystemExit, no traceback)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="the configuration as JSON (schemas/synthetic-config.schema.json)")
    args = parser.parse_args(argv)
    try:
        return load(args.config)
    except ContractError as e:
        raise SystemExit(f"grpo-bench synthetic workload: {e}") from None


def load(text: str) -> SyntheticConfig:
    cfg = SyntheticConfig(load_config("synthetic-config", text))
    problems = _relations(cfg)
    if problems:
        raise ContractError("--config: " + "; ".join(problems))
    return cfg


def _relations(c: SyntheticConfig) -> list[str]:
    out = []
    if c.per_device_train_batch_size % c.num_generations != 0:
        out.append(
            f"per_device_train_batch_size ({c.per_device_train_batch_size}) must be a multiple of num_generations "
            f"({c.num_generations}): the synthetic workload keeps each prompt's group of completions on one rank"
        )
    if c.mode == "server" and "server" not in c:
        out.append("server mode needs server {host, port, sync_host, sync_port, world_size}")
    if c.mode == "server" and c.sleep:
        out.append("sleep applies to colocate mode only")
    return out


def resolve_device(c: SyntheticConfig, index: int = 0):
    """The torch device, or an error: never a silent fall-back to CPU."""
    import torch

    if c.device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device cuda was asked for but torch {torch.__version__} sees no GPU "
                f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}, torch.version.cuda={torch.version.cuda})"
            )
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
