"""Reshaping layers: RepeatVector, Flatten, Reshape, Permute, and UpSampling1D,
ZeroPadding1D, Cropping1D on the time axis. No weights, no arithmetic.

Shapes: B batch, T time steps, D features. The batch axis is never touched: each layer
rearranges the axes after it. None of them keeps a mask (as in Keras 3): a (B, T) mask
no longer names the steps once the time axis has been repeated, merged or moved.

    RepeatVector(n):    (B, D)        -> (B, n, D)       the encoder-decoder bridge
    Flatten():          (B, d1, d2..) -> (B, d1*d2*..)
    Reshape((a, -1)):   (B, d1, d2..) -> (B, a, d1*d2*../a)
    Permute((2, 1)):    (B, T, D)     -> (B, D, T)       dims count from 1, batch excluded
    UpSampling1D(s):    (B, T, D)     -> (B, s*T, D)     each step repeated s times
    ZeroPadding1D((a, b)): (B, T, D)  -> (B, a+T+b, D)   zero steps before and after
    Cropping1D((a, b)): (B, T, D)     -> (B, T-a-b, D)   steps cut from both ends

    >>> RepeatVector(3)(torch.zeros(2, 5)).shape
    torch.Size([2, 3, 5])
    >>> Flatten()(torch.zeros(2, 3, 4)).shape
    torch.Size([2, 12])
    >>> Reshape((2, -1))(torch.zeros(2, 3, 4)).shape
    torch.Size([2, 2, 6])
    >>> Permute((2, 1))(torch.zeros(2, 3, 4)).shape
    torch.Size([2, 4, 3])
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from .base import Layer, Shape
from .convolutional import data_format_arg, int_tuple


def _positive_int(layer: str, arg: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{layer} {arg} must be an integer, got {value!r} "
                        f"({type(value).__name__}).")
    if value <= 0:
        raise ValueError(f"{layer} {arg} must be a positive integer, got {value}.")
    return value


def _rank_error(layer: Layer, x: Tensor, expected: str, hint: str = "") -> ValueError:
    return ValueError(
        f"{type(layer).__name__} {layer.name!r} expects input of shape {expected}, got shape "
        f"{tuple(x.shape)} (rank {x.dim()}).{(' ' + hint) if hint else ''}")


class RepeatVector(Layer):
    """Repeat a vector n times along a new time axis.

        y[b, t, :] = x[b, :]      for t = 0 .. n-1

    Shapes: (B, D) -> (B, n, D). The usual bridge from an encoder's last state to a
    decoder that reads one copy per output step.
    """

    def __init__(self, n: int, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.n = _positive_int("RepeatVector", "n", n)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != 2:
            raise _rank_error(self, x, "(batch, features)",
                              "Take the last step first (an LSTM without return_sequences).")
        return x.unsqueeze(1).expand(-1, self.n, -1)                   # (B, n, D), a view

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.n, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class Flatten(Layer):
    """Merge every axis after the batch into one: (B, d1, d2, ...) -> (B, d1*d2*...).

    With data_format="channels_first" the channel axis (axis 1) is moved last before the
    merge, so that the order of the values matches a channels_last model. A (B,) input
    becomes (B, 1).
    """

    def __init__(self, data_format: str | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.data_format = data_format_arg("Flatten", data_format)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() == 0:
            raise _rank_error(self, x, "(batch, ...)")
        if self.data_format == "channels_first" and x.dim() > 2:
            x = x.permute(0, *range(2, x.dim()), 1)
        return x.reshape(x.shape[0], -1) if x.dim() > 1 else x.reshape(-1, 1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = tuple(input_shape[1:])
        if not rest:
            return (input_shape[0], 1)
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Give the values after the batch axis a new shape; one entry may be -1 (inferred).

        Reshape((3, 4)):  (B, 12) -> (B, 3, 4)
        Reshape((-1, 2)): (B, 3, 4) -> (B, 6, 2)
    """

    def __init__(self, target_shape, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        try:
            target = tuple(target_shape)
        except TypeError:
            raise TypeError(
                f"Reshape target_shape must be a tuple of sizes without the batch axis, such "
                f"as (3, 4) or (-1, 2), got {target_shape!r}.") from None
        if not all(isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1)
                   for d in target) or list(target).count(-1) > 1:
            raise ValueError(
                f"Reshape target_shape must hold positive sizes and at most one -1 (the size "
                f"to infer), got {target_shape!r}.")
        self.target_shape = target
        self.built = True

    def _resolve(self, rest: tuple) -> tuple:
        """target_shape with its -1 worked out from the input sizes `rest` (no batch)."""
        known = math.prod(d for d in self.target_shape if d != -1)
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        if -1 in self.target_shape:
            if total % known:
                raise self._mismatch(rest)
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if total != known:
            raise self._mismatch(rest)
        return self.target_shape

    def _mismatch(self, rest: tuple) -> ValueError:
        return ValueError(
            f"Reshape {self.name!r} cannot reshape inputs of shape (batch, "
            f"{', '.join(map(str, rest))}) ({math.prod(rest)} values per sample) into "
            f"target_shape {self.target_shape}. The target must hold the same number of "
            f"values; use -1 for one size to infer it.")

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return x.reshape(x.shape[0], *self._resolve(tuple(x.shape[1:])))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Reorder the axes after the batch: dims counts from 1, as in Keras.

        Permute((2, 1)): (B, T, D) -> (B, D, T)
    """

    def __init__(self, dims, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
        if not isinstance(dims, tuple) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Permute dims must be a permutation of 1..n (the axes after the batch, "
                f"counted from 1), such as (2, 1), got {dims!r}.")
        self.dims = dims
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != len(self.dims) + 1:
            raise _rank_error(self, x, f"rank {len(self.dims) + 1} (batch + {len(self.dims)} "
                              f"axes, one per entry of dims={self.dims})")
        return x.permute(0, *self.dims)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}



def _check_steps(layer: Layer, x: Tensor) -> None:
    if x.dim() != 3:
        raise _rank_error(layer, x, "(batch, time, features)")


class UpSampling1D(Layer):
    """Repeat each step `size` times: y_{s t + j} = x_t for j < s. (B, T, D) -> (B, s T, D)."""

    def __init__(self, size: int = 2, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.size = _positive_int("UpSampling1D", "size", size)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_steps(self, x)
        return x.repeat_interleave(self.size, dim=1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        T = input_shape[1]
        return (input_shape[0], None if T is None else self.size * T, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class ZeroPadding1D(Layer):
    """Add `padding` zero steps: an int for both ends or (before, after).

    Shapes: (B, T, D) -> (B, before + T + after, D); channels_first pads the last axis.
    """

    def __init__(self, padding=1, data_format: str | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.padding = int_tuple("ZeroPadding1D", "padding", padding, 2, allow_zero=True)
        self.data_format = data_format_arg("ZeroPadding1D", data_format)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_steps(self, x)
        if self.data_format == "channels_first":
            return torch.nn.functional.pad(x, self.padding)
        return torch.nn.functional.pad(x, (0, 0) + self.padding)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        shape = list(input_shape)
        axis = 2 if self.data_format == "channels_first" else 1
        shape[axis] = None if shape[axis] is None else shape[axis] + sum(self.padding)
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": list(self.padding),
                "data_format": self.data_format}


class Cropping1D(Layer):
    """Cut `cropping` = (before, after) steps off the time axis: (B, T, D) -> (B, T-a-b, D)."""

    def __init__(self, cropping=(1, 1), *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.cropping = int_tuple("Cropping1D", "cropping", cropping, 2, allow_zero=True)
        self.built = True

    def _length(self, T: int | None) -> int | None:
        if T is not None and T - sum(self.cropping) <= 0:
            raise ValueError(f"Cropping1D {self.name!r} cannot cut {sum(self.cropping)} steps "
                             f"(cropping={self.cropping}) from sequences of {T} steps: at least "
                             "one step must remain.")
        return None if T is None else T - sum(self.cropping)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _check_steps(self, x)
        T = self._length(x.shape[1])
        return x[:, self.cropping[0]:self.cropping[0] + T]

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self._length(input_shape[1]), input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": list(self.cropping)}
