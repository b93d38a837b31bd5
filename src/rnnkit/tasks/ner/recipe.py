"""The entity tagger's recipe: sentences -> word and character ids -> CharCNNEmbedding ->
Bidirectional(LSTM) -> CRF (or a softmax per word), trained on the training sentences,
scored by entity F1 on the test sentences against the gazetteer of the training entities.

Shapes: N sentences, T words per padded sentence, L characters a word, K tags.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ... import optimizers
from ...callbacks import EarlyStopping
from ...errors import UserError
from ...datasets import DataError, load_entities, read_entity_sentences
from ...layers import CRF, LSTM, Bidirectional, CharCNNEmbedding, Dense, Dropout
from ...models import Sequential
from ...utils import set_random_seed
from .. import tag
from .entities import Gazetteer, Sentence, entity_scores, entity_strings, spans
from .features import EntityVocabulary, encode_sentences, encode_tags



def ner(path: str | os.PathLike | None = None, test_path: str | os.PathLike | None = None,
        crf: bool = True, units: int = 64, embed_dim: int = 64, char_filters: int = 32,
        min_count: int = 2, epochs: int = 30, batch_size: int = 32, dropout: float = 0.5,
        learning_rate: float = 1e-2, patience: int = 4, test_fraction: float = 0.2,
        seed: int = 0, out: str | os.PathLike | None = None, quick: bool = False,
        verbose: bool = False) -> dict[str, Any]:
    """Train and score a BiLSTM-CRF entity tagger; write the run folder `out`.

    path: a CoNLL-column file of tokens and IOB/BIO/BIOES tags (rnnkit.datasets.conll);
    None means the bundled Universal NER English EWT data, trained on its dev split (2,001
    sentences) and scored on its test split (2,077 sentences, 1,088 entities). A user file
    is scored on `test_path` if given, else on `test_fraction` of its sentences. 10% of the
    training sentences are the validation part that early stopping watches (val_loss).
    crf=False puts Dense(K, softmax) in place of the CRF: each word's tag alone. On the
    bundled data over seeds 0-2 the defaults score entity F1 0.518 +- 0.002 with the CRF and
    0.472 +- 0.003 without, against 0.384 for the gazetteer (benchmarks/quality_ner.py).
    quick=True: at most 5 epochs, 32 units, 32-d word vectors and dropout at most 0.3 (a
    short run needs less noise). Seed 0, loaded machine: learning rate 0.01 scored F1 0.516
    (dropout 0.5) and 0.507 (dropout 0.3), 0.003 scored 0.494 (dropout 0.5).

    Returns {"out": run folder, "metrics": the contents of metrics.json}.
    """
    check_settings(units, embed_dim, char_filters, min_count, epochs, batch_size,
                   test_fraction, dropout)
    if quick:
        epochs, units, embed_dim = min(epochs, 5), min(units, 32), min(embed_dim, 32)
        dropout = min(dropout, 0.3)
    train, test, source = load_sentences(path, test_path, test_fraction, seed)
    order = np.random.default_rng(seed + 1).permutation(len(train))
    n_val = max(1, round(0.1 * len(train)))
    fit_part = [train[i] for i in sorted(order[n_val:])]
    val_part = [train[i] for i in sorted(order[:n_val])]

    vocab = EntityVocabulary.fit(fit_part, min_count)        # validation words may be unknown
    x_fit, x_val = (encode_sentences([[w for w, _ in s] for s in part], vocab)
                    for part in (fit_part, val_part))
    y_fit, y_val = encode_tags(fit_part, vocab, x_fit.shape[1]), \
        encode_tags(val_part, vocab, x_val.shape[1])

    set_random_seed(seed)
    model = build_model(vocab, crf, units, embed_dim, char_filters, dropout)
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate, clipnorm=5.0),
                  loss="crf" if crf else "sparse_categorical_crossentropy")
    stop = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=epochs,
                        batch_size=batch_size, callbacks=[stop],
                        verbose=1 if verbose else 0).history
    if stop.best_weights is not None and not model.stop_training:
        model.set_weights(stop.best_weights)                 # keep the best epoch always
    seconds = round(time.perf_counter() - start, 1)

    predicted = tag_sentences(model, vocab, [[w for w, _ in s] for s in test])
    gazetteer = Gazetteer(train)
    known = set(entity_strings(train))
    metrics = {
        "task": "ner", "data": source, "model_name": "BiLSTM-CRF" if crf else "BiLSTM-softmax",
        "n_train": len(fit_part), "n_val": len(val_part), "n_test": len(test),
        "test_tokens": sum(len(s) for s in test),
        "model": entity_scores(test, predicted, known),
        "baselines": {"gazetteer": entity_scores(
            test, [gazetteer.tag([w for w, _ in s]) for s in test], known)},
        "epochs_run": len(history["loss"]), "best_epoch": stop.best_epoch + 1,
        "seconds": seconds, "seconds_per_epoch": round(seconds / len(history["loss"]), 2)}
    task = {"task": "ner", "data": source, "path": None if path is None else str(path),
            "test_path": None if test_path is None else str(test_path), "crf": crf,
            "units": units, "embed_dim": embed_dim, "char_filters": char_filters,
            "min_count": min_count, "vocab_size": len(vocab), "epochs": epochs,
            "batch_size": batch_size, "dropout": dropout, "learning_rate": learning_rate,
            "patience": patience, "test_fraction": test_fraction, "seed": seed, "quick": quick}
    from .report import write_ner_run                          # matplotlib only when writing
    out = Path(out) if out is not None else _default_out()
    write_ner_run(out, model, vocab, task, metrics, history, test, predicted,
                  [gazetteer.tag([w for w, _ in s]) for s in test])
    return {"out": out, "metrics": metrics}


def build_model(vocab: EntityVocabulary, crf: bool, units: int, embed_dim: int,
                char_filters: int, dropout: float) -> Sequential:
    """(N, T, 1 + L) ids -> word vectors and character CNN -> BiLSTM -> CRF or softmax."""
    K = len(vocab.tags)
    head = CRF(K) if crf else Dense(K, activation="softmax")
    return Sequential([CharCNNEmbedding(len(vocab), embed_dim, vocab.n_chars,
                                        filters=char_filters),
                       Dropout(dropout), Bidirectional(LSTM(units, return_sequences=True)),
                       Dropout(dropout), head])


def tag_sentences(model: Sequential, vocab: EntityVocabulary, sentences: list[list[str]],
                  batch_size: int = 256) -> list[list[str]]:
    """Each word's tag: the CRF's Viterbi path (or the most probable tag of each word),
    shortest sentences first in batches so little is padded."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    tags: list[list[str]] = [[] for _ in sentences]
    for start in range(0, len(order), batch_size):
        part = [i for i in order[start:start + batch_size] if sentences[i]]
        if not part:
            continue
        x = encode_sentences([sentences[i] for i in part], vocab)
        best = model.predict(x, batch_size=batch_size).argmax(-1)             # (B, T)
        for row, i in enumerate(part):
            tags[i] = [vocab.tags[k] for k in best[row, :len(sentences[i])]]
    return tags


def check_settings(units, embed_dim, char_filters, min_count, epochs, batch_size,
                   test_fraction, dropout) -> None:
    """The tagger's checks, and the character filters'."""
    tag.check_settings(units, embed_dim, min_count, epochs, batch_size, test_fraction, dropout)
    if not isinstance(char_filters, int) or isinstance(char_filters, bool) or char_filters < 1:
        raise UserError(f"char_filters must be a positive integer, got {char_filters!r}.")


def load_sentences(path, test_path, test_fraction: float, seed: int
                   ) -> tuple[list[Sentence], list[Sentence], str]:
    """(training sentences, test sentences, a description of the source), checked: the
    tagger's split with the entity file reader and the bundled Universal NER data."""
    return tag.load_sentences(
        path, test_path, test_fraction, seed, read=read_entity_sentences,
        bundled=(load_entities, "bundled Universal NER English EWT (dev split to train, test "
                                "split to score)"), require=_require)


def _require(sentences: list[Sentence], path, n: int, parts: str) -> None:
    if len(sentences) < n:
        raise DataError(f"{path}: expected at least {n} sentences ({parts}), got "
                        f"{len(sentences)}. Separate sentences with a blank line, or add more.")
    if not any(spans([t for _, t in s]) for s in sentences):
        raise DataError(f"{path}: expected some entities (B-... tags), found only 'O'. Check "
                        "that the last tag column holds the entity tags.")


def _default_out() -> Path:
    from ..runs import default_run_dir
    return default_run_dir("ner")
