"""The one base class of every rnnkit layer: an nn.Module that builds itself lazily.

A layer learns its input size from `Input(shape=...)`, `input_shape=` or the first batch it
sees, as in Keras. Masks travel beside the data: `forward(x, mask=None)` and
`compute_mask(x, mask)`; a layer that does not use a mask passes it on when
`supports_masking` is True and drops it otherwise.
"""
from __future__ import annotations

import collections
import inspect
import re
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

Shape = tuple  # a shape with None for unknown sizes, batch first: (None, T, D)

_name_counts: collections.Counter = collections.Counter()


def _snake(name: str) -> str:
    """Keras's to_snake_case: Conv1D -> conv1d, MaxPooling1D -> max_pooling1d, LSTM -> lstm."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(cls_name: str) -> str:
    base = _snake(cls_name)
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


class Layer(nn.Module):
    """Base layer: lazy build from the first input shape, Keras-style config and weights."""

    supports_masking = False

    def __init__(self, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__()
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__}.")
        self.name = name or unique_name(type(self).__name__)
        self.built = False
        self.trainable = trainable
        self.input_shape_arg = None
        if input_shape is not None:
            try:
                self.input_shape_arg = tuple(None if d is None else int(d) for d in input_shape)
            except (TypeError, ValueError):
                raise ValueError(
                    f"input_shape must be a tuple of sizes without the batch axis, such as "
                    f"(20, 1), got {input_shape!r}.") from None

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        """Create the weights for inputs of this shape (batch axis first, may be None)."""

    def maybe_build(self, input_shape: Shape) -> None:
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
            if not self.trainable:
                self.requires_grad_(False)

    def _build_from(self, x: Tensor) -> None:
        """Lazy build at the first call, with the weights on the input's device and dtype."""
        if not self.built:
            self.maybe_build(tuple(x.shape))
            self.to(device=x.device, dtype=x.dtype if x.is_floating_point() else None)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor | None:
        return mask if self.supports_masking else None

    # -- Keras-style weights and config -----------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        return get_weights(self)

    def set_weights(self, weights: list) -> None:
        set_weights(self, weights, f"Layer {self.name!r}")

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.input_shape_arg is not None:
            config["input_shape"] = list(self.input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def extra_repr(self) -> str:
        """The arguments that differ from their defaults, as Keras users would write them."""
        params = inspect.signature(type(self).__init__).parameters
        shown = []
        for key, value in self.get_config().items():
            if key in ("name", "trainable", "layer", "cell"):
                continue
            default = params[key].default if key in params else inspect.Parameter.empty
            if default is inspect.Parameter.empty or default != value:
                shown.append(f"{key}={value!r}")
        return ", ".join(shown)


def get_weights(module: nn.Module) -> list[np.ndarray]:
    """Copies of a module's weights as NumPy arrays, in parameters() order (Keras's get_weights)."""
    return [p.detach().cpu().numpy().copy() for p in module.parameters()]


def set_weights(module: nn.Module, weights: list, what: str) -> None:
    """Copy arrays into a module's weights in parameters() order, checking count and shapes."""
    params = list(module.parameters())
    if len(weights) != len(params):
        raise ValueError(
            f"{what} expects {len(params)} weight arrays (one per weight, as get_weights "
            f"returns them: {[tuple(p.shape) for p in params]}), got {len(weights)}.")
    with torch.no_grad():
        for i, (p, w) in enumerate(zip(params, weights)):
            w = torch.as_tensor(np.asarray(w))
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(f"{what}: weight {i} of shape {tuple(p.shape)} expected, got "
                                 f"{tuple(w.shape)}.")
            p.copy_(w)


def check_features(layer: Layer, x: Tensor, expected_ndim: int, hint: str = "") -> None:
    """Raise a clear error when x has the wrong rank or the wrong feature size."""
    if x.dim() != expected_ndim:
        letters = {2: "(batch, features)", 3: "(batch, time, features)"}[expected_ndim]
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r} expects input of shape {letters}, got shape "
            f"{tuple(x.shape)} (rank {x.dim()}).{(' ' + hint) if hint else ''}")
