"""The tagger's scores and its baseline: token accuracy, on known and on unknown words,
per-tag precision / recall / F1, and the most frequent tag of each word.

    accuracy = right tags / test tokens;  unknown = words never seen in training (lower-cased)
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..classify.scores import classification_scores
from .vocab import Sentence, word_signature


def tag_scores(gold: list[Sentence], predicted: list[list[str]], known: set[str],
               tags: list[str], details: bool = True) -> dict[str, Any]:
    """Token accuracy, accuracy on known and on unknown (unseen in training) words, and
    with details the per-tag scores and confusion matrix over the training tags.

    >>> s = tag_scores([[("a", "X"), ("b", "Y")]], [["X", "X"]], {"a"}, ["X", "Y"])
    >>> s["accuracy"], s["known_accuracy"], s["unknown_accuracy"]
    (0.5, 1.0, 0.0)
    """
    right = np.array([t == p for s, ps in zip(gold, predicted) for (_, t), p in zip(s, ps)])
    unknown = np.array([w.lower() not in known for s in gold for w, _ in s])
    mean = lambda a: float(a.mean()) if a.size else float("nan")      # noqa: E731
    scores = {"accuracy": mean(right), "known_accuracy": mean(right[~unknown]),
              "unknown_accuracy": mean(right[unknown])}
    if details:
        index = {t: k for k, t in enumerate(tags)}
        pairs = [(index[t], index[p]) for s, ps in zip(gold, predicted)
                 for (_, t), p in zip(s, ps) if t in index]
        y_true, y_pred = np.array(pairs).T if pairs else (np.zeros(0, int), np.zeros(0, int))
        full = classification_scores(y_true, y_pred, tags)
        scores.update(per_tag=full["per_class"], macro_f1=full["macro_f1"],
                      confusion_matrix=full["confusion_matrix"])
    return scores


def most_frequent_tag_baseline(sentences: list[Sentence]):
    """word -> its most frequent training tag (lower-cased); an unknown word -> the most
    frequent tag of the training words seen once with its signature (shape and suffix,
    vocab.word_signature: '<unk:Xx>' is mostly PROPN, '<unk:x-ly>' ADV), else the most
    frequent tag of all.

    >>> guess = most_frequent_tag_baseline([[("Run", "VERB"), ("quickly", "ADV")],
    ...                                     [("run", "NOUN"), ("run", "VERB")]])
    >>> guess("RUN"), guess("slowly"), guess("zebra")
    ('VERB', 'ADV', 'VERB')
    """
    per_word: dict[str, Counter] = {}
    for s in sentences:
        for w, t in s:
            per_word.setdefault(w.lower(), Counter())[t] += 1
    overall = Counter(t for s in sentences for _, t in s).most_common(1)[0][0]
    table = {w: c.most_common(1)[0][0] for w, c in per_word.items()}
    per_signature: dict[str, Counter] = {}
    for s in sentences:
        for w, t in s:
            if sum(per_word[w.lower()].values()) == 1:              # rare, like unknown words
                per_signature.setdefault(word_signature(w), Counter())[t] += 1
    by_signature = {sig: c.most_common(1)[0][0] for sig, c in per_signature.items()}

    def guess(word: str) -> str:
        known = table.get(word.lower())
        return known if known is not None else by_signature.get(word_signature(word), overall)
    return guess
