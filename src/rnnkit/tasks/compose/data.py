"""The tunes: Ryan's Mammoth Collection from music21's corpus, or the user's .abc file;
tokenized, and split into training, validation and test tunes by a seeded shuffle."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import UserError
from .abc import ABCError, split_tunes, tokenize

CORPUS_NAME = "Ryan's Mammoth Collection (1883), music21 corpus"


@dataclass
class Tunes:
    tokens: list[list[str]]        # one token list a tune (without <s> and </s>)
    source: str
    skipped: int                   # tunes that did not tokenize (no K:, a bad L:)


def read_abc(path: Path) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def load_tunes(path: str | os.PathLike | None = None) -> Tunes:
    """Every tune of the corpus (path None) or of an .abc file or a folder of them."""
    if path is None:
        from .music import corpus_folder
        files, source = sorted(corpus_folder().glob("*.abc")), CORPUS_NAME
    else:
        p = Path(path)
        if not p.exists():
            raise UserError(f"{path}: no such file; pass an ABC file (tunes starting with X: "
                            "lines) or a folder of .abc files.")
        files, source = (sorted(p.rglob("*.abc")) if p.is_dir() else [p]), str(path)
    tokens, skipped = [], 0
    for f in files:
        for tune in split_tunes(read_abc(f)):
            try:
                t = tokenize(tune)
            except ABCError:
                skipped += 1
                continue
            if len(t) > 2:
                tokens.append(t)
    if len(tokens) < 10:
        raise UserError(f"{source}: expected at least 10 ABC tunes (each an X: line, a header "
                        f"ending with K: and notes), found {len(tokens)}.")
    return Tunes(tokens, source, skipped)


def split(n: int, seed: int = 0, val: float = 0.05,
          test: float = 0.1) -> tuple[list[int], list[int], list[int]]:
    """Indices of the training, validation and test tunes (a fixed shuffle: seed 1883 + seed).

    >>> [len(p) for p in split(100)]
    [85, 5, 10]
    """
    order = np.random.default_rng(1883 + seed).permutation(n).tolist()
    n_test, n_val = max(1, round(n * test)), max(1, round(n * val))
    return order[n_test + n_val:], order[n_test:n_test + n_val], order[:n_test]
