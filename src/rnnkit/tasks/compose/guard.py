"""Bar-guarded sampling: while a tune is sampled, forbid the tokens that would break its
grammar or its bar lengths (bars.py), and renormalise the model's distribution over the
rest:

    p_guard(w | past) = p(w | past) · [w allowed] / Σ_v p(v | past) · [v allowed]

With L the meter's bar length, b the length of the current bar so far and p the pickup:
a meter then a key open the tune; a duration only right after a note, keeping b <= L and
never leaving 0 < L - b < 1/4 (nor, outside a tuplet, a room that is not a whole number
of 32nd notes); a note only when its shortest form fits; a tuplet only when it fits
in the bar, its notes all as long as its first, and no bar line until it is complete; a bar
line when b = L, or b < L as the first bar (it sets p), b = p in a bar opened by a section
boundary, b = L - p before a boundary or the end. When nothing is allowed, a plain bar
line is (and that bar then counts as wrong). The model is unchanged: this is a decoding
rule, and its scores are reported apart from plain sampling's.
"""
from __future__ import annotations

from fractions import Fraction

import torch

from .abc import BARS, END, ENDINGS, TUPLET_RATIO, TUPLETS, bar_length, is_duration, is_pitch, \
    token_duration
from .bars import BOUNDARIES

SHORTEST = Fraction(1, 4)


class BarGuard:
    """One tune's bar, followed token by token; `allowed()` is a bool mask over `tokens`."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.durations = {i: token_duration(t) for i, t in enumerate(tokens) if is_duration(t)}
        self.pitches = [i for i, t in enumerate(tokens) if is_pitch(t)]
        self.meter: Fraction | None = None
        self.pos, self.ratio, self.left = Fraction(0), Fraction(1), 0
        self.note_ratio = Fraction(1)
        self.prev, self.n_bars, self.opening, self.count = "", 0, "start", 0
        self.pickup = Fraction(0)
        self.tuplet_k, self.tuplet_d, self.tuplet_p, self.prev_tuplet = -1, Fraction(1), 3, "("

    def _bar_ok(self, t: str) -> bool:
        L, b, p = self.meter, self.pos, self.pickup
        if L is None:
            return b > 0 or t in BOUNDARIES
        if b == 0:
            return t in BOUNDARIES
        return b == L or (self.n_bars == 0 and b < L) or \
            (self.opening in BOUNDARIES and b == p) or (t in BOUNDARIES and b == L - p)

    def allowed(self) -> torch.Tensor:
        if self.count < 2:                          # the tune opens with its meter and key
            kind = ("M:", "K:")[self.count]
            return torch.tensor([t.startswith(kind) for t in self.tokens])
        L, b = self.meter, self.pos
        r = self.ratio if self.left > 0 else Fraction(1)
        room = None if L is None else L - b         # eighths left in the bar
        mask = torch.zeros(len(self.tokens), dtype=torch.bool)
        if self.prev in TUPLETS:
            for i in self.pitches:
                mask[i] = room is None or SHORTEST * r <= room
            return mask
        if is_pitch(self.prev) and self.tuplet_k > 0:   # a tuplet's notes share one length
            for i, d in self.durations.items():
                mask[i] = d == self.tuplet_d
            if self.tuplet_d != 1:
                return mask
        for i, t in enumerate(self.tokens):
            if i in self.durations:
                if is_pitch(self.prev) and self.tuplet_k <= 0:
                    after = None if room is None else room + self.note_ratio * (
                        1 - self.durations[i])
                    if after is not None and self.tuplet_k == 0:   # the whole tuplet fits
                        after = room + self.note_ratio - self.tuplet_p * self.note_ratio * \
                            self.durations[i]
                    whole = self.left > 0 or (after is not None and (after * 8).denominator == 1)
                    mask[i] = after is None or after == 0 or (after >= SHORTEST and whole)
            elif is_pitch(t):
                mask[i] = room is None or room >= SHORTEST * r     # shortened after if need be
            elif t in BARS:
                mask[i] = (room is None or room >= 0) and self._bar_ok(t)
            elif t in ENDINGS:
                mask[i] = self.prev in BARS
            elif t == END:
                mask[i] = self.n_bars >= 3 and (b == 0 or self._bar_ok("||"))
            elif t in TUPLETS:
                q = int(t[1:]) * TUPLET_RATIO.get(int(t[1:]), Fraction(2, int(t[1:])))
                mask[i] = room is None or room >= q
            elif t == "-":
                mask[i] = is_pitch(self.prev) or is_duration(self.prev)
            elif t.startswith("M:"):
                mask[i] = b == 0
            elif t.startswith("K:"):
                mask[i] = b == 0
        if self.left > 0:                           # a tuplet is finished before its bar
            mask &= torch.tensor([not (t in BARS or t in TUPLETS or t == END or
                                       t.startswith("M:")) for t in self.tokens])
        if room is not None and room < 0:           # only a shortening duration may follow
            mask &= torch.tensor([i in self.durations for i in range(len(self.tokens))])
        if not mask.any():
            mask[self.tokens.index("|")] = True
        return mask

    def push(self, token: str) -> None:
        if token.startswith("M:"):
            self.meter = bar_length(token)
        elif token in TUPLETS:
            self.prev_tuplet = token
            p = self.tuplet_p = int(token[1:])
            self.ratio, self.left = TUPLET_RATIO.get(p, Fraction(2, p)), p
        elif is_pitch(token):
            self.tuplet_k = -1 if self.left == 0 else (
                0 if self.left == int(self.prev_tuplet[1:] or 0) else 1)
            self.note_ratio = self.ratio if self.left > 0 else Fraction(1)
            if self.tuplet_k == 0:
                self.tuplet_d = Fraction(1)
            self.pos += self.note_ratio
            self.left = max(0, self.left - 1)
        elif is_duration(token) and is_pitch(self.prev):
            self.pos += (token_duration(token) - 1) * self.note_ratio
            if self.tuplet_k == 0:
                self.tuplet_d = token_duration(token)
        elif token in BARS:
            if self.pos > 0:
                if self.n_bars == 0 and self.meter is not None and self.pos < self.meter:
                    self.pickup = self.pos
                self.n_bars += 1
                self.opening = token
            elif token in BOUNDARIES:
                self.opening = token
            self.pos = Fraction(0)
        self.prev = token
        self.count += 1
