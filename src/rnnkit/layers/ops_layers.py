"""Small layers that arithmetic and slicing on symbolic tensors record in a model graph.

    x = Input(shape=(10, 4))
    last = x[:, -1, :]          # GetItem((slice(None), -1, slice(None)))
    y = LSTM(4)(x) + last       # BinaryOp('add')

They are ordinary layers, saved by their config like every other.

    >>> from rnnkit.layers import Input
    >>> from rnnkit.models import Model
    >>> x = Input(shape=(3, 2))
    >>> model = Model(x, x[:, -1] * 2)
    >>> [type(layer).__name__ for layer in model.layers]
    ['InputLayer', 'GetItem', 'BinaryOp']
    >>> model(torch.ones(1, 3, 2)).tolist()
    [[2.0, 2.0]]
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Layer
from .symbolic import KerasTensor

_BINARY = {"add": torch.add, "subtract": torch.sub, "multiply": torch.mul,
           "divide": torch.div, "matmul": torch.matmul}


def _key_to_config(key) -> Any:
    if isinstance(key, tuple):
        return {"tuple": [_key_to_config(k) for k in key]}
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return {"ellipsis": True}
    if key is None:
        return {"newaxis": True}
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    raise TypeError(f"Symbolic tensors take integer, slice, ... and None indices, got "
                    f"{key!r}.")


def _key_from_config(config) -> Any:
    if isinstance(config, int):
        return config
    if isinstance(config, dict) and "tuple" in config:
        return tuple(_key_from_config(k) for k in config["tuple"])
    if isinstance(config, dict) and "slice" in config:
        return slice(*config["slice"])
    if isinstance(config, dict) and config.get("ellipsis"):
        return Ellipsis
    if isinstance(config, dict) and config.get("newaxis"):
        return None
    raise ValueError(f"GetItem: cannot read the index {config!r} from a saved config.")


class GetItem(Layer):
    """x[key] for an index of integers, slices, ... and None (batch axis first)."""

    def __init__(self, key, *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self.key = key if not isinstance(key, dict) else _key_from_config(key)
        _key_to_config(self.key)                  # fail now on an index we cannot save
        self.built = True

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return x[self.key]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "key": _key_to_config(self.key)}


class BinaryOp(Layer):
    """a (op) b for two symbolic tensors given as a list, or one and a constant number."""

    def __init__(self, op: str, constant: float | None = None, swap: bool = False, *,
                 name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        if op not in _BINARY:
            raise ValueError(f"BinaryOp op must be one of {sorted(_BINARY)}, got {op!r}.")
        if isinstance(constant, KerasTensor):
            raise TypeError("BinaryOp takes a constant number; pass two symbolic tensors as "
                            "a list: BinaryOp('add')([a, b]).")
        if constant is not None and not isinstance(constant, (int, float)):
            raise TypeError(f"Arithmetic on symbolic tensors takes numbers or other symbolic "
                            f"tensors, got {type(constant).__name__}.")
        self.op, self.constant, self.swap = op, constant, bool(swap)
        self.built = True

    def __call__(self, *args, **kwargs):
        if self.constant is None and len(args) == 1 and isinstance(args[0], KerasTensor):
            raise TypeError("BinaryOp without a constant needs two inputs: BinaryOp(op)([a, b]).")
        return super().__call__(*args, **kwargs)

    def forward(self, x, mask=None) -> Tensor:
        a, b = (x if isinstance(x, (list, tuple)) else (x, self.constant))
        if self.swap:
            a, b = b, a
        return _BINARY[self.op](a, b)

    def compute_mask(self, x, mask):
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "op": self.op, "constant": self.constant,
                "swap": self.swap}
