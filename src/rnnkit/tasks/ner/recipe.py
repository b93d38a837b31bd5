"""The entity tagger's recipe: sentences -> word and character ids -> CharCNNEmbedding ->
Bidirectional(LSTM) -> CRF (or a softmax per word), trained on the training sentences,
scored by entity F1 on the test sentences against the gazetteer of the training entities.

Shapes: N sentences, T words per padded sentence, L characters a word, K tags.
"""
from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

from ... import optimizers
from ...datasets import DataError, load_entities, read_entity_sentences
from ...layers import CRF, LSTM, Bidirectional, CharCNNEmbedding, Dense, Dropout
from ...models import Sequential
from ...utils import set_random_seed
from ..settings import build
from ..runs import default_run_dir, verdict
from ..settings import as_dict, command_line
from ..tag.data import load_sentences as load_tagged
from ..tag.recipe import fit_early_stopped, result, validation_split
from .entities import Gazetteer, Sentence, entity_scores, entity_strings, spans
from .features import EntityVocabulary, encode_sentences, encode_tags
from .settings import NerSettings


def ner(path: str | os.PathLike | None = None, test_path: str | os.PathLike | None = None,
        *, settings: NerSettings | None = None, out: str | os.PathLike | None = None,
        **options) -> dict[str, Any]:
    """Train and score a BiLSTM-CRF entity tagger; write the run folder `out`.

    path: a CoNLL-column file of tokens and IOB/BIO/BIOES tags (rnnkit.datasets.conll);
    None means the bundled Universal NER English EWT data, trained on its dev split (2,001
    sentences) and scored on its test split (2,077 sentences, 1,088 entities). A user file
    is scored on `test_path` (the setting test_file) if given, else on `test_fraction` of
    its sentences. 10% of the training sentences are the validation part that early
    stopping watches (val_loss). settings: a NerSettings, or its fields as keywords
    (ner/settings.py); crf=False puts Dense(K, softmax) in place of the CRF
    (benchmarks/quality_ner.py scores both over seeds; the figures are in the README).

    Returns the keys of tag(): "out", "metrics", "metric" ("entity F1"), "score",
    "model_name", "baseline", "baseline_score", "verdict".
    """
    if test_path is not None:
        options["test_file"] = str(test_path)
    given = build(NerSettings, settings, options)
    s = given.quick_version()
    train, test, source = load_sentences(path, s.test_file, s.test_fraction, s.seed)
    fit_part, val_part = validation_split(train, s.seed)
    vocab = EntityVocabulary.fit(fit_part, s.min_count)        # validation words may be unknown
    x_fit, x_val = (encode_sentences([[w for w, _ in sent] for sent in part], vocab)
                    for part in (fit_part, val_part))
    y_fit, y_val = encode_tags(fit_part, vocab, x_fit.shape[1]), \
        encode_tags(val_part, vocab, x_val.shape[1])

    set_random_seed(s.seed)
    model = build_model(vocab, s.crf, s.units, s.embed_dim, s.char_filters, s.dropout)
    model.compile(optimizer=optimizers.Adam(learning_rate=s.learning_rate, clipnorm=5.0),
                  loss="crf" if s.crf else "sparse_categorical_crossentropy")
    start = time.perf_counter()
    history, best_epoch = fit_early_stopped(model, (x_fit, y_fit), (x_val, y_val), s)
    seconds = round(time.perf_counter() - start, 1)

    predicted = tag_sentences(model, vocab, [[w for w, _ in sent] for sent in test])
    gazetteer = Gazetteer(train)
    known = set(entity_strings(train))
    name = "BiLSTM-CRF" if s.crf else "BiLSTM-softmax"
    metrics = {
        "task": "ner", "data": source, "model_name": name,
        "n_train": len(fit_part), "n_val": len(val_part), "n_test": len(test),
        "test_tokens": sum(len(sent) for sent in test),
        "model": entity_scores(test, predicted, known),
        "baselines": {"gazetteer": entity_scores(
            test, [gazetteer.tag([w for w, _ in sent]) for sent in test], known)},
        "epochs_run": len(history["loss"]), "best_epoch": best_epoch,
        "seconds": seconds, "seconds_per_epoch": round(seconds / len(history["loss"]), 2)}
    metrics["verdict"] = verdict(name, metrics["model"]["f1"], "gazetteer of the training "
                                 "entities", metrics["baselines"]["gazetteer"]["f1"],
                                 "entity F1")
    command = command_line("ner", given, [] if path is None else [shlex.quote(str(path))])
    task = {"task": "ner", "data": source, "path": None if path is None else str(path),
            "test_path": s.test_file, **as_dict(s), "vocab_size": len(vocab),
            "command": command}
    from .report import write_ner_run                          # matplotlib only when writing
    out = Path(out) if out is not None else default_run_dir("ner")
    write_ner_run(out, model, vocab, task, metrics, history, test, predicted,
                  [gazetteer.tag([w for w, _ in sent]) for sent in test], command)
    return result(out, metrics)


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


def load_sentences(path, test_path, test_fraction: float, seed: int
                   ) -> tuple[list[Sentence], list[Sentence], str]:
    """(training sentences, test sentences, a description of the source), checked: the
    tagger's split with the entity file reader and the bundled Universal NER data."""
    return load_tagged(
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
