"""Activation layers with arguments: ReLU, LeakyReLU, ELU, PReLU, Softmax.

Every one keeps its input's shape and mask.

    ReLU(max_value, negative_slope, threshold):
        y = max_value                      x >= max_value
        y = x                              threshold <= x < max_value
        y = negative_slope (x - threshold) otherwise
    LeakyReLU(negative_slope=0.3):  y = x if x >= 0 else negative_slope x
    ELU(alpha=1.0):                 y = x if x > 0 else alpha (e^x - 1)
    PReLU():                        y = x if x >= 0 else a x, a learned per unit (Keras: zeros)
    Softmax(axis=-1):               y = e^x / sum_axis e^x; masked positions give 0

    >>> x = torch.tensor([-2.0, 0.5, 8.0])
    >>> ReLU(max_value=6.0)(x).tolist()
    [0.0, 0.5, 6.0]
    >>> LeakyReLU(negative_slope=0.5)(x).tolist()
    [-1.0, 0.5, 8.0]
    >>> Softmax()(torch.zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from .base import Layer, Shape


def _number(layer: str, arg: str, value, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{layer} {arg} must be a number >= 0, got {value!r}.")
    return float(value)


class ReLU(Layer):
    """Rectified linear unit with Keras's options: a cap, a slope below, a threshold."""

    supports_masking = True

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.max_value = _number("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope)
        self.threshold = _number("ReLU", "threshold", threshold)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if self.negative_slope == 0.0 and self.threshold == 0.0:
            y = torch.relu(x)
        else:
            y = torch.where(x >= self.threshold, x, self.negative_slope * (x - self.threshold))
        return y if self.max_value is None else y.clamp(max=self.max_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """y = x for x >= 0, negative_slope * x below (Keras 2 called it alpha)."""

    supports_masking = True

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None, *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        slope = negative_slope if alpha is None else alpha
        self.negative_slope = _number("LeakyReLU", "negative_slope", slope)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """y = x for x > 0, alpha (e^x - 1) below."""

    supports_masking = True

    def __init__(self, alpha: float = 1.0, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise TypeError(f"ELU alpha must be a number, got {alpha!r}.")
        self.alpha = float(alpha)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return F.elu(x, self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """y = x for x >= 0, a * x below, with a learned slope a per input unit.

    Shapes: a has the input's shape without the batch, with size 1 on `shared_axes`
    (counted from 1, as in Keras), e.g. shared_axes=[1] shares a over time.
    """

    supports_masking = True

    def __init__(self, alpha_initializer="zeros", shared_axes=None, *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.alpha_initializer = alpha_initializer.lower() if isinstance(
            alpha_initializer, str) else alpha_initializer        # Keras writes "Zeros"
        initializers.get(self.alpha_initializer)
        axes = [shared_axes] if isinstance(shared_axes, int) else shared_axes
        if axes is not None and not all(isinstance(a, int) and a >= 1 for a in axes):
            raise ValueError(f"PReLU shared_axes must be axes counted from 1 (after the batch), "
                             f"got {shared_axes!r}.")
        self.shared_axes = None if axes is None else list(axes)

    def build(self, input_shape: Shape) -> None:
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if a > len(shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {a} is out of range for "
                                 f"inputs of shape {tuple(input_shape)}.")
            shape[a - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU {self.name!r} needs known sizes on the axes it does not "
                             f"share, got input shape {tuple(input_shape)}; share the time "
                             "axis with shared_axes=[1].")
        self.alpha = nn.Parameter(initializers.get(self.alpha_initializer)(torch.empty(shape)))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        self._build_from(x)
        return torch.relu(x) - self.alpha * torch.relu(-x)

    def set_weights(self, weights: list) -> None:
        """[alpha], Keras's layout (the input shape without the batch, 1 on shared axes);
        an unbuilt layer takes its shape from the array."""
        if not self.built and len(weights) == 1:
            self.maybe_build((None,) + tuple(np.shape(weights[0])))
        super().set_weights(weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha_initializer": self.alpha_initializer,
                "shared_axes": self.shared_axes}


class Softmax(Layer):
    """y = e^x / sum_axis e^x along `axis` (an int or a list of axes).

    A mask broadcastable to x (Keras) or a (B, T) step mask on (B, T, D) scores: masked
    positions get no weight and output 0.
    """

    supports_masking = True

    def __init__(self, axis=-1, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        axes = [axis] if isinstance(axis, int) and not isinstance(axis, bool) else axis
        if not isinstance(axes, (list, tuple)) or not axes or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise TypeError(f"Softmax axis must be an integer or a list of integers, got "
                            f"{axis!r}.")
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        if mask is not None:
            mask = mask if mask.dtype == torch.bool else mask > 0.5
            if mask.dim() == x.dim() - 1 and tuple(mask.shape) == tuple(x.shape[:-1]):
                mask = mask.unsqueeze(-1)                            # a (B, T) step mask
            x = x.masked_fill(~mask, torch.finfo(x.dtype).min / 2)
        y = (torch.softmax(x, dim=axes[0]) if len(axes) == 1
             else torch.exp(x - torch.logsumexp(x, dim=axes, keepdim=True)))
        return y if mask is None else y.masked_fill(~mask, 0.0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
