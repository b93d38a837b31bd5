"""`keras.ops` spelled on torch: the tensor functions custom cells and layers call.

A Keras program's custom cell writes `ops.matmul(inputs, self.kernel)`; with the prefix
`keras` replaced by `rnnkit` the same line runs here. Every function accepts NumPy arrays,
Python numbers or torch tensors and returns a torch tensor (`shape` returns a tuple). The
argument names and the NumPy-style semantics are Keras's (`axis=`, `keepdims=`,
`split(x, 3)` or `split(x, [2, 5])`, `transpose(x)` reverses the axes).

    >>> from rnnkit import ops
    >>> ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))).shape
    torch.Size([2, 4])
    >>> ops.sum([[1.0, 2.0], [3.0, 4.0]], axis=0)
    tensor([4., 6.])
"""
from __future__ import annotations

from typing import Any, Sequence

import builtins

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
    "float64": torch.float64, "float": torch.float32, "int8": torch.int8,
    "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "int": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool, "complex64": torch.complex64,
}


def _dtype(dtype) -> torch.dtype | None:
    """A torch dtype from a Keras name ('float32'), a NumPy dtype or a torch dtype."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    if name not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}. Available: {', '.join(sorted(_DTYPES))}.")
    return _DTYPES[name]


def convert_to_tensor(x, dtype=None) -> Tensor:
    """x as a torch tensor: NumPy keeps its dtype, Python floats become float32."""
    if isinstance(x, Tensor):
        return x if dtype is None else x.to(_dtype(dtype))
    if isinstance(x, (list, tuple)) and builtins.any(isinstance(v, Tensor) for v in x):
        return torch.stack([convert_to_tensor(v, dtype) for v in x])
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        x = x.copy()
    return torch.as_tensor(x, dtype=_dtype(dtype))


_t = convert_to_tensor


def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


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


def eye(N, M=None, dtype=None) -> Tensor:  # noqa: N803 (Keras's names)
    return torch.eye(N, M if M is not None else N, dtype=_dtype(dtype))


def one_hot(x, num_classes, axis=-1, dtype=None) -> Tensor:
    out = F.one_hot(_t(x).long(), num_classes).to(_dtype(dtype) or torch.float32)
    return out if axis == -1 else torch.movedim(out, -1, axis)


def _shape(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


# -- shape and type ------------------------------------------------------------------------
def shape(x) -> tuple[int, ...]:
    return tuple(_t(x).shape)


def cast(x, dtype) -> Tensor:
    return _t(x).to(_dtype(dtype))


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


def norm(x, ord=None, axis=None, keepdims=False) -> Tensor:  # noqa: A002 (Keras's name)
    return torch.linalg.norm(_t(x), ord=ord, dim=_axes(axis), keepdim=keepdims)


# -- reductions ----------------------------------------------------------------------------
def _reduce(fn, x, axis, keepdims):
    x = _t(x)
    return fn(x) if axis is None and not keepdims else fn(
        x, dim=_axes(axis) if axis is not None else tuple(range(x.dim())), keepdim=keepdims)


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 (Keras's name)
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


def max(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 (Keras's name)
    return _reduce(torch.amax, x, axis, keepdims)


def min(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 (Keras's name)
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


def logsumexp(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x)
    return torch.logsumexp(x, dim=_axes(axis) if axis is not None else tuple(range(x.dim())),
                           keepdim=keepdims)


def any(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 (Keras's name)
    x = _t(x).bool()
    return x.any() if axis is None else x.any(dim=axis, keepdim=keepdims)


def all(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 (Keras's name)
    x = _t(x).bool()
    return x.all() if axis is None else x.all(dim=axis, keepdim=keepdims)


# -- elementwise ---------------------------------------------------------------------------
def _unary(fn):
    def op(x) -> Tensor:
        x = _t(x)
        return fn(x if x.is_floating_point() or fn in _INT_OK else x.float())
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__}, as torch.{fn.__name__}."
    return op


_INT_OK = (torch.abs, torch.square, torch.negative, torch.sign)
abs = _unary(torch.abs)  # noqa: A001 (Keras's name)
absolute = abs
square = _unary(torch.square)
negative = _unary(torch.negative)
sign = _unary(torch.sign)
exp = _unary(torch.exp)
log = _unary(torch.log)
log1p = _unary(torch.log1p)
sqrt = _unary(torch.sqrt)
rsqrt = _unary(torch.rsqrt)
tanh = _unary(torch.tanh)
sigmoid = _unary(torch.sigmoid)
sin = _unary(torch.sin)
cos = _unary(torch.cos)
floor = _unary(torch.floor)
ceil = _unary(torch.ceil)
round = _unary(torch.round)  # noqa: A001 (Keras's name)
erf = _unary(torch.erf)
relu = _unary(torch.relu)
softplus = _unary(F.softplus)
softsign = _unary(F.softsign)
silu = _unary(F.silu)
swish = silu
elu = _unary(F.elu)
selu = _unary(F.selu)
relu6 = _unary(F.relu6)
hard_sigmoid = _unary(F.hardsigmoid)


def gelu(x, approximate=True) -> Tensor:
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


def leaky_relu(x, negative_slope=0.2) -> Tensor:
    return F.leaky_relu(_t(x), negative_slope)


def softmax(x, axis=-1) -> Tensor:
    return torch.softmax(_t(x), dim=axis)


def log_softmax(x, axis=-1) -> Tensor:
    return torch.log_softmax(_t(x), dim=axis)


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


def stop_gradient(x) -> Tensor:
    return _t(x).detach()


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


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def size(x) -> int:
    return _t(x).numel()


__all__ = [name for name in list(globals()) if not name.startswith("_")
           and name not in ("annotations", "Any", "Sequence", "np", "torch", "F", "Tensor",
                            "builtins")]
