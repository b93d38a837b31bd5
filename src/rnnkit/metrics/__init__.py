"""Metrics with Keras's names, as functions and as classes.

A metric is accumulated over an epoch from sums, one small vector a batch, and read once:

    statistics(y_true, y_pred, weight) -> (k,) tensor   summed over the epoch's batches
    result_from(totals)                -> scalar        the epoch's value

    mean metrics (accuracy, mae, ...):  [sum w v, sum w]          -> sum w v / sum w
    RootMeanSquaredError:               [sum w e^2, sum w]        -> sqrt(sum w e^2 / sum w)
    Precision / Recall:                 [TP, FP] / [TP, FN]       -> TP / (TP + FP) / TP / (TP + FN)
    AUC:                                TP, FP, TN, FN at each threshold -> area under the curve

So the epoch's RMSE is the root of the epoch's mean squared error, not a mean of per-batch
roots, as in Keras. Standalone, the classes are Keras's: `update_state`, `result`,
`reset_state`, and `m(y_true, y_pred)` = update then result.

'accuracy' / 'acc' are resolved as Keras does: binary for binary_crossentropy or a single
output, sparse categorical for integer labels, categorical for one-hot labels. The log is
named after what the user wrote: metrics=['acc'] logs 'acc' and 'val_acc'.

    >>> binary_accuracy(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.8], [0.7]])).tolist()
    [1.0, 0.0]
    >>> probabilities = torch.tensor([[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]])
    >>> sparse_categorical_accuracy(torch.tensor([2, 0]), probabilities).tolist()
    [1.0, 0.0]
    >>> rmse = RootMeanSquaredError()
    >>> rmse.update_state(torch.tensor([[0.0], [0.0]]), torch.tensor([[3.0], [4.0]]))
    >>> round(float(rmse.result()), 4)
    3.5355
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from ..losses import (_snake, _tensors, binary_crossentropy, categorical_crossentropy,
                      cosine_similarity, kl_divergence, log_cosh, mean_absolute_error,
                      mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy)
from .base import (EpochMetrics, MeanMetricWrapper, Metric, Variable,  # noqa: F401
                   _weighted, keeps_own_state)
from .confusion import AUC, Precision, Recall


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return ((y_pred > threshold).to(y_true.dtype) == y_true).float().mean(dim=-1)


def categorical_accuracy(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return (y_pred.argmax(dim=-1) == y_true.argmax(dim=-1)).float()


def _labels(y_true: Tensor, y_pred: Tensor) -> Tensor:
    target = y_true.long()
    return target.squeeze(-1) if target.dim() == y_pred.dim() else target


def sparse_categorical_accuracy(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred, integer_labels=True)
    return (y_pred.argmax(dim=-1) == _labels(y_true, y_pred)).float()


def accuracy(y_true, y_pred) -> Tensor:
    """Keras's Accuracy class: how often y_pred equals y_true exactly."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return (y_true == y_pred).float().reshape(y_true.shape[0], -1).mean(dim=-1) \
        if y_true.dim() > 1 else (y_true == y_pred).float()


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred, integer_labels=True)
    target = _labels(y_true, y_pred)
    top = y_pred.topk(min(k, y_pred.shape[-1]), dim=-1).indices          # (..., k)
    return (top == target.unsqueeze(-1)).any(dim=-1).float()


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return sparse_top_k_categorical_accuracy(y_true.argmax(dim=-1), y_pred, k)


def _mean_metric(class_name: str, fn: Callable, default_name: str, arguments_first=False,
                 **arguments) -> type:
    """A Keras mean metric class. Its positional order is Keras's: (name, dtype, *arguments),
    or (*arguments, name, dtype) when arguments_first (TopKCategoricalAccuracy(k))."""
    order = [*arguments, "name", "dtype"] if arguments_first else ["name", "dtype", *arguments]

    def __init__(self, *args, **kwargs):
        if len(args) > len(order):
            raise TypeError(f"{class_name} takes at most {len(order)} positional arguments "
                            f"({', '.join(order)}), got {len(args)}.")
        kwargs = {**dict(zip(order, args)), **kwargs}
        unknown = set(kwargs) - set(order)
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments {sorted(unknown)}; it takes "
                            f"{', '.join(order)}.")
        name, dtype = kwargs.pop("name", default_name), kwargs.pop("dtype", None)
        MeanMetricWrapper.__init__(self, fn, name, dtype, **{**arguments, **kwargs})

    def from_config(cls, config):
        return cls(**config)

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "from_config": classmethod(from_config), "__module__": __name__,
        "__doc__": f"Keras's {class_name}: the mean of {fn.__name__} over the samples seen."})


MeanSquaredError = _mean_metric("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _mean_metric("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _mean_metric("MeanAbsolutePercentageError",
                                           mean_absolute_percentage_error,
                                           "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _mean_metric("MeanSquaredLogarithmicError",
                                           mean_squared_logarithmic_error,
                                           "mean_squared_logarithmic_error")
LogCoshError = _mean_metric("LogCoshError", log_cosh, "logcosh")
CosineSimilarity = _mean_metric("CosineSimilarity", lambda t, p, axis=-1:
                                -cosine_similarity(t, p, axis), "cosine_similarity", axis=-1)
KLDivergence = _mean_metric("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _mean_metric("Poisson", poisson, "poisson")
Accuracy = _mean_metric("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _mean_metric("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                              threshold=0.5)
CategoricalAccuracy = _mean_metric("CategoricalAccuracy", categorical_accuracy,
                                   "categorical_accuracy")
SparseCategoricalAccuracy = _mean_metric("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                         "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _mean_metric("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                       "top_k_categorical_accuracy", True, k=5)
SparseTopKCategoricalAccuracy = _mean_metric("SparseTopKCategoricalAccuracy",
                                             sparse_top_k_categorical_accuracy,
                                             "sparse_top_k_categorical_accuracy", True, k=5)
BinaryCrossentropy = _mean_metric("BinaryCrossentropy", binary_crossentropy,
                                  "binary_crossentropy", from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _mean_metric("CategoricalCrossentropy", categorical_crossentropy,
                                       "categorical_crossentropy", from_logits=False,
                                       label_smoothing=0.0)
SparseCategoricalCrossentropy = _mean_metric("SparseCategoricalCrossentropy",
                                             sparse_categorical_crossentropy,
                                             "sparse_categorical_crossentropy", from_logits=False)


class Mean(Metric):
    """The weighted mean of the values given to update_state(values): the running loss of a
    custom training loop (`train_loss = Mean(); train_loss(loss); train_loss.result()`)."""

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, values, sample_weight=None) -> None:
        values = torch.as_tensor(values.detach() if isinstance(values, Tensor) else values,
                                 dtype=torch.float32)
        w = None if sample_weight is None else torch.as_tensor(sample_weight, dtype=torch.float32)
        self.totals = self.totals + torch.stack(_weighted(values, w)).double().cpu()

    def __call__(self, values, sample_weight=None) -> Tensor:
        self.update_state(values, sample_weight)
        return self.result()

    def result_from(self, totals: Tensor) -> Tensor:
        return totals[0] / totals[1].clamp(min=1e-12)


class Sum(Mean):
    """The weighted sum of the values given to update_state(values)."""

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name, dtype)

    def result_from(self, totals: Tensor) -> Tensor:
        return totals[0]


class RootMeanSquaredError(Metric):
    """sqrt(sum w e^2 / sum w) over the samples seen, e^2 the mean square over the last axis."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        return torch.stack(_weighted(mean_squared_error(y_true, y_pred), weight))

    def result_from(self, totals: Tensor) -> Tensor:
        return (totals[0] / totals[1].clamp(min=1e-12)).sqrt()


CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
           MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError, CosineSimilarity,
           KLDivergence, Poisson, Accuracy, BinaryAccuracy, CategoricalAccuracy,
           SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
           BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
           Precision, Recall, AUC]   # (Mean and Sum take values, not (y_true, y_pred))

METRICS: dict[str, type[Metric]] = {
    **{c.__name__: c for c in CLASSES}, **{_snake(c.__name__): c for c in CLASSES},
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "rmse": RootMeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError, "logcosh": LogCoshError,
    "bce": BinaryCrossentropy, "auc": AUC, "kld": KLDivergence,
}
_FUNCTIONS = {fn: cls for cls, fn in [
    (MeanSquaredError, mean_squared_error), (MeanAbsoluteError, mean_absolute_error),
    (MeanAbsolutePercentageError, mean_absolute_percentage_error),
    (BinaryAccuracy, binary_accuracy), (CategoricalAccuracy, categorical_accuracy),
    (SparseCategoricalAccuracy, sparse_categorical_accuracy),
    (TopKCategoricalAccuracy, top_k_categorical_accuracy)]}
ACCURACY_NAMES = ("accuracy", "acc")
mse, mae, mape, msle = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_logarithmic_error)


def resolve_accuracy(loss_name: str, output_dim: int | None, sparse_labels: bool) -> type[Metric]:
    """Keras's choice of accuracy for the loss, the output size and the labels."""
    if loss_name == "binary_crossentropy" or output_dim == 1:
        return BinaryAccuracy
    if loss_name == "sparse_categorical_crossentropy" or sparse_labels:
        return SparseCategoricalAccuracy
    return CategoricalAccuracy


def get_metric(identifier, loss_name: str, output_dim: int | None,
               sparse_labels: bool) -> tuple[str, Metric]:
    """(log name, fresh Metric) as Keras 3 names it: a string logs under what the user wrote
    ('acc' -> 'acc', 'mae' -> 'mae'), an instance under its `name`, a function under its
    __name__."""
    if isinstance(identifier, str):
        if identifier.lower() in ACCURACY_NAMES:
            cls = resolve_accuracy(loss_name, output_dim, sparse_labels)
            return identifier, cls(name=identifier)
        if identifier not in METRICS:
            names = sorted({n for n in METRICS if n.islower()} | set(ACCURACY_NAMES))
            raise ValueError(f"Unknown metric {identifier!r}. Available: {', '.join(names)} "
                             "(or their Keras class names, such as 'MeanAbsoluteError').")
        return identifier, METRICS[identifier](name=identifier)
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        identifier = identifier()
    if isinstance(identifier, Metric):
        try:                                   # a fresh copy, so fits do not share state
            fresh = type(identifier).from_config(identifier.get_config())
        except TypeError:                      # a subclass whose config does not rebuild it
            fresh = identifier
        fresh.reset_state()
        return identifier.name, fresh
    if callable(identifier):
        name = getattr(identifier, "__name__", "metric")
        return name, (_FUNCTIONS[identifier](name=name) if identifier in _FUNCTIONS
                      else MeanMetricWrapper(identifier, name))
    raise TypeError(
        f"metrics must be names such as 'accuracy', metrics such as "
        f"rnnkit.metrics.Precision() or functions f(y_true, y_pred), got "
        f"{type(identifier).__name__}.")


def get(identifier, loss_name: str, output_dim: int | None, sparse_labels: bool):
    """(log name, per-sample function) for the fit loop's sums of per-sample values.

    Metrics that are not means of per-sample values (RootMeanSquaredError, Precision, Recall,
    AUC) need the statistics protocol (`get_metric` and `EpochMetrics`); here they raise."""
    name, metric = get_metric(identifier, loss_name, output_dim, sparse_labels)
    if not isinstance(metric, MeanMetricWrapper):
        raise ValueError(
            f"Metric {name!r} ({type(metric).__name__}) is not a mean of per-sample values; "
            "this training loop averages per-sample values only. Use a mean metric such as "
            "'mae' or 'accuracy', or a training loop that uses rnnkit.metrics.EpochMetrics.")
    return name, metric.per_sample


def serialize(metric: Metric) -> dict[str, Any]:
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict[str, Any]) -> Metric:
    name = config.get("class_name")
    if name not in METRICS:
        raise ValueError(f"Unknown metric class {name!r}. Available: "
                         f"{', '.join(c.__name__ for c in CLASSES)}.")
    return METRICS[name].from_config(dict(config.get("config") or {}))
