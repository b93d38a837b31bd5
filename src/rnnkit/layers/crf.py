"""Linear-chain conditional random field: scores whole tag sequences instead of each tag alone.

    score(x, y) = s_{y_1} + Σ_{t=1..n} e_t[y_t] + Σ_{t=2..n} A[y_{t-1}, y_t] + z_{y_n}
    log p(y | x) = score(x, y) - log Z(x),   log Z(x) = log Σ_{y'} exp score(x, y')

e_t (K,) are the emission scores of step t (from the layers below, or from the CRF's own
projection), A (K, K) the transition scores (A[i, j]: tag i followed by tag j), s and z (K,)
the start and end scores. log Z sums over all K^n tag sequences by the forward algorithm;
the best sequence comes from Viterbi's algorithm, the same recursion with max for logsumexp.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from ..losses import LossFunction
from .base import Layer, Shape, check_features


class CRF(Layer):
    """Linear-chain CRF over K = `units` tags (Lafferty et al. 2001; Lample et al. 2016).

    Forward algorithm for log Z, in log space (α_t(j): log-sum of the scores of all prefixes
    that end in tag j at step t):

        α_1(j) = s_j + e_1[j]
        α_t(j) = e_t[j] + log Σ_i exp(α_{t-1}(i) + A[i, j])
        log Z  = log Σ_j exp(α_n(j) + z_j)

    Viterbi (δ_t(j): the score of the best prefix ending in j; ψ_t(j) its previous tag):

        δ_1(j) = s_j + e_1[j]
        δ_t(j) = e_t[j] + max_i (δ_{t-1}(i) + A[i, j]),   ψ_t(j) = argmax_i (...)
        y_n = argmax_j (δ_n(j) + z_j),   y_{t-1} = ψ_t(y_t)

    Shapes: emissions (B, T, K), tags (B, T) integers in [0, K), mask (B, T) True on real
    steps. Padding may sit on either side (or anywhere): the real steps of each row are
    moved to the front, in order, before the recursions, so padded and unpadded inputs give
    the same results. A row with no real step has log-likelihood 0 and no tags.

    From PyTorch: `crf.log_likelihood(emissions, tags, mask)` (B,) and
    `crf.decode(emissions, mask)` (B, T), -1 on padding. In a Sequential model it is the
    last layer, compiled with `loss=crf.loss` (or `loss="crf"`): fit and evaluate train on
    the emissions (as softmax layers hand their logits to the cross-entropy), while
    `model(x)` and `predict` return the Viterbi path one-hot encoded, (B, T, K), so
    `predict(x).argmax(-1)` is the best tag sequence.

    projection: None (default) adds a linear map e_t = W h_t + b from the input's D features
    to the K tags when D != K, and uses the inputs as emissions when D == K (after a
    TimeDistributed(Dense(K))); True or False forces it. Init: A, s, z zeros, W
    glorot_uniform, b zeros.

    >>> crf = CRF(3)
    >>> crf.decode(torch.zeros(1, 4, 3), torch.tensor([[True, True, True, False]])).tolist()
    [[0, 0, 0, -1]]
    """

    supports_masking = True
    activation_name = "crf"        # fit hands the emissions to a loss whose logits_of is "crf"
    _required_config_keys = ("units",)

    def __init__(self, units: int, projection: bool | None = None, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"CRF units (the number of tags) must be a positive integer, got "
                             f"{units!r}.")
        if projection not in (None, True, False):
            raise ValueError(f"CRF projection must be None (when the input size differs from "
                             f"units), True or False, got {projection!r}.")
        self.units = units
        self.projection = projection

    def build(self, input_shape: Shape) -> None:
        K, D = self.units, input_shape[-1]
        if D is None:
            raise ValueError(f"CRF {self.name!r} needs a known feature size, got {input_shape}.")
        project = self.projection if self.projection is not None else D != K
        if not project and D != K:
            raise ValueError(
                f"CRF {self.name!r} with projection=False takes its input as the emissions of "
                f"its {K} tags, so the input needs {K} features, got {D}. Put "
                f"TimeDistributed(Dense({K})) before it, or use projection=None.")
        if project:
            self.W = nn.Parameter(initializers.glorot_uniform(torch.empty(K, D)))
            self.b = nn.Parameter(torch.zeros(K))
        else:
            self.register_parameter("W", None)
            self.register_parameter("b", None)
        self.transitions = nn.Parameter(torch.zeros(K, K))      # A[i, j]: tag i -> tag j
        self.start = nn.Parameter(torch.zeros(K))                # s_j
        self.end = nn.Parameter(torch.zeros(K))                  # z_j

    # -- the Keras side: emissions for the loss, the Viterbi path as output ----------------------
    def pre_activation(self, x: Tensor) -> Tensor:
        """The emissions e (B, T, K): the projected input, or the input itself."""
        check_features(self, x, 3, "A CRF tags sequences: put it after a layer with "
                                   "return_sequences=True.")
        if not x.is_floating_point():
            x = x.float()
        self._build_from(x)
        return x if self.W is None else F.linear(x, self.W, self.b)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """The Viterbi tag sequence, one-hot (B, T, K); zero rows on padding."""
        return self.one_hot_path(self.pre_activation(x), mask)

    def one_hot_path(self, emissions: Tensor, mask: Tensor | None = None) -> Tensor:
        """decode(emissions, mask) one-hot encoded, (B, T, K), zero rows on padding."""
        tags = self.decode(emissions, mask)                                  # (B, T), -1 pad
        real = (tags >= 0).unsqueeze(-1).to(emissions.dtype)
        return F.one_hot(tags.clamp(min=0), self.units).to(emissions.dtype) * real

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.units,)

    @property
    def loss(self) -> LossFunction:
        """The loss to compile with: the negative log-likelihood of the gold tags."""
        return LossFunction("crf", self.loss_per_step, logits_of="crf", takes_mask=True)

    def loss_per_step(self, y_true: Tensor, emissions: Tensor, from_logits: bool = True,
                      mask: Tensor | None = None) -> Tensor:
        """-log p(y | x) of each row spread evenly over its real steps, (B, T), so that fit's
        masked mean Σ_b -log p(y_b | x_b) / Σ_b n_b is the negative log-likelihood per tag."""
        if not from_logits:
            raise ValueError(
                f"The CRF loss needs the emissions of the model's last layer, a CRF; this "
                f"model's last layer is not {self.name!r}. Put CRF({self.units}) last.")
        mask = _full_mask(emissions, mask)
        n = mask.sum(dim=1, keepdim=True).clamp(min=1)                       # (B, 1)
        nll = -self.log_likelihood(emissions, y_true.long(), mask)           # (B,)
        return nll.unsqueeze(1) * mask.to(emissions.dtype) / n

    # -- the PyTorch side ---------------------------------------------------------------------
    def log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Tensor | None = None
                       ) -> Tensor:
        """log p(tags | x) = score(x, tags) - log Z(x) for each row, (B,)."""
        self._check(emissions, tags)
        e, mask, order = _left_align(emissions, _full_mask(emissions, mask))
        y = tags.long().gather(1, order)[:, :e.shape[1]] * mask               # 0 on padding
        return self._score(e, y, mask) - self._log_partition(e, mask)

    def log_partition(self, emissions: Tensor, mask: Tensor | None = None) -> Tensor:
        """log Z(x) for each row, (B,): the forward algorithm."""
        self._check(emissions)
        e, mask, _ = _left_align(emissions, _full_mask(emissions, mask))
        return self._log_partition(e, mask)

    @torch.no_grad()
    def decode(self, emissions: Tensor, mask: Tensor | None = None) -> Tensor:
        """The best tag sequence of each row, (B, T) integers, -1 on padding: Viterbi."""
        self._check(emissions)
        B, T = emissions.shape[:2]
        full = _full_mask(emissions, mask)
        e, m, order = _left_align(emissions, full)
        best = self._viterbi(e, m)                                           # (B, T'), -1 pad
        out = torch.full((B, T), -1, dtype=torch.long, device=emissions.device)
        T_real = best.shape[1]
        return out.scatter(1, order[:, :T_real], best)   # back to where the real steps were

    # -- the recursions, on left-aligned rows (real steps first) ---------------------------------
    def _score(self, e: Tensor, y: Tensor, mask: Tensor) -> Tensor:
        """score(x, y) = s_{y_1} + Σ_t e_t[y_t] + Σ_t A[y_{t-1}, y_t] + z_{y_n}, (B,)."""
        m = mask.to(e.dtype)
        n = mask.sum(dim=1)                                                  # (B,)
        emit = (e.gather(2, y.unsqueeze(-1)).squeeze(-1) * m).sum(dim=1)     # Σ_t e_t[y_t]
        trans = (self.transitions[y[:, :-1], y[:, 1:]] * m[:, 1:]).sum(dim=1)
        last = y.gather(1, (n - 1).clamp(min=0).unsqueeze(1)).squeeze(1)    # y_n
        ends = self.start[y[:, 0]] + self.end[last]
        return emit + trans + ends * (n > 0).to(e.dtype)

    def _log_partition(self, e: Tensor, mask: Tensor) -> Tensor:
        B, T, K = e.shape
        n = mask.sum(dim=1)
        if T == 0:
            return e.new_zeros(B)
        e_steps, real = e.unbind(1), mask.unsqueeze(-1).unbind(1)   # one slice op each
        alpha = self.start + e_steps[0]                                      # α_1 (B, K)
        A = self.transitions
        for t in range(1, T):
            # α_t(j) = e_t[j] + logsumexp_i(α_{t-1}(i) + A[i, j])
            step = torch.logsumexp(alpha.unsqueeze(2) + A, dim=1) + e_steps[t]
            alpha = torch.where(real[t], step, alpha)               # padding keeps α_n
        log_z = torch.logsumexp(alpha + self.end, dim=1)             # log Σ_j exp(α_n(j) + z_j)
        return log_z * (n > 0).to(e.dtype)

    def _viterbi(self, e: Tensor, mask: Tensor) -> Tensor:
        B, T, K = e.shape
        if T == 0:
            return torch.full((B, 0), -1, dtype=torch.long, device=e.device)
        e_steps, real = e.unbind(1), mask.unsqueeze(-1).unbind(1)
        delta = self.start + e_steps[0]                                       # δ_1 (B, K)
        A = self.transitions
        backpointers = []
        for t in range(1, T):
            # δ_t(j) = e_t[j] + max_i(δ_{t-1}(i) + A[i, j]),  ψ_t(j) = argmax_i
            best, psi = (delta.unsqueeze(2) + A).max(dim=1)
            delta = torch.where(real[t], best + e_steps[t], delta)
            backpointers.append(psi)
        y = (delta + self.end).argmax(dim=1)                                  # y_n (B,)
        n = mask.sum(dim=1)
        path = torch.full((B, T), -1, dtype=torch.long, device=e.device)
        for t in range(T - 1, -1, -1):
            real = t < n                                  # rows whose step t is real
            path[:, t] = torch.where(real, y, path[:, t])
            if t > 0:
                prev = backpointers[t - 1].gather(1, y.unsqueeze(1)).squeeze(1)
                y = torch.where(t < n, prev, y)           # step back only inside the row
        return path

    def _check(self, emissions: Tensor, tags: Tensor | None = None) -> None:
        check_features(self, emissions, 3, "Emissions are (batch, time, tags).")
        self._build_from(emissions)
        if emissions.shape[-1] != self.units:
            raise ValueError(
                f"CRF {self.name!r} scores {self.units} tags: emissions must be (batch, time, "
                f"{self.units}), got {tuple(emissions.shape)}. Project with "
                f"crf.pre_activation(x) first, or build CRF({emissions.shape[-1]}).")
        if tags is not None:
            if tuple(tags.shape) != tuple(emissions.shape[:2]):
                raise ValueError(f"tags must be (batch, time) = {tuple(emissions.shape[:2])}, "
                                 f"got {tuple(tags.shape)}.")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "projection": self.projection}


def _full_mask(emissions: Tensor, mask: Tensor | None) -> Tensor:
    B, T = emissions.shape[:2]
    if mask is None:
        return torch.ones(B, T, dtype=torch.bool, device=emissions.device)
    if tuple(mask.shape) != (B, T):
        raise ValueError(f"mask must be (batch, time) = {(B, T)}, True on real steps, got "
                         f"{tuple(mask.shape)}.")
    return mask.bool()


def _left_align(emissions: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Move each row's real steps to the front (in order) and cut the batch to its longest
    row: (emissions (B, T', K), mask (B, T'), order (B, T): where each new step came from)."""
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)        # real steps first
    T_real = int(mask.sum(dim=1).max()) if mask.numel() else 0
    e = emissions.gather(1, order.unsqueeze(-1).expand_as(emissions))[:, :T_real]
    return e, mask.gather(1, order)[:, :T_real], order
