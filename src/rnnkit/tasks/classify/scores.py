"""The scores of a classifier: a stratified held-out split, accuracy, macro F1, per-class
precision and recall, and the confusion matrix.

Shapes: N samples, K classes. Labels are class indices 0..K-1; `classes` holds their names.
"""
from __future__ import annotations

from typing import Any

import numpy as np

# -- the held-out split -------------------------------------------------------------------

def stratified_split(labels, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held_out): `fraction` of each class held out, so class ratios match.

    Each class gives round(fraction * n_c) samples to the held-out part, but always keeps
    at least one sample (a class seen once is only trained on). Indices come back sorted.

    >>> kept, held = stratified_split([0] * 8 + [1] * 2, 0.5, seed=0)
    >>> len(kept), len(held), [int(l) for l in np.array([0] * 8 + [1] * 2)[held]]
    (5, 5, [0, 0, 0, 0, 1])
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    kept, held = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_held = min(int(round(fraction * len(idx))), len(idx) - 1)
        held.append(idx[:n_held])
        kept.append(idx[n_held:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


# -- scores -------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts (K, K): row = true class, column = predicted class.

    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def classification_scores(y_true, y_pred, classes: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1, per-class precision / recall / F1 / support, confusion matrix.

    precision_k = TP_k / (TP_k + FP_k) (column k), recall_k = TP_k / (TP_k + FN_k) (row k),
    F1_k = 2 P R / (P + R); an empty denominator scores 0. Macro F1 is the mean of F1_k.

    >>> s = classification_scores([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    >>> s["accuracy"], round(s["macro_f1"], 4), s["per_class"]["b"]["precision"]
    (0.75, 0.7333, 0.6667)
    """
    cm = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(cm).astype(np.float64)
    predicted, actual = cm.sum(0), cm.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    pr = precision + recall
    f1 = np.divide(2 * precision * recall, pr, out=np.zeros_like(tp), where=pr > 0)
    per_class = {name: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                        "f1": round(float(f), 4), "support": int(n)}
                 for name, p, r, f, n in zip(classes, precision, recall, f1, actual)}
    return {"accuracy": float(tp.sum() / max(cm.sum(), 1)), "macro_f1": float(f1.mean()),
            "per_class": per_class, "confusion_matrix": cm.tolist()}


def class_names(raw_labels: list[str]) -> list[str]:
    """The distinct labels in index order: numerically if they are all numbers, else by name.

    >>> class_names(["10", "9", "10", "2"]), class_names(["pos", "neg"])
    (['2', '9', '10'], ['neg', 'pos'])
    """
    names = sorted(set(raw_labels))
    try:
        return sorted(names, key=float)
    except ValueError:
        return names
