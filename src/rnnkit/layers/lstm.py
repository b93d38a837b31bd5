"""LSTM: gates that decide what the cell state keeps, adds and shows.

    i, f, g, o = split(W_x x_t + W_h h_{t-1} + b)        gate order i, f, g, o
    c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)
    h_t = σ(o) ⊙ tanh(c_t)
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..kernels import KernelSpec
from .base import Layer, Shape
from .cells import (build_from_kernel, cell_config, copy_into, init_cell, keras_layout,
                    new_weight)
from .recurrent import RNN


class LSTMCell(Layer):
    """Long short-term memory cell, one time step.

        z   = W_x x_t + W_h h_{t-1} + b            (B, 4H), gate order i, f, g, o
        i   = σ(z_i)        input gate: how much of the candidate to write
        f   = σ(z_f)        forget gate: how much of c_{t-1} to keep
        g   = tanh(z_g)     candidate values
        o   = σ(z_o)        output gate: how much of the cell to show
        c_t = f ⊙ c_{t-1} + i ⊙ g
        h_t = o ⊙ tanh(c_t)

    Shapes: x_t (B, D), (h_prev, c_prev) (B, H) each -> h_t, (h_t, c_t). W_x is (4H, D),
    W_h is (4H, H), b is (4H,) (one bias, as Keras). Init as Keras: W_x glorot_uniform,
    W_h orthogonal, b zeros with the forget slice at 1 (unit_forget_bias).
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, *, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        init_cell(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                  bias_initializer, dropout, recurrent_dropout, recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = (units, units)

    def build(self, input_shape: Shape) -> None:
        H, D = self.units, input_shape[-1]
        self.input_size = D
        self.W_x = new_weight(self.kernel_initializer, 4 * H, D)
        self.W_h = new_weight(self.recurrent_initializer, 4 * H, H)
        self.b = new_weight(self.bias_initializer, 4 * H) if self.use_bias else None
        if self.b is not None and self.unit_forget_bias:
            with torch.no_grad():
                self.b[H:2 * H] = 1.0

    def forward(self, x_t: Tensor, state: tuple[Tensor, Tensor], rec_mask: Tensor | None = None):
        self._build_from(x_t)
        h_prev, c_prev = state
        if rec_mask is not None:
            h_prev = h_prev * rec_mask
        z = x_t @ self.W_x.T + h_prev @ self.W_h.T             # (B, 4H), gate order i, f, g, o
        if self.b is not None:
            z = z + self.b
        i, f, g, o = z.chunk(4, dim=-1)
        sigma, act = self.recurrent_activation, self.activation
        c_t = sigma(f) * c_prev + sigma(i) * act(g)            # c_t = f ⊙ c_{t-1} + i ⊙ g
        h_t = sigma(o) * act(c_t)                              # h_t = o ⊙ tanh(c_t)
        return h_t, (h_t, c_t)

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec("lstm", (self.W_x, self.W_h, self.b, None), self.activation_name,
                          self.recurrent_activation_name)

    # Keras's layout: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,); Keras's gate
    # order i, f, c, o is ours (i, f, g, o), so a transpose is the whole conversion.
    def _own_keras_weights(self) -> list:
        if not self.built:
            return []
        return keras_layout([self.W_x.T, self.W_h.T, self.b])

    def _set_own_keras_weights(self, weights: list) -> None:
        copy_into([self.W_x, self.W_h, self.b], weights, [True, True, False])

    def _build_for_weights(self, weights: list) -> None:
        build_from_kernel(self, weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **cell_config(self),
                "recurrent_activation": self.recurrent_activation_name,
                "unit_forget_bias": self.unit_forget_bias}


class LSTM(RNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997); equations in LSTMCell.

    Shapes: (B, T, D) -> (B, H), or (B, T, H) with return_sequences=True; return_state adds
    the final h and c.

    >>> LSTM(4, return_sequences=True)(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 5, 4])
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, implementation: str = "auto", *,
                 zero_output_for_mask: bool = False, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        cell = LSTMCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, unit_forget_bias, dropout,
                        recurrent_dropout, name="cell", trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)
