"""What fit, evaluate and predict accept besides arrays: any source of batches.

    model.fit(timeseries_dataset_from_array(...), epochs=5)        # re-iterable datasets
    model.fit(generator(), steps_per_epoch=100, epochs=5)          # Python generators
    model.fit(torch.utils.data.DataLoader(...), epochs=5)          # PyTorch data loaders
    model.fit(MySequence(), epochs=5)                              # keras.utils.Sequence

Each batch is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` (a list is read as a tuple,
as Keras does), where x and y are arrays, tensors, or lists or dicts of them.

    >>> def batches():
    ...     yield np.zeros((2, 3)), np.ones(2)
    ...
    >>> is_batch_source(batches()), is_batch_source(np.zeros((2, 3)))
    (True, False)
    >>> unpack((np.zeros(2), np.ones(2)))[2] is None
    True
"""
from __future__ import annotations

import collections.abc
import itertools
from typing import Any, Iterator

import numpy as np
import torch


def is_batch_source(x) -> bool:
    """True for iterables of batches, False for data given whole (arrays, tensors, lists or
    dicts of arrays)."""
    if x is None or isinstance(x, (np.ndarray, torch.Tensor, list, tuple, dict, str, bytes,
                                   int, float)):
        return False
    if hasattr(x, "__array__") and not hasattr(x, "__next__"):
        return False
    return isinstance(x, collections.abc.Iterable) or (
        hasattr(x, "__getitem__") and hasattr(x, "__len__"))


class BatchSource:
    """One epoch's batches at a time from an iterable, an iterator or a Sequence.

    A re-iterable (a dataset, a DataLoader, a Sequence) starts afresh every epoch; an
    iterator (a generator) goes on where the last epoch stopped, as in Keras, so it needs
    steps_per_epoch unless it is meant to be read once.
    """

    def __init__(self, data, steps: int | None = None, what: str = "x"):
        if steps is not None and (not isinstance(steps, (int, np.integer)) or steps <= 0):
            raise ValueError(f"steps_per_epoch must be a positive integer, got {steps!r}.")
        self.data = data
        self.steps = None if steps is None else int(steps)
        self.is_iterator = isinstance(data, collections.abc.Iterator)
        self.is_sequence = not isinstance(data, collections.abc.Iterable)
        self._iterator: Iterator | None = None
        self.what = what
        if self.steps is None and not self.is_iterator:
            try:
                self.steps = len(data)
            except TypeError:
                self.steps = None

    def epoch(self) -> Iterator[tuple[Any, Any, Any]]:
        """(x, y, sample_weight) for each batch of one epoch; y and the weight may be None."""
        if self.is_sequence:
            n = self.steps if self.steps is not None else len(self.data)
            source = (self.data[i % len(self.data)] for i in range(n))
        elif self.is_iterator:
            source = self.data
        else:
            source = iter(self.data)
        if self.steps is not None:
            source = itertools.islice(source, self.steps)
        count = 0
        for batch in source:
            count += 1
            yield unpack(batch, self.what)
        if count == 0:
            raise ValueError(
                f"{self.what} gave no batches in this epoch. A generator is used up after one "
                "pass: pass steps_per_epoch (and make the generator loop forever, as Keras "
                "expects), or pass a re-iterable dataset.")
        if hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()


def unpack(batch, what: str = "x") -> tuple[Any, Any, Any]:
    """Keras's unpack_x_y_sample_weight: x, (x,), (x, y) or (x, y, w) -> (x, y, w)."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if len(batch) == 1:
        return batch[0], None, None
    if len(batch) == 2:
        return batch[0], batch[1], None
    if len(batch) == 3:
        return batch
    raise ValueError(
        f"Each batch from {what} must be x, (x, y) or (x, y, sample_weight); got a tuple of "
        f"{len(batch)} items. Put several inputs in a list or dict inside x: ((x1, x2), y).")


def as_list(structure, names: list[str], what: str) -> list:
    """Inputs or targets given whole, as a list in the model's order: a single array for a
    one-input model, a list or tuple in order, or a dict by name."""
    if isinstance(structure, dict):
        missing = [n for n in names if n not in structure]
        extra = [k for k in structure if k not in names]
        if missing or extra:
            raise ValueError(
                f"{what} is a dict with keys {sorted(structure)}; the model's {what} are named "
                f"{names}. Missing: {missing}; unknown: {extra}.")
        return [structure[n] for n in names]
    if isinstance(structure, (list, tuple)) and len(names) > 1:
        if len(structure) != len(names):
            raise ValueError(
                f"The model has {len(names)} {what} ({', '.join(names)}), got a list of "
                f"{len(structure)}. Pass one array per {what[:-1]}, in that order, or a dict "
                "by name.")
        return list(structure)
    if len(names) > 1:
        raise ValueError(
            f"The model has {len(names)} {what} ({', '.join(names)}), got one array. Pass a "
            f"list with one array per {what[:-1]}, or a dict by name.")
    if isinstance(structure, (list, tuple)) and len(structure) == 1 and \
            isinstance(structure[0], (np.ndarray, torch.Tensor)):
        return [structure[0]]
    return [structure]
