"""The GRPO maths: a cheap reward, group-normalised advantages, per-token log-probabilities and
the clipped policy loss (TRL's GRPOTrainer with num_iterations=1, scale_rewards="group",
token-level ("dapo"-style) aggregation)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def completion_mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """1 for the first `lengths[i]` tokens of completion i (EOS included), 0 after."""
    return (torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]).to(torch.float32)


def reward(completions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fraction of even token ids among each completion's tokens: cheap, in [0, 1], and it varies
    between samples of a random model, so advantages are not all zero."""
    even = (completions % 2 == 0).to(torch.float32) * mask
    return even.sum(1) / mask.sum(1).clamp(min=1)


def advantages(rewards: torch.Tensor, num_generations: int) -> torch.Tensor:
    """(r − group mean) / (group std + 1e-4), groups being each prompt's consecutive completions."""
    grouped = rewards.view(-1, num_generations)
    mean = grouped.mean(1, keepdim=True)
    std = grouped.std(1, keepdim=True) if num_generations > 1 else torch.zeros_like(mean)
    return ((grouped - mean) / (std + 1e-4)).view(-1)


def token_logprobs(model, input_ids: torch.Tensor, completion_width: int, temperature: float) -> torch.Tensor:
    """Log-probability of each completion token under `model`: [N, completion_width], float32.
    Only the last completion_width + 1 positions' logits are computed (transformers' logits_to_keep)."""
    out = model(input_ids=input_ids, logits_to_keep=completion_width + 1, use_cache=False)
    logits = out.logits[:, :-1, :].float()  # float32 copy of the model-dtype logits
    if temperature != 1.0:
        logits.div_(temperature)  # in place: no third [N, C, V] tensor
    targets = input_ids[:, -completion_width:]
    return torch.gather(F.log_softmax(logits, dim=-1), 2, targets.unsqueeze(-1)).squeeze(-1)


def loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    adv: torch.Tensor,
    mask: torch.Tensor,
    epsilon: float,
    beta: float,
    ref_logp: torch.Tensor | None,
) -> tuple[torch.Tensor, float | None]:
    """Clipped surrogate −min(ρA, clip(ρ, 1±ε)A) + β·KL(k3) averaged over completion tokens."""
    ratio = torch.exp(logp - old_logp)
    a = adv[:, None]
    per_token = -torch.min(ratio * a, torch.clamp(ratio, 1 - epsilon, 1 + epsilon) * a)
    kl_mean = None
    if beta > 0:
        if ref_logp is None:
            raise ValueError("beta > 0 needs reference log-probabilities")
        delta = ref_logp - logp
        kl = torch.exp(delta) - delta - 1
        per_token = per_token + beta * kl
        kl_mean = float(((kl * mask).sum() / mask.sum().clamp(min=1)).detach())
    return (per_token * mask).sum() / mask.sum().clamp(min=1), kl_mean
