"""Named-entity files in CoNLL columns: one token a line, a blank line between sentences,
columns separated by TABs (or by spaces when the file has no TAB), tags in IOB1, IOB2 (BIO),
BIOES or BILOU.

The word is the first column (the second when the first is a token index, as in CoNLL-U
and Universal NER); the tags are the last column whose every value is a tag (`O`,
`B-PER`, `I-LOC`, `E-ORG`, `S-MISC`...), so CoNLL-2003's chunk column before its entity
column is passed over. Comment lines start with '#', `-DOCSTART-` lines are skipped, and
BILOU's L-/U- are read as BIOES's E-/S-.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from ..errors import DataError
from .readers import _require_content, _split_lines, read_text

TAG = re.compile(r"^(O|[BIESLU]-\S+)$")
EXAMPLE = "'Obama<TAB>B-PER', or 'EU NNP B-NP B-ORG' as in CoNLL-2003"


def read_entity_sentences(path: str | os.PathLike) -> list[list[tuple[str, str]]]:
    """Sentences as lists of (word, entity tag) from a CoNLL-column file.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ner.txt"
    >>> _ = path.write_text("-DOCSTART- -X- O O\\n\\nEU NNP B-NP B-ORG\\nrejects VBZ B-VP O\\n"
    ...                     "\\nPeter NNP B-NP B-PER\\nBlackburn NNP I-NP I-PER\\n")
    >>> read_entity_sentences(path)
    [[('EU', 'B-ORG'), ('rejects', 'O')], [('Peter', 'B-PER'), ('Blackburn', 'I-PER')]]
    """
    path = Path(path)
    text = _require_content(read_text(path), path, f"one token and its tag a line ({EXAMPLE})")
    lines = _split_lines(text)
    tabs = "\t" in text
    rows = [(no, line.split("\t") if tabs else line.split())
            for no, line in enumerate(lines, 1) if line.strip()]
    width = Counter(len(f) for _, f in rows if not f[0].startswith("#")).most_common(1)
    if not width or width[0][0] < 2:
        raise DataError(f"{path}: expected a word and a tag on each line ({EXAMPLE}), got "
                        f"{lines[0][:80]!r}.")
    n_cols = width[0][0]
    tag_col = _tag_column(rows, n_cols, path)
    tokens = [(no, f) for no, f in rows if len(f) == n_cols and TAG.match(f[tag_col])]
    word_col = 1 if n_cols > 2 and tag_col != 1 and all(
        f[0].isdigit() for _, f in tokens[:200] if f[0] != "-DOCSTART-") else 0
    token_lines = {no: f for no, f in tokens}
    sentences, sentence = [], []
    for no, line in enumerate(lines, 1):
        fields = token_lines.get(no)
        if fields is None:
            if not line.strip() and sentence:
                sentences.append(sentence)
                sentence = []
            elif line.strip() and not line.lstrip().startswith("#"):
                raise DataError(f"{path}, line {no}: expected {n_cols} columns with a tag in "
                                f"column {tag_col + 1} ({EXAMPLE}), got {line[:80]!r}.")
            continue
        if fields[0] == "-DOCSTART-":
            continue
        tag = fields[tag_col].replace("L-", "E-", 1).replace("U-", "S-", 1)
        sentence.append((fields[word_col], tag))
    if sentence:
        sentences.append(sentence)
    if not sentences:
        raise DataError(f"{path}: expected tagged sentences, found none. Check the file.")
    return sentences


def _tag_column(rows, n_cols: int, path: Path) -> int:
    """The last column whose values are all entity tags, on the lines of the usual width."""
    body = [f for _, f in rows if len(f) == n_cols and not f[0].startswith("#")]
    columns = [c for c in range(1, n_cols) if all(TAG.match(f[c]) for f in body)]
    if not columns:
        sample = " | ".join("\t".join(f) for f in body[:2])
        raise DataError(f"{path}: expected a column of entity tags (O, B-PER, I-LOC, ...) "
                        f"({EXAMPLE}), found none among {n_cols} columns, e.g. {sample!r}. "
                        "Check that the tags use the B-/I- (or E-/S-) prefixes.")
    return columns[-1]
