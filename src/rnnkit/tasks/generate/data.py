"""The text of `rnnkit generate`: reading it, character ids, the stream layout, the baselines.

Shapes: B streams (batch rows), T steps per chunk, V vocabulary (distinct characters).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import torch

from ...datasets import DataError, load_tiny_shakespeare, read_text
from .settings import DEFAULT_PROMPT

VAL_STREAMS = 16          # streams of the held-out pass: few, so little is scored cold


def encode(text: str, vocab: list[str]) -> np.ndarray:
    """Character ids (int64) of `text`; every character must be in `vocab`.

    >>> encode("cab", ["a", "b", "c"])
    array([2, 0, 1])
    """
    index = {ch: i for i, ch in enumerate(vocab)}
    return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))


def stream_batches(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Lay ids out for stateful training: row k*B + i holds chunk k of stream i.

    The ids are cut into B contiguous streams of L = (N - 1) // B inputs each; targets are
    the inputs shifted by one. fit(..., batch_size=B, shuffle=False) then feeds batch k =
    chunk k of every stream, so row i of batch k continues row i of batch k - 1. The tail
    of each stream shorter than seq_len is dropped.

    >>> x, y = stream_batches(np.arange(13), batch_size=2, seq_len=3)
    >>> x
    array([[ 0,  1,  2],
           [ 6,  7,  8],
           [ 3,  4,  5],
           [ 9, 10, 11]])
    >>> bool((y == x + 1).all())
    True
    """
    B, T = batch_size, seq_len
    L = (len(ids) - 1) // B                        # inputs per stream
    K = L // T                                     # chunks per stream
    if K == 0:
        raise ValueError(f"{len(ids)} ids are too few for {B} streams of {T} + 1 ids; "
                         "use a smaller batch_size or seq_len.")
    ids = np.asarray(ids)
    xs = ids[:B * L].reshape(B, L)[:, :K * T]      # (B, K*T): stream i is row i
    ys = ids[1:B * L + 1].reshape(B, L)[:, :K * T]
    lay = lambda s: s.reshape(B, K, T).transpose(1, 0, 2).reshape(K * B, T)  # noqa: E731
    return lay(xs), lay(ys)


def baselines(train_ids: np.ndarray, val_ids: np.ndarray, V: int) -> dict[str, float]:
    """Nats per character of two models that ignore context, for comparison.

    uniform: every character equally likely, ln V. unigram: the training text's character
    frequencies (add-one smoothed), scored on the held-out text; its training entropy too.
    """
    counts = np.bincount(train_ids, minlength=V)
    p = counts[counts > 0] / counts.sum()
    return {"uniform": math.log(V), "unigram_train_entropy": float(-(p * np.log(p)).sum()),
            "unigram": float(-unigram_log_probs(train_ids, V)[val_ids].mean())}


def unigram_log_probs(train_ids: np.ndarray, V: int) -> np.ndarray:
    """log p(c) of each character in the training ids, add-one smoothed: (V,).

    >>> np.exp(unigram_log_probs(np.array([0, 0, 1]), 3)).round(2)
    array([0.5 , 0.33, 0.17])
    """
    counts = np.bincount(train_ids, minlength=V).astype(np.float64)
    return np.log((counts + 1.0) / (counts.sum() + V))


def read_corpus(path=None) -> tuple[str, str]:
    """(text, its name): a UTF-8 text file, or the bundled Tiny Shakespeare when path is None."""
    text = load_tiny_shakespeare() if path is None else read_text(path)  # DataError if unusable
    if not text.strip():
        raise DataError(f"{path} holds no text ({len(text)} characters, all whitespace); "
                        "expected a UTF-8 text file to learn from.")
    return text, "Tiny Shakespeare (bundled)" if path is None else str(path)


def default_prompt(text: str, bundled: bool) -> str:
    """'ROMEO:\\n' on the bundled text; on a user's, the first two words of its first
    non-empty line, so that samples start the way that text does.

    >>> default_prompt("\\n  Dear diary, today I\\n", bundled=False)
    'Dear diary,'
    """
    if bundled:
        return DEFAULT_PROMPT
    for line in text.splitlines():
        words = re.findall(r"\S+", line)
        if words:
            return " ".join(words[:2])[:40]
    return ""


@dataclass
class CharData:
    """A text cut for training: the vocabulary, the held-out ids and the stream layouts."""

    vocab: list[str]
    train_ids: np.ndarray
    val_ids: np.ndarray
    x: np.ndarray                 # (K*B, T) training inputs, row k*B + i = chunk k of stream i
    y: np.ndarray                 # (K*B, T) the next characters
    x_val: torch.Tensor           # (Kv*Bv, Tv) the held-out text, laid out the same way
    y_val: torch.Tensor
    streams: int                  # B
    val_streams: int              # Bv

    @property
    def steps_per_epoch(self) -> int:
        return len(self.x) // self.streams


def prepare(text: str, source: str, val_fraction: float, seq_len: int,
            batch_size: int) -> CharData:
    """Hold out the last val_fraction of the text and lay both parts out in streams."""
    cut = int(round(len(text) * (1 - val_fraction)))
    T = seq_len
    if cut < 3 * T + 1 or len(text) - cut < 2:
        raise DataError(f"{source} has {len(text)} characters: too short to train on chunks "
                        f"of seq_len={T} and hold out the last {val_fraction:.0%}. Expected at "
                        f"least {math.ceil((3 * T + 2) / (1 - val_fraction))} characters; give "
                        "a longer text or a smaller --seq-len.")
    vocab = sorted(set(text))                          # id i is vocab[i]
    train_ids, val_ids = encode(text[:cut], vocab), encode(text[cut:], vocab)
    B = max(1, min(batch_size, (len(train_ids) - 1) // T))
    x, y = stream_batches(train_ids, B, T)
    Bv = max(1, min(VAL_STREAMS, (len(val_ids) - 1) // T))
    L = (len(val_ids) - 1) // Bv                       # held-out inputs per stream
    Tv = L // -(-L // min(T, L))                       # equal chunks that use all of L
    x_val, y_val = (torch.from_numpy(a) for a in stream_batches(val_ids, Bv, Tv))
    return CharData(vocab, train_ids, val_ids, x, y, x_val, y_val, B, Bv)
