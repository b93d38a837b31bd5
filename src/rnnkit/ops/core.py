"""keras.ops core on torch: conversion, dtypes, shapes, slicing, segments, control flow.

Every op of rnnkit.ops accepts NumPy arrays, Python numbers or torch tensors and returns a
torch tensor; `convert_to_tensor` does the conversion (`_t` inside the package).

    >>> from rnnkit import ops
    >>> ops.convert_to_tensor([1.0, 2.0]).dtype
    torch.float32
    >>> ops.shape(np.zeros((2, 3)))
    (2, 3)
"""
from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
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


def convert_to_tensor(x, dtype=None, sparse=None) -> Tensor:
    """x as a torch tensor: NumPy keeps its dtype, Python floats become float32."""
    if isinstance(x, Tensor):
        return x if dtype is None else x.to(_dtype(dtype))
    if isinstance(x, (list, tuple)) and builtins.any(isinstance(v, Tensor) for v in x):
        return torch.stack([convert_to_tensor(v, dtype) for v in x])
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        x = x.copy()
    return torch.as_tensor(x, dtype=_dtype(dtype))


_t = convert_to_tensor


def convert_to_numpy(x) -> np.ndarray:
    return _t(x).detach().cpu().numpy()


def _shape(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


_INT_OK = (torch.abs, torch.square, torch.negative, torch.sign)


def _unary(fn: Callable[[Tensor], Tensor], name: str | None = None) -> Callable:
    """An elementwise op that takes anything array-like (integers become float32)."""
    def op(x) -> Tensor:
        x = _t(x)
        return fn(x if x.is_floating_point() or fn in _INT_OK else x.float())
    op.__name__ = name or fn.__name__
    op.__doc__ = f"Elementwise {op.__name__}."
    return op


# -- type and shape ------------------------------------------------------------------------
def shape(x) -> tuple[int, ...]:
    return tuple(_t(x).shape)


def dtype(x) -> str:
    return str(_t(x).dtype).replace("torch.", "")


def cast(x, dtype) -> Tensor:
    return _t(x).to(_dtype(dtype))


def stop_gradient(x) -> Tensor:
    return _t(x).detach()


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def size(x) -> int:
    return _t(x).numel()


# -- slicing and scattering ----------------------------------------------------------------
def slice(inputs, start_indices, shape) -> Tensor:
    """inputs[start[0]:start[0]+shape[0], ...], as keras.ops.slice."""
    x = _t(inputs)
    index = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return x[index]


def slice_update(inputs, start_indices, updates) -> Tensor:
    """A copy of inputs with `updates` written at start_indices."""
    x, updates = _t(inputs).clone(), _t(updates)
    index = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape))
    x[index] = updates.to(x.dtype)
    return x


def scatter(indices, values, shape) -> Tensor:
    """Zeros of `shape` with values added at indices (N, rank), as keras.ops.scatter."""
    values = _t(values)
    out = torch.zeros(_shape(shape), dtype=values.dtype)
    out.index_put_(tuple(_t(indices).long().T), values, accumulate=True)
    return out


def scatter_update(inputs, indices, updates) -> Tensor:
    x = _t(inputs).clone()
    x[tuple(_t(indices).long().T)] = _t(updates).to(x.dtype)
    return x


def unstack(x, num=None, axis=0) -> list[Tensor]:
    return list(torch.unbind(_t(x), dim=axis))


# -- control flow: Python loops over torch ops (autograd sees every step) ------------------
def cond(pred, true_fn: Callable, false_fn: Callable):
    return true_fn() if bool(_t(pred)) else false_fn()


def switch(index, branches: Sequence[Callable], *operands):
    return branches[int(_t(index))](*operands)


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val):
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond: Callable, body: Callable, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while bool(cond(*state)) and (maximum_iterations is None or steps < maximum_iterations):
        out = body(*state)
        state = (out,) if single else tuple(out)
        steps += 1
    return state[0] if single else state


def scan(f: Callable, init, xs=None, length=None, reverse=False, unroll=1):
    """carry, y_t = f(carry, x_t) over the first axis of xs; returns (carry, stack(y))."""
    n = int(length) if xs is None else len(_t(xs)) if not isinstance(xs, (list, tuple)) \
        else len(xs[0])
    steps = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in steps:
        x_i = None if xs is None else (_t(xs)[i] if not isinstance(xs, (list, tuple))
                                       else [_t(x)[i] for x in xs])
        carry, y = f(carry, x_i)
        ys.append(y)
    if reverse:
        ys.reverse()
    stacked = None if not ys or ys[0] is None else torch.stack([_t(y) for y in ys])
    return carry, stacked


def map(f: Callable, xs) -> Tensor:
    return torch.stack([_t(f(x)) for x in _t(xs)])


def vectorized_map(function: Callable, elements) -> Tensor:
    return map(function, elements)


__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and callable(value) and getattr(value, "__module__", "").startswith("rnnkit.ops")]
