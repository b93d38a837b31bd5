"""MinGRU and MinLSTM (Feng et al., 2024, "Were RNNs All We Needed?"): recurrent layers
whose gates depend on the input only, so they train in parallel over time.

    MinGRU:   z_t = σ(W_z x_t + b_z),  h̃_t = W_h x_t + b_h
              h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
    MinLSTM:  f_t = σ(W_f x_t + b_f),  i_t = σ(W_i x_t + b_i),  h̃_t = W_h x_t + b_h
              f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
              h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

Both are h_t = a_t ⊙ h_{t-1} + b_t with a_t, b_t from one matrix product over all steps:
the fast path runs, on CPU, rnnkit's C++ scan with the gate activations fused in, and for
inputs of up to 12 features the input product too (kernels/scan.py); elsewhere (GPU,
or no compiler) one product for all steps, then the PyTorch scans of layers/scan.py. The
readable path steps the cell like any other RNN. Masked steps keep the state (a_t = 1,
b_t = 0), so any mask, gaps included, stays on the fast path. Generation runs the cell one
step at a time.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from .. import initializers
from .base import Layer, Shape
from .cells import check_rate, check_units, new_weight
from ..kernels import KernelSpec, use_path
from .recurrent import RNN


class _MinCell(Layer):
    """Shared parts of the two cells: weights (G*H, D) for G input-only gates, the scan."""

    n_gates: int
    kind: str                                    # "gru" or "lstm", for the C++ scan
    _required_config_keys = ("units",)

    def __init__(self, units: int, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", dropout: float = 0.0, *, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self.units = check_units(type(self).__name__, units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.dropout = check_rate(type(self).__name__, "dropout", dropout)
        self.recurrent_dropout = 0.0
        self.state_size = (units,)
        self.input_size = None

    def build(self, input_shape: Shape) -> None:
        G, H, D = self.n_gates, self.units, input_shape[-1]
        self.input_size = D
        self.W = new_weight(self.kernel_initializer, G * H, D)
        self.b = new_weight(self.bias_initializer, G * H) if self.use_bias else None

    def gates(self, x: Tensor) -> Tensor:
        return F.linear(x, self.W, self.b)                     # x W^T + b, one product

    def forward(self, x_t: Tensor, state: tuple[Tensor], rec_mask: Tensor | None = None):
        self._build_from(x_t)
        (h_prev,) = state
        a, b = self.coefficients(self.gates(x_t))
        h_t = a * h_prev + b                                   # h_t = a_t ⊙ h_{t-1} + b_t
        return h_t, (h_t,)

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(f"min_{self.kind}", (self.W, self.b))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "dropout": self.dropout}


class MinGRUCell(_MinCell):
    """MinGRU, one step: z = σ(W_z x + b_z), h̃ = W_h x + b_h, h_t = (1 - z) h_{t-1} + z h̃.

    W is (2H, D), gate order z, h̃. Shapes: x_t (B, D), h_prev (B, H) -> h_t (B, H).
    """

    n_gates, kind = 2, "gru"

    def coefficients(self, gates: Tensor) -> tuple[Tensor, Tensor]:
        k, h_tilde = gates.chunk(2, dim=-1)
        z = torch.sigmoid(k)
        return 1.0 - z, z * h_tilde                            # a_t = 1 - z_t, b_t = z_t h̃_t


class MinLSTMCell(_MinCell):
    """MinLSTM, one step: f, i = σ(·), normalised to sum 1; h_t = f' h_{t-1} + i' h̃.

    W is (3H, D), gate order f, i, h̃. Shapes: x_t (B, D), h_prev (B, H) -> h_t (B, H).
    """

    n_gates, kind = 3, "lstm"

    def coefficients(self, gates: Tensor) -> tuple[Tensor, Tensor]:
        f_pre, i_pre, h_tilde = gates.chunk(3, dim=-1)
        f, i = torch.sigmoid(f_pre), torch.sigmoid(i_pre)
        total = f + i
        return f / total, (i / total) * h_tilde                # a = f', b = i' h̃


class MinGRU(RNN):
    """MinGRU layer: a GRU whose gates see only the input, trained in parallel over time.

    Shapes: (B, T, D) -> (B, H), or (B, T, H) with return_sequences=True.

    >>> layer = MinGRU(8, return_sequences=True)
    >>> x = torch.randn(2, 50, 3)
    >>> torch.allclose(layer.forward_parallel(x), layer.forward_sequential(x), atol=1e-5)
    True
    """

    _required_config_keys = ("units",)
    cell_class = MinGRUCell

    def __init__(self, units: int, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False,
                 implementation: str = "auto", *, zero_output_for_mask: bool = False,
                 name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        cell = self.cell_class(units, use_bias, kernel_initializer, bias_initializer, dropout,
                               name="cell", trainable=trainable)
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, False,
                         implementation, zero_output_for_mask=zero_output_for_mask, name=name,
                         input_shape=input_shape, trainable=trainable)

    def forward_parallel(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """All steps' outputs (B, T, H) by the scan (the fast path)."""
        return self._all_steps(x, mask, "scan")

    def forward_sequential(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """All steps' outputs (B, T, H) by stepping the cell (the readable path)."""
        return self._all_steps(x, mask, "loop")

    def _all_steps(self, x: Tensor, mask: Tensor | None, path: str) -> Tensor:
        with use_path(path):
            return self.sequence(x, mask)[0]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("unroll", None)
        return config


class MinLSTM(MinGRU):
    """MinLSTM layer: an LSTM whose gates see only the input, trained in parallel over time.

    >>> MinLSTM(4)(torch.randn(2, 10, 3)).shape
    torch.Size([2, 4])
    """

    cell_class = MinLSTMCell
