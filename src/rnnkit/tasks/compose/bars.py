"""Do a tune's bars have its meter's length? Counted on the tokens, in eighth notes.

A note lasts its duration token (1 without one) times the tuplet ratio while a tuplet is
open: `(p` puts the next p notes in the time of q, with q = 3 for p = 2, 4, 8 and 2
otherwise (ABC's rule for simple meters).

The rule, as ABC tunes are written (and folk-rnn's training tunes are): a tune is cut into
sections by its start, its end and the section lines `||`, `|:`, `:|`, `::`. Every bar
must last L, the meter's bar length, except
  - a section's first bar, which may be shorter: that section's pickup (anacrusis), p_s;
  - a section's last bar, which may be shorter when it completes a pickup:
    length + p = L, with p this section's pickup, the next section's, or the tune's first.
A tune passes when every bar is right, it has at least MIN_BARS bars (a tune, not a
fragment), and its tokens are well formed (`well_formed`: a duration only right after a
note, an ending only right after a bar line, a tuplet before a note; a sampled tune can
break these, and its ABC then means something else than its tokens). 93% of the tunes of
Ryan's collection pass; of those that fail, two in five have a bar longer than the meter
(a misprint, or grace notes written as notes), the rest a short bar inside a section. The
same rule scores the model's samples, the n-gram's samples and the test tunes.

    >>> check_bars(["M:3/4", "K:G", "D", "|", "G", "2", "A", "B", "2", "c", "|", "d", "6", "|",
    ...             "e", "4", "|", "d", "5", ":|"])
    {'bars': 5, 'checked': 5, 'wrong': 1, 'well_formed': True, 'passes': False}
"""
from __future__ import annotations

from fractions import Fraction

from .abc import BARS, END, ENDINGS, START, TUPLET_RATIO, TUPLETS, bar_length, is_duration, \
    is_pitch, token_duration

BOUNDARIES = ("||", "|:", ":|", "::")
MIN_BARS = 4


def bar_durations(tokens: list[str]) -> list[tuple[Fraction, Fraction | None, str, str]]:
    """(length in eighths, the meter's bar length or None, the opening and the closing bar
    token) per bar that holds notes; 'start' and 'end' at the ends of the tune."""
    bars: list[tuple[Fraction, Fraction | None, str, str]] = []
    meter: Fraction | None = None
    opening = "start"
    length = Fraction(0)
    ratio, left = Fraction(1), 0
    for i, t in enumerate(tokens):
        if t in (START, END):
            continue
        if t.startswith("M:"):
            meter = bar_length(t)
        elif t.startswith("(") and t[1:].isdigit():
            p = int(t[1:])
            ratio, left = TUPLET_RATIO.get(p, Fraction(2, p)), p
        elif is_pitch(t):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            d = token_duration(nxt) if is_duration(nxt) else Fraction(1)
            length += d * (ratio if left > 0 else 1)
            if left > 0:
                left -= 1
        elif t in BARS:
            if length > 0:
                bars.append((length, meter, opening, t))
            elif t in BOUNDARIES or opening not in BOUNDARIES:
                opening = t                     # ':| |:' opens the next bar with '|:'
                continue
            opening, length = t, Fraction(0)
    if length > 0:
        bars.append((length, meter, opening, "end"))
    return bars


def well_formed(tokens: list[str]) -> bool:
    """True when every duration follows a note, every ending a bar line, every tuplet
    comes before a note, and the tune opens with its meter and key.

    >>> well_formed(["M:2/4", "K:G", "G", "2", "|"]), well_formed(["M:2/4", "K:G", "|", "2"])
    (True, False)
    """
    tokens = [t for t in tokens if t not in (START, END)]
    if len(tokens) < 2 or not tokens[0].startswith("M:") or not tokens[1].startswith("K:"):
        return False
    for prev, t in zip(tokens, tokens[1:]):
        if is_duration(t) and not is_pitch(prev):
            return False
        if t in ENDINGS and prev not in BARS:
            return False
        if prev in TUPLETS and not is_pitch(t):
            return False
    return not tokens[-1] in TUPLETS


def check_bars(tokens: list[str]) -> dict:
    """{'bars', 'checked', 'wrong', 'well_formed', 'passes'} for one tune's tokens (module
    docstring)."""
    bars = bar_durations(tokens)
    wrong = 0
    tune_pickup = section_pickup = Fraction(0)
    for k, (length, meter, opening, closing) in enumerate(bars):
        if meter is None:
            wrong += 1
            continue
        opens = opening in BOUNDARIES or opening == "start"
        if opens:
            section_pickup = length if length < meter else Fraction(0)
            tune_pickup = section_pickup if k == 0 else tune_pickup
        if length == meter or (opens and length < meter):
            continue
        if closing in BOUNDARIES or closing == "end":
            after = bars[k + 1] if k + 1 < len(bars) else None
            next_pickup = after[0] if after and after[2] in BOUNDARIES and after[0] < meter \
                else Fraction(0)
            if any(length + p == meter for p in (section_pickup, next_pickup, tune_pickup)):
                continue
        wrong += 1
    ok = well_formed(tokens)
    return {"bars": len(bars), "checked": len(bars), "wrong": wrong, "well_formed": ok,
            "passes": ok and len(bars) >= MIN_BARS and wrong == 0}


def why_wrong(tokens: list[str]) -> str | None:
    """None for a tune that passes, else the first reason it fails: 'malformed', 'fragment'
    (fewer than MIN_BARS bars), 'bar too long' (a bar past the meter), 'bar too short'.

    >>> why_wrong(["M:2/4", "K:G", "G", "4", "|", "A", "6", "|", "B", "4", "|", "c", "4", "|"])
    'bar too long'
    """
    result = check_bars(tokens)
    if result["passes"]:
        return None
    if not result["well_formed"]:
        return "malformed"
    if result["bars"] < MIN_BARS:
        return "fragment"
    long = any(meter is not None and length > meter
               for length, meter, _, _ in bar_durations(tokens))
    return "bar too long" if long else "bar too short"
