"""Starts the trl workload's generation server: makes sure the model folder exists (a preset is
written once, under the same lock the trainer ranks use), records the server's effective command
as `start` and `config` events, then replaces itself (exec) with the command after `--`:
vLLM's `vllm serve` (TRL >= 1.11) or TRL's own `trl.scripts.vllm_serve` (TRL 0.18 - 1.10).

    serve.py --model MODELSPEC_JSON --style vllm-serve|trl-server -- python -m ... serve ...

After the exec the server writes no events of its own: its readiness is its health endpoint, and
it is ended by the supervisor when the trainer is done.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from common.contract import ContractError, load_config  # noqa: E402
from common.events import EventLog  # noqa: E402


def main(argv: list[str]) -> None:
    if "--" not in argv:
        raise SystemExit("usage: serve.py --model JSON --style STYLE -- COMMAND ...")
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--style", required=True, choices=["vllm-serve", "trl-server"])
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    try:
        spec = load_config("trl-config", args.model, what="--model", part="model")
    except ContractError as e:
        raise SystemExit(f"grpo-bench trl workload: {e}") from None

    log = EventLog("server", 0)
    if spec["source"] == "preset":
        from inputs import resolve_model

        resolve_model(spec)
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    log.start("server", [f"cuda:{d}" for d in visible.split(",") if d], style=args.style)
    keep = (
        "CUDA_VISIBLE_DEVICES",
        "VLLM_HOST_IP",
        "VLLM_SERVER_DEV_MODE",
        "VLLM_WORKER_MULTIPROC_METHOD",
        "VLLM_ALLOW_INSECURE_SERIALIZATION",
    )
    log.config(
        {
            "workload": "trl",
            "role": "server",
            "style": args.style,
            "model": spec,
            "command": command,
            "env": {k: os.environ[k] for k in keep if k in os.environ},
            "prompts_received": "unique prompts from the trainer's main process, n=num_generations",
        }
    )
    sys.stdout.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
