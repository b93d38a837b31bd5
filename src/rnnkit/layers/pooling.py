"""Pooling over windows (MaxPooling1D/2D, AveragePooling1D/2D) and over whole axes
(GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D), on PyTorch's kernels.

Shapes: B batch, T time steps, C channels, k pool size, s stride (default: k).

    MaxPooling1D:      y_t = max_{j<k} x_{s t + j}           (B, T, C) -> (B, T', C)
    AveragePooling1D:  y_t = mean_{j<k} x_{s t + j}
    GlobalMax/Average: y = max_t x_t / mean_t x_t           (B, T, C) -> (B, C)

padding "same" gives T' = ceil(T/s) and pads as TensorFlow does (extra on the right); padded
cells never win a max and never count in an average. GlobalAveragePooling1D with a mask
averages the real steps only, y = sum_t m_t x_t / sum_t m_t, as Keras does (a sequence with
no real step gives 0 where Keras gives 0/0 = NaN).

    >>> x = torch.tensor([[[1.0], [5.0], [2.0], [4.0]]])
    >>> MaxPooling1D(pool_size=2)(x).flatten().tolist()
    [5.0, 4.0]
    >>> AveragePooling1D(pool_size=2)(x).flatten().tolist()
    [3.0, 3.0]
    >>> GlobalMaxPooling1D()(x).tolist()
    [[5.0]]
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from .base import Layer, Shape
from .convolutional import (changed_arguments, check_window_fits, data_format_arg, int_tuple,
                            output_length, padding_arg, same_padding, to_channels_first,
                            to_channels_last)


def _rank_check(layer: Layer, x: Tensor, rank: int) -> None:
    if x.dim() != rank + 2:
        axes = "time" if rank == 1 else "height, width"
        order = (f"(batch, {axes}, channels)" if layer.data_format == "channels_last"
                 else f"(batch, channels, {axes})")
        raise ValueError(f"{type(layer).__name__} {layer.name!r} expects input of shape {order}, "
                         f"got shape {tuple(x.shape)} (rank {x.dim()}).")


class _Pool(Layer):
    """Window pooling: Keras's arguments, PyTorch's max_pool / avg_pool."""

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding: str = "valid",
                 data_format: str | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        kind = type(self).__name__
        self.pool_size = int_tuple(kind, "pool_size", pool_size, self.rank)
        self.strides = (self.pool_size if strides is None
                        else int_tuple(kind, "strides", strides, self.rank))
        self.padding = padding_arg(kind, padding, ("valid", "same"))
        self.data_format = data_format_arg(kind, data_format)
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _rank_check(self, x, self.rank)
        if not x.is_floating_point():
            x = x.float()
        if self.data_format == "channels_last":
            x = to_channels_first(x)                                # (B, C, *spatial)
        y = self._pool(x)
        return to_channels_last(y) if self.data_format == "channels_last" else y

    def _pool(self, x: Tensor) -> Tensor:
        k, s = self.pool_size, self.strides
        check_window_fits(self, x.shape[2:], k, self.padding)
        if self.padding == "same":
            pads = [same_padding(L, ki, si) for L, ki, si in zip(x.shape[2:], k, s)]
            flat = [p for pair in reversed(pads) for p in pair]
        if self.mode == "max":
            if self.padding == "same":
                x = F.pad(x, flat, value=float("-inf"))              # never the max
            return (F.max_pool1d if self.rank == 1 else F.max_pool2d)(x, k, s)
        avg = F.avg_pool1d if self.rank == 1 else F.avg_pool2d
        if self.padding == "valid":
            return avg(x, k, s)
        # same: average over the real cells only = pooled sum of x / pooled count of cells
        ones = x.new_ones((1, 1) + tuple(x.shape[2:]))
        return avg(F.pad(x, flat), k, s) / avg(F.pad(ones, flat), k, s)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        out = tuple(output_length(L, k, s, 1, self.padding)
                    for L, k, s in zip(spatial, self.pool_size, self.strides))
        return ((input_shape[0], input_shape[1]) + out if first
                else (input_shape[0],) + out + (input_shape[-1],))

    def extra_repr(self) -> str:
        return ", ".join(changed_arguments(self, type(self)(name=self.name)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format}


class MaxPooling1D(_Pool):
    """Max over windows of pool_size steps: y_t = max_{j<k} x_{s t + j}, per channel."""

    rank, mode = 1, "max"


class AveragePooling1D(_Pool):
    """Mean over windows of pool_size steps: y_t = (1/k) sum_{j<k} x_{s t + j}."""

    rank, mode = 1, "average"


class MaxPooling2D(_Pool):
    """Max over pool_size windows of an image: (B, H, W, C) -> (B, H', W', C)."""

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid",
                 data_format: str | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(pool_size, strides, padding, data_format, name=name,
                         input_shape=input_shape, trainable=trainable)


class AveragePooling2D(MaxPooling2D):
    """Mean over pool_size windows of an image: (B, H, W, C) -> (B, H', W', C)."""

    rank, mode = 2, "average"


class _GlobalPool(Layer):
    """Reduce every spatial axis: (B, *spatial, C) -> (B, C), or (B, 1.., C) with keepdims."""

    rank, mode = 1, "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, *,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.data_format = data_format_arg(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)
        self.built = True

    def _axes(self) -> tuple[int, ...]:
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        _rank_check(self, x, self.rank)
        if not x.is_floating_point():
            x = x.float()
        if self.mode == "max":
            return x.amax(dim=self._axes(), keepdim=self.keepdims)
        return x.mean(dim=self._axes(), keepdim=self.keepdims)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if self.data_format == "channels_last":
            return ((input_shape[0],) + (1,) * self.rank + (input_shape[-1],) if self.keepdims
                    else (input_shape[0], input_shape[-1]))
        return ((input_shape[0], input_shape[1]) + (1,) * self.rank if self.keepdims
                else (input_shape[0], input_shape[1]))

    def extra_repr(self) -> str:
        return ", ".join(changed_arguments(self, type(self)(name=self.name)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPool):
    """y = max_t x_t per channel: (B, T, C) -> (B, C). Ignores masks, as Keras 3 does."""

    rank, mode = 1, "max"


class GlobalAveragePooling1D(_GlobalPool):
    """y = mean over the real steps: sum_t m_t x_t / sum_t m_t, (B, T, C) -> (B, C).

    The mask (B, T) comes from Embedding(mask_zero=True) or Masking; without one every step
    counts. The output has no time axis, so no mask goes on.
    """

    rank, mode = 1, "average"
    supports_masking = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is None:
            return super().forward(x)
        _rank_check(self, x, 1)
        if not x.is_floating_point():
            x = x.float()
        steps = 1 if self.data_format == "channels_last" else 2
        m = mask.to(x.dtype).unsqueeze(2 if steps == 1 else 1)          # (B, T, 1) or (B, 1, T)
        total = (x * m).sum(dim=steps, keepdim=self.keepdims)
        count = m.sum(dim=steps, keepdim=self.keepdims).clamp(min=1.0)  # all-padding rows: 0
        return total / count

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> None:
        return None


class GlobalMaxPooling2D(_GlobalPool):
    """y = max over height and width per channel: (B, H, W, C) -> (B, C)."""

    rank, mode = 2, "max"


class GlobalAveragePooling2D(_GlobalPool):
    """y = mean over height and width per channel: (B, H, W, C) -> (B, C)."""

    rank, mode = 2, "average"


# Keras's short names for the same classes.
MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D = (MaxPooling1D, AveragePooling1D, MaxPooling2D,
                                              AveragePooling2D)
GlobalMaxPool1D, GlobalAvgPool1D = GlobalMaxPooling1D, GlobalAveragePooling1D
GlobalMaxPool2D, GlobalAvgPool2D = GlobalMaxPooling2D, GlobalAveragePooling2D
