"""Metrics with Keras's names. Each takes (y_true, y_pred) and returns one value per sample
(or per sample and step); the fit loop keeps their sums on the device and reads them once
an epoch.

'accuracy' is resolved as Keras does: binary for binary_crossentropy or a single output,
sparse categorical for integer labels, categorical for one-hot labels.
"""
from __future__ import annotations

from typing import Callable

from torch import Tensor

from .losses import mean_absolute_error, mean_squared_error


def binary_accuracy(y_true: Tensor, y_pred: Tensor, threshold: float = 0.5) -> Tensor:
    return ((y_pred > threshold).to(y_true.dtype) == y_true).float().mean(dim=-1)


def categorical_accuracy(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return (y_pred.argmax(dim=-1) == y_true.argmax(dim=-1)).float()


def sparse_categorical_accuracy(y_true: Tensor, y_pred: Tensor) -> Tensor:
    target = y_true.long()
    if target.dim() == y_pred.dim():
        target = target.squeeze(-1)
    return (y_pred.argmax(dim=-1) == target).float()


def mean_absolute_percentage_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return 100.0 * ((y_true - y_pred).abs() / y_true.abs().clamp(min=1e-7)).mean(dim=-1)


METRICS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mae": mean_absolute_error, "mean_absolute_error": mean_absolute_error,
    "mse": mean_squared_error, "mean_squared_error": mean_squared_error,
    "mape": mean_absolute_percentage_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
}
ACCURACY_NAMES = ("accuracy", "acc")


def resolve_accuracy(loss_name: str, output_dim: int | None, sparse_labels: bool) -> Callable:
    """Keras's choice of accuracy for the loss, the output size and the labels."""
    if loss_name == "binary_crossentropy" or output_dim == 1:
        return binary_accuracy
    if loss_name == "sparse_categorical_crossentropy" or sparse_labels:
        return sparse_categorical_accuracy
    return categorical_accuracy


def get(identifier, loss_name: str, output_dim: int | None, sparse_labels: bool):
    """(log name, function) for a metric given by name or as f(y_true, y_pred)."""
    if isinstance(identifier, str):
        if identifier in ACCURACY_NAMES:
            return "accuracy", resolve_accuracy(loss_name, output_dim, sparse_labels)
        if identifier not in METRICS:
            names = sorted({*METRICS, *ACCURACY_NAMES})
            raise ValueError(f"Unknown metric {identifier!r}. Available: {', '.join(names)}.")
        return identifier, METRICS[identifier]
    if callable(identifier):
        return getattr(identifier, "__name__", "metric"), identifier
    raise TypeError(
        f"metrics must be names such as 'accuracy' or functions f(y_true, y_pred), got "
        f"{type(identifier).__name__}.")
