"""Convolutions over time (Conv1D), images (Conv2D) and volumes (Conv3D), on PyTorch's kernels.

Shapes: B batch, T time steps, C input channels, F filters, k kernel size, s stride,
d dilation. Outside, tensors are Keras's "channels_last" (B, T, C) / (B, H, W, C); inside,
PyTorch's (B, C, T) / (B, C, H, W) for F.conv1d / F.conv2d.

    y[b, t, f] = act( b_f + sum_{j<k, c} W[f, c, j] * x[b, s*t + d*j - p_left, c] )

Padding, per spatial axis of length L (as Keras and TensorFlow do it):
    valid:  no padding                          out = floor((L - d(k-1) - 1) / s) + 1
    same:   p = max((out-1)s + d(k-1) + 1 - L, 0), left p//2, right the rest;  out = ceil(L/s)
    causal: (Conv1D only) d(k-1) zeros on the left, so y_t sees x_{<=t} only; out = ceil(L/s)

Weights are stored as PyTorch lays them out, W (F, C/groups, k...) and b (F,);
get_weights/set_weights speak Keras's layout, kernel (k..., C/groups, F) and bias (F,).

    >>> conv = Conv1D(filters=8, kernel_size=3, padding="same")
    >>> conv(torch.zeros(2, 10, 4)).shape
    torch.Size([2, 10, 8])
    >>> Conv1D(8, 3, strides=2)(torch.zeros(2, 10, 4)).shape
    torch.Size([2, 4, 8])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import activations, initializers
from .base import Layer, Shape


def int_tuple(layer: str, arg: str, value, n: int, allow_zero: bool = False) -> tuple:
    """Keras's standardize_tuple: an int or n ints -> a tuple of n positive ints."""
    values = (value,) * n if isinstance(value, int) and not isinstance(value, bool) else value
    ok = (isinstance(values, (tuple, list)) and len(values) == n
          and all(isinstance(v, int) and not isinstance(v, bool) for v in values))
    if not ok or any(v < (0 if allow_zero else 1) for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer} {arg} must be a {kind} integer or a tuple of {n} {kind} "
                         f"integers, got {value!r}.")
    return tuple(values)


def data_format_arg(layer: str, data_format: str | None) -> str:
    """Keras's data_format: None means "channels_last", (B, ..., C)."""
    data_format = "channels_last" if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer} data_format must be 'channels_last' (batch, ..., channels) or "
            f"'channels_first' (batch, channels, ...), got {data_format!r}.")
    return data_format


def padding_arg(layer: str, padding, allowed: tuple[str, ...]) -> str:
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in allowed:
        raise ValueError(f"{layer} padding must be one of {', '.join(map(repr, allowed))}, "
                         f"got {padding!r}.")
    return padding


def to_channels_first(x: Tensor) -> Tensor:
    """(B, *spatial, C) -> (B, C, *spatial), with positive axes so that ONNX export takes it."""
    return x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))


def to_channels_last(y: Tensor) -> Tensor:
    """(B, C, *spatial) -> (B, *spatial, C)."""
    return y.permute(0, *range(2, y.dim()), 1)


def same_padding(L: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """(left, right) padding of "same" for one axis: out = ceil(L/s), extra on the right."""
    out = -(-L // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - L, 0)
    return total // 2, total - total // 2


def check_window_fits(layer: Layer, spatial, window: tuple, padding: str) -> None:
    """With padding="valid" every input axis must hold one whole window (k_eff steps)."""
    if padding != "valid":
        return
    for L, k in zip(spatial, window):
        if L < k:
            raise ValueError(
                f"{type(layer).__name__} {layer.name!r} needs at least {k} steps per axis with "
                f"padding='valid' (its window), got an input of spatial shape "
                f"{tuple(int(d) for d in spatial)}. Use longer sequences, padding='same', or a "
                "smaller window.")


def output_length(L: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    if L is None:
        return None
    if padding == "valid":
        return max((L - d * (k - 1) - 1) // s + 1, 0)
    return -(-L // s)                                   # same, causal: ceil(L / s)


# Keras's fan-based initializers, with the fans of a convolution kernel: fan_in = C/g * prod(k),
# fan_out = F * prod(k). rnnkit.initializers reads fans off a 2-D (out, in) matrix only.
def _fans(W: Tensor) -> tuple[int, int]:
    receptive = math.prod(W.shape[2:])
    return W.shape[1] * receptive, W.shape[0] * receptive


def _scaled_init(W: Tensor, scale: float, mode: str, distribution: str) -> Tensor:
    fan_in, fan_out = _fans(W)
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / n
    with torch.no_grad():
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return W.uniform_(-limit, limit)
        std = math.sqrt(variance) / 0.87962566103423978      # Keras: truncated at 2 std
        return nn.init.trunc_normal_(W, std=std, a=-2 * std, b=2 * std)


_KERNEL_INITS = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"), "glorot_normal": (1.0, "fan_avg", "normal"),
    "he_uniform": (2.0, "fan_in", "uniform"), "he_normal": (2.0, "fan_in", "normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"), "lecun_normal": (1.0, "fan_in", "normal"),
}


def changed_arguments(layer: Layer, default: Layer, skip: tuple = ()) -> list[str]:
    """The config entries of `layer` that differ from those of `default` (for the repr)."""
    base = default.get_config()
    return [f"{k}={v!r}" for k, v in layer.get_config().items()
            if k not in ("name", "trainable") + skip and base.get(k) != v]


def init_kernel(identifier, W: Tensor) -> Tensor:
    if isinstance(identifier, str) and identifier in _KERNEL_INITS:
        return _scaled_init(W, *_KERNEL_INITS[identifier])
    return initializers.get(identifier)(W)


def conv_repr(layer) -> str:
    """`Conv1D(16, kernel_size=3, padding='causal')`: the arguments that differ from the
    defaults (transposed convolutions too)."""
    k = layer.kernel_size[0] if len(set(layer.kernel_size)) == 1 else layer.kernel_size
    default = type(layer)(layer.filters, layer.kernel_size, name=layer.name)
    return ", ".join([str(layer.filters), f"kernel_size={k}"] + changed_arguments(
        layer, default, skip=("filters", "kernel_size")))


def keras_kernel_weights(layer) -> list[np.ndarray]:
    """[kernel, bias] of a (transposed) convolution in Keras's layout: PyTorch's weight
    (A, B, k...) becomes (k..., B, A); the bias as it is. Empty before the layer is built."""
    if not layer.built:
        return []
    kernel = layer.W.detach().permute(*range(2, layer.rank + 2), 1, 0)
    weights = [kernel.cpu().numpy().copy()]
    if layer.use_bias:
        weights.append(layer.b.detach().cpu().numpy().copy())
    return weights


class _Conv(Layer):
    """Shared by Conv1D and Conv2D: Keras's arguments, PyTorch's kernel."""

    rank = 1
    paddings = ("valid", "same")
    _required_config_keys = ("filters", "kernel_size")

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate=1, groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        kind, n = type(self).__name__, self.rank
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{kind} filters must be a positive integer, got {filters!r}.")
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{kind} groups must be a positive integer, got {groups!r}.")
        if filters % groups:
            raise ValueError(f"{kind} filters ({filters}) must be divisible by groups "
                             f"({groups}).")
        self.filters, self.groups = filters, groups
        self.kernel_size = int_tuple(kind, "kernel_size", kernel_size, n)
        self.strides = int_tuple(kind, "strides", strides, n)
        self.dilation_rate = int_tuple(kind, "dilation_rate", dilation_rate, n)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{kind} cannot combine strides > 1 with dilation_rate > 1 (as in Keras), got "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}.")
        self.padding = padding_arg(kind, padding, self.paddings)
        self.data_format = data_format_arg(kind, data_format)
        self.activation = activations.get(activation)
        self.activation_name = activations.name_of(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        initializers.get(bias_initializer)
        if not (isinstance(kernel_initializer, str) and kernel_initializer in _KERNEL_INITS):
            initializers.get(kernel_initializer)

    # -- building -----------------------------------------------------------------------------
    def _channels(self, shape: Shape):
        return shape[-1] if self.data_format == "channels_last" else shape[1]

    def build(self, input_shape: Shape) -> None:
        C = self._channels(input_shape)
        if C is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known channel axis, "
                             f"got input shape {tuple(input_shape)}.")
        if C % self.groups:
            raise ValueError(f"{type(self).__name__} {self.name!r}: input channels ({C}) must "
                             f"be divisible by groups ({self.groups}).")
        self.W = nn.Parameter(init_kernel(
            self.kernel_initializer,
            torch.empty(self.filters, C // self.groups, *self.kernel_size)))
        if self.use_bias:
            bias = torch.empty(self.filters)
            self.b = nn.Parameter(initializers.get(self.bias_initializer)(bias))
        else:
            self.register_parameter("b", None)

    # -- computing ----------------------------------------------------------------------------
    def _pad(self, x: Tensor) -> tuple[Tensor, tuple | int]:
        """x (B, C, *spatial) padded as Keras pads; returns (x, padding for F.conv)."""
        if self.padding == "valid":
            return x, 0
        if self.padding == "causal":                          # d(k-1) zeros before t=0
            return F.pad(x, (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)), 0
        pads = [same_padding(L, k, s, d) for L, k, s, d in
                zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)]
        if all(left == right for left, right in pads):
            return x, tuple(left for left, _ in pads)
        flat = [p for pair in reversed(pads) for p in pair]     # F.pad wants last axis first
        return F.pad(x, flat), 0

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != self.rank + 2:
            axes = {1: "time", 2: "height, width", 3: "depth, height, width"}[self.rank]
            order = (f"(batch, {axes}, channels)" if self.data_format == "channels_last"
                     else f"(batch, channels, {axes})")
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects input of shape {order}, got shape "
                f"{tuple(x.shape)} (rank {x.dim()}).")
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        C = self._channels(tuple(x.shape))
        if C != self.W.shape[1] * self.groups:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} was built for {self.W.shape[1] * self.groups}"
                f" input channels, got {C} (input shape {tuple(x.shape)}).")
        if self.data_format == "channels_last":
            x = to_channels_first(x)                            # (B, C, *spatial)
        check_window_fits(self, x.shape[2:], tuple(
            d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation_rate)), self.padding)
        x, padding = self._pad(x)
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[self.rank]
        y = conv(x, self.W, self.b, self.strides, padding, self.dilation_rate, self.groups)
        y = self.activation(y)
        return to_channels_last(y) if self.data_format == "channels_last" else y

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        out = tuple(output_length(L, k, s, d, self.padding) for L, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        return ((input_shape[0], self.filters) + out if first
                else (input_shape[0],) + out + (self.filters,))

    def extra_repr(self) -> str:
        return conv_repr(self)

    # -- Keras's layout -----------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """[kernel (k..., C/groups, F), bias (F,)] as Keras stores them."""
        return keras_kernel_weights(self)

    def set_weights(self, weights: list) -> None:
        n = 2 if self.use_bias else 1
        what = f"{type(self).__name__} {self.name!r}"
        if len(weights) != n:
            raise ValueError(f"{what} expects {n} weight arrays ([kernel"
                             f"{', bias' if self.use_bias else ''}] in Keras's layout), got "
                             f"{len(weights)}.")
        kernel = torch.as_tensor(np.asarray(weights[0], dtype=np.float32))
        if kernel.dim() != self.rank + 2:
            raise ValueError(f"{what}: kernel of rank {self.rank + 2} (k..., in, filters) "
                             f"expected, got shape {tuple(kernel.shape)}.")
        if not self.built:
            C = kernel.shape[-2] * self.groups
            self.maybe_build((None,) + (None,) * self.rank + (C,) if self.data_format ==
                             "channels_last" else (None, C) + (None,) * self.rank)
        W = kernel.permute(self.rank + 1, self.rank, *range(self.rank))
        expected = [tuple(self.W.shape[2:]) + (self.W.shape[1], self.filters), (self.filters,)]
        shapes = [tuple(kernel.shape)] + [tuple(np.shape(w)) for w in weights[1:]]
        if shapes != expected[:n]:
            raise ValueError(f"{what}: weights of shapes {expected[:n]} expected (Keras's "
                             f"layout), got {shapes}.")
        with torch.no_grad():
            self.W.copy_(W)
            if self.use_bias:
                self.b.copy_(torch.as_tensor(np.asarray(weights[1])))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate), "groups": self.groups,
                "activation": self.activation_name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}


class Conv1D(_Conv):
    """1-D convolution over time: (B, T, C) -> (B, T', filters).

        y_t = act(b + sum_{j<k} W_j x_{s t + d j - p_left})       W_j is (F, C)

    padding "causal" pads d(k-1) steps on the left only: y_t depends on x_0..x_t, the
    WaveNet / TCN rule for forecasting without peeking ahead.
    """

    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2D(_Conv):
    """2-D convolution: (B, H, W, C) -> (B, H', W', filters), e.g. on each frame of a video
    with TimeDistributed(Conv2D(...)).

        y[i, j] = act(b + sum_{u<kh, v<kw} W[:, :, u, v] x[s_h i + d_h u, s_w j + d_w v])
    """

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1), groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         name=name, input_shape=input_shape, trainable=trainable)


class Conv3D(_Conv):
    """3-D convolution: (B, D, H, W, C) -> (B, D', H', W', filters), e.g. over the frames of
    a video as one volume (the last layer of Keras's ConvLSTM2D next-frame example)."""

    rank = 3

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate=(1, 1, 1), groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         name=name, input_shape=input_shape, trainable=trainable)


# Keras 2's long names, still exported by Keras 3.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
