"""Words to ids for the entity tagger: each word becomes its word id and its characters.

Word ids are lower-cased, with tag/vocab.py's shape-and-suffix signatures for rare and unknown
words; the characters keep their case, so the character CNN sees 'Zorbland' capitalised
even though no vector of its own exists for it.

Shapes: N sentences, T words per padded sentence, L characters a word (MAX_CHARS).
"""
from __future__ import annotations

import json
from collections import Counter

import numpy as np

from ..tag.vocab import OOV, PAD, word_signature

Sentence = list[tuple[str, str]]
MAX_CHARS = 20              # longer words keep their first and last 10 characters
CHAR_PAD, CHAR_OOV = 0, 1


class EntityVocabulary:
    """Word, character and tag ids, JSON-saveable. Word ids as tag.Vocabulary: 0 padding,
    1 <oov>, then the signatures, then the words seen `min_count` times (lower-cased).
    Character ids: 0 padding, 1 unknown, then the characters seen twice in training.

    >>> v = EntityVocabulary.fit([[("Ann", "B-PER"), ("ran", "O")], [("ran", "O")]])
    >>> v.itos, v.tags, v.encode(["Ann", "ran"])[:, :4].tolist()
    (['<pad>', '<oov>', '<unk:Xx>', 'ran'], ['B-PER', 'O'], [[2, 1, 3, 3], [3, 4, 2, 3]])
    """

    def __init__(self, words: list[str], signatures: list[str], chars: list[str],
                 tags: list[str], min_count: int):
        self.words, self.signatures, self.chars, self.tags = words, signatures, chars, tags
        self.min_count = min_count
        self.itos = [PAD, OOV, *signatures, *words]
        self.word_id = {w: i for i, w in enumerate(self.itos)}
        self.char_id = {c: i for i, c in enumerate(chars, start=2)}
        self.tag_id = {t: k for k, t in enumerate(tags)}

    @classmethod
    def fit(cls, sentences: list[Sentence], min_count: int = 2) -> "EntityVocabulary":
        counts = Counter(w.lower() for s in sentences for w, _ in s)
        words = sorted(w for w, n in counts.items() if n >= min_count)
        sigs = sorted({word_signature(w) for s in sentences for w, _ in s
                       if counts[w.lower()] < min_count})
        char_counts = Counter(c for s in sentences for w, _ in s for c in w)
        chars = sorted(c for c, n in char_counts.items() if n >= 2)
        tags = sorted({t for s in sentences for _, t in s})
        return cls(words, sigs, chars, tags, min_count)

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def n_chars(self) -> int:
        return len(self.chars) + 2

    def encode(self, words: list[str]) -> np.ndarray:
        """(len(words), 1 + MAX_CHARS) ids: the word's id, then its characters' ids."""
        out = np.zeros((len(words), 1 + MAX_CHARS), dtype=np.int64)
        for t, w in enumerate(words):
            i = self.word_id.get(w.lower())
            out[t, 0] = i if i is not None else self.word_id.get(word_signature(w), 1)
            clipped = w if len(w) <= MAX_CHARS else w[:MAX_CHARS // 2] + w[-MAX_CHARS // 2:]
            out[t, 1:1 + len(clipped)] = [self.char_id.get(c, CHAR_OOV) for c in clipped]
        return out

    def to_json(self) -> str:
        return json.dumps({"words": self.words, "signatures": self.signatures,
                           "chars": self.chars, "tags": self.tags,
                           "min_count": self.min_count, "lowercase": True,
                           "max_chars": MAX_CHARS}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "EntityVocabulary":
        d = json.loads(text)
        return cls(d["words"], d["signatures"], d["chars"], d["tags"], d["min_count"])


def encode_sentences(sentences: list[list[str]], vocab: EntityVocabulary) -> np.ndarray:
    """(N, T, 1 + MAX_CHARS) ids, sentences padded with 0 at the end (the mask hides it)."""
    T = max((len(s) for s in sentences), default=1)
    x = np.zeros((len(sentences), max(T, 1), 1 + MAX_CHARS), dtype=np.int64)
    for n, words in enumerate(sentences):
        if words:
            x[n, :len(words)] = vocab.encode(words)
    return x


def encode_tags(sentences: list[Sentence], vocab: EntityVocabulary, T: int) -> np.ndarray:
    """(N, T) tag ids, 0 on padding (masked out of the loss)."""
    y = np.zeros((len(sentences), T), dtype=np.int64)
    for n, s in enumerate(sentences):
        y[n, :len(s)] = [vocab.tag_id.get(t, vocab.tag_id.get("O", 0)) for _, t in s]
    return y
