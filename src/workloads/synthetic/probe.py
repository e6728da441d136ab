"""Profile driver of the synthetic workload (`grpo-bench profile`): in place of trainer rank 0 of
server mode, sends the synthetic server one /generate request per planned point, exactly as
trainer.py's rank 0 does (every rank's prompts, n = G), and times each (common/probe.py).

    probe.py --config '{"run": SyntheticConfig, "probe": ProbePlan}'
"""

from __future__ import annotations

import argparse
import json
import os
import sys

WORKLOADS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[0] = WORKLOADS  # not this folder: its module names must not shadow the shared `common` package

from common import probe  # noqa: E402
from common.contract import ContractError, load_config  # noqa: E402
from common.events import EventLog  # noqa: E402
from common.presets import load_presets, synthetic_prompt_ids  # noqa: E402
from synthetic import config as cfgmod  # noqa: E402
from synthetic.runtime import guarded, http_json, raise_on_signals, wait_healthy  # noqa: E402
from synthetic.trainer import prompt_seed  # noqa: E402


def run(log: EventLog) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="schemas/probe-config.schema.json; run: schemas/synthetic-config.schema.json")
    try:
        raw = load_config("probe-config", parser.parse_args().config)
        c = cfgmod.load(json.dumps(raw["run"]))
    except ContractError as e:
        raise SystemExit(f"grpo-bench synthetic profile driver: {e}") from None
    plan = raw["probe"]
    if c.mode != "server" or "server" not in c:
        raise SystemExit("grpo-bench synthetic profile driver: it stands in for server mode's trainer: run.mode must be server")
    import torch

    base = f"http://{cfgmod.connect_host(c.server.host)}:{c.server.port}"
    vocab = load_presets()[c.preset]["vocab_size"]
    L = c.max_completion_length
    min_tokens = L if c.completions == "fixed" else 0
    log.start("server", [], driver="profile")
    wait_healthy(base, c.server_timeout_s)
    log.config(
        {
            "workload": "synthetic",
            "role": "profile-driver",
            "endpoint": f"{base}/generate",
            "probe": plan,
            "request": {
                "n": c.num_generations,
                "max_tokens": L,
                "min_tokens": min_tokens,
                "temperature": c.temperature,
                "top_k": 0,
                "top_p": 1.0,
                "prompt_tokens": c.max_prompt_length,
            },
            "accumulation_steps": c.gradient_accumulation_steps,
        }
    )

    def prompts(count: int, step: int) -> list[list[int]]:
        g = torch.Generator().manual_seed(prompt_seed(c.seed, step, 0))
        return synthetic_prompt_ids(g, count, c.max_prompt_length, vocab).tolist()

    def send(ids: list[list[int]], n: int, step: int) -> list[list[int]]:
        answer = http_json(
            log,
            base,
            "POST",
            "/generate",
            {
                "prompts": ids,
                "n": n,
                "max_tokens": L,
                "min_tokens": min_tokens,
                "temperature": c.temperature,
                "top_k": 0,
                "top_p": 1.0,
                "seed": prompt_seed(c.seed, step, 0) + 1,
                "step": step,
            },
            timeout=c.server_timeout_s,
            step=step,
        )
        return answer["completion_ids"]

    probe.run(log, plan, c.num_generations, c.gradient_accumulation_steps, send, prompts)


def main() -> None:
    raise_on_signals()
    guarded(lambda: EventLog("trainer", 0), run)


if __name__ == "__main__":
    main()
