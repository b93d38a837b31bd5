"""keras.ops.math on torch: segment reductions, top-k, log-sum-exp, special functions.

    >>> from rnnkit import ops
    >>> round(ops.logsumexp([0.0, 0.0]).item(), 4)          # log(e^0 + e^0) = log 2
    0.6931
    >>> ops.top_k([3.0, 1.0, 2.0], k=2).indices.tolist()
    [0, 2]
"""
from __future__ import annotations

import torch
from torch import Tensor

from .core import _axes, _t, _unary

rsqrt = _unary(torch.rsqrt)
erf = _unary(torch.erf)
erfc = _unary(torch.erfc)
erfinv = _unary(torch.erfinv)


def logsumexp(x, axis=None, keepdims=False) -> Tensor:
    x = _t(x)
    return torch.logsumexp(x, dim=_axes(axis) if axis is not None else tuple(range(x.dim())),
                           keepdim=keepdims)


def segment_sum(data, segment_ids, num_segments=None, sorted=False) -> Tensor:
    """Sum of the rows of data that share a segment id: out[s] = Σ_{ids_i = s} data_i."""
    data, ids = _t(data), _t(segment_ids).long()
    n = int(num_segments) if num_segments is not None else int(ids.max()) + 1
    out = data.new_zeros((n, *data.shape[1:]))
    return out.index_add_(0, ids, data)


def segment_max(data, segment_ids, num_segments=None, sorted=False) -> Tensor:
    data, ids = _t(data), _t(segment_ids).long()
    n = int(num_segments) if num_segments is not None else int(ids.max()) + 1
    out = data.new_full((n, *data.shape[1:]), float("-inf"))
    index = ids.view(-1, *[1] * (data.dim() - 1)).expand_as(data)
    return out.scatter_reduce(0, index, data, reduce="amax")


def segment_min(data, segment_ids, num_segments=None, sorted=False) -> Tensor:
    return -segment_max(-_t(data), segment_ids, num_segments)


def segment_prod(data, segment_ids, num_segments=None, sorted=False) -> Tensor:
    data, ids = _t(data), _t(segment_ids).long()
    n = int(num_segments) if num_segments is not None else int(ids.max()) + 1
    out = data.new_ones((n, *data.shape[1:]))
    index = ids.view(-1, *[1] * (data.dim() - 1)).expand_as(data)
    return out.scatter_reduce(0, index, data, reduce="prod")


def top_k(x, k, sorted=True) -> tuple[Tensor, Tensor]:
    """(values, indices) of the k largest entries on the last axis."""
    return torch.topk(_t(x), k, dim=-1, sorted=sorted)


def in_top_k(targets, predictions, k) -> Tensor:
    """True where the target class is among the k highest predictions of its row."""
    top = torch.topk(_t(predictions), k, dim=-1).indices
    return (top == _t(targets).long().unsqueeze(-1)).any(-1)


def logdet(x) -> Tensor:
    return torch.logdet(_t(x))


def cdist(x1, x2, p=2.0) -> Tensor:
    return torch.cdist(_t(x1), _t(x2), p=p)


def extract_sequences(x, sequence_length, sequence_stride) -> Tensor:
    """Frames of sequence_length every sequence_stride steps on the last axis."""
    return _t(x).unfold(-1, sequence_length, sequence_stride)


__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and callable(value) and getattr(value, "__module__", "").startswith("rnnkit.ops")]
