"""Transposed convolutions (Conv1DTranspose, Conv2DTranspose): the upsampling half of a
convolutional autoencoder, on PyTorch's conv_transpose kernels.

Shapes: B batch, T steps, C input channels, F filters, k kernel size, s stride,
k_eff = d(k-1) + 1. A transposed convolution is the adjoint (the gradient with respect to
its input) of the convolution with the same kernel: each input step scatters k weighted
copies of itself, s steps apart.

    full[s t + d j] += W_j x_t            full has (T-1) s + k_eff steps
    y = full[left : left + T_out] + b     (zero past the end of full)

As TensorFlow defines it (tf.nn.conv1d_transpose, the gradient of a "same"/"valid" conv):
    valid: T_out = T s + max(k_eff - s, 0),  left = 0
    same:  T_out = T s,                      left = max((T-1) s + k_eff - T_out, 0) // 2
    output_padding p given: T_out = (T-1) s + k_eff - 2 pad + p  (pad = k_eff // 2 if same)
(Keras 3's torch backend shifts odd kernels with "same" and stride > 1 by one step against
TensorFlow; rnnkit follows TensorFlow, where Keras models are mostly trained.)

Weights: W stored as PyTorch lays it out, (C, F, k...); Keras's kernel is (k..., F, C).

    >>> up = Conv1DTranspose(filters=2, kernel_size=3, strides=2, padding="same")
    >>> up(torch.zeros(1, 5, 4)).shape
    torch.Size([1, 10, 2])
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import activations, initializers
from .base import Layer, Shape
from .convolutional import (conv_repr, data_format_arg, init_kernel, int_tuple,
                            keras_kernel_weights, padding_arg, to_channels_first,
                            to_channels_last)


def transposed_length(T: int | None, k: int, s: int, d: int, padding: str,
                      output_padding: int | None) -> int | None:
    """T_out of a transposed convolution along one axis, as TensorFlow and Keras count it."""
    if T is None:
        return None
    k_eff = d * (k - 1) + 1
    if output_padding is None:
        return T * s + max(k_eff - s, 0) if padding == "valid" else T * s
    pad = k_eff // 2 if padding == "same" else 0
    return (T - 1) * s + k_eff - 2 * pad + output_padding


class _ConvTranspose(Layer):
    rank = 1
    _required_config_keys = ("filters", "kernel_size")

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        kind, n = type(self).__name__, self.rank
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{kind} filters must be a positive integer, got {filters!r}.")
        self.filters = filters
        self.kernel_size = int_tuple(kind, "kernel_size", kernel_size, n)
        self.strides = int_tuple(kind, "strides", strides, n)
        self.dilation_rate = int_tuple(kind, "dilation_rate", dilation_rate, n)
        self.output_padding = (None if output_padding is None else
                               int_tuple(kind, "output_padding", output_padding, n, True))
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{kind} output_padding {self.output_padding} must be smaller "
                             f"than strides {self.strides}.")
        self.padding = padding_arg(kind, padding, ("valid", "same"))
        self.data_format = data_format_arg(kind, data_format)
        self.activation = activations.get(activation)
        self.activation_name = activations.name_of(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        initializers.get(bias_initializer)

    def _channels(self, shape: Shape):
        return shape[-1] if self.data_format == "channels_last" else shape[1]

    def build(self, input_shape: Shape) -> None:
        C = self._channels(input_shape)
        if C is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known channel axis, "
                             f"got input shape {tuple(input_shape)}.")
        # fans as Keras counts them for its (k..., F, C) kernel: in = F*prod(k), out = C*prod(k)
        kernel = init_kernel(self.kernel_initializer,
                             torch.empty(C, self.filters, *self.kernel_size))
        self.W = nn.Parameter(kernel)                                     # (C, F, k...)
        if self.use_bias:
            bias = torch.empty(self.filters)
            self.b = nn.Parameter(initializers.get(self.bias_initializer)(bias))
        else:
            self.register_parameter("b", None)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != self.rank + 2:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects input of rank "
                             f"{self.rank + 2} (batch, ..., channels), got shape "
                             f"{tuple(x.shape)}.")
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        if self._channels(tuple(x.shape)) != self.W.shape[0]:
            raise ValueError(f"{type(self).__name__} {self.name!r} was built for "
                             f"{self.W.shape[0]} input channels, got input shape "
                             f"{tuple(x.shape)}.")
        if self.data_format == "channels_last":
            x = to_channels_first(x)                                # (B, C, *spatial)
        conv_t = F.conv_transpose1d if self.rank == 1 else F.conv_transpose2d
        full = conv_t(x, self.W, None, self.strides, 0, 0, 1, self.dilation_rate)
        y = self._crop(full, x.shape[2:])
        if self.b is not None:
            y = y + self.b.reshape(1, -1, *(1,) * self.rank)
        y = self.activation(y)
        return to_channels_last(y) if self.data_format == "channels_last" else y

    def _crop(self, full: Tensor, spatial) -> Tensor:
        """full[left : left + T_out] on each spatial axis, zeros past its end."""
        pads = []
        for i, T in enumerate(spatial):
            k, s, d = self.kernel_size[i], self.strides[i], self.dilation_rate[i]
            op = None if self.output_padding is None else self.output_padding[i]
            T_out = transposed_length(T, k, s, d, self.padding, op)
            left = (max((T - 1) * s + d * (k - 1) + 1 - T_out, 0) // 2
                    if self.padding == "same" else 0)
            L = full.shape[2 + i]
            full = full.narrow(2 + i, left, min(T_out, L - left))
            pads.append(T_out - full.shape[2 + i])
        flat = [p for pad in reversed(pads) for p in (0, pad)]
        return F.pad(full, flat) if any(pads) else full

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        ops = self.output_padding or (None,) * self.rank
        out = tuple(transposed_length(T, k, s, d, self.padding, op) for T, k, s, d, op in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops))
        return ((input_shape[0], self.filters) + out if first
                else (input_shape[0],) + out + (self.filters,))

    def extra_repr(self) -> str:
        return conv_repr(self)

    def get_weights(self) -> list[np.ndarray]:
        """[kernel (k..., F, C), bias (F,)] as Keras stores them."""
        return keras_kernel_weights(self)

    def set_weights(self, weights: list) -> None:
        n, what = (2 if self.use_bias else 1), f"{type(self).__name__} {self.name!r}"
        if len(weights) != n:
            raise ValueError(f"{what} expects {n} weight arrays ([kernel"
                             f"{', bias' if self.use_bias else ''}] in Keras's layout), got "
                             f"{len(weights)}.")
        kernel = torch.as_tensor(np.asarray(weights[0], dtype=np.float32))
        if kernel.dim() != self.rank + 2:
            raise ValueError(f"{what}: kernel of rank {self.rank + 2} (k..., filters, in) "
                             f"expected, got shape {tuple(kernel.shape)}.")
        if not self.built:
            C = kernel.shape[-1]
            self.maybe_build((None,) + (None,) * self.rank + (C,) if self.data_format ==
                             "channels_last" else (None, C) + (None,) * self.rank)
        expected = [tuple(self.kernel_size) + (self.filters, self.W.shape[0]), (self.filters,)]
        shapes = [tuple(kernel.shape)] + [tuple(np.shape(w)) for w in weights[1:]]
        if shapes != expected[:n]:
            raise ValueError(f"{what}: weights of shapes {expected[:n]} expected (Keras's "
                             f"layout), got {shapes}.")
        with torch.no_grad():
            self.W.copy_(kernel.permute(self.rank + 1, self.rank, *range(self.rank)))
            if self.use_bias:
                self.b.copy_(torch.as_tensor(np.asarray(weights[1])))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding,
                "output_padding": None if self.output_padding is None
                else list(self.output_padding),
                "data_format": self.data_format, "dilation_rate": list(self.dilation_rate),
                "activation": self.activation_name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution: (B, T, C) -> (B, T_out, filters), T_out = T s with "same".

    The decoder half of a Conv1D autoencoder: Conv1D(strides=2) halves the steps,
    Conv1DTranspose(strides=2, padding="same") doubles them back.
    """

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution: (B, H, W, C) -> (B, H s_h, W s_w, filters) with "same"."""

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 output_padding=None, data_format: str | None = None, dilation_rate=(1, 1),
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, name=name, input_shape=input_shape,
                         trainable=trainable)
