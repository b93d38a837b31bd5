"""Weight initializers by Keras name, applied in place to tensors in PyTorch's layout.

Keras stores a kernel as (fan_in, fan_out); rnnkit stores it as (fan_out, fan_in) like
nn.Linear. The fans are the same, so glorot_uniform draws from the same distribution.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor


def _fans(t: Tensor) -> tuple[int, int]:
    if t.dim() < 2:
        return t.numel(), t.numel()
    return t.shape[1], t.shape[0]   # (out, in) layout


@torch.no_grad()
def glorot_uniform(t: Tensor) -> Tensor:
    fan_in, fan_out = _fans(t)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return t.uniform_(-limit, limit)


@torch.no_grad()
def glorot_normal(t: Tensor) -> Tensor:
    fan_in, fan_out = _fans(t)
    return torch.nn.init.trunc_normal_(t, std=math.sqrt(2.0 / (fan_in + fan_out)))


@torch.no_grad()
def he_uniform(t: Tensor) -> Tensor:
    fan_in, _ = _fans(t)
    limit = math.sqrt(6.0 / fan_in)
    return t.uniform_(-limit, limit)


@torch.no_grad()
def he_normal(t: Tensor) -> Tensor:
    fan_in, _ = _fans(t)
    return torch.nn.init.trunc_normal_(t, std=math.sqrt(2.0 / fan_in))


@torch.no_grad()
def orthogonal(t: Tensor) -> Tensor:
    return torch.nn.init.orthogonal_(t)


@torch.no_grad()
def zeros(t: Tensor) -> Tensor:
    return t.zero_()


@torch.no_grad()
def ones(t: Tensor) -> Tensor:
    return t.fill_(1.0)


@torch.no_grad()
def random_uniform(t: Tensor) -> Tensor:
    """Keras's RandomUniform default, (-0.05, 0.05): the Embedding initializer."""
    return t.uniform_(-0.05, 0.05)


@torch.no_grad()
def random_normal(t: Tensor) -> Tensor:
    return t.normal_(0.0, 0.05)


INITIALIZERS: dict[str, Callable[[Tensor], Tensor]] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "orthogonal": orthogonal,
    "zeros": zeros,
    "ones": ones,
    "uniform": random_uniform,
    "random_uniform": random_uniform,
    "normal": random_normal,
    "random_normal": random_normal,
}


def get(identifier: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if isinstance(identifier, str):
        if identifier not in INITIALIZERS:
            raise ValueError(
                f"Unknown initializer {identifier!r}. Available: {', '.join(sorted(INITIALIZERS))}.")
        return INITIALIZERS[identifier]
    if callable(identifier):
        return identifier
    raise TypeError(f"initializer must be a name or a callable, got {type(identifier).__name__}.")
