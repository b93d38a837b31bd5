"""ABC notation <-> folk-rnn tokens (Sturm et al. 2016), and the bar-length check.

A tune becomes a sequence of musical tokens, not characters:

    M:6/8  K:G  |:  G  2  A  B  2  c  |  d  /2  e  /2  ...  :|  </s>
    meter  key  repeat  pitch, then its duration (in eighth notes; none when it is 1)

Pitches keep their accidental and octave (`^F`, `c'`, `B,`), rests are `z`; durations are
rescaled from the tune's unit length L: to L:1/8, and broken rhythm is written out
(`A>B` -> `A 3/2 B /2`). Bars `|`, `||`, repeats `|:` `:|` `::`, endings `[1` `[2`, tuplets
`(3` and ties `-` are tokens; a key or meter change inside the tune is a `K:`/`M:` token.
Dropped: chord symbols and annotations ("..."), decorations, grace notes {...}, slurs,
and every chord but its top note. So `detokenize(tokenize(abc))` is the tune as the model
sees it, and tokenizing that text gives back the same tokens (the round trip).

    >>> tokenize("M:6/8\\nL:1/16\\nK:D\\n|:A2>B2 c4:|")
    ['M:6/8', 'K:D', '|:', 'A', '3/2', 'B', '/2', 'c', '2', ':|']
    >>> detokenize(['M:2/4', 'K:G', 'G', '2', 'A', 'B', '|'])
    'X:1\\nM:2/4\\nL:1/8\\nK:G\\nG2 A B |\\n'
"""
from __future__ import annotations

import re
from fractions import Fraction

BARS = ("|", "||", "|:", ":|", "::")
TUPLETS = tuple(f"({p}" for p in range(2, 10))
ENDINGS = ("[1", "[2")
START, END = "<s>", "</s>"
TUPLET_RATIO = {2: Fraction(3, 2), 3: Fraction(2, 3), 4: Fraction(3, 4), 5: Fraction(2, 5),
                6: Fraction(2, 6), 7: Fraction(2, 7), 8: Fraction(3, 8), 9: Fraction(2, 9)}

_NOTE = re.compile(r"(\^\^|\^|__|_|=)?([A-Ga-gzx])([',]*)(\d*)(/*)(\d*)")
_BAR = re.compile(r":*\|[\]|:]*\d?|:+\|?\d?|\[\||\[\d")
_FIELD = re.compile(r"^([A-Za-z]):(?![|:])\s*(.*)$")
_MODES = {"": "", "maj": "", "major": "", "ion": "", "m": "m", "min": "m", "minor": "m",
          "aeo": "m", "dor": "dor", "mix": "mix", "phr": "phr", "lyd": "lyd", "loc": "loc"}


class ABCError(ValueError):
    """A tune that cannot be turned into tokens (no K: field, a length that does not parse)."""


def split_tunes(text: str) -> list[str]:
    """The tunes of an ABC file: the text from each X: line to the next."""
    parts = re.split(r"(?m)^(?=X:)", text)
    return [p for p in parts if re.search(r"(?m)^K:", p)]


def tokenize(abc: str) -> list[str]:
    """One ABC tune -> tokens: its meter, its key, then the body (see the module docstring)."""
    header, body = _header_and_body(abc)
    unit = _unit_length(header.get("L"), header.get("M"))
    tokens = [meter_token(header.get("M", "4/4")), key_token(header["K"])]
    for line in body:
        field = _FIELD.match(line)
        if field:
            tokens += _field_tokens(field.group(1), field.group(2))
            if field.group(1) == "L":
                unit = _unit_length(field.group(2), None)
            continue
        tokens += _body_tokens(line, unit)
    return tokens


def _header_and_body(abc: str) -> tuple[dict[str, str], list[str]]:
    header: dict[str, str] = {}
    lines = [line.split("%", 1)[0].rstrip() for line in abc.splitlines()]
    for i, line in enumerate(lines):
        field = _FIELD.match(line.strip())
        if field:
            header.setdefault(field.group(1), field.group(2).strip())
            if field.group(1) == "K":
                return header, [x.strip() for x in lines[i + 1:] if x.strip()]
    raise ABCError("expected a tune with a K: (key) line ending its header, got "
                   f"{abc[:60]!r}. Check that the file is ABC notation.")


def meter_token(value: str) -> str:
    """'M:6/8', 'M:C' (4/4) or 'M:C|' (2/2)."""
    value = value.replace(" ", "")
    return f"M:{value or '4/4'}"


def key_token(value: str) -> str:
    """'K:G', 'K:Am', 'K:Ddor': the tonic and a normalised mode; clefs and the rest dropped.

    >>> key_token("D mixolydian"), key_token("Ador"), key_token("Bb Major"), key_token("HP")
    ('K:Dmix', 'K:Ador', 'K:Bb', 'K:HP')
    """
    m = re.match(r"\s*([A-G][#b]?)\s*([A-Za-z]*)", value)
    if not m:
        return "K:" + (value.split()[0] if value.split() else "C")
    mode = m.group(2).lower()
    mode = _MODES.get(mode, _MODES.get(mode[:3], ""))
    return f"K:{m.group(1)}{mode}"


def bar_length(meter: str) -> Fraction | None:
    """Length of a full bar in eighth notes, from a meter token; None for free meter.

    >>> bar_length("M:6/8"), bar_length("M:C|"), bar_length("M:none")
    (Fraction(6, 1), Fraction(8, 1), None)
    """
    value = meter.split(":", 1)[1]
    if value in ("C", "C|"):
        return Fraction(8)
    m = re.fullmatch(r"(\d+(?:\+\d+)*)/(\d+)", value)
    if not m:
        return None
    return Fraction(sum(int(n) for n in m.group(1).split("+")) * 8, int(m.group(2)))


def _unit_length(value: str | None, meter: str | None) -> Fraction:
    if value:
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
        if not m:
            raise ABCError(f"expected a unit length such as L:1/8, got L:{value}.")
        return Fraction(int(m.group(1)), int(m.group(2)))
    length = bar_length(meter_token(meter or "4/4"))
    return Fraction(1, 16) if length is not None and length < 6 else Fraction(1, 8)


def _field_tokens(name: str, value: str) -> list[str]:
    if name == "M":
        return [meter_token(value)]
    if name == "K":
        return [key_token(value)]
    return []


def duration_token(d: Fraction) -> str | None:
    """A duration in eighth notes as a token: None for 1, '2', '3/2', '/2', '/4'.

    >>> [duration_token(Fraction(n, q)) for n, q in [(1, 1), (3, 1), (3, 2), (1, 2), (1, 4)]]
    [None, '3', '3/2', '/2', '/4']
    """
    if d == 1:
        return None
    if d.denominator == 1:
        return str(d.numerator)
    if d.numerator == 1:
        return f"/{d.denominator}"
    return f"{d.numerator}/{d.denominator}"


def token_duration(token: str) -> Fraction:
    """The inverse of duration_token: '3/2' -> 3/2, '/4' -> 1/4, '2' -> 2."""
    num, _, den = token.partition("/")
    return Fraction(int(num or 1), int(den or 2) if _ else 1)


def is_duration(token: str) -> bool:
    return bool(token) and (token[0].isdigit() or token[0] == "/")


def is_pitch(token: str) -> bool:
    """'^F', 'c\'', 'B,', 'z': a note or a rest (its duration is the next token, if any)."""
    return bool(re.fullmatch(r"(\^\^|\^|__|_|=)?[A-Ga-gz][',]*", token))


def _note_length(num: str, slashes: str, den: str) -> Fraction:
    n = int(num) if num else 1
    if not slashes:
        return Fraction(n)
    d = int(den) if den else 2 ** len(slashes)
    return Fraction(n, d)


def _body_tokens(line: str, unit: Fraction) -> list[str]:
    """The tokens of one line of tune body; durations rescaled from `unit` to 1/8."""
    out: list[str] = []
    scale = unit / Fraction(1, 8)
    last_note: int | None = None          # index in out of the last note's pitch token
    pending = Fraction(1)                 # broken-rhythm factor for the next note
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == '"':
            j = line.find('"', i + 1)
            i = n if j < 0 else j + 1
        elif c in "!+" and line.find(c, i + 1) > 0:
            i = line.find(c, i + 1) + 1
        elif c == "{":
            j = line.find("}", i + 1)
            i = n if j < 0 else j + 1
        elif c == "[" and i + 2 < n and line[i + 2] == ":" and line[i + 1].isalpha():
            j = line.find("]", i)
            j = n if j < 0 else j
            out += _field_tokens(line[i + 1], line[i + 3:j])
            i = j + 1
        elif c == "[" and i + 1 < n and (line[i + 1] in "^_=" or line[i + 1].isalpha()):
            i, note = _chord(line, i, scale * pending)
            if note:
                last_note, pending = len(out), Fraction(1)
                out += note
        elif c == "(" and i + 1 < n and line[i + 1].isdigit():
            out.append(f"({line[i + 1]}")
            i += 2
            while i < n and (line[i] == ":" or line[i].isdigit()):
                i += 1
        elif c in "><" and last_note is not None:
            k = len(re.match(r"[<>]*", line[i:]).group(0))
            first = Fraction(2 ** (k + 1) - 1, 2 ** k) if c == ">" else Fraction(1, 2 ** k)
            _rescale(out, last_note, first)
            pending = 2 - first
            i += k
        elif c in "|:[" and _BAR.match(line, i):
            bar = _BAR.match(line, i).group(0)
            out += _bar_tokens(bar)
            i += len(bar)
        elif c == "-":
            out.append("-")
            i += 1
        else:
            m = _NOTE.match(line, i)
            if m and m.group(0):
                acc, letter, octave = m.group(1) or "", m.group(2), m.group(3)
                d = _note_length(m.group(4), m.group(5), m.group(6)) * scale * pending
                pending = Fraction(1)
                last_note = len(out)
                out.append(acc + ("z" if letter in "zx" else letter) + octave)
                tok = duration_token(d)
                if tok:
                    out.append(tok)
                i = m.end()
            else:
                i += 1                     # spaces, decorations, slurs, backslashes
    return out


def _rescale(out: list[str], at: int, factor: Fraction) -> None:
    """Multiply the duration of the note whose pitch token is out[at] by factor."""
    has = at + 1 < len(out) and is_duration(out[at + 1])
    d = (token_duration(out[at + 1]) if has else Fraction(1)) * factor
    tok = duration_token(d)
    if has:
        del out[at + 1]
    if tok:
        out.insert(at + 1, tok)


def _chord(line: str, i: int, scale: Fraction) -> tuple[int, list[str]]:
    """A chord [CEG]2: its top (last written) note with the chord's length."""
    j = line.find("]", i)
    j = len(line) if j < 0 else j
    notes = list(_NOTE.finditer(line[i + 1:j]))
    after = re.match(r"(\d*)(/*)(\d*)", line[j + 1:]) if j < len(line) else None
    end = j + 1 + (after.end() if after else 0)
    if not notes:
        return end, []
    top = notes[-1]
    d = _note_length(top.group(4), top.group(5), top.group(6)) * scale
    if after and after.group(0):
        d *= _note_length(after.group(1), after.group(2), after.group(3))
    letter = "z" if top.group(2) in "zx" else top.group(2)
    tok = duration_token(d)
    return end, [(top.group(1) or "") + letter + top.group(3)] + ([tok] if tok else [])


def _bar_tokens(bar: str) -> list[str]:
    """'|' '||' '|]' '[|' '|:' ':|' '::' ':|:' '|1' ':|2' '[2' -> bar and ending tokens."""
    ending = bar[-1] if bar[-1].isdigit() else ""
    core = bar[:-1] if ending else bar
    if core == "[":
        core = ""
    starts, ends = core.endswith(":"), core.startswith(":")
    if starts and ends:
        kind = "::"
    elif starts:
        kind = "|:"
    elif ends:
        kind = ":|"
    elif core in ("", "|"):
        kind = "|" if core else ""
    else:
        kind = "||"
    out = [kind] if kind else []
    if ending:
        out.append("[1" if ending == "1" else "[2")
    return out


def detokenize(tokens: list[str], title: str | None = None, number: int = 1) -> str:
    """Tokens -> an ABC tune (X:, T:, M:, L:1/8, K: header, eight bars a line)."""
    tokens = [t for t in tokens if t not in (START, END)]
    meter = tokens[0] if tokens and tokens[0].startswith("M:") else "M:4/4"
    rest = tokens[1:] if tokens and tokens[0].startswith("M:") else tokens
    key = rest[0] if rest and rest[0].startswith("K:") else "K:C"
    body = rest[1:] if rest and rest[0].startswith("K:") else rest
    head = [f"X:{number}"] + ([f"T:{title}"] if title else []) + [meter, "L:1/8", key]
    lines, line, bars = [], "", 0
    for t in body:
        if is_duration(t) or t == "-" or (t in ENDINGS and line.endswith(BARS)) or \
                (line.endswith(tuple(TUPLETS)) and not t.startswith(("M:", "K:"))):
            line += t[1:] if t in ENDINGS else t
        elif t in ENDINGS:
            line += " " + t
        elif t.startswith(("M:", "K:")):
            line += f" [{t}]"
        else:
            line += (" " if line else "") + t
            if t in BARS:
                bars += 1
                if bars % 8 == 0:
                    lines.append(line.strip())
                    line = ""
    if line.strip():
        lines.append(line.strip())
    return "\n".join(head + lines) + "\n"
