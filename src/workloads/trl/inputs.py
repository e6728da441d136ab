"""What the trl workload trains on: the model folder, the prompts and the reward function."""

from __future__ import annotations

import json
import os
import random
from typing import Any, Callable

from common.presets import ensure_preset, prompt_text


def resolve_model(spec: dict[str, Any]) -> str:
    """A path or hub id that from_pretrained (and vLLM) loads; a preset is written once, under a lock."""
    if spec["source"] == "preset":
        return ensure_preset(spec["preset"], spec["folder"], spec["seed"])
    if spec["source"] == "local":
        if not os.path.isdir(spec["folder"]):
            raise SystemExit(f"grpo-bench: model folder {spec['folder']} does not exist")
        return spec["folder"]
    return spec["id"]


def load_tokenizer(path: str):
    """Loaded the way vLLM loads it (AutoTokenizer), so trainer and server agree on token ids."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    return tokenizer


def generated_prompts(count: int, length: int, vocab_size: int, seed: int) -> list[str]:
    """`count` prompts of exactly `length` tokens under a preset's tokenizer."""
    rng = random.Random(seed)
    return [prompt_text(rng, length, vocab_size) for _ in range(count)]


def _from_file(path: str, column: str) -> list[Any]:
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    if path.endswith((".jsonl", ".json")):
        rows = [json.loads(line) for line in lines]
        missing = [i for i, r in enumerate(rows) if column not in r]
        if missing:
            raise SystemExit(f"grpo-bench: {path}: line {missing[0] + 1} has no '{column}' field")
        return [r[column] for r in rows]
    return lines


def _from_hub(name: str, config: str | None, split: str, column: str) -> list[Any]:
    from datasets import load_dataset

    ds = load_dataset(name, config, split=split)
    if column not in ds.column_names:
        raise SystemExit(f"grpo-bench: dataset {name} ({split}) has no column '{column}' (it has: {', '.join(ds.column_names)})")
    return list(ds[column])


def load_prompts(source: dict[str, Any], count: int, max_prompt_length: int, tokenizer: Any, seed: int) -> tuple[list[Any], dict[str, Any]]:
    """The prompts and a record of how they were made. Text prompts longer than max_prompt_length
    tokens keep their last max_prompt_length tokens (TRL ≥ 0.29 no longer truncates prompts)."""
    kind = source["source"]
    if kind == "generated":
        prompts: list[Any] = generated_prompts(count, max_prompt_length, len(tokenizer), seed)
    elif kind == "file":
        prompts = _from_file(source["path"], source["column"])
    else:
        prompts = _from_hub(source["name"], source.get("config"), source["split"], source["column"])
    if not prompts:
        raise SystemExit(f"grpo-bench: no prompts from {source}")
    truncated = 0
    out: list[Any] = []
    for p in prompts:
        if isinstance(p, str):
            ids = tokenizer(p, add_special_tokens=False)["input_ids"]
            if len(ids) > max_prompt_length:
                p = tokenizer.decode(ids[-max_prompt_length:], skip_special_tokens=True)
                truncated += 1
        out.append(p)
    while len(out) < count:  # a short file is cycled so every step has prompts
        out.extend(out[: count - len(out)])
    record = {
        **source,
        "count": len(out),
        "truncated_to_max_prompt_length": truncated,
        "conversational": any(not isinstance(p, str) for p in out),
    }
    return out, record


def reward_function(name: str, max_completion_length: int, seed: int) -> Callable[..., list[float]]:
    """A cheap built-in reward; TRL names its timer after the function."""

    def words(completion: Any) -> list[str]:
        if isinstance(completion, list):  # conversational: the assistant message(s)
            completion = " ".join(m.get("content", "") for m in completion if isinstance(m, dict))
        return str(completion).split()

    def unique_tokens(completions: list[Any], **_: Any) -> list[float]:
        return [len(set(w)) / max(1, len(w)) for w in map(words, completions)]

    def length(completions: list[Any], **_: Any) -> list[float]:
        return [min(1.0, len(words(c)) / max_completion_length) for c in completions]

    rng = random.Random(seed)

    def random_reward(completions: list[Any], **_: Any) -> list[float]:
        return [rng.random() for _ in completions]

    table = {"unique_tokens": unique_tokens, "length": length, "random": random_reward}
    if name not in table:
        raise SystemExit(f"grpo-bench: unknown reward '{name}' (built in: {', '.join(table)})")
    return table[name]
