"""Text classification: labelled sentences -> Tokenizer -> Embedding(mask_zero=True) ->
(Bi)LSTM or GRU -> Dense(sigmoid or softmax), scored on a stratified held-out part against
the majority class and a bag-of-words logistic regression.

    >>> from rnnkit.tasks.classify_text import classify_text
    >>> run = classify_text(quick=True, out="runs/sentiment")       # doctest: +SKIP
    >>> run["metrics"]["model"]["accuracy"]                         # doctest: +SKIP
    0.81

Shapes: N texts, T tokens per padded text, V vocabulary, E embedding size, K classes.
"""
from __future__ import annotations

import html
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import UserError
from ..datasets import DataError, load_sentiment, read_labelled_texts, read_text
from ..datasets.readers import _split_lines
from ..layers import Dropout, Embedding
from ..preprocessing.sequence import pad_sequences
from ..preprocessing.text import Tokenizer
from ..utils import set_random_seed
from .classification import (CELLS, class_names, classification_scores, fit_classifier,
                             majority_baseline, predict_proba, recurrent_classifier,
                             stratified_split, write_classify_run)
from .runs import default_run_dir

SENTIMENT_CLASSES = ["negative", "positive"]      # the bundled files' labels 0 and 1
MAXLEN_CAP = 200                                  # words kept per text when maxlen=None
OOV = "<OOV>"


def classify_text(path: str | os.PathLike | None = None, text_column: str | None = None,
                  label_column: str | None = None, cell: str = "lstm",
                  bidirectional: bool = True, units: int = 32, embed_dim: int = 32,
                  max_words: int = 3000, maxlen: int | None = None, epochs: int = 30,
                  batch_size: int = 32, test_fraction: float = 0.2, seed: int = 0,
                  out: str | os.PathLike | None = None, quick: bool = False,
                  verbose: bool = False, dropout: float = 0.3, learning_rate: float = 1e-3,
                  patience: int = 4) -> dict[str, Any]:
    """Train and score a recurrent text classifier; write the run folder `out`.

    path: a TSV/CSV file with a header naming `text_column` and `label_column` (or columns
    called text/label, review/sentiment, ...), or a headerless `text<TAB>label` file; None
    means the bundled sentiment sentences (amazon + yelp, 2,000, labels negative/positive).
    The held-out part is `test_fraction` of each class (seed `seed`); 10% of the rest is the
    validation part that early stopping watches. The Tokenizer keeps the `max_words` - 1
    most frequent training words (others become <OOV>); texts are cut to `maxlen` words
    (None: the longest training text, at most 200). The defaults (a small net: 32-d word
    vectors, 32 units a direction, dropout 0.3) scored best over 10 seeds on the sentiment
    set; wider nets and more dropout overfit 1,440 sentences sooner (benchmarks/
    quality_classify.py). quick=True: at most 4 epochs at learning rate 3e-3.

    Returns {"out": run folder, "metrics": the contents of metrics.json}.
    """
    check_settings(cell, units, embed_dim, max_words, maxlen, epochs, batch_size, test_fraction)
    if quick:                              # few epochs, a larger step size
        epochs, learning_rate = min(epochs, 4), max(learning_rate, 3e-3)
    texts, y, classes, source = load_texts(path, text_column, label_column)
    train_idx, test_idx = stratified_split(y, test_fraction, seed)
    fit_idx, val_idx = stratified_split(y[train_idx], 0.1, seed + 1)
    fit_idx, val_idx = train_idx[fit_idx], train_idx[val_idx]
    if min(len(fit_idx), len(val_idx), len(test_idx)) == 0:
        raise DataError(f"{source}: {len(texts)} labelled texts are too few to hold out a test "
                        "and a validation part. Add more texts (a few per class at least).")

    # Vocabulary from the training part only: held-out words the net never saw become <OOV>.
    tokenizer = Tokenizer(num_words=max_words, oov_token=OOV)
    tokenizer.fit_on_texts([texts[i] for i in train_idx])
    sequences = tokenizer.texts_to_sequences(texts)
    if maxlen is None:
        maxlen = max(1, min(MAXLEN_CAP, max(len(sequences[i]) for i in train_idx)))
    x = pad_sequences(sequences, maxlen=maxlen, padding="post", truncating="post")  # (N, T)
    vocab_size = min(max_words, len(tokenizer.word_index) + 1)

    set_random_seed(seed)
    model = recurrent_classifier([Embedding(vocab_size, embed_dim, mask_zero=True),
                                  Dropout(dropout)], len(classes), cell, units, bidirectional,
                                 dropout)
    start = time.perf_counter()
    history, best_epoch = fit_classifier(model, len(classes), x[fit_idx], y[fit_idx],
                                         x[val_idx], y[val_idx], epochs, batch_size,
                                         learning_rate, patience, verbose)
    seconds = round(time.perf_counter() - start, 1)

    proba = predict_proba(model, x[test_idx], len(classes))                    # (N_test, K)
    y_test, y_pred = y[test_idx], proba.argmax(1)
    bow_pred = bow_logistic_regression([texts[i] for i in train_idx], y[train_idx],
                                       [texts[i] for i in test_idx], len(classes))
    metrics = {
        "task": "classify", "kind": "text", "data": source,
        "n_train": len(fit_idx), "n_val": len(val_idx), "n_test": len(test_idx),
        "model": classification_scores(y_test, y_pred, classes),
        "baselines": {
            "majority_class": majority_baseline(y[train_idx], y_test, classes),
            "bag_of_words_logistic_regression": _short(classification_scores(
                y_test, bow_pred, classes))},
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch, "seconds": seconds}
    task = {"task": "classify", "kind": "text", "data": source,
            "path": None if path is None else str(path), "text_column": text_column,
            "label_column": label_column, "cell": cell, "bidirectional": bidirectional,
            "units": units, "embed_dim": embed_dim, "max_words": max_words, "maxlen": maxlen,
            "vocab_size": vocab_size, "epochs": epochs, "batch_size": batch_size,
            "test_fraction": test_fraction, "seed": seed, "quick": quick, "dropout": dropout,
            "learning_rate": learning_rate, "patience": patience}
    wrong = _misclassified([texts[i] for i in test_idx], y_test, proba, classes)
    out = Path(out) if out is not None else default_run_dir("classify")
    write_classify_run(out, model, task, metrics, history, classes,
                       ("tokenizer.json", tokenizer.to_json()),
                       f"Text classification: {source}", "texts", wrong)
    return {"out": out, "metrics": metrics}


# -- reading and checking ------------------------------------------------------------------

def load_texts(path, text_column, label_column) -> tuple[list[str], np.ndarray, list[str], str]:
    """(texts, class indices, class names, a description of the source), checked."""
    if path is None:
        if text_column is not None or label_column is not None:
            raise DataError("--text-column / --label-column name columns of your own FILE; the "
                            "bundled sentiment set has none. Pass FILE, or drop the options.")
        texts, labels = load_sentiment()
        return texts, labels, list(SENTIMENT_CLASSES), "bundled sentiment sentences"
    texts, raw = read_labelled_texts(path, text_column, label_column)
    for i, text in enumerate(texts):
        if not text:
            raise DataError(f"{path}, {_where(path, i, len(texts))}: the text is empty. "
                            "Expected a text in every labelled row; fill it in or remove "
                            "the row.")
    classes = class_names(raw)
    if len(classes) < 2:
        raise DataError(f"{path}: expected at least 2 classes in the label column, got only "
                        f"{classes[0]!r} ({len(raw)} rows). Check --label-column, or add "
                        "examples of the other classes.")
    index = {name: k for k, name in enumerate(classes)}
    return texts, np.array([index[label] for label in raw], dtype=np.int64), classes, str(path)


def _where(path, i: int, n_records: int) -> str:
    """'line L' of record i when records are one per non-blank line, else 'record i+1'."""
    lines = [n for n, line in enumerate(_split_lines(read_text(path)), 1) if line.strip()]
    if len(lines) in (n_records, n_records + 1):              # headerless, or one header
        return f"line {lines[len(lines) - n_records + i]}"
    return f"record {i + 1} after the header"


def check_settings(cell, units, embed_dim, max_words, maxlen, epochs, batch_size,
                   test_fraction) -> None:
    if cell not in CELLS:
        raise UserError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}.")
    for name, value in (("units", units), ("embed_dim", embed_dim), ("max_words", max_words),
                        ("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise UserError(f"{name} must be a positive integer, got {value!r}.")
    if max_words < 2:
        raise UserError(f"max_words must be at least 2 (padding and <OOV>), got {max_words}.")
    if maxlen is not None and (not isinstance(maxlen, int) or maxlen < 1):
        raise UserError(f"maxlen must be a positive integer or None, got {maxlen!r}.")
    if not 0.0 < test_fraction < 1.0:
        raise UserError(f"test_fraction must be between 0 and 1, got {test_fraction!r}; "
                        "0.2 holds out a fifth of each class.")


# -- the bag-of-words baseline -------------------------------------------------------------

def bow_logistic_regression(train_texts: list[str], y_train, test_texts: list[str],
                            n_classes: int, l2: float = 1.0, max_iter: int = 200) -> np.ndarray:
    """Predicted classes of a TF-IDF + logistic-regression baseline (no word order).

    Features: Tokenizer.texts_to_matrix(mode='tfidf') over the training vocabulary, each
    row scaled to unit length. Model: p(k | x) = softmax(x W + b)_k, fitted by L-BFGS on

        sum_i -log p(y_i | x_i) + l2/2 ||W||^2            (scikit-learn's C = 1 / l2)
    """
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(train_texts)

    def features(texts):                                                     # (N, V)
        x = tokenizer.texts_to_matrix(texts, mode="tfidf")
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return torch.as_tensor(x, dtype=torch.float32)

    X, X_test = features(train_texts), features(test_texts)
    y = torch.as_tensor(np.asarray(y_train))
    W = torch.zeros(X.shape[1], n_classes, requires_grad=True)               # (V, K)
    b = torch.zeros(n_classes, requires_grad=True)
    lbfgs = torch.optim.LBFGS([W, b], max_iter=max_iter, line_search_fn="strong_wolfe")

    def objective():
        lbfgs.zero_grad()
        loss = F.cross_entropy(X @ W + b, y, reduction="sum") + 0.5 * l2 * (W * W).sum()
        loss.backward()
        return loss

    lbfgs.step(objective)
    with torch.no_grad():
        return (X_test @ W + b).argmax(1).numpy()


# -- prediction and the report -------------------------------------------------------------

def predict_texts(model, tokenizer: Tokenizer, maxlen: int, texts: list[str],
                  n_classes: int) -> np.ndarray:
    """Class probabilities (N, K) for raw texts, with the run's tokenizer and length."""
    x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen, padding="post",
                      truncating="post")
    return predict_proba(model, x, n_classes)


def _short(scores: dict[str, Any]) -> dict[str, float]:
    return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}


def _misclassified(texts: list[str], y_true, proba, classes: list[str], n: int = 8) -> str:
    """The held-out texts the model got wrong most confidently, as an HTML table."""
    pred = proba.argmax(1)
    wrong = np.flatnonzero(pred != y_true)
    wrong = wrong[np.argsort(-proba[wrong, pred[wrong]])][:n]
    if not len(wrong):
        return "<h2>Misclassified examples</h2><p>None: every held-out text was right.</p>"
    rows = "\n".join(
        f"<tr><td>{html.escape(texts[i])}</td><td>{html.escape(classes[y_true[i]])}</td>"
        f"<td>{html.escape(classes[pred[i]])}</td><td>{proba[i, pred[i]]:.2f}</td></tr>"
        for i in wrong)
    return ("<h2>Misclassified examples</h2><p>Held-out texts the model got wrong, most "
            "confident first.</p><table><tr><th>text</th><th>true</th><th>predicted</th>"
            f"<th>probability</th></tr>\n{rows}\n</table>")
