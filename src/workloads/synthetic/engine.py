"""The generation engine: an inference copy of the model (eval mode, no grad) and transformers'
generate, either with its dynamic KV cache (`generate`) or with a static KV cache and the
forward compiled by torch.compile (`static_compiled`; transformers' own auto-compile path,
mode reduce-overhead on GPU, i.e. CUDA graphs for the decode steps).

It is not vLLM: no paged attention, no continuous batching, no prefix caching. A batch is
padded to its longest member and runs until every sequence is done."""

from __future__ import annotations

import torch

from common.presets import SPECIALS

EOS_ID = SPECIALS.index("<|endoftext|>")
PAD_ID = SPECIALS.index("<|pad|>")


class Engine:
    def __init__(self, model: torch.nn.Module, backend: str, device: torch.device) -> None:
        if backend not in ("generate", "static_compiled"):
            raise ValueError(f"unknown backend {backend!r}")
        self.model = model.eval().requires_grad_(False)
        self.backend = backend
        self.device = device
        self.asleep = False
        self._shapes: list[torch.Size] = []

    def params(self) -> list[torch.Tensor]:
        return [p for _, p in self.model.named_parameters()]

    @torch.no_grad()
    def generate(
        self, prompts: torch.Tensor, n: int, max_new_tokens: int, min_new_tokens: int, temperature: float, seed: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`prompts` [B, P] (no padding: every prompt has P tokens) → completions [B·n, max_new_tokens]
        (prompt-major: prompt i's n completions are rows i·n … i·n+n−1; padded with PAD after EOS)
        and their lengths [B·n] (EOS counted, as TRL counts it). min_new_tokens == max_new_tokens
        gives fixed-length completions (EOS masked until then); 0 lets sampling stop at EOS."""
        if self.asleep:
            raise RuntimeError("engine is asleep: wake() before generate()")
        prompts = prompts.to(self.device)
        torch.manual_seed(seed)
        fixed = min_new_tokens >= max_new_tokens
        kwargs = dict(
            attention_mask=torch.ones_like(prompts),
            do_sample=True,
            temperature=temperature,
            top_k=0,
            top_p=1.0,
            max_new_tokens=max_new_tokens,
            # fixed: EOS is masked out until max_new_tokens, so every completion has exactly that length
            min_new_tokens=min_new_tokens,
            num_return_sequences=n,
            eos_token_id=EOS_ID,
            pad_token_id=PAD_ID,
            use_cache=True,
        )
        if self.backend == "static_compiled":
            from transformers import CompileConfig

            cc = CompileConfig(fullgraph=False, dynamic=False, mode="reduce-overhead" if self.device.type == "cuda" else "default")
            if self.device.type != "cuda":
                cc._compile_all_devices = True  # transformers compiles only on accelerators unless told
            kwargs.update(cache_implementation="static", compile_config=cc)
        else:
            kwargs.update(disable_compile=True)
        out = self.model.generate(prompts, **kwargs)
        if self.backend == "static_compiled" and not hasattr(self.model, "_compiled_call"):
            raise RuntimeError(
                "backend static_compiled: transformers' generate did not compile the forward "
                "(its auto-compile criteria were not met); refusing to measure an uncompiled run"
            )
        comp = out[:, prompts.shape[1] :]
        if fixed and comp.shape[1] != max_new_tokens:
            raise RuntimeError(f"fixed completions: got {comp.shape[1]} tokens, expected {max_new_tokens}")
        width = comp.shape[1]
        if width < max_new_tokens:
            comp = torch.nn.functional.pad(comp, (0, max_new_tokens - width), value=PAD_ID)
        if fixed:
            lengths = torch.full((comp.shape[0],), max_new_tokens, dtype=torch.long, device=comp.device)
        else:
            is_eos = comp == EOS_ID
            first = torch.where(is_eos.any(1), is_eos.int().argmax(1) + 1, torch.full_like(is_eos[:, 0], max_new_tokens, dtype=torch.long))
            lengths = first.long()
        return comp, lengths

    @torch.no_grad()
    def load_from(self, source: torch.nn.Module) -> int:
        """In-process weight refresh (colocate): copy every training parameter into the inference
        copy, in place, so compiled graphs keep their addresses. Returns the bytes copied."""
        dst = self.params()
        src = [p for _, p in source.named_parameters()]
        if len(src) != len(dst):
            raise RuntimeError(f"inference copy has {len(dst)} parameters, training model {len(src)}")
        total = 0
        for d, s in zip(dst, src):
            if d.shape != s.shape:
                raise RuntimeError(f"parameter shape mismatch {tuple(d.shape)} vs {tuple(s.shape)}")
            d.copy_(s.detach())
            total += d.numel() * d.element_size()
        return total

    def sleep(self) -> int:
        """Free the inference copy's weights and KV cache (like vLLM's sleep level 2: the weights
        come back from the trainer at the next sync). Returns the bytes of weights released."""
        if self.asleep:
            return 0
        freed = 0
        self._shapes = []
        for p in self.params():
            self._shapes.append(p.shape)
            freed += p.numel() * p.element_size()
            p.data = torch.empty(0, dtype=p.dtype, device=p.device)
        if hasattr(self.model, "_cache"):
            del self.model._cache  # transformers keeps the static KV cache here between calls
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        self.asleep = True
        return freed

    def wake(self) -> int:
        """Re-allocate the weights (uninitialised: a weight sync must follow before generating)."""
        if not self.asleep:
            return 0
        total = 0
        for p, shape in zip(self.params(), self._shapes):
            p.data = torch.empty(shape, dtype=p.dtype, device=p.device)
            total += p.numel() * p.element_size()
        self.asleep = False
        return total
