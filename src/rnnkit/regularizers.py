"""Weight and activity penalties, as Keras names them: `Dense(1, kernel_regularizer=L2(1e-4))`.

A regularizer maps a weight (in Keras's layout) to a scalar that `fit` adds to the loss:

    L1(l1):        l1 * sum |w|
    L2(l2):        l2 * sum w^2            (no factor 1/2, as in Keras)
    L1L2(l1, l2):  l1 * sum |w| + l2 * sum w^2
    OrthogonalRegularizer(factor, mode):
                   factor * 0.5 * sum_{i != j} |<u_i, u_j>| / (n (n - 1) / 2)
                   over the L2-normalised rows (mode="rows") or columns of a matrix

Layers take them as `kernel_regularizer=`, `recurrent_regularizer=`, `bias_regularizer=`,
`embeddings_regularizer=`, `gamma_regularizer=`, `beta_regularizer=` and
`activity_regularizer=` (a penalty on the layer's output, divided by the batch size as
Keras 3 does). The penalties of a model's last forward pass are `model.losses`; `fit` and
`evaluate` add their sum to the loss they report, as Keras does.

>>> import torch
>>> float(L2(0.5)(torch.tensor([1.0, -2.0])))
2.5
>>> get("l1").l1, get({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.1}}).l2
(0.01, 0.1)
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ._keras_objects import Family


def _factor(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value < 0:
        raise ValueError(f"Regularization factor {name} must be a finite number >= 0, got "
                         f"{value!r}. Example: L2(1e-4).")
    return float(value)


class Regularizer:
    """Base class: `__call__(weight) -> scalar tensor`; subclasses give `get_config`."""

    def __call__(self, x: Tensor) -> Tensor:
        return x.new_zeros(())

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Regularizer":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """l1 * sum |x|."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor(l1, "l1")

    def __call__(self, x: Tensor) -> Tensor:
        return self.l1 * x.abs().sum()

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum x^2."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor(l2, "l2")

    def __call__(self, x: Tensor) -> Tensor:
        return self.l2 * x.square().sum()

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 * sum |x| + l2 * sum x^2 (both factors 0 unless given, as in Keras 3)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = _factor(l1, "l1"), _factor(l2, "l2")

    def __call__(self, x: Tensor) -> Tensor:
        penalty = x.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * x.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * x.square().sum()
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a matrix towards orthogonality: the mean absolute
    cosine between distinct rows, times factor / 2. For a Dense kernel (inputs, units),
    mode="columns" makes the units' weight vectors orthogonal."""

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer mode must be 'rows' or 'columns', got "
                             f"{mode!r}.")
        self.mode = mode

    def __call__(self, x: Tensor) -> Tensor:
        if x.dim() != 2:
            raise ValueError(f"OrthogonalRegularizer needs a matrix (rank 2), got shape "
                             f"{tuple(x.shape)}. Use it on a kernel, not a bias.")
        m = x if self.mode == "rows" else x.T
        m = m / m.norm(dim=1, keepdim=True).clamp(min=1e-12)
        n = m.shape[0]
        if n < 2:
            return x.new_zeros(())
        off_diagonal = (m @ m.T) * (1.0 - torch.eye(n, dtype=x.dtype, device=x.device))
        return self.factor * 0.5 * off_diagonal.abs().sum() / (n * (n - 1) / 2.0)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Keras 3's lower-case names are the classes (so l1_l2() has both factors 0, as in Keras 3).
l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer
_FAMILY = Family("regularizer", "keras.regularizers", Regularizer,
                 {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
                  "l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2,
                  "orthogonal_regularizer": OrthogonalRegularizer}, "L2(1e-4)")
_CLASSES = _FAMILY.classes
get, serialize, deserialize = _FAMILY.get, _FAMILY.serialize, _FAMILY.deserialize
