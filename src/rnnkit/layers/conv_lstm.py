"""ConvLSTM (Shi et al., 2015): an LSTM whose products are convolutions, for sequences of
signals (ConvLSTM1D: (B, T, W, C)), images (ConvLSTM2D: (B, T, H, W, C)) or volumes
(ConvLSTM3D: (B, T, D, H, W, C)).

Shapes: B batch, T time steps, S spatial sizes (W; H, W; or D, H, W), C input channels, F filters;
S' the spatial sizes after the input convolution (strides, padding).

The cell is one time step; rnnkit's one time loop (recurrent.RNN) runs it unchanged: the
layer flattens each step to a vector, (B, T, C·S) channels-first, and the cell unflattens
it for its convolutions, so masks, go_backwards, stateful, initial_state, dropout and
Keras's return flags behave as in every recurrent layer. The state h, c is carried as
(B, F·S') and given back to the caller in the input's layout, (B, S', F) channels_last.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from ..kernels import KernelSpec
from .base import Layer, Shape
from .cells import init_cell
from .recurrent import RNN

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _tuple(value, rank: int, what: str) -> tuple[int, ...]:
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"{what} must be a positive integer or a tuple of {rank}, got "
                         f"{value!r}.")
    return values


def same_padding(n: int, k: int, stride: int, dilation: int) -> tuple[int, int]:
    """Keras's (TensorFlow's) 'same': output ceil(n / stride), the odd pixel on the right."""
    out = -(-n // stride)
    total = max((out - 1) * stride + dilation * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def conv_out_size(n: int, k: int, stride: int, dilation: int, padding: str) -> int:
    if padding == "same":
        return -(-n // stride)
    return (n - dilation * (k - 1) - 1) // stride + 1


class ConvLSTMCell(Layer):
    """Convolutional LSTM cell, one time step (gate order i, f, g, o as LSTMCell).

        z   = W_x * x_t + W_h * h_{t-1} + b     (B, 4F, S'); * is a convolution: W_x with
                                                 the layer's strides, padding and dilation,
                                                 W_h with stride 1 and 'same' padding
        c_t = σ(z_f) ⊙ c_{t-1} + σ(z_i) ⊙ tanh(z_g)
        h_t = σ(z_o) ⊙ tanh(c_t)

    Step shapes: x_t (B, C·S) and h, c (B, F·S'), flattened channels-first (see the module
    docstring). W_x is (4F, C, *k), W_h (4F, F, *k), PyTorch's conv layout; get_weights()
    gives Keras's kernel (*k, C, 4F), recurrent_kernel (*k, F, 4F) and bias (4F,).
    """

    def __init__(self, rank: int, filters: int, kernel_size, strides=1, padding="valid",
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, *, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        kind = f"ConvLSTM{rank}D"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{kind} filters must be a positive integer, got {filters!r}.")
        init_cell(self, filters, activation, use_bias, kernel_initializer,
                  recurrent_initializer, bias_initializer, dropout, recurrent_dropout,
                  recurrent_activation)
        self.rank, self.filters = rank, filters
        self.kernel_size = _tuple(kernel_size, rank, f"{kind} kernel_size")
        self.strides = _tuple(strides, rank, f"{kind} strides")
        self.dilation_rate = _tuple(dilation_rate, rank, f"{kind} dilation_rate")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{kind} padding must be 'valid' or 'same', got {padding!r}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{kind} takes strides > 1 or dilation_rate > 1, not both (as Keras), got "
                f"strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = (filters, filters)     # h and c; flat sizes (F·S') once built

    def build(self, input_shape: Shape) -> None:
        """input_shape: one step channels-first, (B, C, *S)."""
        C, S = input_shape[1], tuple(input_shape[2:])
        if C is None or None in S:
            raise ValueError(
                f"ConvLSTM{self.rank}D needs known channels and spatial sizes (as Keras), got "
                f"one step of (channels, *spatial) = {(C, *S)}. Give them in input_shape, "
                "e.g. input_shape=(None, 40, 40, 1) for any number of 40x40 frames.")
        k, s, d = self.kernel_size, self.strides, self.dilation_rate
        self.in_channels, self.in_spatial = C, S
        self.out_spatial = tuple(conv_out_size(n, *a, self.padding) for n, *a in zip(S, k, s, d))
        if min(self.out_spatial) <= 0:
            raise ValueError(
                f"ConvLSTM{self.rank}D: inputs of spatial size {S} are smaller than the kernel "
                f"{k} (dilation {d}) with padding='valid'. Use padding='same' or larger inputs.")
        self.input_size = C * math.prod(S)
        self.units = self.filters * math.prod(self.out_spatial)     # the flat state size
        self.state_size = (self.units, self.units)
        self._x_pad = self._pads(S, s, d) if self.padding == "same" else (0,) * (2 * self.rank)
        self._h_pad = self._pads(self.out_spatial, (1,) * self.rank, (1,) * self.rank)
        F4 = 4 * self.filters
        self.W_x = nn.Parameter(self._init(self.kernel_initializer, F4, C, *k))
        self.W_h = nn.Parameter(self._init(self.recurrent_initializer, F4, self.filters, *k))
        self.b = nn.Parameter(initializers.get(self.bias_initializer)(torch.empty(F4))) \
            if self.use_bias else None
        if self.b is not None and self.unit_forget_bias:
            with torch.no_grad():
                self.b[self.filters:2 * self.filters] = 1.0

    def _pads(self, S, strides, dilation) -> tuple[int, ...]:
        pairs = [same_padding(n, k, st, dl)
                 for n, k, st, dl in zip(S, self.kernel_size, strides, dilation)]
        return tuple(p for pair in reversed(pairs) for p in pair)   # F.pad: last axis first

    @staticmethod
    def _init(name, *shape) -> Tensor:
        w = torch.empty(*shape)
        if name == "glorot_uniform":                 # Keras's fans for a conv kernel
            return nn.init.xavier_uniform_(w)
        return initializers.get(name)(w)

    def forward(self, x_t: Tensor, state: tuple[Tensor, Tensor], rec_mask: Tensor | None = None):
        B, Fs = x_t.shape[0], self.filters
        x = x_t.view(B, self.in_channels, *self.in_spatial)           # (B, C, *S)
        h_prev, c_prev = (s.view(B, Fs, *self.out_spatial) for s in state)   # (B, F, *S')
        if rec_mask is not None:
            h_prev = h_prev * rec_mask.view_as(h_prev)
        conv = _CONV[self.rank]
        z = conv(F.pad(x, self._x_pad), self.W_x, self.b, self.strides, 0, self.dilation_rate)
        z = z + conv(F.pad(h_prev, self._h_pad), self.W_h)             # (B, 4F, *S')
        i, f, g, o = z.chunk(4, dim=1)
        sigma, act = self.recurrent_activation, self.activation
        c_t = sigma(f) * c_prev + sigma(i) * act(g)                    # c_t = f ⊙ c + i ⊙ g
        h_t = sigma(o) * act(c_t)                                      # h_t = o ⊙ tanh(c_t)
        return h_t.flatten(1), (h_t.flatten(1), c_t.flatten(1))

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(missing="ConvLSTM has no compiled kernel: the readable loop runs its "
                                  "convolutions")

    # -- Keras's weight layout --------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        if not self.built:
            return []
        to_keras = (*range(2, 2 + self.rank), 1, 0)                    # (4F, C, *k) -> (*k, C, 4F)
        arrays = [self.W_x.detach().cpu().permute(to_keras).numpy().copy(),
                  self.W_h.detach().cpu().permute(to_keras).numpy().copy()]
        if self.b is not None:
            arrays.append(self.b.detach().cpu().numpy().copy())
        return arrays

    def set_weights(self, weights: list) -> None:
        expected = [w.shape for w in self.get_weights()]
        got = [np.shape(w) for w in weights]
        if not self.built or got != expected:
            raise ValueError(
                f"ConvLSTM{self.rank}D expects {len(expected)} arrays in Keras's layout "
                f"(kernel, recurrent_kernel, bias: {expected}), got {got}. Build the layer "
                "by calling it on an input first.")
        from_keras = (self.rank + 1, self.rank, *range(self.rank))    # (*k, C, 4F) -> (4F, C, *k)
        with torch.no_grad():
            for p, w in zip((self.W_x, self.W_h, self.b), weights):
                w = torch.as_tensor(np.asarray(w), dtype=p.dtype)
                p.copy_(w if p.dim() == 1 else w.permute(from_keras))

    def get_config(self) -> dict[str, Any]:
        return {"filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "dilation_rate": list(self.dilation_rate), "activation": self.activation_name,
                "recurrent_activation": self.recurrent_activation_name,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "recurrent_initializer": self.recurrent_initializer,
                "bias_initializer": self.bias_initializer,
                "unit_forget_bias": self.unit_forget_bias, "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout}


class _ConvLSTM(RNN):
    """ConvLSTM over time: the cell's equations in ConvLSTMCell. Subclasses fix the rank."""

    rank = 0
    _required_config_keys = ("filters", "kernel_size")

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid",
                 data_format: str | None = None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, implementation: str = "auto", *,
                 zero_output_for_mask: bool = False, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        cell = ConvLSTMCell(self.rank, filters, kernel_size, strides, padding, dilation_rate,
                            activation, recurrent_activation, use_bias, kernel_initializer,
                            recurrent_initializer, bias_initializer, unit_forget_bias, dropout,
                            recurrent_dropout, name="cell", trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__} data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}.")
        self.data_format = data_format or "channels_last"

    # -- between the caller's layout and the loop's flat steps ------------------------------
    def _channels_first(self, x: Tensor) -> Tensor:
        """(B, T, *S, C) -> (B, T, C, *S) for channels_last; as is for channels_first."""
        return x.movedim(-1, 2) if self.data_format == "channels_last" else x

    def _unflatten(self, y: Tensor) -> Tensor:
        """(..., F·S') flat channels-first -> (..., *S', F) or (..., F, *S')."""
        y = y.reshape(*y.shape[:-1], self.cell.filters, *self.cell.out_spatial)
        return y.movedim(-1 - self.rank, -1) if self.data_format == "channels_last" else y

    def _flatten_state(self, s: Tensor) -> Tensor:
        s = torch.as_tensor(s)
        if self.data_format == "channels_last":
            s = s.movedim(-1, 1)
        return s.reshape(s.shape[0], -1)

    def build(self, input_shape: Shape) -> None:
        shape = self._step_shape(input_shape)
        self.cell.maybe_build(shape)

    def _step_shape(self, input_shape: Shape) -> tuple:
        """(B, T, *S, C) -> one step channels-first (B, C, *S)."""
        B, _, *rest = input_shape
        return (B, rest[-1], *rest[:-1]) if self.data_format == "channels_last" \
            else (B, *rest)

    def forward(self, x: Tensor, mask: Tensor | None = None, initial_state=None):
        x = torch.as_tensor(x)
        self._check_rank(x)
        x = x if x.is_floating_point() else x.float()
        self._build_from(x)
        self._check_spatial(x)
        B, T = x.shape[:2]
        flat = self._channels_first(x).reshape(B, T, -1)             # (B, T, C·S)
        if initial_state is not None:
            states = [initial_state] if isinstance(initial_state, Tensor) else initial_state
            initial_state = [self._flatten_state(s) for s in states]
        result = super().forward(flat, mask, initial_state)
        if isinstance(result, list):
            return [self._unflatten(r) for r in result]
        return self._unflatten(result)

    def _check_rank(self, x: Tensor) -> None:
        if x.dim() != self.rank + 3:
            layout = {1: "(batch, time, width, channels)",
                      2: "(batch, time, rows, cols, channels)",
                      3: "(batch, time, depth, rows, cols, channels)"}[self.rank]
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects input of shape {layout} (rank "
                f"{self.rank + 3}), got shape {tuple(x.shape)} (rank {x.dim()}).")

    def _check_spatial(self, x: Tensor) -> None:
        step = self._step_shape(tuple(x.shape))[1:]
        built = (self.cell.in_channels, *self.cell.in_spatial)
        if tuple(step) != built:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} was built for steps of (channels, "
                f"*spatial) = {built}, got {tuple(step)} from input {tuple(x.shape)}. ConvLSTM "
                "needs the same spatial size in every batch.")

    def compute_output_shape(self, input_shape: Shape):
        B, T = input_shape[0], input_shape[1]
        step = self._step_shape(input_shape)
        S_out = tuple(conv_out_size(n, k, s, d, self.cell.padding) for n, k, s, d in
                      zip(step[2:], self.cell.kernel_size, self.cell.strides,
                          self.cell.dilation_rate))
        Fs = self.cell.filters
        state = (B, *S_out, Fs) if self.data_format == "channels_last" else (B, Fs, *S_out)
        y = (B, T, *state[1:]) if self.return_sequences else state
        return [y, state, state] if self.return_state else y

    def get_weights(self) -> list[np.ndarray]:
        return self.cell.get_weights()

    def set_weights(self, weights: list) -> None:
        self.cell.set_weights(weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class ConvLSTM1D(_ConvLSTM):
    """1D convolutional LSTM: sequences of signals (B, T, W, C) -> (B, W', F), or
    (B, T, W', F) with return_sequences=True. Equations in ConvLSTMCell.

    >>> ConvLSTM1D(4, 3, padding="same")(torch.zeros(2, 5, 10, 3)).shape
    torch.Size([2, 10, 4])
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2D convolutional LSTM: sequences of images (B, T, H, W, C) -> (B, H', W', F), or
    (B, T, H', W', F) with return_sequences=True. Equations in ConvLSTMCell.

    >>> ConvLSTM2D(4, (3, 3), padding="same")(torch.zeros(2, 5, 8, 8, 1)).shape
    torch.Size([2, 8, 8, 4])
    """

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3D convolutional LSTM: sequences of volumes (B, T, D, H, W, C) -> (B, D', H', W', F), or
    (B, T, D', H', W', F) with return_sequences=True. Equations in ConvLSTMCell.
    """

    rank = 3
