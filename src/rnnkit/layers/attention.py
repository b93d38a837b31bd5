"""Attention layers with Keras's names: Attention (Luong), AdditiveAttention (Bahdanau),
MultiHeadAttention (Vaswani et al.). Shapes: B batch, Tq query steps, Tv value (and key)
steps, D features, N heads, K key size per head, V value size per head.

All three take the query and the values as separate inputs; a Keras mask on the values keeps
padded value steps out of the softmax, a mask on the query zeroes (Attention) or passes on
(MultiHeadAttention) the rows of padded queries, as Keras does. Masked scores get -1e9 (not
-inf), so a query whose values are all masked averages them uniformly, as in Keras, instead
of returning NaN.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Layer, Shape

NEG = -1e9   # Keras's "large negative number" for masked scores (float32)


def _as_tensor(x) -> Tensor:
    x = x if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))
    return x if x.is_floating_point() else x.float()


def causal_keep(Tq: int, Tv: int, device=None) -> Tensor:
    """(Tq, Tv) bool, True where query i may attend to value j: j <= i (lower triangle)."""
    return torch.ones(Tq, Tv, dtype=torch.bool, device=device).tril()


def _check_rate(layer: str, rate) -> float:
    if not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"{layer} dropout must be a fraction in [0, 1), got {rate!r}.")
    return float(rate)


class Attention(Layer):
    """Dot-product attention (Luong et al., 2015): each query step reads a weighted mix of the
    value steps, weighted by how well the query matches each key.

        scores_ij = s · q_i · k_j                     score_mode='dot'   (B, Tq, Tv)
        scores_ij = c · Σ_d tanh(s (q_i + k_j))_d      score_mode='concat'
        scores_ij = -1e9   where value j is masked, or j > i with use_causal_mask=True
        a_i       = softmax_j(scores_ij)              dropout on a in training
        out_i     = Σ_j a_ij v_j                       (B, Tq, Dv); 0 where query i is masked

    s is a learned scalar when use_scale=True (else 1), c a learned scalar for 'concat'.
    Call on [query, value] (key = value) or [query, value, key]; masks [query_mask,
    value_mask]. `return_attention_scores=True` also returns a (B, Tq, Tv).

    >>> Attention()([torch.zeros(2, 3, 4), torch.zeros(2, 5, 4)]).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, *, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__} score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = _check_rate(type(self).__name__, dropout)
        self.seed = seed

    def build(self, input_shape) -> None:
        self.scale = nn.Parameter(torch.ones(())) if self.use_scale else None
        self.concat_score_weight = (nn.Parameter(torch.ones(()))
                                    if self.score_mode == "concat" else None)

    # -- the equations ----------------------------------------------------------------------
    def scores(self, q: Tensor, k: Tensor) -> Tensor:
        """(B, Tq, D), (B, Tv, D) -> (B, Tq, Tv), before masking and softmax."""
        if self.score_mode == "dot":
            s = q @ k.transpose(-2, -1)                      # q_i · k_j
            return s * self.scale if self.scale is not None else s
        z = q.unsqueeze(-2) + k.unsqueeze(-3)               # (B, Tq, Tv, D): q_i + k_j
        if self.scale is not None:
            z = self.scale * z
        return self.concat_score_weight * torch.tanh(z).sum(-1)

    def forward(self, inputs, mask=None, return_attention_scores: bool = False,
                use_causal_mask: bool = False, training: bool | None = None):
        q, v, k = self._split_inputs(inputs)
        q_mask, v_mask = self._split_masks(mask)
        self._build_from(q)
        training = self.training if training is None else training
        keep = _keep_mask(q.shape[-2], k.shape[-2], v_mask, use_causal_mask, q.device)
        if self._sdpa_applies(return_attention_scores):
            out, a = self._attend_fused(q, k, v, keep, training), None
        else:
            out, a = self._attend(self.scores(q, k), v, keep, training)
        if q_mask is not None:                              # padded query rows -> 0
            out = out * q_mask.to(device=out.device, dtype=out.dtype).unsqueeze(-1)
        return (out, a) if return_attention_scores else out

    def _attend(self, scores: Tensor, v: Tensor, keep: Tensor | None, training: bool):
        """The readable path: mask, softmax, dropout, weighted sum."""
        if keep is not None:
            scores = scores.masked_fill(~keep, NEG)
        a = torch.softmax(scores, dim=-1)                   # (B, Tq, Tv)
        dropped = F.dropout(a, self.dropout, training) if self.dropout else a
        return dropped @ v, a

    def _sdpa_applies(self, return_attention_scores: bool) -> bool:
        return self.score_mode == "dot" and not return_attention_scores

    def _attend_fused(self, q: Tensor, k: Tensor, v: Tensor, keep: Tensor | None,
                      training: bool) -> Tensor:
        """PyTorch's fused kernel; the learned scale multiplies q so that it keeps its
        gradient: softmax((s q) kᵀ + bias) v with bias -1e9 on masked pairs."""
        if self.scale is not None:
            q = q * self.scale
        bias = None if keep is None else torch.zeros(keep.shape, dtype=q.dtype,
                                                     device=q.device).masked_fill(~keep, NEG)
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=self.dropout if training else 0.0, scale=1.0)

    # -- inputs, shapes, masks, config ------------------------------------------------------
    def _split_inputs(self, inputs) -> tuple[Tensor, Tensor, Tensor]:
        kind = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            got = (f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple))
                   else type(inputs).__name__)
            raise ValueError(
                f"{kind} {self.name!r} must be called on a list [query, value] or "
                f"[query, value, key], got {got}. For self-attention pass [x, x].")
        q, v = _as_tensor(inputs[0]), _as_tensor(inputs[1])
        k = _as_tensor(inputs[2]) if len(inputs) == 3 else v
        if q.dim() < 3 or q.shape[-1] != k.shape[-1] or v.shape[-2] != k.shape[-2]:
            raise ValueError(
                f"{kind} {self.name!r} expects query (batch, Tq, dim), value (batch, Tv, dim_v) "
                f"and key (batch, Tv, dim), got query {tuple(q.shape)}, value "
                f"{tuple(v.shape)}, key {tuple(k.shape)}: query and key need the same last "
                "axis, value and key the same number of steps.")
        return q, v, k

    def _split_masks(self, mask) -> tuple[Tensor | None, Tensor | None]:
        if mask is None:
            return None, None
        if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects mask as a list [query_mask, "
                f"value_mask] (entries may be None), got {type(mask).__name__}.")
        return tuple(None if m is None else torch.as_tensor(m).bool() for m in mask[:2])

    def compute_output_shape(self, input_shape) -> Shape:
        q_shape, v_shape = input_shape[0], input_shape[1]
        return (*tuple(q_shape)[:-1], tuple(v_shape)[-1])

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: the output keeps the query's mask."""
        return None if mask is None else mask[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau et al., 2015): a small network scores each query-key pair.

        scores_ij = Σ_d w_d tanh(q_i + k_j)_d      (B, Tq, Tv); w (D,) learned (use_scale)
        a_i       = softmax_j(scores_ij)           masks, causal and dropout as in Attention
        out_i     = Σ_j a_ij v_j

    w starts glorot_uniform as in Keras; with use_scale=False every w_d is 1.

    >>> AdditiveAttention()([torch.zeros(2, 3, 4), torch.zeros(2, 5, 4)]).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, seed: int | None = None,
                 *, name: str | None = None, trainable: bool = True):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, name=name,
                         trainable=trainable)

    def build(self, input_shape) -> None:
        D = input_shape[-1]
        self.concat_score_weight = None
        self.scale = None
        if self.use_scale:
            limit = math.sqrt(6.0 / (2 * D))                # glorot_uniform of a (D,) vector
            self.scale = nn.Parameter(torch.empty(D).uniform_(-limit, limit))

    def scores(self, q: Tensor, k: Tensor) -> Tensor:
        z = torch.tanh(q.unsqueeze(-2) + k.unsqueeze(-3))   # (B, Tq, Tv, D): tanh(q_i + k_j)
        return (z * self.scale).sum(-1) if self.scale is not None else z.sum(-1)

    def _sdpa_applies(self, return_attention_scores: bool) -> bool:
        return False                                        # no dot product to fuse

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config


def _keep_mask(Tq: int, Tv: int, v_mask: Tensor | None, causal: bool, device) -> Tensor | None:
    """(B or 1, Tq, Tv) bool: True where query i may read value j."""
    keep = None
    if v_mask is not None:
        keep = v_mask.to(device).unsqueeze(-2)              # (B, 1, Tv)
    if causal:
        c = causal_keep(Tq, Tv, device).unsqueeze(0)        # (1, Tq, Tv)
        keep = c if keep is None else keep & c
    return keep

