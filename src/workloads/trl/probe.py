"""Profile driver of the trl workload (`grpo-bench profile`): in place of server mode's trainer rank
0, sends `vllm serve` (started exactly as for a server-mode run) one request per planned point —
what TRL's rank 0 sends when K trainers each hold a per-device batch B — and times each
(common/probe.py).

The request is TRL's own: `VLLMClient.generate` of the installed TRL, called with the sampling
settings VLLMGeneration passes in server mode (TRL 1.13 vllm_generation.py), taken from a
GRPOConfig built exactly as train.py builds it; the prompts are tokenized as GRPOTrainer does.
Before every request the server's prefix cache is reset, as TRL's weight sync does each step.
The client is made without VLLMClient's constructor: that one needs vLLM importable (for the
weight transfer, which the driver does not do) and retries failed requests, which would hide a
failure inside a timing.

    probe.py --config '{"run": TrlRunConfig (mode server), "probe": ProbePlan}'
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import traceback
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # src/workloads: common.*
sys.path.insert(0, HERE)

from common import probe  # noqa: E402
from common.contract import ContractError, load_config  # noqa: E402
from common.events import EventLog, package_version  # noqa: E402


def sampling_settings(args: Any) -> dict[str, Any]:
    """What VLLMGeneration.generate passes to VLLMClient.generate in server mode (TRL 1.13), besides n."""
    return {
        "repetition_penalty": args.repetition_penalty,
        "temperature": args.temperature,
        "top_p": args.top_p,
        "top_k": args.top_k,
        "min_p": 0.0 if args.min_p is None else args.min_p,
        "max_tokens": args.max_completion_length,
        "logprobs": 0,  # GRPOTrainer: only the sampled tokens' logprobs, for the importance-sampling correction
        "structured_outputs_regex": args.vllm_structured_outputs_regex,
        "generation_kwargs": args.generation_kwargs,
    }


def make_client(base_url: str):
    import requests
    from trl.generation.vllm_client import VLLMClient

    client = VLLMClient.__new__(VLLMClient)
    client.session = requests.Session()
    client.base_url = base_url
    client.model = client._get(f"{base_url}/v1/models")["data"][0]["id"]  # as VLLMClient.__init__ does
    return client


def run(text: str, log: EventLog) -> None:
    try:
        raw = load_config("probe-config", text)
        cfg = load_config("trl-config", json.dumps(raw["run"]), what="--config run")
    except ContractError as e:
        raise SystemExit(f"grpo-bench trl profile driver: {e}") from None
    plan = raw["probe"]
    installed = package_version("trl")
    if installed != cfg["trl_version"]:
        raise SystemExit(f"grpo-bench: the plan was made for trl {cfg['trl_version']}, but this Python has trl {installed}; plan again")
    if cfg["mode"] != "server" or cfg.get("vllm", {}).get("mode") != "server":
        raise SystemExit("grpo-bench: the profile driver stands in for server mode's trainer: run.mode must be server")
    from trl import GRPOConfig

    from inputs import load_prompts, load_tokenizer, resolve_model
    from train import build_config_kwargs

    log.start("server", [], driver="profile", trl_style=cfg["server_style"])
    fields = {f.name: f for f in dataclasses.fields(GRPOConfig)}
    # Built on CPU (the driver holds no GPU): the sampling settings do not depend on the device.
    kwargs, _ = build_config_kwargs({**cfg, "device": "cpu"}, fields)
    args = GRPOConfig(**kwargs)
    model_path = resolve_model(cfg["model"])
    tokenizer = load_tokenizer(model_path)
    g = cfg["grpo"]
    G, accumulation = g["num_generations"], g["gradient_accumulation_steps"]
    needed = sum(k * b * accumulation // G for k, b, _, _ in probe.request_plan(plan))
    pool, prompt_record = load_prompts(cfg["trl"]["prompts"], max(needed, 1), g["max_prompt_length"], tokenizer, cfg["seed"])
    base_url = cfg["vllm"]["base_url"]
    client = make_client(base_url)
    settings = sampling_settings(args)
    log.config(
        {
            "workload": "trl",
            "role": "profile-driver",
            "trl_version": installed,
            "endpoint": f"{base_url}/v1/completions",
            "model": client.model,
            "probe": plan,
            "request": {"n": G, **settings},
            "prompts": prompt_record,
            "client": "trl.generation.vllm_client.VLLMClient.generate",
            "before_each_request": "POST /reset_prefix_cache (TRL resets it at every weight sync)",
        }
    )
    offset = 0

    def prompts(count: int, _step: int) -> list[list[int]]:
        nonlocal offset
        texts = [pool[(offset + i) % len(pool)] for i in range(count)]
        offset += count
        return tokenizer(text=texts)["input_ids"]  # as GRPOTrainer tokenizes plain-text prompts

    def send(ids: list[list[int]], n: int, _step: int) -> list[list[int]]:
        return client.generate(prompts=ids, n=n, **settings)["completion_ids"]

    probe.run(log, plan, G, accumulation, send, prompts, before=client.reset_prefix_cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="schemas/probe-config.schema.json; run: schemas/trl-config.schema.json")
    text = parser.parse_args().config
    log = EventLog("trainer", 0)
    try:
        run(text, log)
    except SystemExit as err:
        if err.code not in (0, None):
            sys.stderr.write(f"{err.code}\n")
            log.end("error", str(err.code))
            raise SystemExit(2)
        raise
    except BaseException as err:
        log.end("error", "".join(traceback.format_exception(type(err), err, err.__traceback__)).strip())
        raise
    log.end("ok")


if __name__ == "__main__":
    main()
