"""Readers for users' own data files: a numeric CSV column, labelled texts, sentence pairs,
tagged tokens, plain text. The bundled loaders use the same readers.

Every reader returns plain Python / NumPy values and raises `DataError` (a ValueError)
for a bad file, with the path, the line, the value, what was expected and how to fix it.
Files are read as UTF-8 (a leading BOM is ignored). Lines are split on '\\n' only, never
with `str.splitlines()`, which would also break sentences at U+0085 and similar characters.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
from pathlib import Path

import numpy as np

from ..errors import DataError, DataFileNotFoundError
from ..utils.safe_read import checked_csv

__all__ = [
    "read_csv_column",
    "read_labelled_texts",
    "read_sentence_pairs",
    "read_tagged_sentences",
    "read_text",
]

# Cells read as NaN by read_csv_column (compared after strip() and lower()).
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null"})
# Header names recognised by read_labelled_texts when no column is named.
TEXT_NAMES = ("text", "sentence", "review", "content", "document")
LABEL_NAMES = ("label", "labels", "sentiment", "class", "target", "category")


def read_text(path: str | os.PathLike) -> str:
    """Read a whole file as UTF-8 text; a leading byte-order mark is dropped.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
    >>> _ = path.write_bytes(b"\\xef\\xbb\\xbfTo be,\\nor not")
    >>> read_text(path)
    'To be,\\nor not'
    """
    path = _existing_file(path)
    data = path.read_bytes()
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = skipped + err.start
        line = data[:offset].count(b"\n") + 1
        raise DataError(
            f"{path}: expected UTF-8 text, but byte 0x{data[offset]:02x} at byte offset "
            f"{offset} (line {line}) is not valid UTF-8. Re-save the file as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {path.name} > fixed_{path.name}`, or choose "
            "'CSV UTF-8' when exporting from a spreadsheet.") from None


def read_csv_column(path: str | os.PathLike, column: str | int,
                    delimiter: str | None = None) -> tuple[list[str], np.ndarray]:
    """Read one numeric column of a CSV file with a header line.

    Returns (index, values): `index` holds the first column's cells as strings (dates,
    usually), `values` the chosen column as float64 with NaN for missing cells (empty,
    'NA', 'N/A', 'NaN', 'null'). `column` is a header name or a 0-based position. The
    delimiter is ',' unless the header line contains a TAB (then TAB) or only ';' (then ';').

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sales.csv"
    >>> _ = path.write_text("month,sales\\n2024-01,10\\n2024-02,\\n2024-03,12.5\\n")
    >>> read_csv_column(path, "sales")
    (['2024-01', '2024-02', '2024-03'], array([10. ,  nan, 12.5]))
    """
    path = Path(path)
    text = _require_content(read_text(path), path, "a header line and at least one data row")
    header_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = _guess_delimiter(header_line)
    rows = checked_csv(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), path)
    header = [name.strip() for name in next(rows)]
    col = _column_index(header, column, path, "column")
    index: list[str] = []
    values: list[float] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue                                     # blank line: not a record
        if len(row) <= col:
            raise DataError(
                f"{path}, line {rows.line_num}: expected at least {col + 1} fields "
                f"(delimiter {delimiter!r}, like the header), got {len(row)}: {row!r}. "
                "Fill in the missing cells or remove the line.")
        index.append(row[0].strip())
        values.append(_parse_number(row[col], path, rows.line_num, header[col]))
    if not values:
        raise DataError(
            f"{path}: expected data rows after the header {header!r}, got none. "
            "Check that the export finished and that this is the right file.")
    return index, np.array(values, dtype=np.float64)


def read_labelled_texts(path: str | os.PathLike, text_column: str | None = None,
                        label_column: str | None = None) -> tuple[list[str], list[str]]:
    """Read (texts, labels) from a TSV/CSV file with a header, or a headerless TAB file.

    Three layouts are accepted:

    - a header naming the columns given by `text_column` and `label_column`;
    - with no names given, a header with a text column (text, sentence, review, content,
      document) and a label column (label, labels, sentiment, class, target, category);
    - with no names given and no such header, one record per line as `text<TAB>label`,
      split on the last TAB (the UCI sentiment files). No CSV quoting applies here.

    TAB-separated files are split on TAB without quote handling; other files are read with
    the csv module (',' or ';'). Texts are stripped of surrounding whitespace; labels are
    returned as strings, in file order.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.txt"
    >>> _ = path.write_text("Great phone.\\t1\\nBattery died\\tin a day.\\t0\\n")
    >>> read_labelled_texts(path)
    (['Great phone.', 'Battery died\\tin a day.'], ['1', '0'])
    """
    path = Path(path)
    text = _require_content(read_text(path), path, "labelled texts, one record per line")
    lines = _split_lines(text)
    first_no, first = next((n, line) for n, line in enumerate(lines, 1) if line.strip())
    delimiter = _guess_delimiter(first)
    header = [name.strip() for name in _split_fields(first, delimiter, path)]
    if text_column is None and label_column is None:
        lowered = [name.lower() for name in header]
        text_column = next((header[lowered.index(n)] for n in TEXT_NAMES if n in lowered), None)
        label_column = next((header[lowered.index(n)] for n in LABEL_NAMES if n in lowered), None)
        if text_column is None and label_column is None and delimiter == "\t":
            return _read_headerless_tab(lines, path)
        if text_column is None or label_column is None:
            raise DataError(
                f"{path}: expected a header naming a text column and a label column, got "
                f"header {header!r}. Name them with --text-column and --label-column (text_column= "
                "and label_column= from Python), or use a headerless file with one "
                "'text<TAB>label' per line.")
    text_col = _column_index(header, text_column, path, "text_column", TEXT_NAMES[0])
    label_col = _column_index(header, label_column, path, "label_column", LABEL_NAMES[0])
    texts: list[str] = []
    labels: list[str] = []
    for line_no, fields in _records(lines, first_no, delimiter, path):
        if len(fields) != len(header):
            raise DataError(
                f"{path}, line {line_no}: expected {len(header)} fields like the header "
                f"{header!r} (delimiter {delimiter!r}), got {len(fields)}: {fields!r}. "
                "Quote fields that contain the delimiter, or fix the line.")
        label = fields[label_col].strip()
        if not label:
            raise DataError(
                f"{path}, line {line_no}: expected a label in column {header[label_col]!r}, "
                "got an empty cell. Label the record or remove the line.")
        texts.append(fields[text_col].strip())
        labels.append(label)
    return _require_records(texts, labels, path)


def read_sentence_pairs(path: str | os.PathLike, layout: str = "source<TAB>target"
                        ) -> list[tuple[str, str]]:
    """Read sentence pairs from a headerless TAB file: `first<TAB>second[<TAB>more...]`.

    Returns (first, second) per line. Columns after the second (such as the Tatoeba
    attribution) are ignored; blank lines are skipped. `layout` is how error messages name
    the two columns (`rnnkit translate` passes 'target<TAB>source', its default reading).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pairs.tsv"
    >>> _ = path.write_text("Hi.\\t嗨。\\tCC-BY 2.0\\nRun!\\t跑！\\n", encoding="utf-8")
    >>> read_sentence_pairs(path)
    [('Hi.', '嗨。'), ('Run!', '跑！')]
    """
    path = Path(path)
    text = _require_content(read_text(path), path, f"one '{layout}' pair per line")
    pairs = []
    for line_no, line in enumerate(_split_lines(text), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise DataError(
                f"{path}, line {line_no}: expected '{layout}', got {line[:80]!r}. "
                "Separate the two sentences with a TAB character and fill in both.")
        pairs.append((fields[0].strip(), fields[1].strip()))
    return pairs


def read_tagged_sentences(path: str | os.PathLike) -> list[list[tuple[str, str]]]:
    """Read tagged sentences: one `word<TAB>tag[<TAB>...]` per line, a blank line between
    sentences, comment lines starting with '#' and holding no TAB (a token may be '#').

    CoNLL-U files (10 columns) are read too: FORM and UPOS, skipping multiword-token
    ranges ('3-4') and empty nodes ('8.1').

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tags.tsv"
    >>> _ = path.write_text("# sent_id = 1\\nHi\\tINTJ\\n!\\tPUNCT\\n\\n#\\tSYM\\tNN\\n")
    >>> read_tagged_sentences(path)
    [[('Hi', 'INTJ'), ('!', 'PUNCT')], [('#', 'SYM')]]
    """
    path = Path(path)
    text = _require_content(read_text(path), path, "tagged tokens, 'word<TAB>tag' per line")
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line_no, line in enumerate(_split_lines(text), 1):
        if not line.strip():
            if sentence:
                sentences.append(sentence)
            sentence = []
            continue
        fields = line.split("\t")
        if line.startswith("#") and len(fields) == 1:
            continue                                     # comment, e.g. '# sent_id = ...'
        if len(fields) == 10:                            # CoNLL-U: ID FORM LEMMA UPOS ...
            if "-" in fields[0] or "." in fields[0]:
                continue
            fields = [fields[1], fields[3]]
        if len(fields) < 2 or not fields[0] or not fields[1].strip():
            raise DataError(
                f"{path}, line {line_no}: expected 'word<TAB>tag', got {line[:80]!r}. "
                "Separate word and tag with a TAB; start comment lines with '#'.")
        sentence.append((fields[0], fields[1].strip()))
    if sentence:
        sentences.append(sentence)
    if not sentences:
        raise DataError(f"{path}: expected tagged tokens, got only comments and blank lines. "
                        "Check that this is the right file.")
    return sentences


# ----------------------------------------------------------------------------- helpers

def _existing_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataFileNotFoundError(
            f"Data file not found: {str(path)!r} (looked in {os.getcwd()!r}). Expected an "
            "existing file; check the spelling and the working directory, or pass an "
            "absolute path.")
    if not path.is_file():
        raise DataError(f"{str(path)!r} is a directory; expected a data file inside it.")
    return path


def _require_content(text: str, path: Path, expected: str) -> str:
    if not text.strip():
        raise DataError(
            f"{path} is empty ({len(text)} characters, all whitespace); expected {expected}. "
            "Check that the export finished and that this is the right file.")
    return text


def _require_records(texts: list[str], labels: list[str], path: Path):
    if not texts:
        raise DataError(f"{path}: expected labelled records after the header, got none. "
                        "Check that the export finished and that this is the right file.")
    return texts, labels


def _split_lines(text: str) -> list[str]:
    """Split on '\\n' only (dropping a '\\r' before it), never on U+0085 and friends."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def _guess_delimiter(header_line: str) -> str:
    if "\t" in header_line:
        return "\t"
    if ";" in header_line and "," not in header_line:
        return ";"
    return ","


def _split_fields(line: str, delimiter: str, path="the header line") -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    return next(checked_csv(csv.reader([line], delimiter=delimiter), path))


def _records(lines: list[str], header_no: int, delimiter: str, path="the file"):
    """Yield (line number, fields) for each non-blank record after the header line."""
    if delimiter == "\t":
        for line_no, line in enumerate(lines[header_no:], header_no + 1):
            if line.strip():
                yield line_no, line.split("\t")
        return
    rows = checked_csv(csv.reader(io.StringIO("\n".join(lines[header_no:]), newline=""),
                                  delimiter=delimiter), path)
    for row in rows:
        if any(cell.strip() for cell in row):
            yield header_no + rows.line_num, row


def _read_headerless_tab(lines: list[str], path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        text, tab, label = line.rpartition("\t")
        if not tab or not label.strip():
            raise DataError(
                f"{path}, line {line_no}: expected 'text<TAB>label', got {line[:80]!r}. "
                "Put a TAB and the label at the end of the line, or add a header naming "
                "the text and label columns.")
        texts.append(text.strip())
        labels.append(label.strip())
    return _require_records(texts, labels, path)


def _as_flag(argument: str) -> str:
    """How a user names an argument: 'text_column' -> '--text-column (text_column= from Python)'."""
    return f"--{argument.replace('_', '-')} ({argument}= from Python)"


def _column_index(header: list[str], column: str | int, path: Path, argument: str,
                  default_name: str | None = None) -> int:
    if column is None:
        column = default_name
    if isinstance(column, int) and not isinstance(column, bool):
        if -len(header) <= column < len(header):
            return column % len(header)
        raise DataError(
            f"{path}: column position {column} is out of range; the header has {len(header)} "
            f"columns: {', '.join(map(repr, header))}. Pass a name or a position 0.."
            f"{len(header) - 1} with {_as_flag(argument)}.")
    if column in header:
        return header.index(column)
    close = difflib.get_close_matches(str(column), header, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(
        f"{path}: expected a column named {column!r}, got columns "
        f"{', '.join(map(repr, header))}.{hint} Pass one of these with {_as_flag(argument)}.")


def _parse_number(cell: str, path: Path, line_no: int, column: str) -> float:
    cell = cell.strip()
    if cell.lower() in MISSING_MARKERS:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        value = None
    if value is None or math.isinf(value):
        hint = " (remove thousands separators)" if "," in cell else ""
        raise DataError(
            f"{path}, line {line_no}: column {column!r} expected a finite number or an "
            f"empty cell, got {cell!r}. Fix that value{hint} or leave the cell empty to "
            "mark it missing.") from None
    return value
