"""SimpleRNN: the Elman network of the seeds.

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)
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


class SimpleRNNCell(Layer):
    """Elman RNN cell, one time step.

        h_t = activation(W_xh x_t + W_hh h_{t-1} + b_h)        activation defaults to tanh

    Shapes: x_t (B, D), h_prev (B, H) -> h_t (B, H). W_xh is (H, D) and W_hh is (H, H), so
    rows use x_t @ W_xh.T. Init as Keras: W_xh glorot_uniform, W_hh orthogonal, b_h zeros.
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        init_cell(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                  bias_initializer, dropout, recurrent_dropout)
        self.state_size = (units,)

    def build(self, input_shape: Shape) -> None:
        H, D = self.units, input_shape[-1]
        self.input_size = D
        self.W_xh = new_weight(self.kernel_initializer, H, D)
        self.W_hh = new_weight(self.recurrent_initializer, H, H)
        self.b_h = new_weight(self.bias_initializer, H) if self.use_bias else None

    def forward(self, x_t: Tensor, state: tuple[Tensor], rec_mask: Tensor | None = None):
        self._build_from(x_t)
        (h_prev,) = state
        if rec_mask is not None:
            h_prev = h_prev * rec_mask
        a_t = x_t @ self.W_xh.T + h_prev @ self.W_hh.T     # W_xh x_t + W_hh h_{t-1}
        if self.b_h is not None:
            a_t = a_t + self.b_h
        h_t = self.activation(a_t)                         # h_t = tanh(a_t)
        return h_t, (h_t,)

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec("simple_rnn", (self.W_xh, self.W_hh, self.b_h, None),
                          self.activation_name)

    # Keras's layout: kernel (D, H), recurrent_kernel (H, H), bias (H,)
    def _own_keras_weights(self) -> list:
        if not self.built:
            return []
        return keras_layout([self.W_xh.T, self.W_hh.T, self.b_h])

    def _set_own_keras_weights(self, weights: list) -> None:
        copy_into([self.W_xh, self.W_hh, self.b_h], weights, [True, True, False])

    def _build_for_weights(self, weights: list) -> None:
        build_from_kernel(self, weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **cell_config(self)}


class SimpleRNN(RNN):
    """Fully connected recurrent layer: the Elman network, h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h).

    Shapes: (B, T, D) -> (B, H), or (B, T, H) with return_sequences=True.

    >>> layer = SimpleRNN(4)
    >>> layer(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 4])
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 implementation: str = "auto", *, zero_output_for_mask: bool = False,
                 name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        cell = SimpleRNNCell(units, activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, dropout, recurrent_dropout,
                             name="cell", trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)
