"""keras.ops.linalg on torch: norms, decompositions and solvers (torch.linalg).

    >>> from rnnkit import ops
    >>> ops.norm([3.0, 4.0]).item()
    5.0
"""
from __future__ import annotations

import torch
from torch import Tensor

from .core import _axes, _t


def norm(x, ord=None, axis=None, keepdims=False) -> Tensor:
    return torch.linalg.norm(_t(x), ord=ord, dim=_axes(axis), keepdim=keepdims)


def det(a) -> Tensor:
    return torch.linalg.det(_t(a))


def inv(a) -> Tensor:
    return torch.linalg.inv(_t(a))


def pinv(x, rcond=1e-15) -> Tensor:
    return torch.linalg.pinv(_t(x), rtol=rcond)


def solve(a, b) -> Tensor:
    return torch.linalg.solve(_t(a), _t(b))


def lstsq(a, b, rcond=None) -> Tensor:
    return torch.linalg.lstsq(_t(a), _t(b), rcond=rcond).solution


def cholesky(x, upper=False) -> Tensor:
    return torch.linalg.cholesky(_t(x), upper=upper)


def qr(x, mode="reduced") -> tuple[Tensor, Tensor]:
    return tuple(torch.linalg.qr(_t(x), mode=mode))


def svd(x, full_matrices=True, compute_uv=True):
    if not compute_uv:
        return torch.linalg.svdvals(_t(x))
    return tuple(torch.linalg.svd(_t(x), full_matrices=full_matrices))


def eigh(x) -> tuple[Tensor, Tensor]:
    return tuple(torch.linalg.eigh(_t(x)))


def matrix_rank(x, tol=None) -> Tensor:
    return torch.linalg.matrix_rank(_t(x), atol=tol)


__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and callable(value) and getattr(value, "__module__", "").startswith("rnnkit.ops")]
