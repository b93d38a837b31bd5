"""Words to ids for the tagger: lower-cased words seen `min_count` times in training have a
vector of their own; rarer and unknown words share the vector of their *signature*, their
shape and suffix ('<unk:Xx-ing>', '<unk:num>'), so rare training words teach the net what
unknown words of each kind are. ner's features reuse the signatures.

Shapes: N sentences, T words per padded sentence.
"""
from __future__ import annotations

import json
from collections import Counter

import numpy as np

from ...preprocessing.sequence import pad_sequences

Sentence = list[tuple[str, str]]
PAD, OOV = "<pad>", "<oov>"                      # ids 0 and 1
SUFFIXES = ("ing", "ed", "ly", "ion", "er", "est", "al", "ive", "able", "ible", "ful", "ous",
            "ity", "ment", "ness", "ic", "ize", "ise", "ist", "ism", "an", "y", "es", "s")


def word_signature(word: str) -> str:
    """The class an unknown word falls in: its shape, a dash, and a common suffix.

    >>> [word_signature(w) for w in ["Walking", "1990s", "e-mail", "NASA", "?!", "quickly"]]
    ['<unk:Xx-ing>', '<unk:num>', '<unk:x-dash>', '<unk:X>', '<unk:punct>', '<unk:x-ly>']
    """
    if not any(c.isalnum() for c in word):
        return "<unk:punct>"
    if any(c.isdigit() for c in word):
        return "<unk:num>"
    letters = [c for c in word if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        shape = "X"
    elif word[0].isupper():
        shape = "Xx"
    else:
        shape = "x"
    if "-" in word:
        return f"<unk:{shape}-dash>"
    lower = word.lower()
    suffix = next((s for s in SUFFIXES if lower.endswith(s) and len(lower) > len(s) + 1), "")
    return f"<unk:{shape}-{suffix}>" if suffix else f"<unk:{shape}>"


class Vocabulary:
    """Word and tag ids, JSON-saveable. Word ids: 0 padding, 1 <oov>, then the signatures,
    then the words seen at least `min_count` times in training (lower-cased).

    >>> v = Vocabulary.fit([[("The", "DET"), ("cat", "NOUN")], [("the", "DET")]], min_count=2)
    >>> v.itos, v.tags, v.encode_words(["THE", "cat", "dog", "42"])
    (['<pad>', '<oov>', '<unk:x>', 'the'], ['DET', 'NOUN'], [3, 2, 2, 1])
    """

    def __init__(self, words: list[str], signatures: list[str], tags: list[str],
                 min_count: int):
        self.words, self.signatures, self.tags = words, signatures, tags
        self.min_count = min_count
        self.itos = [PAD, OOV, *signatures, *words]
        self.word_id = {w: i for i, w in enumerate(self.itos)}
        self.tag_id = {t: k for k, t in enumerate(tags)}

    @classmethod
    def fit(cls, sentences: list[Sentence], min_count: int = 2,
            signatures: bool = True) -> "Vocabulary":
        counts = Counter(w.lower() for s in sentences for w, _ in s)
        words = sorted(w for w, n in counts.items() if n >= min_count)
        sigs = sorted({word_signature(w) for s in sentences for w, _ in s
                       if counts[w.lower()] < min_count}) if signatures else []
        tags = sorted({t for s in sentences for _, t in s})
        return cls(words, sigs, tags, min_count)

    def __len__(self) -> int:
        return len(self.itos)

    def encode_words(self, words: list[str]) -> list[int]:
        """Ids of one sentence's words: the word's own, else its signature's, else <oov>."""
        ids = []
        for w in words:
            i = self.word_id.get(w.lower())
            if i is None:
                i = self.word_id.get(word_signature(w), 1)
            ids.append(i)
        return ids

    def to_json(self) -> str:
        return json.dumps({"words": self.words, "signatures": self.signatures,
                           "tags": self.tags, "min_count": self.min_count,
                           "lowercase": True}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Vocabulary":
        d = json.loads(text)
        return cls(d["words"], d["signatures"], d["tags"], d["min_count"])


def encode(sentences: list[Sentence], vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """(word ids, tag ids), both (N, T), padded with 0 at the end (the mask hides it)."""
    x = pad_sequences([vocab.encode_words([w for w, _ in s]) for s in sentences],
                      padding="post")
    y = pad_sequences([[vocab.tag_id.get(t, 0) for _, t in s] for s in sentences],
                      padding="post")
    return x, y
