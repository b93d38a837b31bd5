"""CSVLogger: one row of epoch logs per epoch, in a CSV file."""

from __future__ import annotations

import csv
import os
import warnings

from .base import Callback


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file: a header, then one row per epoch.

        epoch,loss,val_loss
        0,0.6931,0.7012
        1,0.5127,0.5533

    Columns are 'epoch' then the logs keys, sorted; if the first epoch has no val_ metrics,
    val_ columns are reserved for them (validation may run only every few epochs) and missing
    values are written as 'NA'. With `append=True` an existing file is continued: its header is
    kept and reused. Rows are flushed as they are written.

    >>> logger = CSVLogger("training.csv", separator=",", append=False)
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger expects separator to be one character such as ',' or '\\t', got "
                f"{separator!r}.")
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self._close()
        self.keys = None
        self._write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                header = next(csv.reader(f, delimiter=self.sep), None)
            if header:
                self.keys = [k for k in header if k != "epoch"]
                self._write_header = False
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        # Held open across epochs, closed in on_train_end.
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = self._columns(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep, extrasaction="ignore")
            if self._write_header:
                self.writer.writeheader()
        dropped = [k for k in logs if k not in self.keys]
        if dropped:
            warnings.warn(
                f"CSVLogger: {self.filename!r} has columns {', '.join(self.keys)}; the logs keys "
                f"{', '.join(dropped)} are not written. Log to a new file (append=False) to "
                "get every column.", UserWarning, stacklevel=2)
        row = {"epoch": epoch}
        row.update((key, self._cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    @staticmethod
    def _columns(logs):
        keys = sorted(logs)
        if keys and not any(k.startswith("val_") for k in keys):
            keys += ["val_" + k for k in keys if k != "lr"]
        return keys

    @staticmethod
    def _cell(value):
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(map(str, value)) + "]"
        return value

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None
