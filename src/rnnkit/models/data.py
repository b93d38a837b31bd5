"""From what a user passes to fit/evaluate/predict to tensors in memory, checked once.

NumPy arrays, Python lists and torch tensors are accepted. Every problem is reported with
what was expected, what was received and how to fix it, before any training starts.

    >>> as_tensor("x", [[1, 2], [3, 4]]).dtype, as_tensor("x", np.ones((2, 3))).dtype
    (torch.int64, torch.float32)
    >>> as_tensor("x", [[1.0], [2.0, 3.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: x could not be turned into one array (...). Sequences of different lengths ...
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..losses import SPARSE_LABEL_LOSSES


@dataclass
class Dataset:
    """Inputs, targets and per-sample weights as tensors on one device, sliced by index per
    batch. `x` and `y` are lists: one tensor per model input and per model output."""

    x: list[Tensor]                 # a text input stays a NumPy array of strings
    y: list[Tensor] | None = None
    w: Tensor | None = None

    def __len__(self) -> int:
        return self.x[0].shape[0]

    @property
    def device(self) -> torch.device:
        return next((t.device for t in self.x if isinstance(t, Tensor)), torch.device("cpu"))

    def batch(self, idx) -> tuple[list[Tensor], list[Tensor] | None, Tensor | None]:
        return ([_take(t, idx) for t in self.x],
                None if self.y is None else [t[idx] for t in self.y],
                None if self.w is None else self.w[idx])

    def batches(self, batch_size: int, order: Tensor | None = None):
        """The batches of one pass, in `order` (a permutation) or as stored."""
        n = len(self) if order is None else len(order)
        for start in range(0, n, batch_size):
            idx = slice(start, start + batch_size) if order is None \
                else order[start:start + batch_size]
            yield self.batch(idx)

    def split(self, fraction: float) -> tuple["Dataset", "Dataset"]:
        """Keras's validation_split: the last `fraction` of the samples, before shuffling."""
        n_val = int(len(self) * fraction)
        if n_val == 0 or n_val == len(self):
            raise ValueError(
                f"validation_split={fraction} leaves {len(self) - n_val} training and {n_val} "
                f"validation samples out of {len(self)}; both need at least one.")
        cut = len(self) - n_val
        return self._part(slice(None, cut)), self._part(slice(cut, None))

    def _part(self, s: slice) -> "Dataset":
        return Dataset([t[s] for t in self.x], None if self.y is None else [t[s] for t in self.y],
                       None if self.w is None else self.w[s])

    def to(self, device) -> "Dataset":
        return Dataset([to_device(t, device) for t in self.x],
                       None if self.y is None else [t.to(device) for t in self.y],
                       None if self.w is None else self.w.to(device))


def _take(t, idx):
    if isinstance(t, np.ndarray) and isinstance(idx, Tensor):
        return t[idx.cpu().numpy()]
    return t[idx]


def to_device(t, device):
    """A tensor on the device; a NumPy array of strings as it is."""
    return t.to(device) if isinstance(t, Tensor) else t


def as_texts(name: str, data) -> np.ndarray:
    """Strings for a text input (a model whose first layer is TextVectorization)."""
    if isinstance(data, (str, bytes)):
        raise ValueError(f"{name} must be a list or array of strings, one per sample, got one "
                         "string. Wrap it in a list: [text].")
    arr = np.asarray(data, dtype=object)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): there are no texts to use.")
    bad = next((v for v in arr.reshape(-1) if not isinstance(v, (str, bytes))), None)
    if bad is not None:
        raise ValueError(f"{name} is a text input and holds a {type(bad).__name__} ({bad!r}); "
                         "pass strings.")
    return arr


def as_tensor(name: str, data, integer_ok: bool = True) -> Tensor:
    """A tensor from an array, a list or a tensor, with a clear error for ragged or odd input."""
    if data is None:
        raise ValueError(f"{name} is missing: pass an array of shape (samples, ...).")
    finite = None                 # a finite sum: no NaN or inf anywhere (they propagate)
    if isinstance(data, Tensor):
        t = data.detach()
    else:
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(
                f"{name} could not be turned into one array ({e}). Sequences of different "
                "lengths must be padded to one length first: "
                "rnnkit.preprocessing.sequence.pad_sequences(sequences).") from None
        if arr.dtype == object:
            raise ValueError(
                f"{name} holds items of different lengths or types (an object array of shape "
                f"{arr.shape}). Pad sequences to one length with pad_sequences, and pass "
                "numbers, not strings (use a Tokenizer for text).")
        if arr.dtype.kind in "USa":
            raise ValueError(
                f"{name} holds strings (dtype {arr.dtype}). Turn text into token ids with "
                "rnnkit.preprocessing.text.Tokenizer, and labels into numbers.")
        if arr.dtype.kind == "b":
            arr = arr.astype(np.float32)
        if arr.dtype.kind == "f" and arr.size:      # NumPy's sum: 2-3x cheaper than torch's
            with np.errstate(over="ignore", invalid="ignore"):   # the check below says more
                finite = math.isfinite(arr.sum())
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.dim() == 0:
        raise ValueError(f"{name} must be an array of samples, got a scalar {t.item()!r}.")
    if t.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)}): there are no samples to use.")
    if t.is_floating_point():
        # one sum finds NaN and inf (they propagate) ~30x faster than isfinite on every
        # value; only a non-finite sum (or finite values summing past the float range) looks
        # value by value
        if finite is None:
            finite = bool(torch.isfinite(t.sum()))
        bad = ~torch.isfinite(t) if not finite else None
        if bad is not None and bool(bad.any()):
            first = tuple(int(i) for i in bad.nonzero()[0])
            raise ValueError(
                f"{name} contains {int(bad.sum())} NaN or infinite value(s), the first at index "
                f"{first}. Fill or drop missing values before training "
                "(rnnkit.preprocessing.timeseries.fill_missing).")
        return t.float() if t.dtype == torch.float64 else t
    if not integer_ok:
        return t.float()
    return t.long()


def check_same_length(x: Tensor, y: Tensor, what: str = "y") -> None:
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"x and {what} have different numbers of samples: x has {x.shape[0]} (shape "
            f"{tuple(x.shape)}), {what} has {y.shape[0]} (shape {tuple(y.shape)}). Each sample "
            f"of x needs one target in {what}.")


def _fits(got: tuple, want: tuple) -> bool:
    """Shapes equal, None in `want` matching any size."""
    return len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want))


def align_targets(y: Tensor, out_shape: tuple, loss_name: str) -> Tensor:
    """Shape y like the model's output: (N,) -> (N, 1) for a one-unit output; check the rest.
    `out_shape` is without the batch axis; None stands for any size (batches of sequences
    of different lengths). CTC targets (N, L) are label sequences of any length L: not
    shaped like the output."""
    if loss_name == "ctc":
        if y.dim() != 2 or len(out_shape) != 2:
            raise ValueError(f"loss 'ctc' expects targets (samples, labels) padded with 0 and "
                             f"an output (samples, steps, classes), got targets "
                             f"{tuple(y.shape)} for output (samples, {out_shape}).")
        return y
    sparse = loss_name in SPARSE_LABEL_LOSSES
    n_out = len(out_shape)                  # out_shape without the batch axis
    want = tuple(out_shape[:-1]) if sparse else tuple(out_shape)
    got = tuple(y.shape[1:])
    if sparse and not _fits(got, want) and _fits(got, want + (1,)):
        y = y.squeeze(-1)
        got = tuple(y.shape[1:])
    if not sparse and not _fits(got, want) and want[-1:] == (1,) and _fits(got, want[:-1]):
        y = y.unsqueeze(-1)
        got = tuple(y.shape[1:])
    if not _fits(got, want):
        hint = ""
        if loss_name == "categorical_crossentropy" and len(got) == n_out - 1:
            hint = (" Integer class labels go with loss='sparse_categorical_crossentropy', or "
                    "one-hot encode them with rnnkit.utils.to_categorical.")
        elif not sparse and out_shape[-1] and _fits(got, want[:-1] + (1,)):
            hint = f" The last layer has {out_shape[-1]} units; the targets have one value."
        raise ValueError(
            f"Targets of shape (samples, {', '.join(map(str, got))}) do not fit the model's "
            f"output of shape (samples, {', '.join(map(str, out_shape))}) for loss "
            f"{loss_name!r}; expected targets of shape (samples, "
            f"{', '.join(map(str, want))}).{hint}")
    return y


def check_label_range(y: Tensor, loss_name: str, n_classes: int) -> None:
    """Labels must lie in the range the output can take."""
    if loss_name in SPARSE_LABEL_LOSSES:
        if y.is_floating_point() and not torch.equal(y, y.round()):
            raise ValueError(
                f"{loss_name} expects integer class labels, got "
                "non-integer values. Use categorical_crossentropy for soft targets.")
        lo, hi = int(y.min()), int(y.max())
        if lo < 0:
            raise ValueError(
                f"Labels must be class indices from 0, got a negative label ({lo}). Re-encode "
                f"the labels as 0..K-1 (for example with np.unique(y, return_inverse=True)).")
        if hi >= n_classes:
            raise ValueError(
                f"Labels must be class indices in [0, {n_classes}) for an output of "
                f"{n_classes} units, got values in [{lo}, {hi}]. Give the last layer at least "
                f"{hi + 1} units, or re-encode the labels as 0..{n_classes - 1}.")
    elif loss_name == "binary_crossentropy":
        lo, hi = float(y.min()), float(y.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"binary_crossentropy expects labels in [0, 1], got values in [{lo:g}, {hi:g}]. "
                "For more than two classes use a Dense(n, activation='softmax') output with "
                "sparse_categorical_crossentropy.")
    elif loss_name == "categorical_crossentropy":
        if float(y.min()) < 0.0:
            raise ValueError("categorical_crossentropy expects one-hot (non-negative) targets.")


def class_weights(y: Tensor, class_weight: dict, loss_name: str) -> Tensor:
    """Per-sample (or per-step) weights from Keras's class_weight={class: weight}."""
    if not isinstance(class_weight, dict) or not class_weight:
        raise ValueError(f"class_weight must be a non-empty dict {{class: weight}}, got "
                         f"{class_weight!r}.")
    if loss_name == "categorical_crossentropy" or (y.dim() >= 2 and y.shape[-1] > 1
                                                   and y.is_floating_point()):
        labels = y.argmax(-1)
    else:
        labels = y.round().long()
        if labels.dim() >= 2 and labels.shape[-1] == 1:
            labels = labels.squeeze(-1)
    table = torch.ones(int(labels.max()) + 1)
    for cls, weight in class_weight.items():
        if int(cls) < len(table):
            table[int(cls)] = float(weight)
    return table[labels]
