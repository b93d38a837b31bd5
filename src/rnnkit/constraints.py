"""Weight constraints, as Keras names them: a projection applied to a weight after every
optimizer step (`Dense(64, kernel_constraint=MaxNorm(3))`).

With n the L2 norm of w along `axis` (in Keras's layout: a Dense kernel is (inputs, units),
so axis=0 is each unit's incoming weights) and eps = 1e-7:

    MaxNorm(m, axis):              w * clip(n, 0, m) / (eps + n)
    MinMaxNorm(lo, hi, rate, axis): w * (rate * clip(n, lo, hi) + (1 - rate) * n) / (eps + n)
    UnitNorm(axis):                w / (eps + n)
    NonNeg():                      max(w, 0)

Layers take them as `kernel_constraint=`, `recurrent_constraint=`, `bias_constraint=`,
`embeddings_constraint=`, `gamma_constraint=` and `beta_constraint=`.

>>> import torch
>>> MaxNorm(1.0)(torch.tensor([[3.0], [4.0]])).flatten().tolist()   # norm 5 -> 1
[0.6000000238418579, 0.800000011920929]
"""
from __future__ import annotations

import math
from typing import Any

from torch import Tensor

from ._keras_objects import Family

EPSILON = 1e-7


def _number(value, name: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value < low:
        raise ValueError(f"Constraint argument {name} must be a finite number >= {low}, got "
                         f"{value!r}.")
    return float(value)


def _axis(axis):
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"Constraint axis must be an integer or a list of integers, got "
                         f"{axis!r}.")
    return axis


class Constraint:
    """Base class: `__call__(weight) -> projected weight` (the identity here)."""

    def __call__(self, w: Tensor) -> Tensor:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Constraint":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _norms(w: Tensor, axis) -> Tensor:
    return w.square().sum(dim=axis, keepdim=True).sqrt()


class MaxNorm(Constraint):
    """Rescale so that the norm along `axis` is at most `max_value`."""

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value, self.axis = _number(max_value, "max_value"), _axis(axis)

    def __call__(self, w: Tensor) -> Tensor:
        n = _norms(w, self.axis)
        return w * (n.clamp(0, self.max_value) / (EPSILON + n))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the norm along `axis` into [min_value, max_value], by `rate` of the way."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis=0):
        self.min_value = _number(min_value, "min_value")
        self.max_value = _number(max_value, "max_value")
        self.rate = _number(rate, "rate")
        self.axis = _axis(axis)
        if self.min_value > self.max_value:
            raise ValueError(f"MinMaxNorm min_value ({min_value}) is above max_value "
                             f"({max_value}).")

    def __call__(self, w: Tensor) -> Tensor:
        n = _norms(w, self.axis)
        desired = self.rate * n.clamp(self.min_value, self.max_value) + (1 - self.rate) * n
        return w * (desired / (EPSILON + n))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class UnitNorm(Constraint):
    """Rescale to norm 1 along `axis`."""

    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w: Tensor) -> Tensor:
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class NonNeg(Constraint):
    """Negative entries become 0."""

    def __call__(self, w: Tensor) -> Tensor:
        return w.clamp(min=0)


max_norm, min_max_norm, unit_norm, non_neg = MaxNorm, MinMaxNorm, UnitNorm, NonNeg
_FAMILY = Family("constraint", "keras.constraints", Constraint,
                 {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "UnitNorm": UnitNorm,
                  "NonNeg": NonNeg, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
                  "unit_norm": UnitNorm, "non_neg": NonNeg}, "MaxNorm(3)")
_CLASSES = _FAMILY.classes
get, serialize, deserialize = _FAMILY.get, _FAMILY.serialize, _FAMILY.deserialize
