"""Sequence labelling (part-of-speech tagging): tagged sentences -> word ids ->
Embedding(mask_zero=True) -> Bidirectional(LSTM(return_sequences=True)) -> Dense(K, softmax),
one tag per word, the loss masked over the padding; scored on held-out sentences against
the most frequent tag of each training word (unknown words: of their shape and suffix).

    p(tag_t = k | words) = softmax(W [h_t(forward); h_t(backward)] + b)_k

Shapes: N sentences, T words per padded sentence, V vocabulary, E word vector size,
H units a direction, K tags.
"""
from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import numpy as np

from ... import optimizers
from ...callbacks import EarlyStopping
from ...layers import LSTM, Bidirectional, Dense, Dropout, Embedding
from ...models import Sequential
from ...preprocessing.sequence import pad_sequences
from ...utils import set_random_seed
from ..settings import build
from ..runs import default_run_dir, verdict
from ..settings import as_dict, command_line
from .data import load_sentences
from .report import _errors_html, write_tag_run
from .scores import most_frequent_tag_baseline, tag_scores
from .settings import TagSettings
from .vocab import Sentence, Vocabulary, encode


def tag(path: str | os.PathLike | None = None, test_path: str | os.PathLike | None = None,
        *, settings: TagSettings | None = None, out: str | os.PathLike | None = None,
        **options) -> dict[str, Any]:
    """Train and score a BiLSTM tagger; write the run folder `out`.

    path: tagged sentences (`word<TAB>tag` lines, a blank line between sentences, or
    CoNLL-U); None means the bundled UD English EWT POS data, trained on its dev split
    (2,001 sentences) and scored on its test split (2,077). A user file is scored on
    `test_path` (the setting test_file) if given, else on `test_fraction` of its sentences.
    10% of the training sentences are the validation part that early stopping watches.
    settings: a TagSettings, or its fields as keywords (tag/settings.py); signatures=False
    maps every rare or unknown word to one <oov> id. On the bundled data over seeds 0-2 the
    defaults score 90.5% of test tokens (74.9% of unknown words); without signatures 86.1%
    (56.3%). The most frequent tag per word scores 87.0% (68.7%, seed 0) when unknown words
    get the commonest tag of their shape and suffix, 81.4% (34.4%) with the commonest tag
    of all (benchmarks/quality_tag.py). quick=True: at most 4 epochs, 32 units, 32-d
    vectors (89.1% against 87.0%, seed 0).

    Returns {"out", "metrics" (metrics.json), "metric": "accuracy", "score", "model_name",
    "baseline", "baseline_score", "verdict" (a sentence)}.
    """
    if test_path is not None:
        options["test_file"] = str(test_path)
    given = build(TagSettings, settings, options)
    s = given.quick_version()
    train, test, source = load_sentences(path, s.test_file, s.test_fraction, s.seed)
    fit_part, val_part = validation_split(train, s.seed)

    # Vocabulary from the fitting part only, so validation words can be unknown as test's are.
    vocab = Vocabulary.fit(fit_part, s.min_count, s.signatures)
    (x_fit, y_fit), (x_val, y_val) = encode(fit_part, vocab), encode(val_part, vocab)

    set_random_seed(s.seed)
    model = Sequential([Embedding(len(vocab), s.embed_dim, mask_zero=True), Dropout(s.dropout),
                        Bidirectional(LSTM(s.units, return_sequences=True)),
                        Dropout(s.dropout), Dense(len(vocab.tags), activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=s.learning_rate, clipnorm=5.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])   # GPU if any
    start = time.perf_counter()
    history, best_epoch = fit_early_stopped(model, (x_fit, y_fit), (x_val, y_val), s)
    seconds = round(time.perf_counter() - start, 1)

    predicted = tag_sentences(model, vocab, [[w for w, _ in sent] for sent in test])
    known = {w.lower() for sent in fit_part for w, _ in sent}
    baseline = most_frequent_tag_baseline(fit_part)
    metrics = {
        "task": "tag", "data": source, "n_train": len(fit_part), "n_val": len(val_part),
        "n_test": len(test), "test_tokens": sum(len(sent) for sent in test),
        "unknown_test_tokens": sum(w.lower() not in known for sent in test for w, _ in sent),
        "model_name": "BiLSTM tagger",
        "model": tag_scores(test, predicted, known, vocab.tags),
        "baselines": {"most_frequent_tag": tag_scores(
            test, [[baseline(w) for w, _ in sent] for sent in test], known, vocab.tags,
            details=False)},
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch, "seconds": seconds}
    metrics["verdict"] = verdict(
        "BiLSTM tagger", metrics["model"]["accuracy"], "most frequent tag per word",
        metrics["baselines"]["most_frequent_tag"]["accuracy"], "token accuracy")
    command = command_line("tag", given, [] if path is None else [shlex.quote(str(path))])
    task = {"task": "tag", "data": source, "path": None if path is None else str(path),
            "test_path": s.test_file, **as_dict(s), "vocab_size": len(vocab),
            "command": command}
    out = Path(out) if out is not None else default_run_dir("tag")
    write_tag_run(out, model, vocab, task, metrics, history,
                  _errors_html(test, predicted, known), command)
    return result(out, metrics)


def result(out: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """What tag and ner return: the run folder, metrics.json and the verdict's keys."""
    v = metrics["verdict"]
    return {"out": out, "metrics": metrics, "metric": v["metric"], "score": v["model_score"],
            "model_name": v["model"], "baseline": v["baseline"],
            "baseline_score": v["baseline_score"], "verdict": v["sentence"]}


def validation_split(train: list[Sentence], seed: int) -> tuple[list[Sentence], list[Sentence]]:
    """(fitting part, validation part): 10% of the training sentences (at least one) for
    early stopping, drawn with seed + 1, each part in file order."""
    order = np.random.default_rng(seed + 1).permutation(len(train))
    n_val = max(1, round(0.1 * len(train)))
    return ([train[i] for i in sorted(order[n_val:])],
            [train[i] for i in sorted(order[:n_val])])


def fit_early_stopped(model: Sequential, fit_data, val_data, s) -> tuple[dict, int]:
    """Fit a compiled model with early stopping on the validation loss, keeping the weights
    of the best epoch; (history, best epoch counted from 1)."""
    stop = EarlyStopping(monitor="val_loss", patience=s.patience, restore_best_weights=True)
    history = model.fit(*fit_data, validation_data=val_data, epochs=s.epochs,
                        batch_size=s.batch_size, callbacks=[stop],
                        verbose=0 if s.quiet else 1).history
    if stop.best_weights is not None and not model.stop_training:
        model.set_weights(stop.best_weights)                 # keep the best epoch always
    return history, stop.best_epoch + 1


def tag_sentences(model: Sequential, vocab: Vocabulary, sentences: list[list[str]],
                  batch_size: int = 256) -> list[list[str]]:
    """The most probable tag of every word, sentence by sentence (shortest first in batches,
    so little is padded)."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    tags: list[list[str]] = [[] for _ in sentences]
    for start in range(0, len(order), batch_size):
        part = order[start:start + batch_size]
        x = pad_sequences([vocab.encode_words(sentences[i]) for i in part], padding="post")
        best = model.predict(x, batch_size=batch_size).argmax(-1)               # (B, T)
        for row, i in enumerate(part):
            tags[i] = [vocab.tags[k] for k in best[row, :len(sentences[i])]]
    return tags
