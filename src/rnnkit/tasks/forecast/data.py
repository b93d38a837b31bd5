"""The series to forecast: a column of a CSV file, read without silent guesses.

What the reader refuses or reports (each with the flag that fixes it):

- several numeric columns and no --column: an error naming them and `--column`;
- rows with more fields than the header (`2020-05,12,5`: a decimal comma in a comma file):
  an error with their count and first line; in a ';' file, `12,5` is read as 12.5 and
  counted;
- missing cells (empty, NA, n/a, NaN, null): counted and filled by --missing, never quietly;
- --id COLUMN with --series VALUE: one series of a file that holds several (stock prices);
- --covariates a,b: other numeric columns whose past values the network sees.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnkit.errors import UserError
from rnnkit.datasets import DataError, dataset_path, read_text
from rnnkit.datasets.readers import MISSING_MARKERS, _guess_delimiter
from rnnkit.preprocessing.timeseries import MISSING_POLICIES, fill_missing
from rnnkit.utils.safe_read import checked_csv

# --dataset NAME -> (folder, file, column, id column, default series)
DATASETS = {
    "airline_passengers": ("airline_passengers", "airline_passengers.csv", "Passengers", None,
                           None),
    "co2_mauna_loa": ("co2_mauna_loa", "co2_weekly.csv", "co2", None, None),
    "seattle_weather": ("seattle_weather", "seattle-weather.csv", "temp_max", None, None),
    "seattle_hourly": ("seattle_weather", "seattle-temps-hourly-2010.csv", "temp", None, None),
    "stock_prices": ("stock_prices", "stocks.csv", "price", "symbol", "MSFT"),
}


@dataclass
class Series:
    """One series: where it came from, its labels and values (NaN where missing)."""
    source: str
    column: str
    index: list[str]
    values: np.ndarray
    notes: list[str] = field(default_factory=list)      # what the reader did, for the report
    id_column: str | None = None
    series: str | None = None
    dataset: str | None = None                           # the bundled dataset's name
    covariates: dict[str, np.ndarray] = field(default_factory=dict)   # past covariates

    def covariate_matrix(self, upto: int | None = None) -> np.ndarray | None:
        """(T, C) past covariates, gaps interpolated; None without covariates."""
        if not self.covariates:
            return None
        return np.column_stack([fill_missing(v[:upto], "interpolate")
                                for v in self.covariates.values()])

    def filled(self, missing: str, upto: int | None = None) -> np.ndarray:
        """The values before `upto` with gaps filled ('drop' has removed them already)."""
        return fill_missing(self.values[:upto], "interpolate" if missing == "drop" else missing)


def load_series(path=None, column=None, missing: str = "interpolate", *, dataset=None,
                id_column=None, series=None, covariates=()) -> Series:
    """Read the series the user named (default: the bundled airline passengers)."""
    if missing not in MISSING_POLICIES:
        raise UserError(f"Unknown --missing {missing!r}. Expected one of "
                        f"{', '.join(MISSING_POLICIES)}.")
    name = None
    if dataset is not None or path is None:
        name = dataset or "airline_passengers"
        if path is not None:
            raise UserError(f"Pass a FILE.csv or --dataset, not both (got {path} and "
                            f"--dataset {name}).")
        if name not in DATASETS:
            raise UserError(f"Unknown --dataset {name!r}. Expected one of "
                            f"{', '.join(DATASETS)}.")
        folder, file, default_column, default_id, default_series = DATASETS[name]
        path = dataset_path(folder) / file
        column = column or default_column
        id_column, series = id_column or default_id, series or default_series
    header, rows, delimiter = _table(Path(path))
    column = _choose_column(header, rows, column, id_column, path)
    col = header.index(column)
    for name in covariates:
        if name not in header or name in (column, id_column):
            raise UserError(f"{path}: --covariates names {name!r}, expected other columns of "
                            f"{', '.join(map(repr, header))} than the target {column!r}.")
    if id_column is not None:
        rows = _one_series(header, rows, id_column, series, path)
    at = next((j for j in range(len(header)) if header[j] not in (column, id_column)), None)
    index, values, notes = [], [], []
    decimal_commas = 0
    missing_cells: dict[str, int] = {}
    for line_no, row in rows:
        cell = row[col].strip()
        if cell.lower() in MISSING_MARKERS:
            kind = cell.lower() or "empty"
            missing_cells[kind] = missing_cells.get(kind, 0) + 1
            value = math.nan
        else:
            if delimiter != "," and cell.count(",") == 1 and "." not in cell:
                cell, decimal_commas = cell.replace(",", "."), decimal_commas + 1
            value = _number(cell, path, line_no, column)
        index.append(row[at].strip() if at is not None else str(len(index) + 1))
        values.append(value)
    if decimal_commas:
        notes.append(f"{decimal_commas} value(s) with a decimal comma read as decimals "
                     "(e.g. 12,5 as 12.5)")
    out = Series(str(path), column, index, np.array(values, dtype=np.float64), notes,
                 id_column, series, name)
    for cov in covariates:
        j = header.index(cov)
        cells = [r[j].strip() for _, r in rows]
        out.covariates[cov] = np.array([math.nan if c.lower() in MISSING_MARKERS else
                                        _number(c, path, n, cov)
                                        for (n, _), c in zip(rows, cells)])
        gaps = int(np.isnan(out.covariates[cov]).sum())
        if gaps:
            notes.append(f"covariate {cov!r}: {gaps} missing value(s) interpolated")
    n_missing = sum(missing_cells.values())
    if n_missing:
        kinds = ", ".join(f"{n} {k!r}" for k, n in missing_cells.items())
        where = ", ".join(index[i] for i in np.flatnonzero(np.isnan(out.values))[:3])
        if missing == "error":
            raise DataError(f"{path}: column {column!r} has {n_missing} missing value(s) "
                            f"({kinds}), first at {where}. Choose --missing interpolate, "
                            "ffill or drop.")
        action = {"interpolate": "filled by linear interpolation", "ffill":
                  "filled with the last value before them", "drop": "dropped"}[missing]
        notes.append(f"{n_missing} missing value(s) ({kinds}; first at {where}) {action}; "
                     "they are never scored")
        if missing == "drop":
            keep = ~np.isnan(out.values)
            out.index = [i for i, k in zip(out.index, keep, strict=True) if k]
            out.values = out.values[keep]
            out.covariates = {k: v[keep] for k, v in out.covariates.items()}
    return out


def _table(path: Path):
    """(header, [(line number, fields)], delimiter); rows longer than the header refused."""
    text = read_text(path)
    if not text.strip():
        raise DataError(f"{path}: expected a header line and data rows, got an empty file.")
    delimiter = _guess_delimiter(text.split("\n", 1)[0])
    reader = checked_csv(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), path)
    header = [name.strip() for name in next(reader)]
    rows, long_rows = [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            long_rows.append((reader.line_num, row))
        elif len(row) < len(header):
            raise DataError(f"{path}, line {reader.line_num}: expected {len(header)} fields "
                            f"like the header, got {len(row)}: {row!r}. Fill in the missing "
                            "cells or remove the line.")
        rows.append((reader.line_num, row))
    if long_rows:
        line_no, row = long_rows[0]
        raise DataError(
            f"{path}: {len(long_rows)} row(s) have more fields than the header's "
            f"{len(header)}, first line {line_no}: {delimiter.join(row)!r}. A decimal comma "
            f"in a {delimiter!r}-separated file? Write decimals with a point (12.5), or "
            "separate the columns with ';' (then 12,5 is read as 12.5).")
    if not rows:
        raise DataError(f"{path}: expected data rows after the header {header!r}, got none.")
    return header, rows, delimiter


def _choose_column(header, rows, column, id_column, path) -> str:
    if column is not None:
        if column not in header:
            import difflib
            close = difflib.get_close_matches(str(column), header, n=1, cutoff=0.6)
            hint = f" Did you mean --column {close[0]}?" if close else ""
            raise DataError(f"{path}: expected a column named {column!r}, got columns "
                            f"{', '.join(map(repr, header))}.{hint}")
        return column
    numeric = [name for j, name in enumerate(header)
               if j > 0 and name != id_column and _mostly_numeric([r[j] for _, r in rows])]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise DataError(f"{path}: expected a numeric column after the first (dates), got "
                        f"columns {', '.join(map(repr, header))} with no numbers. Name the "
                        "column to forecast with --column.")
    raise UserError(f"{path} has {len(numeric)} numeric columns ({', '.join(numeric)}); "
                    f"which one to forecast? Pass --column, e.g. --column {numeric[0]}.")


def _mostly_numeric(cells) -> bool:
    present = [c.strip() for c in cells if c.strip().lower() not in MISSING_MARKERS]
    ok = 0
    for c in present:
        try:
            float(c.replace(",", "."))
            ok += 1
        except ValueError:
            pass
    return bool(present) and ok >= 0.9 * len(present)


def _one_series(header, rows, id_column, series, path):
    if id_column not in header:
        raise DataError(f"{path}: --id {id_column!r} is not a column; got columns "
                        f"{', '.join(map(repr, header))}.")
    j = header.index(id_column)
    ids = list(dict.fromkeys(r[j].strip() for _, r in rows))
    if series is None or series not in ids:
        got = "no --series" if series is None else f"--series {series!r}"
        raise UserError(f"{path} holds {len(ids)} series in column {id_column!r} "
                        f"({', '.join(ids[:10])}); got {got}. Pass --series, e.g. "
                        f"--series {ids[0]}.")
    return [(n, r) for n, r in rows if r[j].strip() == series]


def _number(cell: str, path, line_no: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(f"{path}, line {line_no}: column {column!r} expected a number or an "
                        f"empty cell, got {cell!r}. Fix that value or leave the cell empty to "
                        "mark it missing.")
    return value
