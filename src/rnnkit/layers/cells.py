"""Arguments shared by the three recurrent cells: validation and config in one place, and
the conversions between their weights and Keras's layout (kernel (D, G*H), recurrent_kernel
(H, G*H): the transposes of ours, and for the GRU the first two gates swapped).

    >>> check_rate("LSTM", "dropout", 0.2)
    0.2
    >>> check_units("GRU", 0)
    Traceback (most recent call last):
    ValueError: GRU units must be a positive integer, got 0.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .. import activations, initializers
from .base import check_flag


def check_units(layer_name: str, units) -> int:
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{layer_name} units must be a positive integer, got {units!r}.")
    return units


def check_rate(layer_name: str, arg: str, rate) -> float:
    if not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"{layer_name} {arg} must be a fraction in [0, 1), got {rate!r}.")
    return float(rate)


def init_cell(cell, units, activation, use_bias, kernel_initializer, recurrent_initializer,
              bias_initializer, dropout, recurrent_dropout, recurrent_activation=None) -> None:
    """Set and validate the arguments every Keras recurrent cell takes (gated cells also
    pass their recurrent_activation)."""
    kind = type(cell).__name__
    cell.units = check_units(kind, units)
    cell.activation = activations.get(activation)
    cell.activation_name = activations.name_of(activation)
    cell.use_bias = check_flag(kind, "use_bias", use_bias)
    for init in (kernel_initializer, recurrent_initializer, bias_initializer):
        initializers.get(init)
    cell.kernel_initializer = kernel_initializer
    cell.recurrent_initializer = recurrent_initializer
    cell.bias_initializer = bias_initializer
    cell.dropout = check_rate(kind, "dropout", dropout)
    cell.recurrent_dropout = check_rate(kind, "recurrent_dropout", recurrent_dropout)
    cell.input_size = None
    if recurrent_activation is not None:
        cell.recurrent_activation = activations.get(recurrent_activation)
        cell.recurrent_activation_name = activations.name_of(recurrent_activation)


def cell_config(cell) -> dict[str, Any]:
    return {"units": cell.units, "activation": cell.activation_name, "use_bias": cell.use_bias,
            "kernel_initializer": initializers.serialize(cell.kernel_initializer),
            "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
            "bias_initializer": initializers.serialize(cell.bias_initializer),
            "dropout": cell.dropout,
            "recurrent_dropout": cell.recurrent_dropout}


def new_weight(init, *shape: int) -> torch.nn.Parameter:
    return torch.nn.Parameter(initializers.get(init)(torch.empty(*shape)))


# ---- Keras's weight layout: kernel (D, G*H), recurrent_kernel (H, G*H), bias ---------------

def keras_layout(tensors: list[Tensor | None]) -> list:
    """NumPy copies of the tensors that exist (a missing bias is left out, as in Keras)."""
    return [t.detach().cpu().numpy().copy() for t in tensors if t is not None]


def copy_into(params: list[Tensor | None], weights: list, transposed: list[bool]) -> None:
    """Copy Keras arrays into our parameters; a transposed entry is stored as its .T."""
    present = [(p, tr) for p, tr in zip(params, transposed) if p is not None]
    with torch.no_grad():
        for (p, tr), w in zip(present, weights):
            w = torch.as_tensor(w, dtype=p.dtype)
            p.copy_(w.T if tr else w)


def build_from_kernel(cell, weights: list) -> None:
    """Build an unbuilt cell from Keras's kernel, whose first axis is the input size D."""
    if not cell.built and weights and getattr(weights[0], "ndim", 0) == 2:
        cell.maybe_build((None, int(weights[0].shape[0])))


def swap_first_two(t: Tensor, H: int) -> Tensor:
    """Swap the first two H-blocks of axis 0: GRU gate order r, z, n <-> Keras's z, r, h.
    Its own inverse. With H = 2, rows labelled by gate:

    >>> gates = torch.tensor([10, 11, 20, 21, 30, 31])      # r r z z n n
    >>> swap_first_two(gates, 2).tolist()                     # z z r r n n, as Keras stores
    [20, 21, 10, 11, 30, 31]
    >>> torch.equal(swap_first_two(swap_first_two(gates, 2), 2), gates)
    True
    """
    return torch.cat([t[H:2 * H], t[:H], t[2 * H:]], dim=0)
