"""MultiHeadAttention (Vaswani et al., 2017) with Keras's arguments and weight layout.

Shapes: B batch, Tq query steps, Tv value steps, Dq/Dv/Dk input features, N heads, K key
size per head (key_dim), V value size per head (value_dim), O output features.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from .attention import NEG, _as_tensor, _check_rate, causal_keep
from .base import Layer, Shape


class MultiHeadAttention(Layer):
    """N attention heads side by side, each on its own projection of query, key and value.

        Q_n = query W_q,n + b_q,n      (B, Tq, K)   for each head n = 1..N
        K_n = key   W_k,n + b_k,n      (B, Tv, K)
        V_n = value W_v,n + b_v,n      (B, Tv, V)
        A_n = softmax(Q_n K_nᵀ / √K)   (B, Tq, Tv); -1e9 where attention_mask is False
        out = concat_n(A_n V_n) W_o + b_o     (B, Tq, O), O = query's last axis by default

    Called as `mha(query, value, key=None, attention_mask=None,
    return_attention_scores=False, use_causal_mask=False)`; key defaults to value (self-
    attention: `mha(x, x)`). attention_mask (B, Tq, Tv) is True where a query may attend; the
    Keras masks of query and value (query_mask=, value_mask=, or mask=[q, v]) are folded in.
    Scores come back as (B, N, Tq, Tv). Runs on F.scaled_dot_product_attention unless the
    scores are asked for. The four projections are sublayers named as in Keras's files
    (query_dense, key_dense, value_dense, output_dense); get_weights() is in Keras's layout:
    query/key/value kernels (D, N, K|V) and biases (N, K|V), output kernel (N, V, O), bias (O,).
    attention_axes attends over other axes of higher-rank inputs (e.g. (2, 3) of
    (B, T, H, W, D)), the remaining axes acting as batch axes.

    >>> MultiHeadAttention(num_heads=2, key_dim=3)(torch.zeros(4, 5, 8), torch.zeros(4, 6, 8)).shape
    torch.Size([4, 5, 8])
    """

    supports_masking = True
    _required_config_keys = ("num_heads", "key_dim")

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", seed: int | None = None, *, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim),
                           ("value_dim", value_dim)):
            if value is None and arg == "value_dim":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"MultiHeadAttention {arg} must be a positive integer, got "
                                 f"{value!r}.")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout = _check_rate("MultiHeadAttention", dropout)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self.output_shape = tuple(output_shape) if output_shape else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self.attention_axes = tuple(attention_axes) if attention_axes is not None else None
        initializers.get(kernel_initializer), initializers.get(bias_initializer)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.seed = seed

    # -- weights: four projections, named as the groups of Keras's weight files ---------------
    def build(self, query_shape: Shape, value_shape: Shape | None = None,
              key_shape: Shape | None = None) -> None:
        value_shape = value_shape or query_shape
        key_shape = key_shape or value_shape
        N, K, V = self.num_heads, self.key_dim, self.value_dim
        self._out_dims = self.output_shape or (query_shape[-1],)
        args = (self.use_bias, self.kernel_initializer, self.bias_initializer)
        self.query_dense = Projection((query_shape[-1], N, K), (N, K), *args, name="query")
        self.key_dense = Projection((key_shape[-1], N, K), (N, K), *args, name="key")
        self.value_dense = Projection((value_shape[-1], N, V), (N, V), *args, name="value")
        self.output_dense = Projection((N, V, *self._out_dims), self._out_dims, *args,
                                       name="attention_output")

    def get_weights(self) -> list[np.ndarray]:
        """Keras's order and shapes: query, key, value, output; each kernel then bias."""
        return [w for p in self._projections() for w in p.get_weights()]

    def set_weights(self, weights: list) -> None:
        if not self.built:
            raise ValueError(
                f"MultiHeadAttention {self.name!r} is not built yet, so its weight shapes are "
                "unknown. Call it once on inputs (or build it) before set_weights.")
        expected = [w.shape for w in self.get_weights()]
        weights = [np.asarray(w) for w in weights]
        if [w.shape for w in weights] != expected:
            raise ValueError(
                f"MultiHeadAttention {self.name!r} expects {len(expected)} arrays in Keras's "
                f"layout {expected}, got {[w.shape for w in weights]}.")
        at = 0
        for p in self._projections():
            n = len(p.get_weights())
            p.set_weights(weights[at:at + n])
            at += n

    def _projections(self) -> list[Projection]:
        if not self.built:
            return []
        return [self.query_dense, self.key_dense, self.value_dense, self.output_dense]

    # -- the call ---------------------------------------------------------------------------
    def forward(self, query, value=None, key=None, attention_mask=None,
                return_attention_scores: bool = False, use_causal_mask: bool = False,
                query_mask=None, value_mask=None, key_mask=None, mask=None,
                training: bool | None = None):
        if isinstance(query, (list, tuple)):                # [query, value(, key)] as one input
            query, value, key = (list(query) + [None, None])[:3]
        if value is None:
            raise ValueError(
                f"MultiHeadAttention {self.name!r} needs a query and a value: mha(query, value) "
                "or mha(query, value, key); for self-attention call mha(x, x).")
        q, v = _as_tensor(query), _as_tensor(value)
        k = v if key is None else _as_tensor(key)
        if isinstance(mask, Tensor):                         # the query's Keras mask
            query_mask = mask
            if value is query and value_mask is None:        # self-attention: the value's too
                value_mask = mask
        elif mask is not None:                               # [query_mask, value_mask(, key)]
            query_mask, value_mask, key_mask = (list(mask) + [None, None, None])[:3]
        self._check_shapes(q, v, k)
        if not self.built:                        # built from three shapes, not one
            self.build(tuple(q.shape), tuple(v.shape), tuple(k.shape))
            self.built = True
            self.to(device=q.device, dtype=q.dtype).requires_grad_(self.trainable)
        training = self.training if training is None else training

        q_, v_, k_, restore = self._to_sequences(q, v, k)
        keep = self._keep(q_, k_, attention_mask, query_mask, value_mask, key_mask,
                          use_causal_mask, q.dim())
        N, K, V = self.num_heads, self.key_dim, self.value_dim
        Q = _heads(self.query_dense(q_), N, K)                  # (B', N, Tq, K)
        Kt = _heads(self.key_dense(k_), N, K)                   # (B', N, Tv, K)
        Vt = _heads(self.value_dense(v_), N, V)                 # (B', N, Tv, V)
        keep = None if keep is None else keep.unsqueeze(1)     # (B', 1, Tq, Tv): every head
        if return_attention_scores:
            ctx, A = self._attend(Q, Kt, Vt, keep, training)
        else:
            ctx, A = self._attend_fused(Q, Kt, Vt, keep, training), None
        ctx = ctx.transpose(1, 2).flatten(2)                   # (B', Tq, N V): heads side by side
        out = restore(self.output_dense(ctx))
        if return_attention_scores:
            return out, self._scores_shape(A, q, k)
        return out

    def _attend(self, Q: Tensor, K: Tensor, V: Tensor, keep: Tensor | None, training: bool):
        """The readable path: A = softmax(Q Kᵀ / √K), masked, dropout, then A V."""
        scores = (Q / math.sqrt(self.key_dim)) @ K.transpose(-2, -1)   # (B', N, Tq, Tv)
        if keep is not None:
            scores = scores.masked_fill(~keep, NEG)
        A = torch.softmax(scores, dim=-1)
        dropped = F.dropout(A, self.dropout, training) if self.dropout else A
        return dropped @ V, A

    def _attend_fused(self, Q: Tensor, K: Tensor, V: Tensor, keep: Tensor | None,
                      training: bool) -> Tensor:
        """The same on PyTorch's fused kernel, with -1e9 added where keep is False."""
        bias = None if keep is None else torch.zeros(keep.shape, dtype=Q.dtype,
                                                     device=Q.device).masked_fill(~keep, NEG)
        return F.scaled_dot_product_attention(
            Q, K, V, attn_mask=bias, dropout_p=self.dropout if training else 0.0,
            scale=1.0 / math.sqrt(self.key_dim))

    # -- attention over any axes: fold the other axes into the batch ------------------------
    def _axes(self, rank: int) -> tuple[int, ...]:
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        return tuple(sorted(a % rank for a in self.attention_axes))

    def _other_axes(self, rank: int) -> list[int]:
        return [a for a in range(1, rank - 1) if a not in self._axes(rank)]

    def _to_sequences(self, q: Tensor, v: Tensor, k: Tensor):
        """(B, *other, *attended, D) -> (B * other, attended steps, D) for q, v and k, and the
        function that puts the output back in the query's shape."""
        if q.dim() == 3 and self._axes(3) == (1,):
            return q, v, k, lambda y: y.reshape(*y.shape[:-1], *self._out_dims)
        other, axes = self._other_axes(q.dim()), self._axes(q.dim())
        order = [0, *other, *axes, q.dim() - 1]

        def fold(x: Tensor) -> Tensor:
            x = x.permute(order)
            return x.reshape(-1, math.prod(x.shape[1 + len(other):-1]), x.shape[-1])

        permuted = q.permute(order).shape

        def restore(y: Tensor) -> Tensor:
            y = y.reshape(*permuted[:-1], *self._out_dims)
            lead = [0, *other, *axes]
            inverse = [lead.index(i) for i in range(len(lead))]
            return y.permute(*inverse, *range(len(lead), y.dim()))
        return fold(q), fold(v), fold(k), restore

    def _scores_shape(self, A: Tensor, q: Tensor, k: Tensor) -> Tensor:
        """(B', N, Tq, Tv) -> Keras's (B, *other, N, *query attended, *key attended)."""
        if q.dim() == 3 and self._axes(3) == (1,):
            return A
        other, axes = self._other_axes(q.dim()), self._axes(q.dim())
        return A.reshape(q.shape[0], *[q.shape[a] for a in other], self.num_heads,
                         *[q.shape[a] for a in axes], *[k.shape[a] for a in axes])

    # -- masks, shapes, config --------------------------------------------------------------
    def _keep(self, q, k, attention_mask, query_mask, value_mask, key_mask, causal, rank):
        """(B, Tq, Tv) bool or None: True where query i may attend to value j."""
        given = [m for m in (attention_mask, query_mask, value_mask, key_mask) if m is not None]
        if rank != 3 and (given or causal):
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: masks and use_causal_mask work on inputs "
                f"of shape (batch, steps, features); got rank-{rank} inputs with "
                f"attention_axes={self.attention_axes}. Drop the masks or reshape the inputs.")
        Tq, Tv = q.shape[1], k.shape[1]
        keep = None
        for m, expand in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if m is not None:
                m = torch.as_tensor(m, device=q.device).bool().unsqueeze(expand)
                keep = m if keep is None else keep & m
        if causal:
            c = causal_keep(Tq, Tv, q.device).unsqueeze(0)
            keep = c if keep is None else keep & c
        if attention_mask is not None:
            a = torch.as_tensor(attention_mask, device=q.device).bool()
            if a.shape[-2:] != (Tq, Tv):
                raise ValueError(
                    f"MultiHeadAttention {self.name!r} expects attention_mask of shape (batch, "
                    f"{Tq}, {Tv}) (query steps, value steps), got {tuple(a.shape)}.")
            keep = a if keep is None else keep & a
        return keep

    def _check_shapes(self, q: Tensor, v: Tensor, k: Tensor) -> None:
        if q.dim() < 3 or v.dim() != q.dim() or k.shape[:-1] != v.shape[:-1]:
            raise ValueError(
                f"MultiHeadAttention {self.name!r} expects query (batch, Tq, Dq), value "
                f"(batch, Tv, Dv) and key (batch, Tv, Dk) of one rank, got query "
                f"{tuple(q.shape)}, value {tuple(v.shape)}, key {tuple(k.shape)}.")
        if self.built:
            got = (q.shape[-1], v.shape[-1], k.shape[-1])
            built = tuple(p.W.shape[1] for p in (self.query_dense, self.value_dense,
                                                 self.key_dense))
            if got != built:
                raise ValueError(
                    f"MultiHeadAttention {self.name!r} was built for query/value/key features "
                    f"{built}, got {got}.")

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None) -> Shape:
        if value_shape is None and query_shape and isinstance(query_shape[0], (list, tuple)):
            query_shape = query_shape[0]                    # a list of shapes [q, v(, k)]
        query_shape = tuple(query_shape)
        out = self.output_shape or (query_shape[-1],)
        return (*query_shape[:-1], *out)

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: the output keeps the query's mask."""
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": list(self.output_shape) if self.output_shape else None,
                "attention_axes": (list(self.attention_axes)
                                   if self.attention_axes is not None else None),
                "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer, "seed": self.seed}


class Projection(Layer):
    """One of MultiHeadAttention's four projections: y = x Wᵀ + b on the last axis.

    W is stored as nn.Linear's (out, in). Keras's EinsumDense kernel is Wᵀ reshaped:
    (D, N, K) for query/key/value, (N, V, *O) for the output; its bias (N, K) or (*O,).
    """

    def __init__(self, kernel_shape: tuple, bias_shape: tuple, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", *,
                 name: str | None = None):
        super().__init__(name=name or "projection")
        self.kernel_shape, self.bias_shape = tuple(kernel_shape), tuple(bias_shape)
        out = math.prod(self.bias_shape)
        kernel = torch.empty(self.kernel_shape)
        _init_kernel(kernel, kernel_initializer)            # in Keras's layout, Keras's fans
        self.W = nn.Parameter(kernel.reshape(-1, out).T.contiguous())   # (out, in)
        self.b = nn.Parameter(initializers.get(bias_initializer)(torch.empty(out))) \
            if use_bias else None
        self.built = True

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.W, self.b)

    def get_weights(self) -> list[np.ndarray]:
        arrays = [self.W.detach().cpu().T.reshape(self.kernel_shape).numpy().copy()]
        if self.b is not None:
            arrays.append(self.b.detach().cpu().reshape(self.bias_shape).numpy().copy())
        return arrays

    def set_weights(self, weights: list) -> None:
        expected = [w.shape for w in self.get_weights()]
        if [np.shape(w) for w in weights] != expected:
            raise ValueError(f"{self.name} expects arrays of shapes {expected} (Keras's "
                             f"layout), got {[np.shape(w) for w in weights]}.")
        with torch.no_grad():
            self.W.copy_(torch.as_tensor(np.asarray(weights[0])).reshape(-1, self.W.shape[0]).T)
            if self.b is not None:
                self.b.copy_(torch.as_tensor(np.asarray(weights[1])).reshape(-1))


def _init_kernel(W: Tensor, initializer) -> None:
    if initializer != "glorot_uniform":
        initializers.get(initializer)(W)
        return
    receptive = math.prod(W.shape[:-2])                    # Keras's fans for an einsum kernel
    fan_in, fan_out = W.shape[-2] * receptive, W.shape[-1] * receptive
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        W.uniform_(-limit, limit)


def _heads(x: Tensor, N: int, size: int) -> Tensor:
    """(B, T, N * size) -> (B, N, T, size): one slice of the projection per head."""
    return x.reshape(*x.shape[:-1], N, size).transpose(1, 2)
