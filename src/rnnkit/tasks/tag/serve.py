"""Tags for new sentences from a saved `rnnkit tag` run (what `rnnkit predict` calls)."""
from __future__ import annotations

import os
from pathlib import Path

from ...errors import UserError
from ...models import load_model
from ..runs import input_lines
from .recipe import tag_sentences
from .tokens import tokenize
from .vocab import Vocabulary


def predict(run_dir: str | os.PathLike, user_input) -> list[tuple]:
    """(word, tag) rows for a sentence (split into words and punctuation by `tokenize`), a
    list of sentences, or the path of a UTF-8 file with one sentence a line; a list of
    sentences already split into words (lists of str) is tagged as it is. Sentences are
    separated by an empty row (), so the printed rows are in the `word<TAB>tag` format
    `rnnkit tag` reads."""
    run_dir = Path(run_dir)
    if not (run_dir / "vocab.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a tag run folder (no vocab.json). Pass the "
                        "folder written by `rnnkit tag` (see its --out).")
    vocab = Vocabulary.from_json((run_dir / "vocab.json").read_text(encoding="utf-8"))
    model = load_model(run_dir / "model", compile=False)
    if isinstance(user_input, list) and user_input and all(
            isinstance(s, list) and s and all(isinstance(w, str) for w in s) for s in user_input):
        sentences = user_input                            # already split into words
    else:
        sentences = [tokenize(line) for line in input_lines(user_input, "sentence")]
    rows: list[tuple] = []
    for words, tags in zip(sentences, tag_sentences(model, vocab, sentences)):
        if rows:
            rows.append(())
        rows += list(zip(words, tags))
    return rows
