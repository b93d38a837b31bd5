"""GRU: a reset gate and an update gate, no separate cell state.

    r = σ(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)
    z = σ(W_xz x_t + b_xz + W_hz h_{t-1} + b_hz)
    n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

With reset_after=False (Cho et al.'s original), one bias and the reset gate before W_hn:
    n = tanh(W_xn x_t + b_xn + W_hn (r ⊙ h_{t-1}))
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..kernels import KernelSpec
from .base import Layer, Shape
from .cells import (build_from_kernel, cell_config, copy_into, init_cell, keras_layout,
                    new_weight, swap_first_two)
from .recurrent import RNN


class GRUCell(Layer):
    """Gated recurrent unit cell, one time step (Cho et al., 2014).

        x_r, x_z, x_n = split(W_x x_t + b_x)           gate order r, z, n
        h_r, h_z, h_n = split(W_h h_{t-1} + b_h)
        r   = σ(x_r + h_r)                  reset gate
        z   = σ(x_z + h_z)                  update gate
        n   = tanh(x_n + r ⊙ h_n)           candidate; reset applied after the product
        h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

    This is PyTorch's GRU and Keras's `reset_after=True` (its default). With
    reset_after=False (the original paper, and Keras's other mode) there is one bias b_x and
    the reset gate acts before the recurrent product:

        r   = σ(x_r + W_hr h_{t-1})
        z   = σ(x_z + W_hz h_{t-1})
        n   = tanh(x_n + W_hn (r ⊙ h_{t-1}))

    Both variants have a compiled path (rnnkit's C++ kernels; PyTorch's for reset_after=True).

    Shapes: x_t (B, D), h_prev (B, H) -> h_t (B, H). W_x is (3H, D), W_h is (3H, H), b_x and
    b_h are (3H,) (b_h only with reset_after=True, as Keras's (2, 3H) bias). Init as Keras:
    glorot_uniform, orthogonal, zeros. Keras stores the gates in the order z, r, h:
    get_weights/set_weights convert.
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        init_cell(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                  bias_initializer, dropout, recurrent_dropout, recurrent_activation)
        self.reset_after = bool(reset_after)
        self.state_size = (units,)

    def build(self, input_shape: Shape) -> None:
        H, D = self.units, input_shape[-1]
        self.input_size = D
        self.W_x = new_weight(self.kernel_initializer, 3 * H, D)
        self.W_h = new_weight(self.recurrent_initializer, 3 * H, H)
        self.b_x = new_weight(self.bias_initializer, 3 * H) if self.use_bias else None
        self.b_h = new_weight(self.bias_initializer, 3 * H) \
            if self.use_bias and self.reset_after else None           # Keras: no b_h here

    def forward(self, x_t: Tensor, state: tuple[Tensor], rec_mask: Tensor | None = None):
        self._build_from(x_t)
        (h_prev,) = state
        h_in = h_prev if rec_mask is None else h_prev * rec_mask
        gx = x_t @ self.W_x.T                                  # (B, 3H), gate order r, z, n
        if self.b_x is not None:
            gx = gx + self.b_x
        x_r, x_z, x_n = gx.chunk(3, dim=-1)
        W_hr, W_hz, W_hn = self.W_h.chunk(3, dim=0)
        b_hr, b_hz, b_hn = self.b_h.chunk(3) if self.b_h is not None else (0.0, 0.0, 0.0)
        sigma = self.recurrent_activation
        r = sigma(x_r + h_in @ W_hr.T + b_hr)                   # r = σ(W_xr x + W_hr h + b)
        z = sigma(x_z + h_in @ W_hz.T + b_hz)                   # z = σ(W_xz x + W_hz h + b)
        if self.reset_after:
            n = self.activation(x_n + r * (h_in @ W_hn.T + b_hn))   # reset after the product
        else:
            n = self.activation(x_n + (r * h_in) @ W_hn.T)         # reset before it
        h_t = (1.0 - z) * n + z * h_prev                       # h_t = (1-z) ⊙ n + z ⊙ h_{t-1}
        return h_t, (h_t,)

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec("gru", (self.W_x, self.W_h, self.b_x, self.b_h), self.activation_name,
                          self.recurrent_activation_name, self.reset_after)

    # Keras's layout: kernel (D, 3H), recurrent_kernel (H, 3H) in gate order z, r, h (ours
    # is r, z, n: swap the first two blocks); bias (2, 3H) = [b_x; b_h] with reset_after,
    # else (3H,).
    def _own_keras_weights(self) -> list:
        if not self.built:
            return []
        H = self.units
        kernels = [swap_first_two(self.W_x, H).T, swap_first_two(self.W_h, H).T]
        if self.b_x is None:
            return keras_layout(kernels)
        if self.b_h is None:
            return keras_layout(kernels + [swap_first_two(self.b_x, H)])
        bias = torch.stack([swap_first_two(self.b_x, H), swap_first_two(self.b_h, H)])
        return keras_layout(kernels + [bias])

    def _set_own_keras_weights(self, weights: list) -> None:
        H = self.units
        w = [swap_first_two(torch.as_tensor(weights[0]).T, H),
             swap_first_two(torch.as_tensor(weights[1]).T, H)]
        if self.b_x is not None:
            bias = torch.as_tensor(weights[2])
            if self.b_h is None:
                w.append(swap_first_two(bias, H))
            else:
                w += [swap_first_two(bias[0], H), swap_first_two(bias[1], H)]
        params = [p for p in (self.W_x, self.W_h, self.b_x, self.b_h) if p is not None]
        copy_into(params, w, [False] * len(params))

    def _build_for_weights(self, weights: list) -> None:
        build_from_kernel(self, weights)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **cell_config(self),
                "recurrent_activation": self.recurrent_activation_name,
                "reset_after": self.reset_after}


class GRU(RNN):
    """Gated recurrent unit layer; equations in GRUCell.

    Shapes: (B, T, D) -> (B, H), or (B, T, H) with return_sequences=True.

    >>> GRU(4)(torch.zeros(2, 5, 3)).shape
    torch.Size([2, 4])
    """

    _required_config_keys = ("units",)

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 implementation: str = "auto", *, zero_output_for_mask: bool = False,
                 name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        cell = GRUCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer, dropout, recurrent_dropout,
                       reset_after, name="cell", trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)
