"""Entities from tags, their scores, and the gazetteer baseline.

Scores are entity-level, as seqeval computes them with conlleval's semantics (its default
mode): an entity counts as found only when its type and both its ends match the gold one.

    precision = found / predicted,  recall = found / gold,  F1 = 2 P R / (P + R)
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from seqeval.metrics import classification_report
from seqeval.metrics.sequence_labeling import get_entities

Sentence = list[tuple[str, str]]
Span = tuple[str, int, int]                      # (type, first word, last word), inclusive
TOKEN = re.compile(r"\w+(?:[-'’.&]\w+)*|[^\w\s]")


def spans(tags: list[str]) -> list[Span]:
    """The entities of one tag sequence (IOB1, IOB2 or BIOES).

    >>> spans(["B-PER", "I-PER", "O", "B-LOC", "S-ORG"])
    [('PER', 0, 1), ('LOC', 3, 3), ('ORG', 4, 4)]
    """
    return [(kind, start, end) for kind, start, end in get_entities(list(tags))]


def tokenize(text: str) -> list[str]:
    """Words and punctuation marks, as the UD English treebank splits most of them.

    >>> tokenize("Mr. Smith flew to the U.S. from Paris, didn't he?")
    ['Mr', '.', 'Smith', 'flew', 'to', 'the', 'U.S', '.', 'from', 'Paris', ',', "didn't", 'he', '?']
    """
    return TOKEN.findall(text)


def entity_scores(gold: list[Sentence], predicted: list[list[str]],
                  known: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Micro precision / recall / F1 over all entities, the same per type (seqeval), and
    with `known` (the training set's entity strings) the recall of the unseen entities.

    >>> s = entity_scores([[("Ann", "B-PER"), ("in", "O"), ("Rome", "B-LOC")]],
    ...                   [["B-PER", "O", "B-PER"]])
    >>> s["precision"], s["recall"], round(s["f1"], 3), s["per_type"]["LOC"]["recall"]
    (0.5, 0.5, 0.5, 0.0)
    """
    y_true = [[t for _, t in s] for s in gold]
    report = classification_report(y_true, [list(p) for p in predicted], output_dict=True,
                                   zero_division=0)
    per_type = {k: _round(v) for k, v in sorted(report.items()) if not k.endswith(" avg")}
    micro = _round(report["micro avg"])
    scores = {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1"],
              "support": micro["support"], "macro_f1": _round(report["macro avg"])["f1"],
              "per_type": per_type}
    if known is not None:
        unseen = found = 0
        for s, p in zip(gold, predicted):
            words = [w for w, _ in s]
            predicted_spans = set(spans(p))
            for span in spans([t for _, t in s]):
                if tuple(words[span[1]:span[2] + 1]) not in known:
                    unseen += 1
                    found += span in predicted_spans
        scores["unseen_entities"] = unseen
        scores["unseen_recall"] = found / unseen if unseen else float("nan")
    return scores


def _round(d: dict[str, float]) -> dict[str, Any]:
    return {"precision": float(d["precision"]), "recall": float(d["recall"]),
            "f1": float(d["f1-score"]), "support": int(d["support"])}


def type_confusion(gold: list[Sentence], predicted: list[list[str]], types: list[str]
                   ) -> list[list[int]]:
    """Counts of gold type (rows) against predicted type (columns) for spans with the same
    ends; the extra last row and column, "none", hold spurious and missed entities."""
    index = {t: i for i, t in enumerate(types)}
    none = len(types)
    cm = [[0] * (none + 1) for _ in range(none + 1)]
    for s, p in zip(gold, predicted):
        g = {(a, b): index.get(k, none) for k, a, b in spans([t for _, t in s])}
        q = {(a, b): index.get(k, none) for k, a, b in spans(p)}
        for ends in g.keys() | q.keys():
            cm[g.get(ends, none)][q.get(ends, none)] += 1
    return cm


# -- the baseline ------------------------------------------------------------------------------

def entity_strings(sentences: list[Sentence]) -> dict[tuple[str, ...], str]:
    """Each entity string of the sentences (a tuple of words) -> its most frequent type."""
    seen: dict[tuple[str, ...], Counter] = {}
    for s in sentences:
        words = [w for w, _ in s]
        for kind, a, b in spans([t for _, t in s]):
            seen.setdefault(tuple(words[a:b + 1]), Counter())[kind] += 1
    return {words: c.most_common(1)[0][0] for words, c in seen.items()}


class Gazetteer:
    """Tag the training set's entity strings wherever they occur, longest match first, left
    to right; case-sensitive, in IOB2.

    >>> g = Gazetteer([[("New", "B-LOC"), ("York", "I-LOC")], [("York", "B-PER")]])
    >>> g.tag(["New", "York", "and", "York", "."])
    ['B-LOC', 'I-LOC', 'O', 'B-PER', 'O']
    """

    def __init__(self, sentences: list[Sentence]):
        self.table = entity_strings(sentences)
        self.longest = max((len(k) for k in self.table), default=0)

    def tag(self, words: list[str]) -> list[str]:
        tags, i = ["O"] * len(words), 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                kind = self.table.get(tuple(words[i:i + n]))
                if kind is not None:
                    tags[i:i + n] = [f"B-{kind}"] + [f"I-{kind}"] * (n - 1)
                    i += n
                    break
            else:
                i += 1
        return tags
