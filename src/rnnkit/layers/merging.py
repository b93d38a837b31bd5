"""Merge layers: several tensors in, one out. Each takes a list, `Add()([a, b])`, and each has
Keras's lower-case function, `add([a, b])`.

    Add:         y = x_1 + x_2 + ... + x_n          Subtract: y = x_1 - x_2
    Multiply:    y = x_1 ⊙ x_2 ⊙ ... ⊙ x_n          Average:  y = (x_1 + ... + x_n) / n
    Maximum:     y = max(x_1, ..., x_n)              Minimum:  y = min(x_1, ..., x_n)
    Concatenate: y = [x_1; x_2; ...] along `axis`   Dot:      y_b = <x_1b, x_2b> along `axes`

Element-wise merges broadcast as Keras does: equal shapes, or sizes of 1, and an input of
lower rank gets size-1 axes after the batch axis. Masks (B, T), one per input or None: the
output mask is the OR of the inputs' masks (None when one of them has none); Multiply,
Maximum and Minimum also leave a masked step of one input out of the result, as Keras 3.

    >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[10.0, 20.0]])
    >>> Add()([a, b]).tolist(), subtract([a, b]).tolist()
    ([[11.0, 22.0]], [[-9.0, -18.0]])
    >>> Concatenate()([a, b]).tolist()
    [[1.0, 2.0, 10.0, 20.0]]
    >>> Dot(axes=1)([a, b]).tolist()
    [[50.0]]
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .base import Layer, Shape


def _check_list(layer: Layer, inputs, exactly: int | None = None) -> list:
    kind = type(layer).__name__
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(
            f"{kind} {layer.name!r} merges a list of tensors, such as {kind}()([a, b]); got "
            f"one {type(inputs).__name__}.")
    if exactly is not None and len(inputs) != exactly:
        raise ValueError(f"{kind} {layer.name!r} takes exactly {exactly} inputs, got "
                         f"{len(inputs)}.")
    if len(inputs) < 1:
        raise ValueError(f"{kind} {layer.name!r} needs at least one input, got an empty list.")
    return list(inputs)


def _masks(mask, n: int) -> list:
    if mask is None:
        return [None] * n
    if not isinstance(mask, (list, tuple)) or len(mask) != n:
        raise ValueError(f"A merge layer takes one mask per input (a list of {n}, entries may "
                         f"be None), got {mask!r}.")
    return list(mask)


def _broadcast_shape(layer: Layer, shapes: list) -> tuple:
    """Keras's element-wise output shape (batch axis excluded) of shapes without the batch."""
    out = shapes[0]
    for shape in shapes[1:]:
        a, b = (out, shape) if len(out) >= len(shape) else (shape, out)
        merged = list(a[:len(a) - len(b)])
        for i, j in zip(a[len(a) - len(b):], b):
            if i is None or j is None:
                merged.append(None)
            elif i == 1 or j == 1:
                merged.append(j if i == 1 else i)
            elif i != j:
                raise ValueError(
                    f"{type(layer).__name__} {layer.name!r} merges tensors of the same shape "
                    f"(or sizes of 1), got shapes {[('batch',) + tuple(s) for s in shapes]}.")
            else:
                merged.append(i)
        out = tuple(merged)
    return out


class _Merge(Layer):
    """Element-wise merge of a list of tensors; subclasses give `_merge(xs, masks)`."""

    supports_masking = True
    n_inputs: int | None = None

    def __init__(self, *, name: str | None = None, input_shape: Shape | None = None,
                 trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        self.built = True

    def _merge(self, xs: list[Tensor], masks: list) -> Tensor:
        raise NotImplementedError

    def forward(self, inputs, mask=None) -> Tensor:
        xs = _check_list(self, inputs, self.n_inputs)
        masks = _masks(mask, len(xs))
        if len({x.shape[0] for x in xs}) > 1:
            raise ValueError(f"{type(self).__name__} {self.name!r} cannot merge tensors with "
                             f"different batch sizes, got shapes {[tuple(x.shape) for x in xs]}.")
        _broadcast_shape(self, [tuple(x.shape[1:]) for x in xs])     # validates the shapes
        rank = max(x.dim() for x in xs)
        xs = [x.reshape(x.shape[0], *(1,) * (rank - x.dim()), *x.shape[1:]) for x in xs]
        return self._merge(xs, masks)

    def compute_output_shape(self, input_shape: list) -> Shape:
        batch = {s[0] for s in input_shape} - {None}
        return ((batch.pop() if len(batch) == 1 else None),) + _broadcast_shape(
            self, [tuple(s[1:]) for s in input_shape])

    def compute_mask(self, inputs, mask=None):
        masks = _masks(mask, len(inputs) if isinstance(inputs, (list, tuple)) else 1)
        if any(m is None for m in masks):
            return None
        out = masks[0]
        for m in masks[1:]:
            out = out | m
        return out


def _or_masked(op: Callable[[Tensor, Tensor], Tensor], xs: list, masks: list) -> Tensor:
    """Keras's merge for Maximum/Minimum: a masked step of one input takes the other's value."""
    out, out_mask = None, None
    for x, m in zip(xs, masks):
        if m is not None and m.dim() < x.dim():
            m = m.unsqueeze(-1).expand_as(x)
        if out is None:
            out, out_mask = x, m
            continue
        if m is not None:
            x = torch.where(m, x, out)
        if out_mask is not None:
            out = torch.where(out_mask, out, x)
        out_mask = out_mask | m if (m is not None and out_mask is not None) else None
        out = op(out, x)
    return out


class Add(_Merge):
    """y = x_1 + x_2 + ... + x_n (a residual connection: add([x, f(x)]))."""

    def _merge(self, xs, masks):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """y = x_1 - x_2: exactly two inputs."""

    n_inputs = 2

    def _merge(self, xs, masks):
        return xs[0] - xs[1]


class Average(_Merge):
    """y = (x_1 + ... + x_n) / n."""

    def _merge(self, xs, masks):
        return sum(xs[1:], xs[0]) / len(xs)


class Maximum(_Merge):
    """y = max(x_1, ..., x_n), element-wise; masked steps of one input do not count."""

    def _merge(self, xs, masks):
        return _or_masked(torch.maximum, xs, masks)


class Minimum(_Merge):
    """y = min(x_1, ..., x_n), element-wise; masked steps of one input do not count."""

    def _merge(self, xs, masks):
        return _or_masked(torch.minimum, xs, masks)


class Multiply(_Merge):
    """y = x_1 ⊙ x_2 ⊙ ... ⊙ x_n (a gate: multiply([x, sigmoid(g)])).

    With masks on every input, a masked step of one input counts as 1, and steps masked in
    all inputs give 0 (Keras 3's rule).
    """

    def _merge(self, xs, masks):
        every = all(m is not None for m in masks)
        out, out_mask = None, None
        for x, m in zip(xs, masks):
            if m is not None:
                m = m.unsqueeze(-1).expand_as(x) if m.dim() < x.dim() else m
                x = torch.where(m, x, torch.ones_like(x))
                if every:
                    out_mask = m if out_mask is None else out_mask | m
            out = x if out is None else out * x
        return torch.where(out_mask, out, torch.zeros_like(out)) if every else out


class Concatenate(Layer):
    """y = [x_1; x_2; ...] along `axis` (default -1, the features): shapes must match on
    every other axis.

        Concatenate()([(B, T, 4), (B, T, 3)]) -> (B, T, 7)
    """

    supports_masking = True

    def __init__(self, axis: int = -1, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"Concatenate axis must be an integer, got {axis!r}.")
        self.axis = axis
        self.built = True

    def _check_shapes(self, shapes: list) -> None:
        ranks = {len(s) for s in shapes}
        ok = len(ranks) == 1
        if ok:
            axis = self.axis % ranks.pop()
            for i in range(len(shapes[0])):
                sizes = {s[i] for s in shapes} - {None}
                ok = ok and (i == axis or len(sizes) <= 1)
        if not ok:
            raise ValueError(
                f"Concatenate {self.name!r} needs inputs of the same rank and the same sizes "
                f"on every axis but axis={self.axis}, got shapes {shapes}.")

    def forward(self, inputs, mask=None) -> Tensor:
        xs = _check_list(self, inputs)
        self._check_shapes([tuple(x.shape) for x in xs])
        dtype = functools.reduce(torch.promote_types, [x.dtype for x in xs])
        return torch.cat([x.to(dtype) for x in xs], dim=self.axis)

    def compute_output_shape(self, input_shape: list) -> Shape:
        shapes = [tuple(s) for s in input_shape]
        self._check_shapes(shapes)
        out = list(shapes[0])
        sizes = [s[self.axis] for s in shapes]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = _masks(mask, len(inputs))
        if all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):                 # each mask widened to its input's shape
            if m is None:
                m = torch.ones(x.shape, dtype=torch.bool, device=x.device)
            elif m.dim() < x.dim():
                m = m.unsqueeze(-1).expand(x.shape)
            full.append(m)
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot product of two batches of tensors along the given axes (batch axis excluded).

        Dot(axes=1)([(B, D), (B, D)])         -> (B, 1)      y_b = sum_d a_bd c_bd
        Dot(axes=(2, 2))([(B, T, D), (B, S, D)]) -> (B, T, S)   attention scores q k^T

    normalize=True L2-normalises both along their axes first: the cosine similarity.
    """

    def __init__(self, axes, normalize: bool = False, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        ok = (isinstance(axes, int) and not isinstance(axes, bool)) or (
            isinstance(axes, (list, tuple)) and len(axes) == 2
            and all(isinstance(a, int) and not isinstance(a, bool) for a in axes))
        if not ok:
            raise ValueError(f"Dot axes must be an integer or a pair of integers, got {axes!r}.")
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = bool(normalize)
        self.built = True

    def _axes_for(self, ranks: tuple[int, int]) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        axes = tuple(a % r for a, r in zip(pair, ranks))
        if 0 in axes:
            raise ValueError(f"Dot {self.name!r} cannot take the product along the batch axis "
                             f"(axes={self.axes}).")
        return axes

    def forward(self, inputs, mask=None) -> Tensor:
        a, c = _check_list(self, inputs, exactly=2)
        ax, ac = self._axes_for((a.dim(), c.dim()))
        if a.shape[ax] != c.shape[ac] or a.shape[0] != c.shape[0]:
            raise ValueError(
                f"Dot {self.name!r}: the product axes must have the same size, got shapes "
                f"{tuple(a.shape)} (axis {ax}) and {tuple(c.shape)} (axis {ac}).")
        if self.normalize:
            a, c = F.normalize(a, dim=ax), F.normalize(c, dim=ac)
        a = a.permute(*[i for i in range(a.dim()) if i != ax], ax)   # (B, ..., K)
        c = c.permute(0, ac, *[i for i in range(1, c.dim()) if i != ac])  # (B, K, ...)
        B, K = a.shape[0], a.shape[-1]
        y = torch.bmm(a.reshape(B, -1, K), c.reshape(B, K, -1))  # (B, M, N)
        y = y.reshape(B, *a.shape[1:-1], *c.shape[2:])
        return y.reshape(B, 1) if y.dim() == 1 else y

    def compute_output_shape(self, input_shape: list) -> Shape:
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        ax, ac = self._axes_for((len(s1), len(s2)))
        s1.pop(ax)
        s2.pop(ac)
        out = s1 + s2[1:]
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict[str, Any]:
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


# Keras's functional forms: add([a, b]) == Add()([a, b]).
def add(inputs, *, name: str | None = None):
    return Add(name=name)(inputs)


def subtract(inputs, *, name: str | None = None):
    return Subtract(name=name)(inputs)


def multiply(inputs, *, name: str | None = None):
    return Multiply(name=name)(inputs)


def average(inputs, *, name: str | None = None):
    return Average(name=name)(inputs)


def maximum(inputs, *, name: str | None = None):
    return Maximum(name=name)(inputs)


def minimum(inputs, *, name: str | None = None):
    return Minimum(name=name)(inputs)


def concatenate(inputs, axis: int = -1, *, name: str | None = None):
    return Concatenate(axis=axis, name=name)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, *, name: str | None = None):
    return Dot(axes=axes, normalize=normalize, name=name)(inputs)
