"""Models and tokenizers made in code: no hub access is needed (or possible) on offline hosts.

A preset is a Qwen2-shaped config (presets.json: hidden size, layers, heads, vocabulary)
with random weights. The tokenizer is a word-level one over the words `t0 … t{V-1}`, so a
prompt of N words is exactly N tokens: both modes see identical token counts.
"""

from __future__ import annotations

import json
import os
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["<|endoftext|>", "<|pad|>"]


def load_presets() -> dict[str, dict[str, Any]]:
    with open(os.path.join(HERE, "presets.json")) as f:
        return json.load(f)


def preset_config(name: str):
    from transformers import Qwen2Config

    presets = load_presets()
    if name not in presets:
        raise SystemExit(f"unknown preset '{name}' (known: {', '.join(presets)})")
    p = presets[name]
    return Qwen2Config(
        **p,
        max_position_embeddings=32768,
        rope_theta=1_000_000.0,
        rms_norm_eps=1e-6,
        bos_token_id=0,
        eos_token_id=0,
        pad_token_id=1,
        use_sliding_window=False,
    )


def build_tokenizer(vocab_size: int):
    """Word-level tokenizer: ids 0 and 1 are <|endoftext|> and <|pad|>, then `t2 … t{V-1}`."""
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    vocab.update({f"t{i}": i for i in range(len(SPECIALS), vocab_size)})
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<|pad|>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|pad|>", unk_token="<|pad|>",
        model_max_length=32768, padding_side="left",
    )


def build_model(name: str, dtype, device, seed: int):
    import torch
    from transformers import Qwen2ForCausalLM

    config = preset_config(name)
    torch.manual_seed(seed)
    with torch.device(device):
        model = Qwen2ForCausalLM(config)
    return model.to(dtype=dtype)


def save_preset(name: str, folder: str, seed: int = 0) -> str:
    """Writes a random-weight preset with its tokenizer as a local model folder (for TRL/vLLM)."""
    import torch

    model = build_model(name, torch.bfloat16, "cpu", seed)
    tokenizer = build_tokenizer(model.config.vocab_size)
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def ensure_preset(name: str, folder: str, seed: int = 0) -> str:
    """save_preset, once: the first process to arrive writes the folder (atomically, under a file
    lock) and every other one — trainer ranks, a server launched beside them — waits and reuses it."""
    import fcntl
    import shutil

    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return folder
    os.makedirs(os.path.dirname(os.path.abspath(folder)), exist_ok=True)
    with open(folder.rstrip("/") + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            tmp = f"{folder.rstrip('/')}.tmp-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            save_preset(name, tmp, seed)
            with open(os.path.join(tmp, ".complete"), "w") as f:
                json.dump({"preset": name, "seed": seed, "spec": load_presets()[name]}, f)
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(tmp, folder)
    return folder


def synthetic_prompt_ids(generator, count: int, length: int, vocab_size: int):
    """`count` prompts of exactly `length` ordinary tokens (no specials)."""
    import torch

    return torch.randint(len(SPECIALS), vocab_size, (count, length), generator=generator)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        raise SystemExit("usage: presets.py PRESET FOLDER  (writes a random-weight model and its tokenizer)")
    print(save_preset(sys.argv[1], sys.argv[2]))
