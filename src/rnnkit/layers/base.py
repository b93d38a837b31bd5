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
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s).lower()


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
        """Copies of the weights as NumPy arrays in Keras's order and shapes.

        Keras's order: the layer's own weights (trainable, then non-trainable: parameters,
        then floating-point buffers), then each sublayer's get_weights() in turn. A layer whose
        tensors are stored in PyTorch's layout (Dense's (units, D) kernel, the recurrent cells)
        converts them in `_own_keras_weights` / `_set_own_keras_weights`.
        """
        arrays = self._own_keras_weights()
        for child in self.children():
            arrays += child.get_weights() if isinstance(child, Layer) else get_weights(child)
        return arrays

    def set_weights(self, weights: list) -> None:
        """Set the weights from arrays in get_weights()'s order and shapes (Keras's layout)."""
        weights = [np.asarray(w) for w in weights]
        self._build_for_weights(weights)
        expected = [w.shape for w in self.get_weights()]
        check_weight_shapes(f"{type(self).__name__} {self.name!r}", expected, weights)
        n_own = len(self._own_keras_weights())
        self._set_own_keras_weights(weights[:n_own])
        at = n_own
        for child in self.children():
            n = len(child.get_weights() if isinstance(child, Layer) else get_weights(child))
            part = weights[at:at + n]
            child.set_weights(part) if isinstance(child, Layer) else \
                set_weights(child, part, type(child).__name__)
            at += n

    def _own_keras_weights(self) -> list[np.ndarray]:
        """This layer's own weights (not its sublayers'), in Keras's layout."""
        return [_numpy(t) for t in _own_tensors(self)]

    def _set_own_keras_weights(self, weights: list[np.ndarray]) -> None:
        """Copy arrays of _own_keras_weights()'s shapes into this layer's own tensors."""
        with torch.no_grad():
            for t, w in zip(_own_tensors(self), weights):
                t.copy_(torch.as_tensor(w, dtype=t.dtype))

    def _build_for_weights(self, weights: list[np.ndarray]) -> None:
        """Build an unbuilt layer from the weights' shapes when they tell its input size."""

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


def _own_tensors(module: nn.Module) -> list[Tensor]:
    """A module's own parameters, then its own floating-point persistent buffers."""
    params = [p for p in module._parameters.values() if p is not None]
    buffers = [b for k, b in module._buffers.items()
               if b is not None and b.is_floating_point()
               and k not in module._non_persistent_buffers_set]
    return params + buffers


def _numpy(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def check_weight_shapes(what: str, expected: list[tuple], weights: list[np.ndarray]) -> None:
    """Raise a clear error when the arrays do not match get_weights()'s count and shapes."""
    shapes = [tuple(s) for s in expected]
    if len(weights) != len(shapes):
        raise ValueError(
            f"{what} expects {len(shapes)} weight arrays in Keras's layout ({shapes}), got "
            f"{len(weights)} ({[tuple(w.shape) for w in weights]}). Pass the list that "
            "get_weights() returns for the same architecture.")
    for i, (shape, w) in enumerate(zip(shapes, weights)):
        if tuple(w.shape) != shape:
            raise ValueError(
                f"{what}: weight {i} must have shape {shape} (Keras's layout), got "
                f"{tuple(w.shape)}. Is the layer built for the same input size and units?")


def get_layer_weights(layers) -> list[np.ndarray]:
    """A model's get_weights(): each layer's get_weights() in order, concatenated (Keras)."""
    arrays: list[np.ndarray] = []
    for layer in layers:
        arrays += layer.get_weights() if isinstance(layer, Layer) else get_weights(layer)
    return arrays


def set_layer_weights(layers, weights: list, what: str) -> None:
    """A model's set_weights(): split the list by each layer's count and set it in turn."""
    weights = [np.asarray(w) for w in weights]
    counts = [len(layer.get_weights() if isinstance(layer, Layer) else get_weights(layer))
              for layer in layers]
    if sum(counts) != len(weights):
        shapes = [tuple(w.shape) for w in get_layer_weights(layers)]
        raise ValueError(
            f"{what} expects {sum(counts)} weight arrays in Keras's layout ({shapes}), got "
            f"{len(weights)}. Pass the list get_weights() returns for the same architecture "
            "(build the model first, e.g. with Input(shape=...)).")
    at = 0
    for layer, n in zip(layers, counts):
        part = weights[at:at + n]
        layer.set_weights(part) if isinstance(layer, Layer) else set_weights(layer, part, what)
        at += n


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
