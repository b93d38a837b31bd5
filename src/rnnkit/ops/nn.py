"""keras.ops.nn on torch: activations, softmax, one-hot, normalisation, losses, attention.

    >>> from rnnkit import ops
    >>> ops.one_hot([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    >>> ops.softmax([0.0, 0.0]).tolist()
    [0.5, 0.5]
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .core import _axes, _dtype, _t, _unary

# -- activations ---------------------------------------------------------------------------
tanh = _unary(torch.tanh)
sigmoid = _unary(torch.sigmoid)
relu = _unary(torch.relu)
relu6 = _unary(F.relu6)
softplus = _unary(F.softplus)
softsign = _unary(F.softsign)
silu = _unary(F.silu)
swish = silu
selu = _unary(F.selu)
hard_sigmoid = _unary(lambda x: torch.clamp(x / 6.0 + 0.5, 0.0, 1.0), "hard_sigmoid")  # 1/6
hard_silu = _unary(lambda x: x * torch.clamp(x / 6.0 + 0.5, 0.0, 1.0), "hard_silu")
hard_swish = hard_silu
hard_tanh = _unary(F.hardtanh)
log_sigmoid = _unary(F.logsigmoid)
tanh_shrink = _unary(F.tanhshrink)
mish = _unary(F.mish)


def elu(x, alpha=1.0) -> Tensor:
    return F.elu(_t(x), alpha)


def celu(x, alpha=1.0) -> Tensor:
    return F.celu(_t(x), alpha)


def gelu(x, approximate=True) -> Tensor:
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


def leaky_relu(x, negative_slope=0.2) -> Tensor:
    return F.leaky_relu(_t(x), negative_slope)


def glu(x, axis=-1) -> Tensor:
    return F.glu(_t(x), dim=axis)


def softmax(x, axis=-1) -> Tensor:
    return torch.softmax(_t(x), dim=axis)


def log_softmax(x, axis=-1) -> Tensor:
    return torch.log_softmax(_t(x), dim=axis)


# -- encodings and normalisation -----------------------------------------------------------
def one_hot(x, num_classes, axis=-1, dtype=None) -> Tensor:
    out = F.one_hot(_t(x).long(), num_classes).to(_dtype(dtype) or torch.float32)
    return out if axis == -1 else torch.movedim(out, -1, axis)


def multi_hot(inputs, num_classes, axis=-1, dtype=None) -> Tensor:
    """1 at every class id present in each row of inputs (B, n) -> (B, num_classes)."""
    return one_hot(inputs, num_classes, dtype=dtype).amax(dim=-2).movedim(-1, axis)


def moments(x, axes, keepdims=False) -> tuple[Tensor, Tensor]:
    """(mean, variance) over axes, the variance without Bessel's correction (as Keras)."""
    x = _t(x)
    mean = x.mean(dim=_axes(axes), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=_axes(axes), keepdim=keepdims)
    return (mean if keepdims else mean.squeeze(_axes(axes))), var


def normalize(x, axis=-1, order=2, epsilon=None) -> Tensor:
    """x / ||x||, the norm over axis (L2 by default)."""
    return F.normalize(_t(x), p=order, dim=axis, eps=1e-12 if epsilon is None else epsilon)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3) -> Tensor:
    x = _t(x)
    mean, var = moments(x, axes=axis, keepdims=True)
    y = (x - mean) / torch.sqrt(var + epsilon)
    y = y * _t(gamma) if gamma is not None else y
    return y + _t(beta) if beta is not None else y


# -- losses (from probabilities unless from_logits) ----------------------------------------
def binary_crossentropy(target, output, from_logits=False) -> Tensor:
    target, output = _t(target).float(), _t(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = 1e-7                                          # Keras's epsilon, as its clipping
    output = output.clamp(eps, 1.0 - eps)
    return -(target * torch.log(output) + (1.0 - target) * torch.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    target, output = _t(target), _t(output)
    if from_logits:
        return -(target * torch.log_softmax(output, dim=axis)).sum(axis)
    output = output / output.sum(axis, keepdim=True)
    return -(target * torch.log(output.clamp(1e-7, 1.0 - 1e-7))).sum(axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1) -> Tensor:
    output = _t(output)
    return categorical_crossentropy(one_hot(target, output.shape[axis], dtype=output.dtype),
                                    output, from_logits, axis)


# -- attention -----------------------------------------------------------------------------
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q Kᵀ · scale + bias) V with Keras's layout (B, T, N, H) on PyTorch's kernel.

    mask (B, N, Tq, Tk) is True where attention is allowed; scale defaults to 1/√H.
    """
    q, k, v = (_t(a).transpose(1, 2) for a in (query, key, value))   # (B, N, T, H)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    attn_mask = None
    if bias is not None:
        attn_mask = _t(bias).to(q.dtype)
    if mask is not None:
        keep = _t(mask).bool()
        masked = torch.zeros(keep.shape, dtype=q.dtype).masked_fill(~keep, -1e9)
        attn_mask = masked if attn_mask is None else attn_mask + masked
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                                         scale=scale)
    return out.transpose(1, 2)


__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and callable(value) and getattr(value, "__module__", "").startswith("rnnkit.ops")]
