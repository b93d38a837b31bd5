"""Progress output during fit: a tqdm bar per epoch (verbose=1), or one line per epoch (2)."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from .base import Callback


def print_msg(message):
    """Print a line to stdout without breaking an open progress bar (callbacks' verbose output)."""
    tqdm.write(message, file=sys.stdout)


def format_value(value):
    """Keras's number format: 4 decimals, or scientific notation for tiny values.

    >>> format_value(0.12345), format_value(0.00001234), format_value(3)
    ('0.1235', '1.2340e-05', '3')
    """
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"
    return str(value)


def format_logs(logs):
    """'loss: 0.1234 - accuracy: 0.9000' from a logs dict.

    >>> format_logs({"loss": 0.1234, "accuracy": 0.9})
    'loss: 0.1234 - accuracy: 0.9000'
    """
    return " - ".join(f"{key}: {format_value(value)}" for key, value in (logs or {}).items())


class ProgbarLogger(Callback):
    """Prints fit's progress to stdout; the fit loop adds one when verbose != 0.

    verbose=1 (or 'auto'): one ASCII tqdm bar per epoch that counts steps, then the epoch's
    line with its metrics::

        Epoch 3/10: 20/20 [##############################] 00:00, 95.2step/s - loss: 0.1234

    The bar needs no per-batch values (so it does not make the fit loop call `.item()` each
    batch); if batch logs are given anyway, it shows their running means as it goes.

    verbose=2: one line per epoch, written at its end::

        Epoch 3/10 - 0.52s - loss: 0.1234 - val_loss: 0.2345

    verbose, epochs and steps come from `params` (see CallbackList).
    """

    # Counts steps without per-batch values; CallbackList.needs_batch_logs ignores this callback.
    _needs_batch_logs = False

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = None
        self.steps = None
        self._bar = None
        self._epoch_start = 0.0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        if verbose == "auto":
            verbose = 1
        if verbose not in (0, 1, 2):
            raise ValueError(
                f"ProgbarLogger expects verbose to be 0 (silent), 1 (progress bar), 2 (one line "
                f"per epoch) or 'auto', got verbose={verbose!r}.")
        self.verbose = verbose
        self.epochs = params.get("epochs")
        self.steps = params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self._close_bar()
        self._epoch_start = time.perf_counter()
        if self.verbose == 1:
            # leave=False: the bar is replaced by a full, untrimmed line at epoch end.
            self._bar = tqdm(total=self.steps, desc=self._title(epoch), file=sys.stdout,
                             ascii=True, unit="step", leave=False, bar_format=self._bar_format())

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is None:
            return
        if logs:
            self._bar.bar_format = self._bar_format(logs)  # drawn at tqdm's refresh rate
        self._bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1 and self._bar is not None:
            bar = self._bar
            final = bar.format_meter(**{**bar.format_dict, "ncols": None,
                                        "bar_format": self._bar_format(logs)})
            self._close_bar()
            print(final, file=sys.stdout, flush=True)
        elif self.verbose == 2:
            seconds = time.perf_counter() - self._epoch_start
            metrics = format_logs(logs)
            line = f"{self._title(epoch)} - {seconds:.2f}s" + (f" - {metrics}" if metrics else "")
            print(line, file=sys.stdout, flush=True)

    def on_train_end(self, logs=None):
        self._close_bar()  # training stopped or failed mid-epoch

    def _title(self, epoch):
        return f"Epoch {epoch + 1}/{self.epochs}" if self.epochs else f"Epoch {epoch + 1}"

    def _bar_format(self, logs=None):
        if self.steps:
            fmt = "{desc}: {n_fmt}/{total_fmt} [{bar:30}] {elapsed}, {rate_fmt}"
        else:
            fmt = "{desc}: {n_fmt} steps {elapsed}, {rate_fmt}"
        metrics = format_logs(logs).replace("{", "{{").replace("}", "}}")
        return f"{fmt} - {metrics}" if metrics else fmt

    def _close_bar(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
