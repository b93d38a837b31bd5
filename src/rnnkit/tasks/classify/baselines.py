"""The simple baselines a practitioner would try before a recurrent net, scored on the same
held-out part; the report names the strongest and says when it wins.

    majority class                    always the most frequent training class
    bag-of-words logistic regression  texts: TF-IDF of the words (no order), softmax regression
    summary-statistics regression     sequences: mean, std, min, max, first and last value of
                                      each feature and log length, softmax regression
    nearest neighbour                 sequences: the class of the closest training series in
                                      those summary statistics (Euclidean, standardised)

Softmax regression: p(k | x) = softmax(x W + b)_k, fitted by L-BFGS on

    sum_i -log p(y_i | x_i) + l2/2 ||W||^2            (scikit-learn's C = 1 / l2)

Shapes: N samples, D features, K classes, F features per step of a series.
"""
from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...preprocessing.text import Tokenizer, tokenizer_from_json
from .scores import classification_scores

NAMES = {"majority_class": "majority class",
         "bag_of_words_logistic_regression": "bag-of-words logistic regression",
         "summary_statistics_logistic_regression": "logistic regression on summary statistics",
         "nearest_neighbour": "nearest neighbour on summary statistics"}


def readable(key: str) -> str:
    """The name a report shows for a baseline key of metrics.json."""
    return NAMES.get(key, key.replace("_", " "))


def majority_baseline(y_train, y_test, classes: list[str]) -> dict[str, Any]:
    """Always predict the most frequent training class; its held-out accuracy and macro F1."""
    majority = int(np.bincount(y_train, minlength=len(classes)).argmax())
    scores = classification_scores(y_test, np.full(len(y_test), majority), classes)
    return {"class": classes[majority], "accuracy": scores["accuracy"],
            "macro_f1": scores["macro_f1"]}


def short_scores(y_true, y_pred, classes: list[str]) -> dict[str, float]:
    """Accuracy and macro F1 only (what the baselines table shows)."""
    s = classification_scores(y_true, y_pred, classes)
    return {"accuracy": s["accuracy"], "macro_f1": s["macro_f1"]}


# -- softmax regression ----------------------------------------------------------------------

def fit_logistic_regression(x: np.ndarray, y, n_classes: int, l2: float = 1.0,
                            max_iter: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """(W (D, K), b (K,)) of the L2-penalised softmax regression above."""
    X = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    target = torch.as_tensor(np.asarray(y), dtype=torch.long)
    W = torch.zeros(X.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    lbfgs = torch.optim.LBFGS([W, b], max_iter=max_iter, line_search_fn="strong_wolfe")

    def objective():
        lbfgs.zero_grad()
        loss = F.cross_entropy(X @ W + b, target, reduction="sum") + 0.5 * l2 * (W * W).sum()
        loss.backward()
        return loss

    lbfgs.step(objective)
    return W.detach().numpy(), b.detach().numpy()


def softmax_proba(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """p(k | x) for each row: (N, K)."""
    z = np.asarray(x, dtype=np.float64) @ W + b
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


# -- texts -------------------------------------------------------------------------------------

class BagOfWords:
    """TF-IDF logistic regression over the training vocabulary (no word order), JSON-saveable
    so that a saved run can blend it with the network.

    Features: Tokenizer.texts_to_matrix(mode='tfidf'), each row scaled to unit length.

    >>> bow = BagOfWords.fit(["good fun", "bad dull", "good", "dull"], [1, 0, 1, 0], 2)
    >>> bow.proba(["good", "dull"]).argmax(1).tolist()
    [1, 0]
    """

    def __init__(self, tokenizer: Tokenizer, W: np.ndarray, b: np.ndarray):
        self.tokenizer, self.W, self.b = tokenizer, np.asarray(W), np.asarray(b)

    @classmethod
    def fit(cls, texts: list[str], y, n_classes: int, l2: float = 1.0) -> BagOfWords:
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(texts)
        W, b = fit_logistic_regression(_tfidf(tokenizer, texts), y, n_classes, l2)
        return cls(tokenizer, W, b)

    def proba(self, texts: list[str]) -> np.ndarray:
        """(N, K) class probabilities."""
        return softmax_proba(_tfidf(self.tokenizer, texts), self.W, self.b)

    def to_json(self) -> str:
        return json.dumps({"tokenizer": self.tokenizer.to_json(), "W": self.W.tolist(),
                           "b": self.b.tolist()})

    @classmethod
    def from_json(cls, text: str) -> BagOfWords:
        d = json.loads(text)
        return cls(tokenizer_from_json(d["tokenizer"]), np.array(d["W"]), np.array(d["b"]))


def _tfidf(tokenizer: Tokenizer, texts: list[str]) -> np.ndarray:
    x = tokenizer.texts_to_matrix(texts, mode="tfidf")                       # (N, V)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def text_baselines(train_texts: list[str], y_train, test_texts: list[str], y_test,
                   classes: list[str]) -> dict[str, dict[str, Any]]:
    """The majority class and the bag-of-words model, fitted on the training texts."""
    bow = BagOfWords.fit(train_texts, y_train, len(classes))
    return {"majority_class": majority_baseline(y_train, y_test, classes),
            "bag_of_words_logistic_regression": short_scores(
                y_test, bow.proba(test_texts).argmax(1), classes)}


# -- sequences of feature vectors -------------------------------------------------------------

def summary_statistics(series: list[np.ndarray]) -> np.ndarray:
    """(N, 6F + 1): per feature the mean, std, min, max, first and last value (missing
    values ignored), then log(1 + length).

    >>> summary_statistics([np.array([[1.0], [3.0]])]).round(3).tolist()
    [[2.0, 1.0, 1.0, 3.0, 1.0, 3.0, 1.099]]
    """
    rows = []
    for x in series:
        x = np.asarray(x, dtype=np.float64)
        with warnings.catch_warnings():                  # an all-missing feature: nan, then 0
            warnings.simplefilter("ignore", RuntimeWarning)
            parts = [np.nanmean(x, 0), np.nanstd(x, 0), np.nanmin(x, 0), np.nanmax(x, 0),
                     x[0], x[-1], [np.log1p(len(x))]]
        rows.append(np.nan_to_num(np.concatenate(parts), nan=0.0))
    return np.array(rows)


class SummaryRegression:
    """Softmax regression on the standardised summary statistics of each series,
    JSON-saveable so that a saved run can blend it with the network.

    >>> rng = np.random.default_rng(0)
    >>> series = [rng.normal(m, 0.1, (5, 1)) for m in (-1, -1, 1, 1)]
    >>> SummaryRegression.fit(series, [0, 0, 1, 1], 2).proba(series).argmax(1).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray, W: np.ndarray, b: np.ndarray):
        self.mean, self.std = np.asarray(mean), np.asarray(std)
        self.W, self.b = np.asarray(W), np.asarray(b)

    @classmethod
    def fit(cls, series: list[np.ndarray], y, n_classes: int,
            l2: float = 1.0) -> SummaryRegression:
        stats = summary_statistics(series)
        mean, std = stats.mean(0), stats.std(0)
        std[std == 0] = 1.0
        W, b = fit_logistic_regression((stats - mean) / std, y, n_classes, l2)
        return cls(mean, std, W, b)

    def features(self, series: list[np.ndarray]) -> np.ndarray:
        return (summary_statistics(series) - self.mean) / self.std

    def proba(self, series: list[np.ndarray]) -> np.ndarray:
        """(N, K) class probabilities."""
        return softmax_proba(self.features(series), self.W, self.b)

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k).tolist() for k in ("mean", "std", "W", "b")})

    @classmethod
    def from_json(cls, text: str) -> SummaryRegression:
        d = json.loads(text)
        return cls(*(np.array(d[k]) for k in ("mean", "std", "W", "b")))


def sequence_baselines(x_train: list[np.ndarray], y_train, x_test: list[np.ndarray], y_test,
                       classes: list[str], regression: SummaryRegression | None = None
                       ) -> dict[str, dict[str, Any]]:
    """The majority class, softmax regression and 1-nearest-neighbour on standardised
    summary statistics, fitted on the training series (`regression`, if given, already is)."""
    regression = regression or SummaryRegression.fit(x_train, y_train, len(classes))
    s_train, s_test = regression.features(x_train), regression.features(x_test)
    distance = ((s_test ** 2).sum(1)[:, None] + (s_train ** 2).sum(1)[None, :]
                - 2 * s_test @ s_train.T)                                    # (N_test, N)
    nearest = np.asarray(y_train)[distance.argmin(1)]
    return {"majority_class": majority_baseline(y_train, y_test, classes),
            "summary_statistics_logistic_regression": short_scores(
                y_test, regression.proba(x_test).argmax(1), classes),
            "nearest_neighbour": short_scores(y_test, nearest, classes)}
