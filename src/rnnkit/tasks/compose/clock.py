"""Where a tune is in its bar: input features that let the model count, read like a
positional encoding (they describe the tokens so far; nothing restricts what comes next).

After each token, with L the meter's bar length, b the length of the current bar so far
(a note without a duration token counts 1 until its duration arrives) and p the pickup of
the current section (its first bar when shorter than L, else the tune's first bar when
shorter than L, else 0; sections split at || |: :| ::), all in eighths:

    r_t  = L - b              eighths left to a full bar
    c_t  = L - p - b          eighths left to the pickup's complement (a section's last bar)
    u_t  = tuplet notes still to come (0 outside a tuplet)
    n_t  = bars so far in the tune,  s_t = bars so far in the section (clipped)

The counts say how far the tune has gone (when to close a section, when to end), as a
positional encoding does.

r and c are given in quarters of an eighth (32nd notes), rounded down and clipped:
bucket(x) = 2 + min(floor(4 x), MAX_QUARTERS), 1 when x < 0 (the bar ran over), 0 when the
meter is unknown (before M:, or a free meter). The model embeds each and concatenates them
to the token's embedding (model.py).

    >>> clock = BarClock()                    # 2/4: L = 4 eighths, bucket 2 + 16 = 18
    >>> [clock.push(t)[:2] for t in ["M:2/4", "K:G", "G", "2", "A", "|"]]   # a pickup of 3
    [(18, 18), (18, 18), (14, 14), (10, 10), (6, 6), (18, 6)]
    >>> clock.push("B"), clock.push(":|"), clock.push("c")   # r, c, u, bars in tune, in section
    ((14, 2, 0, 1, 1), (18, 6, 0, 2, 0), (14, 2, 0, 2, 0))
"""
from __future__ import annotations

from fractions import Fraction
from math import floor

import numpy as np

from .abc import BARS, END, START, TUPLET_RATIO, TUPLETS, bar_length, is_duration, is_pitch, \
    token_duration

MAX_QUARTERS = 48                 # 12 eighths, the longest bar of the corpus (12/8)
N_BUCKETS = MAX_QUARTERS + 3      # unknown meter, over-full, 0 .. MAX_QUARTERS
N_TUPLET = 10                     # u_t clipped to 0 .. 9
N_COUNT = 64                      # n_t and s_t clipped to 0 .. 63
N_FEATURES = 5                    # r_t, c_t, u_t, n_t, s_t
SIZES = (N_BUCKETS, N_BUCKETS, N_TUPLET, N_COUNT, N_COUNT)     # embedding rows a feature
SECTION_LINES = ("||", "|:", ":|", "::")


def bucket(x: Fraction | None) -> int:
    """The embedding index of a count of eighths (module docstring).

    >>> bucket(None), bucket(Fraction(-1, 2)), bucket(Fraction(0)), bucket(Fraction(3, 2))
    (0, 1, 2, 8)
    """
    if x is None:
        return 0
    if x < 0:
        return 1
    return 2 + min(floor(4 * x), MAX_QUARTERS)


class BarClock:
    """One tune's bar position, followed token by token; push(token) -> (r, c, u, n, s)."""

    def __init__(self):
        self.meter: Fraction | None = None
        self.pos = Fraction(0)                 # b: eighths in the current bar so far
        self.pickup = Fraction(0)              # the tune's pickup
        self.section_pickup: Fraction | None = None     # None until the section's 1st bar
        self.section_bars = 0
        self.ratio, self.left = Fraction(1), 0     # an open tuplet's ratio and notes left
        self.note_ratio = Fraction(1)          # the ratio of the last note
        self.bars, self.prev = 0, ""

    def push(self, token: str) -> tuple[int, int, int]:
        if token.startswith("M:"):
            self.meter = bar_length(token)
        elif token in TUPLETS:
            p = int(token[1:])
            self.ratio, self.left = TUPLET_RATIO.get(p, Fraction(2, p)), p
        elif is_pitch(token):
            self.note_ratio = self.ratio if self.left > 0 else Fraction(1)
            self.pos += self.note_ratio                 # as if its duration were 1
            self.left = max(0, self.left - 1)
        elif is_duration(token) and is_pitch(self.prev):
            self.pos += (token_duration(token) - 1) * self.note_ratio
        elif token in BARS:
            if self.pos > 0:
                short = self.meter is not None and self.pos < self.meter
                if self.bars == 0 and short:
                    self.pickup = self.pos
                if self.section_bars == 0:
                    self.section_pickup = self.pos if short else Fraction(0)
                self.bars += 1
                self.section_bars += 1
            if token in SECTION_LINES and self.section_bars > 0:
                self.section_bars, self.section_pickup = 0, None
            self.pos = Fraction(0)
        self.prev = token
        return self.features()

    def features(self) -> tuple[int, int, int, int, int]:
        L = self.meter
        p = self.section_pickup or self.pickup
        r = None if L is None else L - self.pos
        c = None if L is None else L - p - self.pos
        return (bucket(r), bucket(c), min(self.left, N_TUPLET - 1), min(self.bars, N_COUNT - 1),
                min(self.section_bars, N_COUNT - 1))


def clock_features(tokens: list[str]) -> np.ndarray:
    """(T, N_FEATURES) features after each token of `tokens` (<s> and </s> included)."""
    clock = BarClock()
    rows = [clock.features() if t in (START, END) else clock.push(t) for t in tokens]
    return np.array(rows, dtype=np.int64).reshape(len(tokens), N_FEATURES)
