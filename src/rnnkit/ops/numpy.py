"""keras.ops.numpy on torch: NumPy's array functions with NumPy's argument names
(`axis=`, `keepdims=`, `split(x, 3)` or `split(x, [2, 5])`, `transpose(x)` reverses axes).

    >>> import numpy as np
    >>> from rnnkit import ops
    >>> [t.tolist() for t in ops.split(np.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    >>> ops.transpose(np.zeros((2, 3))).shape
    torch.Size([3, 2])
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from .core import _axes, _dtype, _shape, _t, _unary


# -- creation ------------------------------------------------------------------------------
def zeros(shape, dtype=None) -> Tensor:
    return torch.zeros(_shape(shape), dtype=_dtype(dtype))


def ones(shape, dtype=None) -> Tensor:
    return torch.ones(_shape(shape), dtype=_dtype(dtype))


def full(shape, fill_value, dtype=None) -> Tensor:
    return torch.full(_shape(shape), fill_value, dtype=_dtype(dtype))


def zeros_like(x, dtype=None) -> Tensor:
    return torch.zeros_like(_t(x), dtype=_dtype(dtype))


def ones_like(x, dtype=None) -> Tensor:
    return torch.ones_like(_t(x), dtype=_dtype(dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    return torch.full_like(_t(x), fill_value, dtype=_dtype(dtype))


def arange(start, stop=None, step=1, dtype=None) -> Tensor:
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, step, dtype=_dtype(dtype))


def eye(N, M=None, dtype=None) -> Tensor:
    return torch.eye(N, M if M is not None else N, dtype=_dtype(dtype))


# -- shapes --------------------------------------------------------------------------------
def reshape(x, newshape) -> Tensor:
    return _t(x).reshape(_shape(newshape))


def transpose(x, axes=None) -> Tensor:
    """NumPy's transpose: the axes reversed, or in the order given."""
    x = _t(x)
    return x.permute(*(axes if axes is not None else range(x.dim() - 1, -1, -1)))


def swapaxes(x, axis1, axis2) -> Tensor:
    return _t(x).transpose(axis1, axis2)


def moveaxis(x, source, destination) -> Tensor:
    return torch.movedim(_t(x), source, destination)


def expand_dims(x, axis) -> Tensor:
    return _t(x).unsqueeze(axis)


def squeeze(x, axis=None) -> Tensor:
    x = _t(x)
    return x.squeeze() if axis is None else x.squeeze(axis)


def broadcast_to(x, shape) -> Tensor:
    return _t(x).broadcast_to(_shape(shape))


def concatenate(xs: Sequence, axis=0) -> Tensor:
    return torch.cat([_t(x) for x in xs], dim=axis)


def stack(xs: Sequence, axis=0) -> Tensor:
    return torch.stack([_t(x) for x in xs], dim=axis)


def split(x, indices_or_sections, axis=0) -> list[Tensor]:
    """NumPy's split: into n equal parts, or at the given indices."""
    x = _t(x)
    if isinstance(indices_or_sections, int):
        if x.shape[axis] % indices_or_sections:
            raise ValueError(
                f"split cannot cut an axis of size {x.shape[axis]} into "
                f"{indices_or_sections} equal parts; pass the cut indices instead.")
        return list(torch.chunk(x, indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, list(indices_or_sections), dim=axis))


def tile(x, repeats) -> Tensor:
    return _t(x).tile(_shape(repeats))


def repeat(x, repeats, axis=None) -> Tensor:
    x = _t(x)
    return x.flatten().repeat_interleave(repeats) if axis is None \
        else x.repeat_interleave(repeats, dim=axis)


def flip(x, axis=None) -> Tensor:
    x = _t(x)
    dims = tuple(range(x.dim())) if axis is None else \
        (tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))
    return x.flip(dims)


def take(x, indices, axis=None) -> Tensor:
    x, indices = _t(x), _t(indices).long()
    if axis is None:
        return x.flatten()[indices]
    return torch.index_select(x, axis, indices.flatten()).reshape(
        *x.shape[:axis % x.dim()], *indices.shape, *x.shape[axis % x.dim() + 1:])


def pad(x, pad_width, mode="constant", constant_values=0) -> Tensor:
    """NumPy's pad: pad_width is ((before, after), ...) from the first axis."""
    flat = [p for pair in reversed([tuple(p) for p in pad_width]) for p in pair]
    if mode != "constant":
        return F.pad(_t(x), flat, mode=mode)
    return F.pad(_t(x), flat, value=constant_values)


# -- linear algebra ------------------------------------------------------------------------
def matmul(x1, x2) -> Tensor:
    return torch.matmul(_t(x1), _t(x2))


def dot(x1, x2) -> Tensor:
    """NumPy's dot: a matrix product for rank <= 2, else a sum over x1's last axis and x2's
    second-to-last axis."""
    x1, x2 = _t(x1), _t(x2)
    if x1.dim() == 0 or x2.dim() == 0:
        return x1 * x2
    if x2.dim() <= 2:
        return torch.matmul(x1, x2)
    return torch.tensordot(x1, x2, dims=([-1], [-2]))


def tensordot(x1, x2, axes=2) -> Tensor:
    return torch.tensordot(_t(x1), _t(x2), dims=axes)


def einsum(subscripts: str, *operands) -> Tensor:
    return torch.einsum(subscripts, *[_t(o) for o in operands])


def outer(x1, x2) -> Tensor:
    return torch.outer(_t(x1).flatten(), _t(x2).flatten())


# -- reductions ----------------------------------------------------------------------------
def _reduce(fn, x, axis, keepdims):
    x = _t(x)
    return fn(x) if axis is None and not keepdims else fn(
        x, dim=_axes(axis) if axis is not None else tuple(range(x.dim())), keepdim=keepdims)


def sum(x, axis=None, keepdims=False) -> Tensor:
    return _reduce(torch.sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x)
    return _reduce(torch.mean, x if x.is_floating_point() else x.float(), axis, keepdims)


def prod(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x)
    if axis is None:
        out = x.prod()
        return out.reshape([1] * x.dim()) if keepdims else out
    return x.prod(dim=axis, keepdim=keepdims)


def max(x, axis=None, keepdims=False) -> Tensor:
    return _reduce(torch.amax, x, axis, keepdims)


def min(x, axis=None, keepdims=False) -> Tensor:
    return _reduce(torch.amin, x, axis, keepdims)


def var(x, axis=None, keepdims=False) -> Tensor:
    return torch.var(_t(x), dim=_axes(axis), unbiased=False, keepdim=keepdims)


def std(x, axis=None, keepdims=False) -> Tensor:
    return torch.std(_t(x), dim=_axes(axis), unbiased=False, keepdim=keepdims)


def argmax(x, axis=None, keepdims=False) -> Tensor:
    return torch.argmax(_t(x), dim=axis, keepdim=keepdims)


def argmin(x, axis=None, keepdims=False) -> Tensor:
    return torch.argmin(_t(x), dim=axis, keepdim=keepdims)


def cumsum(x, axis=None) -> Tensor:
    x = _t(x)
    return x.flatten().cumsum(0) if axis is None else x.cumsum(axis)


def any(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x).bool()
    return x.any() if axis is None else x.any(dim=axis, keepdim=keepdims)


def all(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x).bool()
    return x.all() if axis is None else x.all(dim=axis, keepdim=keepdims)


# -- elementwise ---------------------------------------------------------------------------
abs = _unary(torch.abs)
absolute = abs
square = _unary(torch.square)
negative = _unary(torch.negative)
sign = _unary(torch.sign)
exp = _unary(torch.exp)
log = _unary(torch.log)
log1p = _unary(torch.log1p)
sqrt = _unary(torch.sqrt)
sin = _unary(torch.sin)
cos = _unary(torch.cos)
floor = _unary(torch.floor)
ceil = _unary(torch.ceil)
round = _unary(torch.round)
tan = _unary(torch.tan)
sinh = _unary(torch.sinh)
cosh = _unary(torch.cosh)
arcsin = _unary(torch.arcsin)
arccos = _unary(torch.arccos)
arctan = _unary(torch.arctan)
arcsinh = _unary(torch.arcsinh)
arccosh = _unary(torch.arccosh)
arctanh = _unary(torch.arctanh)
exp2 = _unary(torch.exp2)
expm1 = _unary(torch.expm1)
log2 = _unary(torch.log2)
log10 = _unary(torch.log10)
reciprocal = _unary(torch.reciprocal)
trunc = _unary(torch.trunc)
cbrt = _unary(lambda x: torch.sign(x) * x.abs().pow(1.0 / 3.0), "cbrt")
fabs = abs
isnan = _unary(torch.isnan)
isinf = _unary(torch.isinf)
isfinite = _unary(torch.isfinite)


def add(x1, x2) -> Tensor:
    return torch.add(_t(x1), _t(x2))


def subtract(x1, x2) -> Tensor:
    return torch.subtract(_t(x1), _t(x2))


def multiply(x1, x2) -> Tensor:
    return torch.multiply(_t(x1), _t(x2))


def divide(x1, x2) -> Tensor:
    return torch.true_divide(_t(x1), _t(x2))


def power(x1, x2) -> Tensor:
    return torch.pow(_t(x1), _t(x2))


def maximum(x1, x2) -> Tensor:
    x1, x2 = _t(x1), _t(x2)
    return torch.maximum(*_same_dtype(x1, x2))


def minimum(x1, x2) -> Tensor:
    x1, x2 = _t(x1), _t(x2)
    return torch.minimum(*_same_dtype(x1, x2))


def clip(x, x_min, x_max) -> Tensor:
    return torch.clamp(_t(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    """Elementwise choice: x1 where condition is true, else x2 (or the indices, NumPy-style)."""
    condition = _t(condition).bool()
    if x1 is None and x2 is None:
        return torch.where(condition)
    x1, x2 = _t(x1), _t(x2)
    return torch.where(condition, *_same_dtype(x1, x2))


def _same_dtype(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return x1.to(dtype), x2.to(dtype)


# -- comparisons and logic -----------------------------------------------------------------
def equal(x1, x2) -> Tensor:
    return torch.eq(_t(x1), _t(x2))


def not_equal(x1, x2) -> Tensor:
    return torch.ne(_t(x1), _t(x2))


def greater(x1, x2) -> Tensor:
    return torch.gt(_t(x1), _t(x2))


def greater_equal(x1, x2) -> Tensor:
    return torch.ge(_t(x1), _t(x2))


def less(x1, x2) -> Tensor:
    return torch.lt(_t(x1), _t(x2))


def less_equal(x1, x2) -> Tensor:
    return torch.le(_t(x1), _t(x2))


def logical_and(x1, x2) -> Tensor:
    return torch.logical_and(_t(x1), _t(x2))


def logical_or(x1, x2) -> Tensor:
    return torch.logical_or(_t(x1), _t(x2))


def logical_not(x) -> Tensor:
    return torch.logical_not(_t(x))




def logical_xor(x1, x2) -> Tensor:
    return torch.logical_xor(_t(x1), _t(x2))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False) -> Tensor:
    return torch.isclose(*_same_dtype(_t(x1), _t(x2)), rtol=rtol, atol=atol,
                         equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False) -> Tensor:
    return torch.tensor(bool(isclose(x1, x2, rtol, atol, equal_nan).all()))


# -- more arithmetic -----------------------------------------------------------------------
def true_divide(x1, x2) -> Tensor:
    return divide(x1, x2)


def divide_no_nan(x1, x2) -> Tensor:
    """x1 / x2, and 0 where x2 is 0."""
    x1, x2 = _t(x1), _t(x2)
    safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
    return torch.where(x2 == 0, torch.zeros_like(x1 / safe), x1 / safe)


def floor_divide(x1, x2) -> Tensor:
    return torch.floor_divide(_t(x1), _t(x2))


def mod(x1, x2) -> Tensor:
    return torch.remainder(_t(x1), _t(x2))


def arctan2(x1, x2) -> Tensor:
    return torch.atan2(_t(x1).float() if not _t(x1).is_floating_point() else _t(x1), _t(x2))


def hypot(x1, x2) -> Tensor:
    return torch.hypot(_t(x1), _t(x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> Tensor:
    return torch.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


# -- more creation, shapes and reductions --------------------------------------------------
def empty(shape, dtype=None) -> Tensor:
    return torch.empty(_shape(shape), dtype=_dtype(dtype))


def identity(n, dtype=None) -> Tensor:
    return eye(n, dtype=dtype)


def array(x, dtype=None) -> Tensor:
    return _t(x, dtype)


def copy(x) -> Tensor:
    return _t(x).clone()


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0) -> Tensor:
    if endpoint:
        return torch.linspace(float(start), float(stop), int(num), dtype=_dtype(dtype))
    step = (float(stop) - float(start)) / int(num)
    return torch.arange(int(num), dtype=_dtype(dtype) or torch.float32) * step + float(start)


def meshgrid(*xs, indexing="xy") -> list[Tensor]:
    return list(torch.meshgrid(*[_t(x) for x in xs], indexing=indexing))


def tri(N, M=None, k=0, dtype=None) -> Tensor:
    return torch.ones(N, M if M is not None else N, dtype=_dtype(dtype) or torch.float32).tril(k)


def tril(x, k=0) -> Tensor:
    return _t(x).tril(k)


def triu(x, k=0) -> Tensor:
    return _t(x).triu(k)


def diag(x, k=0) -> Tensor:
    return torch.diag(_t(x), k)


def diagonal(x, offset=0, axis1=0, axis2=1) -> Tensor:
    return torch.diagonal(_t(x), offset, axis1, axis2)


def trace(x, offset=0, axis1=0, axis2=1) -> Tensor:
    return diagonal(x, offset, axis1, axis2).sum(-1)


def ravel(x) -> Tensor:
    return _t(x).flatten()


def ndim(x) -> int:
    return _t(x).dim()


def vstack(xs) -> Tensor:
    return torch.vstack([_t(x) for x in xs])


def hstack(xs) -> Tensor:
    return torch.hstack([_t(x) for x in xs])


def append(x1, x2, axis=None) -> Tensor:
    x1, x2 = _t(x1), _t(x2)
    if axis is None:
        return torch.cat([x1.flatten(), x2.flatten()])
    return torch.cat([x1, x2], dim=axis)


def array_split(x, indices_or_sections, axis=0) -> list[Tensor]:
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


def roll(x, shift, axis=None) -> Tensor:
    x = _t(x)
    return x.flatten().roll(shift).reshape(x.shape) if axis is None else x.roll(shift, axis)


def take_along_axis(x, indices, axis=None) -> Tensor:
    x, indices = _t(x), _t(indices).long()
    if axis is None:
        return x.flatten()[indices.flatten()]
    return torch.take_along_dim(x, indices, dim=axis)


def sort(x, axis=-1) -> Tensor:
    return torch.sort(_t(x), dim=axis).values


def argsort(x, axis=-1) -> Tensor:
    return torch.argsort(_t(x), dim=axis, stable=True)


def nonzero(x) -> tuple[Tensor, ...]:
    return torch.nonzero(_t(x), as_tuple=True)


def count_nonzero(x, axis=None) -> Tensor:
    return torch.count_nonzero(_t(x), dim=_axes(axis))


def cumprod(x, axis=None) -> Tensor:
    x = _t(x)
    return x.flatten().cumprod(0) if axis is None else x.cumprod(axis)


def diff(a, n=1, axis=-1) -> Tensor:
    return torch.diff(_t(a), n=n, dim=axis)


def amax(x, axis=None, keepdims=False) -> Tensor:
    return max(x, axis, keepdims)


def amin(x, axis=None, keepdims=False) -> Tensor:
    return min(x, axis, keepdims)


def average(x, axis=None, weights=None) -> Tensor:
    x = _t(x)
    if weights is None:
        return mean(x, axis)
    w = _t(weights).to(x.dtype)
    if axis is not None and w.dim() == 1:
        w = w.reshape([-1 if d == axis % x.dim() else 1 for d in range(x.dim())])
    return (x * w).sum(dim=axis) / w.expand_as(x).sum(dim=axis) if axis is not None \
        else (x * w).sum() / w.expand_as(x).sum()


def median(x, axis=None, keepdims=False) -> Tensor:
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    x = _t(x)
    x = x if x.is_floating_point() else x.float()
    return torch.quantile(x, _t(q).to(x.dtype), dim=axis, keepdim=keepdims,
                          interpolation=method)


def percentile(x, q, axis=None, method="linear", keepdims=False) -> Tensor:
    return quantile(x, _t(q) / 100.0, axis, method, keepdims)


__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and callable(value) and getattr(value, "__module__", "").startswith("rnnkit.ops")]
