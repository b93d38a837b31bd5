"""Regularization layers: noise and penalties while training, identity at inference.

Shapes: B batch, T time steps, C channels; every layer keeps its input's shape and mask.

    SpatialDropout1D(rate):  y[b, :, c] = x[b, :, c] * z[b, c] / (1 - rate),  z ~ Bernoulli(1-rate)
                             (a whole channel is dropped for every step of a sample)
    SpatialDropout2D(rate):  the same per channel of an image, for every pixel
    GaussianNoise(stddev):   y = x + e,     e ~ N(0, stddev^2)
    GaussianDropout(rate):   y = x * e,     e ~ N(1, rate / (1 - rate))
    ActivityRegularization(l1, l2): y = x, and a loss (l1 sum|x| + l2 sum x^2) / B
                             in `layer.losses` for the training loop to add

Noise is drawn only in training mode (`layer.train()`, as `fit` sets it); a `seed` gives the
layer its own random generator, so two runs draw the same noise.

    >>> drop = SpatialDropout1D(0.5)
    >>> x = torch.ones(1, 4, 2)
    >>> y = drop(x)
    >>> [sorted(set(y[0, :, c].tolist())) in ([0.0], [2.0]) for c in range(2)]
    [True, True]
    >>> torch.equal(drop.eval()(x), x)
    True
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .base import Layer, Shape
from .convolutional import data_format_arg


def _rate(layer: str, arg: str, value, high_open: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer} {arg} must be a number, got {value!r} "
                        f"({type(value).__name__}).")
    if not (0.0 <= value < 1.0 if high_open else 0.0 <= value <= 1.0):
        raise ValueError(f"{layer} {arg} must be in [0, {'1)' if high_open else '1]'}, "
                         f"got {value}.")
    return float(value)


def _seed(layer: str, seed) -> int | None:
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(f"{layer} seed must be an integer or None, got {seed!r}.")
    return seed


class _Noise(Layer):
    """Shared: a rate-like argument, an optional seed, and random draws in training only."""

    supports_masking = True

    def __init__(self, seed: int | None, *, name, input_shape, trainable):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.seed = _seed(type(self).__name__, seed)
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.built = True

    def _uniform(self, shape, like: Tensor) -> Tensor:
        if self._generator is None:
            return torch.rand(shape, dtype=like.dtype, device=like.device)
        return torch.rand(shape, generator=self._generator, dtype=like.dtype).to(like.device)

    def _normal(self, shape, like: Tensor) -> Tensor:
        if self._generator is None:
            return torch.randn(shape, dtype=like.dtype, device=like.device)
        return torch.randn(shape, generator=self._generator, dtype=like.dtype).to(like.device)


class SpatialDropout1D(_Noise):
    """Dropout of whole channels: one keep/drop draw per (sample, channel), for every step.

        y[b, t, c] = x[b, t, c] * z[b, c] / (1 - rate)      z ~ Bernoulli(1 - rate)

    Shapes: (B, T, C) -> (B, T, C). Neighbouring steps of a channel are correlated, so
    dropping single values regularises little; dropping the channel does.
    """

    def __init__(self, rate: float, seed: int | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(seed, name=name, input_shape=input_shape, trainable=trainable)
        self.rate = _rate("SpatialDropout1D", "rate", rate)

    def _noise_shape(self, x: Tensor) -> tuple:
        if x.dim() != 3:
            raise ValueError(f"SpatialDropout1D {self.name!r} expects input of shape (batch, "
                             f"time, channels), got shape {tuple(x.shape)} (rank {x.dim()}).")
        return (x.shape[0], 1, x.shape[2])

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        shape = self._noise_shape(x)
        if not self.training or self.rate == 0.0:
            return x
        keep = (self._uniform(shape, x) >= self.rate).to(x.dtype)    # z, broadcast over time
        return x * keep / (1.0 - self.rate)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole channels of an image: (B, H, W, C), one draw per (sample, channel)."""

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(rate, seed, name=name, input_shape=input_shape, trainable=trainable)
        self.data_format = data_format_arg("SpatialDropout2D", data_format)

    def _noise_shape(self, x: Tensor) -> tuple:
        if x.dim() != 4:
            raise ValueError(f"SpatialDropout2D {self.name!r} expects images of rank 4, got "
                             f"shape {tuple(x.shape)} (rank {x.dim()}).")
        if self.data_format == "channels_last":
            return (x.shape[0], 1, 1, x.shape[3])
        return (x.shape[0], x.shape[1], 1, 1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class GaussianNoise(_Noise):
    """Additive noise while training: y = x + e, e ~ N(0, stddev^2). Identity at inference."""

    def __init__(self, stddev: float, seed: int | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(seed, name=name, input_shape=input_shape, trainable=trainable)
        self.stddev = _rate("GaussianNoise", "stddev", stddev, high_open=False)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self.training or self.stddev == 0.0:
            return x
        return x + self.stddev * self._normal(x.shape, x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplicative noise while training: y = x * e, e ~ N(1, rate / (1 - rate))."""

    def __init__(self, rate: float, seed: int | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(seed, name=name, input_shape=input_shape, trainable=trainable)
        self.rate = _rate("GaussianDropout", "rate", rate)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self.training or self.rate == 0.0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * (1.0 + stddev * self._normal(x.shape, x))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds a penalty on its input to the loss:

        y = x,    loss = (l1 * sum |x| + l2 * sum x^2) / B

    (Keras's activity regularizer, divided by the batch size as Keras 3 does.) The penalty of
    the last call is `layer.losses[0]`, a tensor that gradients flow through.
    """

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        for arg, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"ActivityRegularization {arg} must be a number >= 0, got "
                                 f"{value!r}.")
        self.l1, self.l2 = float(l1), float(l2)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        self.__dict__.get("_added_losses", []).clear()          # the last call's penalty
        penalty = self.l1 * x.abs().sum() + self.l2 * x.square().sum()
        self.add_loss(penalty / x.shape[0] if x.dim() > 0 else penalty)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
