"""Reader for the sktime / UEA `.ts` time-series classification format.

A `.ts` file has comment lines starting with '#', header lines starting with '@'
(`@dimensions 12`, `@classLabel true 1 2 3`, ...), then `@data` and one series per line:
the dimensions separated by ':', the values of each dimension separated by ',', and the
class label after the last ':'. '?' marks a missing value. Series may differ in length;
all dimensions of one series have the same length.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from .readers import _split_lines, read_text

__all__ = ["read_ts"]


def read_ts(path: str | os.PathLike) -> tuple[list[np.ndarray], list[str], list[str]]:
    """Read a `.ts` file into (series, labels, classes).

    `series[i]` is a float32 array of shape (T_i, D), time first as rnnkit layers expect;
    `labels[i]` is the class label as written; `classes` is the label list declared by
    `@classLabel true ...` (or the sorted distinct labels when none is declared).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.ts"
    >>> _ = path.write_text("@dimensions 2\\n@classLabel true a b\\n@data\\n"
    ...                     "1,2,3:4,5,6:b\\n0.5,?:1,1:a\\n")
    >>> series, labels, classes = read_ts(path)
    >>> series[0]
    array([[1., 4.],
           [2., 5.],
           [3., 6.]], dtype=float32)
    >>> series[1].shape, labels, classes
    ((2, 2), ['b', 'a'], ['a', 'b'])
    """
    path = Path(path)
    text = read_text(path)
    dimensions: int | None = None
    has_labels, classes = True, None
    in_data = False
    series: list[np.ndarray] = []
    labels: list[str] = []
    for line_no, line in enumerate(_split_lines(text), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise DataError(
                    f"{path}, line {line_no}: expected a header line starting with '@' "
                    f"(ending with '@data') before the series, got {line[:60]!r}. "
                    "Add the .ts header, e.g. '@dimensions 12', '@classLabel true 1 2', "
                    "'@data'.")
            key, *rest = line.split()
            key = key.lower()
            if key == "@data":
                in_data = True
            elif key == "@dimensions":
                if len(rest) != 1 or not rest[0].isdigit():
                    raise DataError(f"{path}, line {line_no}: expected '@dimensions <count>', "
                                    f"got {line!r}. Write the number of dimensions, e.g. "
                                    "'@dimensions 12'.")
                dimensions = int(rest[0])
            elif key == "@classlabel":
                has_labels = bool(rest) and rest[0].lower() == "true"
                classes = rest[1:] if has_labels and len(rest) > 1 else None
            elif key == "@timestamps" and rest and rest[0].lower() == "true":
                raise DataError(f"{path}: '@timestamps true' series are not supported; "
                                "expected plain comma-separated values. Drop the time "
                                "stamps and set '@timestamps false'.")
            continue
        label, columns = _parse_series_line(line, line_no, path, has_labels, dimensions)
        if classes is not None and label not in classes:
            raise DataError(
                f"{path}, line {line_no}: expected a class label among {classes}, got "
                f"{label!r}. Fix the label or add it to the '@classLabel' header line.")
        series.append(np.array(columns, dtype=np.float32).T)      # (D, T) -> (T, D)
        labels.append(label)
    if not in_data:
        raise DataError(f"{path}: expected a '@data' line followed by one series per line, "
                        "found none. Is this a .ts file?")
    if not series:
        raise DataError(f"{path}: expected at least one series after '@data', got none. "
                        "Check that the file is complete.")
    if classes is None:
        classes = sorted(set(labels))
    return series, labels, classes


def _parse_series_line(line: str, line_no: int, path: Path, has_labels: bool,
                       dimensions: int | None) -> tuple[str, list[list[float]]]:
    parts = line.split(":")
    label = parts.pop().strip() if has_labels else ""
    if dimensions is not None and len(parts) != dimensions:
        raise DataError(
            f"{path}, line {line_no}: expected {dimensions} dimensions separated by ':'"
            f"{' plus the label' if has_labels else ''} (header '@dimensions "
            f"{dimensions}'), got {len(parts)}. Fix the line or the header.")
    columns = []
    for dim, part in enumerate(parts, 1):
        values = []
        for cell in part.split(","):
            cell = cell.strip()
            if cell == "?":
                values.append(float("nan"))
                continue
            try:
                values.append(float(cell))
            except ValueError:
                raise DataError(
                    f"{path}, line {line_no}, dimension {dim}: expected a number or '?', "
                    f"got {cell!r}. Fix that value; values are separated by ',', "
                    "dimensions by ':'.") from None
        columns.append(values)
    lengths = sorted({len(values) for values in columns})
    if len(lengths) > 1:
        raise DataError(
            f"{path}, line {line_no}: expected all dimensions of one series to have the "
            f"same length, got lengths {[len(v) for v in columns]}. Pad with '?' or fix "
            "the line.")
    return label, columns
