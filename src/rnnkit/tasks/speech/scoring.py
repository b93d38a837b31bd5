"""Transcripts as symbol ids and back, and their scores: the word (digit) error rate and
the whole-string accuracy, with jiwer, and the confusion of words from its alignment.

    error rate = (S + D + I) / N     substitutions, deletions, insertions over N reference words

The CTC model's symbols are characters. When every label is one character (digits) the
transcript "4 0 7 1" is the symbols 4 0 7 1; otherwise a space is a symbol too, so
"seven two" is spelled out with the space between the words.

    >>> s = Symbols.fit(["0", "1", "7"])
    >>> s.encode(["7", "0", "7"]), s.decode([3, 1, 3])
    ([3, 1, 3], '7 0 7')
    >>> w = Symbols.fit(["yes", "no"])
    >>> w.decode(w.encode(["no", "yes"]))
    'no yes'
    >>> error_rate(["1 2 3", "4 5"], ["1 3", "4 5 6"])        # 1 deletion + 1 insertion over 5
    0.4
"""
from __future__ import annotations

import json

import numpy as np

NONE = "(none)"          # confusion row/column for insertions and deletions


class Symbols:
    """The CTC output alphabet: id 0 is the blank, 1..V the characters of the labels."""

    def __init__(self, chars: list[str], spaced: bool):
        self.chars, self.spaced = list(chars), spaced
        self.id = {c: i + 1 for i, c in enumerate(self.chars)}

    @classmethod
    def fit(cls, labels: list[str]) -> "Symbols":
        spaced = any(len(label) != 1 for label in labels)
        chars = sorted({c for label in labels for c in label} | ({" "} if spaced else set()))
        return cls(chars, spaced)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, words: list[str]) -> list[int]:
        text = " ".join(words) if self.spaced else "".join(words)
        return [self.id[c] for c in text if c in self.id]

    def decode(self, ids: list[int]) -> str:
        text = "".join(self.chars[i - 1] for i in ids if 0 < i <= len(self.chars))
        return " ".join(text.split()) if self.spaced else " ".join(text)

    def to_json(self) -> str:
        return json.dumps({"chars": self.chars, "spaced": self.spaced}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Symbols":
        d = json.loads(text)
        return cls(d["chars"], d["spaced"])


def error_rate(refs: list[str], hyps: list[str]) -> float:
    """Word error rate over space-separated words (digits): jiwer.wer."""
    import jiwer
    return float(jiwer.wer(refs, [h if h.strip() else "" for h in hyps]))


def string_accuracy(refs: list[str], hyps: list[str]) -> float:
    """Share of utterances transcribed exactly."""
    return float(np.mean([r.split() == h.split() for r, h in zip(refs, hyps)]))


def scores(refs: list[str], hyps: list[str]) -> dict[str, float]:
    """{"error_rate", "string_accuracy", "substitutions", "deletions", "insertions"}."""
    import jiwer
    out = jiwer.process_words(refs, hyps)
    return {"error_rate": float(out.wer), "string_accuracy": string_accuracy(refs, hyps),
            "substitutions": int(out.substitutions), "deletions": int(out.deletions),
            "insertions": int(out.insertions), "reference_words": sum(len(r.split())
                                                                      for r in refs)}


def confusion(refs: list[str], hyps: list[str], words: list[str]) -> np.ndarray:
    """Counts (K + 1, K + 1) of reference word (rows) against recognised word (columns)
    over the aligned pairs; the last row counts insertions, the last column deletions.

    >>> confusion(["1 2"], ["1 1 3"], ["1", "2", "3"]).tolist()   # 1=1, +1 inserted, 2->3
    [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]]
    """
    import jiwer
    index = {w: k for k, w in enumerate(words)}
    K = len(words)
    cm = np.zeros((K + 1, K + 1), dtype=int)
    out = jiwer.process_words(refs, hyps)
    for ref, hyp, chunks in zip(out.references, out.hypotheses, out.alignments):
        for c in chunks:
            r = ref[c.ref_start_idx:c.ref_end_idx]
            h = hyp[c.hyp_start_idx:c.hyp_end_idx]
            if c.type in ("equal", "substitute"):
                for a, b in zip(r, h):
                    cm[index.get(a, K), index.get(b, K)] += 1
            elif c.type == "delete":
                for a in r:
                    cm[index.get(a, K), K] += 1
            elif c.type == "insert":
                for b in h:
                    cm[K, index.get(b, K)] += 1
    return cm
