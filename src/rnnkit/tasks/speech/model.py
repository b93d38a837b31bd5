"""The acoustic model: log-mel frames -> stacked frames -> bidirectional recurrent layers ->
per-frame log-probabilities over the symbols and the CTC blank; trained with CTC, decoded
greedily or by prefix beam search.

    z_t   = [x_{st}; x_{st+1}; ...; x_{st+s-1}]          stack s frames (s·M features, T/s steps)
    h_t   = [GRU→(z)_t ; GRU←(z)_t]                        each of `layers` bidirectional layers
    y_t   = log softmax(W h_t + b)                         (V + 1) classes, blank = 0

CTC (Graves et al. 2006) sums over every frame labelling π that collapses to the target y
(merge repeats, then drop blanks):  loss = -log sum_{π: B(π) = y} prod_t y_t(π_t).

Shapes: B batch, T frames, M mel bands, V symbols (blank excluded), H units a direction.
"""
from __future__ import annotations

import math
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...layers import GRU, LSTM, Bidirectional, MinGRU, MinLSTM

CELLS = {"gru": GRU, "lstm": LSTM, "mingru": MinGRU, "minlstm": MinLSTM}
BLANK = 0


class AcousticModel(nn.Module):
    """CTC acoustic model. forward(features (B, T, M), frames (B,)) -> (log-probs
    (B, T', V + 1), frames' (B,)) with T' = ceil(T / stack)."""

    def __init__(self, n_features: int, n_symbols: int, units: int = 128, layers: int = 2,
                 stack: int = 2, cell: str = "gru", dropout: float = 0.1):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}.")
        self.config = {"n_features": n_features, "n_symbols": n_symbols, "units": units,
                       "layers": layers, "stack": stack, "cell": cell, "dropout": dropout}
        self.stack = stack
        self.recurrent = nn.ModuleList(
            Bidirectional(CELLS[cell](units, return_sequences=True)) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * units, n_symbols + 1)
        with torch.no_grad():                    # rnnkit layers build on their first input
            self(torch.zeros(1, 2 * stack, n_features), torch.tensor([2 * stack]))

    def forward(self, x: Tensor, frames: Tensor) -> tuple[Tensor, Tensor]:
        z, steps = stack_frames(x, frames, self.stack)                  # (B, T', s·M)
        mask = torch.arange(z.shape[1], device=z.device)[None, :] < steps.to(z.device)[:, None]
        h = z
        for layer in self.recurrent:
            h = self.dropout(layer(h, mask=mask))                      # (B, T', 2H)
        return F.log_softmax(self.output(h), dim=-1), steps            # (B, T', V + 1)


def stack_frames(x: Tensor, frames: Tensor, s: int) -> tuple[Tensor, Tensor]:
    """(B, T, M) -> (B, ceil(T / s), s·M): each step holds s consecutive frames.

    >>> z, n = stack_frames(torch.arange(10.).view(1, 5, 2), torch.tensor([5]), 2)
    >>> z[0].tolist(), n.tolist()
    ([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 0.0, 0.0]], [3])
    """
    B, T, M = x.shape
    pad = (-T) % s
    if pad:
        x = torch.cat([x, x.new_zeros(B, pad, M)], dim=1)
    return x.reshape(B, (T + pad) // s, s * M), (frames + s - 1) // s


def ctc_loss(log_probs: Tensor, steps: Tensor, targets: list[list[int]]) -> Tensor:
    """Mean over the batch of the CTC loss per target symbol (torch.nn.functional.ctc_loss),
    targets as lists of symbol ids 1..V. Impossible alignments (more symbols than frames)
    count as zero rather than infinity."""
    flat = torch.tensor([i for t in targets for i in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
    return F.ctc_loss(log_probs.transpose(0, 1).float(), flat, steps.cpu(), lengths,
                      blank=BLANK, reduction="mean", zero_infinity=True)


# -- decoding -----------------------------------------------------------------------------------

def greedy_decode(log_probs: np.ndarray) -> list[int]:
    """Best path: the most likely class each frame, repeats merged, blanks dropped.

    >>> p = np.log(np.array([[.1, .8, .1], [.1, .8, .1], [.9, .05, .05], [.1, .8, .1],
    ...                      [.2, .1, .7]]))
    >>> greedy_decode(p)                 # frames: 1 1 _ 1 2 -> "1 1 2"
    [1, 1, 2]
    """
    best = np.asarray(log_probs).argmax(-1)
    out, prev = [], BLANK
    for k in best.tolist():
        if k != BLANK and k != prev:
            out.append(k)
        prev = k
    return out


def beam_decode(log_probs: np.ndarray, beam: int = 8) -> list[int]:
    """CTC prefix beam search (Hannun et al. 2014), no language model.

    Each prefix keeps two log-probabilities: of all frame paths that give it and end in a
    blank (p_b) or in its last symbol (p_nb). At frame t, with y = y_t:
        same prefix:   p_b'  = (p_b + p_nb) · y(blank);    p_nb' += p_nb · y(last)
        prefix + c:    p_nb' += (p_b + p_nb) · y(c)   (only p_b · y(c) if c == last)
    and the `beam` prefixes with the largest p_b + p_nb are kept.

    >>> p = np.log(np.array([[.1, .8, .1], [.9, .05, .05], [.1, .8, .1], [.6, .1, .3]]))
    >>> beam_decode(p, beam=4), greedy_decode(p)
    ([1, 1], [1, 1])
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    T, V1 = lp.shape
    beams: dict[tuple, tuple[float, float]] = {(): (0.0, -math.inf)}     # prefix -> (p_b, p_nb)
    for t in range(T):
        y = lp[t]
        nxt: dict[tuple, list[float]] = {}

        def add(prefix, b=-math.inf, nb=-math.inf):
            cur = nxt.setdefault(prefix, [-math.inf, -math.inf])
            cur[0], cur[1] = np.logaddexp(cur[0], b), np.logaddexp(cur[1], nb)

        candidates = np.argsort(y)[::-1][:min(V1, beam + 1)]           # prune unlikely symbols
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            add(prefix, b=total + y[BLANK])
            if prefix:
                add(prefix, nb=p_nb + y[prefix[-1]])
            for c in candidates.tolist():
                if c == BLANK:
                    continue
                if prefix and c == prefix[-1]:
                    add(prefix + (c,), nb=p_b + y[c])
                else:
                    add(prefix + (c,), nb=total + y[c])
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:beam]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    return list(max(beams.items(), key=lambda kv: np.logaddexp(*kv[1]))[0])


def decode_batch(log_probs: Tensor, steps: Tensor, beam: int = 1) -> list[list[int]]:
    """Symbol ids of each utterance: greedy when beam == 1, else prefix beam search."""
    lp = log_probs.detach().float().cpu().numpy()
    out = []
    for b, n in enumerate(steps.tolist()):
        out.append(greedy_decode(lp[b, :n]) if beam <= 1 else beam_decode(lp[b, :n], beam))
    return out

