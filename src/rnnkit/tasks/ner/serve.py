"""Entities in new text from a saved `rnnkit ner` run (what `rnnkit predict RUN_DIR` calls)."""
from __future__ import annotations

import os
from pathlib import Path

from ...errors import UserError
from ...models import load_model
from ..runs import input_lines
from .entities import spans, tokenize
from .features import EntityVocabulary
from .recipe import tag_sentences


def predict(run_dir: str | os.PathLike, user_input) -> list[tuple]:
    """(entity text, type) rows for a text, a list of texts, or the path of a UTF-8 file
    with one text a line; an empty row () between texts, and ("(no entities)",) for a text
    without any. Texts are split into words and punctuation marks (entities.tokenize)."""
    run_dir = Path(run_dir)
    if not (run_dir / "vocab.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not an ner run folder (no vocab.json). Pass the "
                        "folder written by `rnnkit ner` (see its --out).")
    vocab = EntityVocabulary.from_json((run_dir / "vocab.json").read_text(encoding="utf-8"))
    model = load_model(run_dir / "model", compile=False)
    sentences = [tokenize(line) for line in input_lines(user_input, "text")]
    rows: list[tuple] = []
    for words, tags in zip(sentences, tag_sentences(model, vocab, sentences)):
        if rows:
            rows.append(())
        found = [(" ".join(words[a:b + 1]), kind) for kind, a, b in spans(tags)]
        rows += found or [("(no entities)",)]
    return rows
