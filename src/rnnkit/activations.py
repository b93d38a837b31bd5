"""Activation functions by Keras name.

>>> get("tanh")(torch.zeros(2)).tolist()
[0.0, 0.0]
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def linear(x: Tensor) -> Tensor:
    return x


def hard_sigmoid(x: Tensor) -> Tensor:
    # Keras 3: relu6(x + 3) / 6
    return F.hardsigmoid(x)


def softmax(x: Tensor) -> Tensor:
    return torch.softmax(x, dim=-1)


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": linear,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": softmax,
    "hard_sigmoid": hard_sigmoid,
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
    "silu": F.silu,
    "exponential": torch.exp,
    "leaky_relu": F.leaky_relu,
}


def get(identifier: str | Callable | None) -> Callable[[Tensor], Tensor]:
    """Return the activation function for a Keras name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {identifier!r}. Available: {', '.join(sorted(ACTIVATIONS))}.")
        return ACTIVATIONS[identifier]
    if callable(identifier):
        return identifier
    raise TypeError(
        f"activation must be a name such as 'tanh' or a callable, got {type(identifier).__name__}.")


def name_of(identifier: str | Callable | None) -> str | None:
    """The Keras name of an activation, for get_config(); None for a custom callable."""
    if identifier is None:
        return "linear"
    if isinstance(identifier, str):
        return identifier
    for name, fn in ACTIVATIONS.items():
        if fn is identifier:
            return name
    return None
