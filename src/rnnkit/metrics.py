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
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from .losses import (_snake, _tensors, binary_crossentropy, categorical_crossentropy,
                     cosine_similarity, kl_divergence, log_cosh, mean_absolute_error,
                     mean_absolute_percentage_error, mean_squared_error,
                     mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy)


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


class Metric:
    """Keras's metric base class over sums: subclasses define `width` (the number of sums),
    `statistics(y_true, y_pred, weight)` and `result_from(totals)`."""

    width = 2

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self.reset_state()

    def statistics(self, y_true, y_pred, weight: Tensor | None = None) -> Tensor:
        raise NotImplementedError

    def result_from(self, totals: Tensor) -> Tensor:
        raise NotImplementedError

    # -- Keras's standalone API -------------------------------------------------------------
    def reset_state(self) -> None:
        self.totals = torch.zeros(self.width, dtype=torch.float64)

    reset_states = reset_state            # Keras 2's spelling

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _tensors(y_true, y_pred, integer_labels=True)
        w = None if sample_weight is None else torch.as_tensor(sample_weight, dtype=torch.float32)
        self.totals = self.totals + self.statistics(y_true, y_pred.detach(), w).double().cpu()

    def result(self) -> Tensor:
        return self.result_from(self.totals).float()

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _weighted(values: Tensor, weight: Tensor | None) -> tuple[Tensor, Tensor]:
    """(sum w v, sum w), with w broadcast over v's trailing axes (w may be a (B, T) mask)."""
    values = values.float()
    if weight is None:
        return values.sum(), torch.tensor(float(values.numel()), device=values.device)
    w = weight.to(values.device, values.dtype)
    w = w.reshape(w.shape + (1,) * (values.dim() - w.dim())).expand_as(values)
    return (values * w).sum(), w.sum()


class MeanMetricWrapper(Metric):
    """The weighted mean of a per-sample function fn(y_true, y_pred, **kwargs)."""

    def __init__(self, fn: Callable[..., Tensor], name: str | None = None, dtype=None,
                 **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "metric"), dtype)

    def per_sample(self, y_true, y_pred) -> Tensor:
        return self.fn(y_true, y_pred, **self.kwargs)

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        return torch.stack(_weighted(self.per_sample(y_true, y_pred), weight))

    def result_from(self, totals: Tensor) -> Tensor:
        return totals[0] / totals[1].clamp(min=1e-12)

    def get_config(self):
        return {"name": self.name, **self.kwargs}


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


class RootMeanSquaredError(Metric):
    """sqrt(sum w e^2 / sum w) over the samples seen, e^2 the mean square over the last axis."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        return torch.stack(_weighted(mean_squared_error(y_true, y_pred), weight))

    def result_from(self, totals: Tensor) -> Tensor:
        return (totals[0] / totals[1].clamp(min=1e-12)).sqrt()


class _Confusion(Metric):
    """Counts of y_pred > threshold against y_true, every entry a binary decision, as Keras's
    Precision/Recall: `class_id` looks at one column only; `top_k` counts only the k largest
    predictions of each row as positive (threshold -inf unless given)."""

    def __init__(self, thresholds: float | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype=None):
        if thresholds is not None and not 0.0 <= float(thresholds) <= 1.0:
            raise ValueError(f"{type(self).__name__} thresholds must be in [0, 1], got "
                             f"{thresholds!r}.")
        default = 0.5 if top_k is None else float("-inf")
        self.thresholds = default if thresholds is None else float(thresholds)
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name, dtype)

    def counts(self, y_true, y_pred, weight) -> tuple[Tensor, Tensor, Tensor]:
        """Weighted (true positives, false positives, false negatives)."""
        y_true, y_pred = y_true.float(), y_pred.float()
        if self.top_k is not None:                       # keep the k largest of each row
            kth = y_pred.topk(min(self.top_k, y_pred.shape[-1]), dim=-1).values[..., -1:]
            y_pred = torch.where(y_pred >= kth, y_pred, torch.full_like(y_pred, float("-inf")))
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        positive = ((y_pred > self.thresholds) & (y_pred > float("-inf"))).float()
        actual = (y_true > 0.5).float()
        tp, w = _weighted(positive * actual, weight)
        fp, _ = _weighted(positive * (1 - actual), weight)
        fn, _ = _weighted((1 - positive) * actual, weight)
        return tp, fp, fn

    def get_config(self):
        thresholds = None if self.thresholds == float("-inf") else self.thresholds
        return {"thresholds": thresholds, "top_k": self.top_k, "class_id": self.class_id,
                "name": self.name}


class Precision(_Confusion):
    """TP / (TP + FP) over the samples seen (0 when nothing was predicted positive)."""

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        tp, fp, _ = self.counts(y_true, y_pred, weight)
        return torch.stack([tp, fp])

    def result_from(self, totals):
        return totals[0] / (totals[0] + totals[1]) if totals.sum() > 0 else totals[0] * 0


class Recall(_Confusion):
    """TP / (TP + FN) over the samples seen (0 when there was no positive)."""

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        tp, _, fn = self.counts(y_true, y_pred, weight)
        return torch.stack([tp, fn])

    def result_from(self, totals):
        return totals[0] / (totals[0] + totals[1]) if totals.sum() > 0 else totals[0] * 0


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve from counts at `num_thresholds`
    thresholds spread over [0, 1], as Keras: the ROC area by the trapezoid rule, the PR area
    by Davis and Goadrich's interpolation."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", name: str = "auc",
                 dtype=None):
        if not isinstance(num_thresholds, int) or num_thresholds < 2:
            raise ValueError(f"AUC num_thresholds must be an integer > 1, got {num_thresholds!r}.")
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC curve must be 'ROC' or 'PR', got {curve!r}.")
        self.num_thresholds, self.curve = num_thresholds, curve.upper()
        self.width = 4 * num_thresholds
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.threshold_values = torch.tensor([-1e-7] + inner + [1.0 + 1e-7])
        super().__init__(name, dtype)

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        p, actual = y_pred.float().reshape(-1), (y_true > 0.5).float().reshape(-1)
        w = torch.ones_like(p)
        if weight is not None:
            w = weight.to(p.device, p.dtype)
            w = w.reshape(w.shape + (1,) * (y_pred.dim() - w.dim())).expand(y_pred.shape)
            w = w.reshape(-1)
        # c = how many thresholds lie below p: the element counts as positive at those c
        c = torch.searchsorted(self.threshold_values.to(p.device), p.contiguous())
        N = self.num_thresholds

        def above(values: Tensor) -> Tensor:       # sum of values over elements with p > t_k
            hist = torch.zeros(N + 1, device=p.device).index_add_(0, c, values)
            return hist.flip(0).cumsum(0).flip(0)[1:]                   # (N,)
        tp, fp = above(actual * w), above((1 - actual) * w)
        fn = (actual * w).sum() - tp
        tn = ((1 - actual) * w).sum() - fp
        return torch.cat([tp, fp, tn, fn])

    def result_from(self, totals: Tensor) -> Tensor:
        tp, fp, tn, fn = totals.double().reshape(4, self.num_thresholds)
        if self.curve == "PR":
            return _interpolated_pr_auc(tp, fp, fn)
        recall = _divide(tp, tp + fn)
        fp_rate = _divide(fp, fp + tn)
        heights = (recall[:-1] + recall[1:]) / 2
        return ((fp_rate[:-1] - fp_rate[1:]) * heights).sum()

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "curve": self.curve, "name": self.name}


def _divide(a: Tensor, b: Tensor) -> Tensor:
    return torch.where(b > 0, a / b.clamp(min=1e-300), torch.zeros_like(a))


def _interpolated_pr_auc(tp: Tensor, fp: Tensor, fn: Tensor) -> Tensor:
    """Keras's interpolate_pr_auc: precision interpolated linearly in the TP count."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = _divide(dtp, dp.clamp(min=0))
    intercept = tp[1:] - slope * p[1:]
    ratio = torch.where((p[:-1] > 0) & (p[1:] > 0), _divide(p[:-1], p[1:].clamp(min=0)),
                        torch.ones_like(p[1:]))
    return _divide(slope * (dtp + intercept * ratio.log()), (tp[1:] + fn[1:]).clamp(min=0)).sum()


CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
           MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError, CosineSimilarity,
           KLDivergence, Poisson, Accuracy, BinaryAccuracy, CategoricalAccuracy,
           SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
           BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
           Precision, Recall, AUC]

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
        fresh = type(identifier).from_config(identifier.get_config()) \
            if not type(identifier) is MeanMetricWrapper else identifier
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


class EpochMetrics:
    """The sums of several metrics over an epoch, in one flat tensor: the fit loop adds
    `batch(y_true, y_pred, mask)` each batch and reads `results(totals)` once an epoch."""

    def __init__(self, metrics: list[tuple[str, Metric]]):
        self.names = [name for name, _ in metrics]
        self.metrics = [metric for _, metric in metrics]
        self.widths = [m.width for m in self.metrics]

    def zeros(self, device) -> Tensor:
        return torch.zeros(sum(self.widths), device=device)

    def batch(self, y_true: Tensor, y_pred: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self.metrics:
            return torch.zeros(0, device=y_pred.device)
        return torch.cat([m.statistics(y_true, y_pred, mask).float().reshape(-1)
                          for m in self.metrics])

    def results(self, totals: Tensor) -> dict[str, float]:
        parts = totals.double().split(self.widths)
        return {name: float(m.result_from(part))
                for name, m, part in zip(self.names, self.metrics, parts)}


def serialize(metric: Metric) -> dict[str, Any]:
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict[str, Any]) -> Metric:
    name = config.get("class_name")
    if name not in METRICS:
        raise ValueError(f"Unknown metric class {name!r}. Available: "
                         f"{', '.join(c.__name__ for c in CLASSES)}.")
    return METRICS[name].from_config(dict(config.get("config") or {}))
