"""Text classification: labelled sentences -> Tokenizer -> Embedding(mask_zero=True) ->
(Bi)LSTM or GRU -> Dense(sigmoid or softmax), scored on a stratified held-out part against
the majority class and a bag-of-words logistic regression (baselines.py).

The network's class probabilities are averaged with the bag-of-words model's (`blend`),
each first calibrated by temperature scaling on the validation texts, which neither model's
weights were fitted on (as forecast averages its network with the best classical model):

    p(k | text) = 1/2 softmax_k(a log p_net(k | text)) + 1/2 softmax_k(b log p_bow(k | text))

with a >= 0 the weight of lowest validation log-loss for the network alone, b for the bag
of words (the L2-penalised bag of words is cautious, its probabilities near 1/2: b ~ 2; the
network is over-confident: a ~ 0.7). The two read a text differently (word order and
context against word counts), so their mistakes differ. Over seeds 0-4 on the sentiment
set: network alone 82.6%, bag of words 82.4%, the blend 83.0% (benchmarks/
quality_classify.py).

    >>> from rnnkit.tasks.classify import classify_text
    >>> run = classify_text(quick=True, out="runs/sentiment")       # doctest: +SKIP
    >>> run["metrics"]["model"]["accuracy"], run["baseline"]        # doctest: +SKIP
    (0.84, 'bag-of-words logistic regression')

Shapes: N texts, T tokens per padded text, V vocabulary, E embedding size, K classes.
"""
from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...datasets import DataError, load_sentiment, read_labelled_texts, read_text
from ...datasets.readers import _split_lines
from ...layers import Dropout, Embedding
from ...preprocessing.sequence import pad_sequences
from ...preprocessing.text import Tokenizer
from ...utils import set_random_seed
from ..runs import default_run_dir
from ..settings import as_dict, build, command_line
from .baselines import BagOfWords, majority_baseline, short_scores
from .network import fit_classifier, predict_proba, recurrent_classifier
from .report import judge, misclassified_html, write_classify_run
from .scores import class_names, classification_scores, stratified_split
from .settings import TextSettings

SENTIMENT_CLASSES = ["negative", "positive"]      # the bundled files' labels 0 and 1
MAXLEN_CAP = 200                                  # words kept per text when maxlen=None
OOV = "<OOV>"


def classify_text(path: str | os.PathLike | None = None, *,
                  settings: TextSettings | None = None,
                  out: str | os.PathLike | None = None, **options) -> dict[str, Any]:
    """Train and score a recurrent text classifier; write the run folder `out`.

    path: a TSV/CSV file with a header naming the text and label columns (or columns
    called text/label, review/sentiment, ...), or a headerless `text<TAB>label` file; None
    means the bundled sentiment sentences (amazon + yelp, 2,000, labels negative/positive).
    settings: a TextSettings, or its fields as keywords (`units=16, quick=True`; the
    defaults and their meaning are in classify/settings.py). The held-out part is
    `test_fraction` of each class; 10% of the rest is the validation part that early
    stopping and the blend's weight watch. The Tokenizer keeps the `max_words` - 1 most
    frequent training words (others become <OOV>).

    Returns {"out", "metrics" (metrics.json), "metric": "accuracy", "score", "model_name",
    "baseline" (the strongest baseline's name), "baseline_score", "verdict" (a sentence)}.
    """
    given = build(TextSettings, settings, options)
    s = given.quick_version()
    texts, y, classes, source = load_texts(path, s.text_column, s.label_column)
    train_idx, test_idx = stratified_split(y, s.test_fraction, s.seed)
    fit_idx, val_idx = stratified_split(y[train_idx], 0.1, s.seed + 1)
    fit_idx, val_idx = train_idx[fit_idx], train_idx[val_idx]
    if min(len(fit_idx), len(val_idx), len(test_idx)) == 0:
        raise DataError(f"{source}: {len(texts)} labelled texts are too few to hold out a test "
                        "and a validation part. Add more texts (a few per class at least).")
    pick = lambda idx: [texts[i] for i in idx]                        # noqa: E731

    # Vocabulary from the training part only: held-out words the net never saw become <OOV>.
    tokenizer = Tokenizer(num_words=s.max_words, oov_token=OOV)
    tokenizer.fit_on_texts(pick(train_idx))
    sequences = tokenizer.texts_to_sequences(texts)
    maxlen = s.maxlen or max(1, min(MAXLEN_CAP, max(len(sequences[i]) for i in train_idx)))
    x = pad_sequences(sequences, maxlen=maxlen, padding="post", truncating="post")  # (N, T)
    vocab_size = min(s.max_words, len(tokenizer.word_index) + 1)

    set_random_seed(s.seed)
    model = recurrent_classifier([Embedding(vocab_size, s.embed_dim, mask_zero=True),
                                  Dropout(s.dropout)], len(classes), s.cell, s.units,
                                 s.bidirectional, s.dropout)
    start = time.perf_counter()
    history, best_epoch = fit_classifier(model, len(classes), x[fit_idx], y[fit_idx],
                                         x[val_idx], y[val_idx], s.epochs, s.batch_size,
                                         s.learning_rate, s.patience, not s.quiet)
    seconds = round(time.perf_counter() - start, 1)

    # The blend's weights from the validation texts, with a bag of words fitted without them.
    weights = None
    if s.blend == "auto":
        weights = fit_blend(predict_proba(model, x[val_idx], len(classes)),
                            BagOfWords.fit(pick(fit_idx), y[fit_idx], len(classes))
                            .proba(pick(val_idx)), y[val_idx])
    bow = BagOfWords.fit(pick(train_idx), y[train_idx], len(classes))   # also the baseline
    net_proba = predict_proba(model, x[test_idx], len(classes))        # (N_test, K)
    bow_proba = bow.proba(pick(test_idx))
    proba = net_proba if weights is None else blend(net_proba, bow_proba, weights)
    y_test = y[test_idx]
    network = ("Bi" if s.bidirectional else "") + s.cell.upper()
    model_name = network if weights is None else f"{network} + bag of words"
    metrics = {
        "task": "classify", "kind": "text", "data": source,
        "n_train": len(fit_idx), "n_val": len(val_idx), "n_test": len(test_idx),
        "model_name": model_name,
        "model": classification_scores(y_test, proba.argmax(1), classes),
        "network_name": network,
        "network_alone": short_scores(y_test, net_proba.argmax(1), classes),
        "blend": None if weights is None else {
            "network": weights[0], "bag_of_words": weights[1],
            "fitted_on": f"log-loss of the {len(val_idx)} validation texts"},
        "baselines": {
            "majority_class": majority_baseline(y[train_idx], y_test, classes),
            "bag_of_words_logistic_regression": short_scores(y_test, bow_proba.argmax(1),
                                                             classes)},
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch, "seconds": seconds}
    metrics["verdict"] = judge(metrics, model_name)
    command = command_line("classify", given,
                           [] if path is None else [shlex.quote(str(path))])
    task = {"task": "classify", "kind": "text", "data": source,
            "path": None if path is None else str(path), **as_dict(s), "maxlen": maxlen,
            "vocab_size": vocab_size, "blend_weights": weights, "command": command}
    files = {"tokenizer.json": tokenizer.to_json()}
    if weights is not None:
        files["bag_of_words.json"] = bow.to_json()
    out = Path(out) if out is not None else default_run_dir("classify")
    write_classify_run(out, model, task, metrics, history, classes, files,
                       f"Text classification: {source}", "texts", command,
                       misclassified_html(pick(test_idx), y_test, proba, classes))
    return result(out, metrics)


def result(out: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """What classify_text and classify_sequences return (the keys demo.py reads)."""
    v = metrics["verdict"]
    return {"out": out, "metrics": metrics, "metric": "accuracy", "score": v["model_score"],
            "model_name": v["model"], "baseline": v["baseline"],
            "baseline_score": v["baseline_score"], "verdict": v["sentence"]}


def fit_blend(net_proba: np.ndarray, bow_proba: np.ndarray, y) -> list[float]:
    """[a, b]: for each model the weight w >= 0 of its log-probabilities of lowest log-loss,
    -mean log softmax(w log p(y_i | x_i)), on the validation part (temperature scaling,
    w = 1/T; L-BFGS from w = 1, w = softplus of a free parameter)."""
    return [_temperature_weight(p, y) for p in (net_proba, bow_proba)]


def _temperature_weight(proba: np.ndarray, y) -> float:
    logs = torch.log(torch.as_tensor(proba, dtype=torch.float64).clamp_min(1e-7))   # (N, K)
    target = torch.as_tensor(np.asarray(y), dtype=torch.long)
    free = torch.tensor(float(np.log(np.e - 1.0)), dtype=torch.float64, requires_grad=True)
    lbfgs = torch.optim.LBFGS([free], max_iter=100, line_search_fn="strong_wolfe")

    def objective():
        lbfgs.zero_grad()
        loss = torch.nn.functional.cross_entropy(
            torch.nn.functional.softplus(free) * logs, target)
        loss.backward()
        return loss

    lbfgs.step(objective)
    return round(float(torch.nn.functional.softplus(free.detach())), 4)


def blend(net_proba: np.ndarray, bow_proba: np.ndarray, weights) -> np.ndarray:
    """1/2 softmax_k(a log p_net(k)) + 1/2 softmax_k(b log p_bow(k)): (N, K).

    >>> blend(np.array([[0.9, 0.1]]), np.array([[0.4, 0.6]]), [1.0, 0.0]).round(3).tolist()
    [[0.7, 0.3]]
    """
    return 0.5 * (_sharpen(net_proba, weights[0]) + _sharpen(bow_proba, weights[1]))


def _sharpen(proba: np.ndarray, weight: float) -> np.ndarray:
    """softmax_k(weight log p(k)): weight > 1 sharpens, < 1 flattens, 0 is uniform."""
    z = weight * np.log(np.clip(proba, 1e-7, None))
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


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


# -- prediction ----------------------------------------------------------------------------

def predict_texts(model, tokenizer: Tokenizer, maxlen: int, texts: list[str],
                  n_classes: int) -> np.ndarray:
    """Class probabilities (N, K) of the network for raw texts, with the run's tokenizer and
    length."""
    x = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen, padding="post",
                      truncating="post")
    return predict_proba(model, x, n_classes)
