"""Models and tokenizers made in code: no hub access is needed (or possible) on offline hosts.

A preset is a Qwen2-shaped config (presets.json: hidden size, layers, heads, vocabulary)
with random weights. The tokenizer is a byte-level BPE whose merges build each lower-case word
(a … z, aa …) as one token, so a prompt of N space-led words is exactly N tokens: both modes
see identical token counts.
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


def word(i: int) -> str:
    """The i-th lower-case word in breadth-first order (a … z, aa … zz, aaa …). Every prefix of a
    word comes before it, which is what lets byte-level BPE merges build each word as one token."""
    n = 1
    while i >= 26**n:
        i -= 26**n
        n += 1
    letters = []
    for _ in range(n):
        i, r = divmod(i, 26)
        letters.append(chr(ord("a") + r))
    return "".join(reversed(letters))


def build_tokenizer(vocab_size: int):
    """A Qwen2-style byte-level BPE tokenizer made in code.

    Ids 0 and 1 are <|endoftext|> and <|pad|>, then the 256 byte symbols, then words: the token
    for " abc" is one id. Byte-level BPE matters: transformers 5 and vLLM load a qwen2 model's
    tokenizer as Qwen2Tokenizer (byte-level BPE) whatever the folder says, so a word-level
    tokenizer would lose every word there. A text of N space-led words is exactly N tokens.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    first_word = len(SPECIALS) + len(alphabet)
    if vocab_size <= first_word:
        raise ValueError(f"vocab_size {vocab_size} leaves no room for words (needs > {first_word})")
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    vocab.update({ch: len(SPECIALS) + i for i, ch in enumerate(alphabet)})
    merges = []
    for i in range(vocab_size - first_word):
        w = word(i)
        merges.append(("\u0120" + w[:-1], w[-1]))  # Ġ: the byte-level symbol of a space
        vocab["\u0120" + w] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|endoftext|>",
        pad_token="<|pad|>",
        model_max_length=32768,
        padding_side="left",
    )


def first_word_id() -> int:
    return len(SPECIALS) + 256


def prompt_text(rng, length: int, vocab_size: int) -> str:
    """A prompt of exactly `length` tokens under build_tokenizer(vocab_size): random words, each
    led by a space (so the first is a word token too)."""
    count = vocab_size - first_word_id()
    return "".join(" " + word(rng.randrange(count)) for _ in range(length))


def build_model(name: str, dtype, device, seed: int):
    import torch
    from transformers import Qwen2ForCausalLM

    config = preset_config(name)
    torch.manual_seed(seed)
    with torch.device(device):
        model = Qwen2ForCausalLM(config)
    return model.to(dtype=dtype)


def save_preset(name: str, folder: str, seed: int = 0) -> str:
    """Writes a random-weight preset with its tokenizer as a local model folder (for TRL/vLLM).

    The weights are drawn on the GPU where there is one, in bfloat16: a 7b preset then takes
    seconds instead of a minute or more of CPU time and 30 GB of host memory. A folder made on a
    GPU host therefore holds other values than one made on CPU with the same seed; throughput does
    not depend on them, and every process of a run loads the same folder."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        model = build_model(name, torch.bfloat16, device, seed)
    finally:
        torch.set_default_dtype(default)
    tokenizer = build_tokenizer(model.config.vocab_size)
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()  # give the device back before the trainer and the engine size themselves
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
