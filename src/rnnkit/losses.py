"""Losses with Keras's names, as functions and as classes.

The functions (`mse`, `huber`, `binary_crossentropy`, ...) take (y_true, y_pred) and return
one value per sample (or per sample and step): the mean or sum over the last axis.

    mean_squared_error:  mean((y_pred - y_true)^2)
    huber:               mean(0.5 e^2 if |e| <= delta else delta (|e| - 0.5 delta)),
                         e = y_pred - y_true
    log_cosh:            mean(log cosh(y_pred - y_true))
    binary_crossentropy: -mean(y log p + (1 - y) log(1 - p))
    categorical_cross.:  -sum(y log p)
    kl_divergence:       sum(y log(y / p)),  y and p clipped to [1e-7, 1]
    cosine_similarity:   -sum(y / |y| * p / |p|)

The classes (`MeanSquaredError()`, `Huber(delta=2.0)`, ...) are Keras's: calling one returns
the batch's mean loss (`reduction="sum_over_batch_size"`), weighted by `sample_weight`.
`compile(loss=...)` takes a name, a class instance or a function; `get()` turns any of them
into a `LossFunction`, the per-sample form the fit loop uses.

The cross-entropies are computed from logits when the model ends in a Dense layer with the
matching activation (sigmoid for binary, softmax for categorical): compile() notices it and
the loss never takes the log of a saturated probability.

    >>> y_true, y_pred = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 1.0]])
    >>> mean_squared_error(y_true, y_pred).tolist()
    [0.125]
    >>> loss = get("mse")
    >>> loss.name, float(loss(y_true, y_pred))
    ('mean_squared_error', 0.125)
    >>> scce = sparse_categorical_crossentropy(torch.tensor([1]), torch.tensor([[0.5, 0.5]]))
    >>> round(float(scce), 4)                                  # -log 0.5
    0.6931
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

EPSILON = 1e-7   # Keras's backend epsilon, used when a loss receives probabilities


def _tensors(y_true, y_pred, integer_labels: bool = False) -> tuple[Tensor, Tensor]:
    """Array-likes to tensors, y_true in y_pred's dtype (kept integer for class labels)."""
    if not isinstance(y_pred, Tensor):                  # NumPy float64 -> float32, as Keras
        y_pred = torch.as_tensor(y_pred, dtype=torch.get_default_dtype())
    if not isinstance(y_true, Tensor):
        y_true = torch.as_tensor(y_true)
    if not integer_labels and y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return (y_pred - y_true).square().mean(dim=-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return (y_pred - y_true).abs().mean(dim=-1)


# The batch's mean loss in one op, for losses whose per-sample values average to it (the
# mean over samples of the mean over the last axis is the mean over every element): fewer
# autograd nodes than the per-sample values and then their mean, which counts where a batch
# is small. scoring.output_loss takes it when no weights or mask apply and y_true has
# y_pred's shape and dtype.
BATCH_MEANS: dict[Callable, Callable[[Tensor, Tensor], Tensor]] = {
    mean_squared_error: lambda y_true, y_pred: F.mse_loss(y_pred, y_true),
}


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return 100.0 * ((y_true - y_pred).abs() / y_true.abs().clamp(min=EPSILON)).mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    log_p, log_t = y_pred.clamp(min=EPSILON).log1p(), y_true.clamp(min=EPSILON).log1p()
    return (log_p - log_t).square().mean(dim=-1)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return F.huber_loss(y_pred, y_true, reduction="none", delta=delta).mean(dim=-1)


def log_cosh(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    e = y_pred - y_true
    return (e + F.softplus(-2.0 * e) - torch.log(torch.tensor(2.0))).mean(dim=-1)  # log cosh e


def kl_divergence(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true, y_pred = y_true.clamp(EPSILON, 1.0), y_pred.clamp(EPSILON, 1.0)
    return (y_true * (y_true / y_pred).log()).sum(dim=-1)


def poisson(y_true, y_pred) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return (y_pred - y_true * (y_pred + EPSILON).log()).mean(dim=-1)


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    return -(F.normalize(y_true, dim=axis, eps=1e-12) * F.normalize(y_pred, dim=axis, eps=1e-12)
             ).sum(dim=axis)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False,
                        label_smoothing: float = 0.0) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none").mean(dim=-1)
    p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
    return -(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log()).mean(dim=-1)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        log_p = torch.log_softmax(y_pred, dim=-1)
    else:
        p = y_pred / y_pred.sum(dim=-1, keepdim=True)
        log_p = p.clamp(EPSILON, 1.0 - EPSILON).log()
    return -(y_true * log_p).sum(dim=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> Tensor:
    y_true, y_pred = _tensors(y_true, y_pred, integer_labels=True)
    target = y_true.long()
    if target.dim() == y_pred.dim():            # (B, 1) labels for (B, V) outputs
        target = target.squeeze(-1)
    if from_logits:
        log_p = torch.log_softmax(y_pred, dim=-1)
    else:
        log_p = y_pred.clamp(EPSILON, 1.0 - EPSILON).log()
    return -log_p.gather(-1, target.unsqueeze(-1)).squeeze(-1)


# Keras's short spellings
mse, mae, mape, msle = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_logarithmic_error)
kld = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


@dataclass(frozen=True)
class LossFunction:
    """A loss as the fit loop uses it: per-sample values, a canonical `name` (the fit loop
    reads 'sparse_categorical_crossentropy' to accept integer labels), and `logits_of`, the
    output activation whose logits it can take instead of probabilities. `takes_mask`
    losses (the CRF's) score whole sequences and receive the (B, T) mask."""

    name: str
    fn: Callable[..., Tensor]
    logits_of: str | None = None
    from_logits: bool = False
    source: Any = field(default=None, compare=False, repr=False)   # the Keras Loss, to save
    takes_mask: bool = False

    def get_config(self) -> str | dict[str, Any]:
        """What a model file stores: the name, or {class_name, config} of a built-in Loss
        with arguments (Huber(delta=2.0) reloads with its delta)."""
        if isinstance(self.source, _Builtin) and self.source.kwargs:
            return serialize(self.source)
        return self.name

    def __call__(self, y_true: Tensor, y_pred: Tensor, from_logits: bool | None = None,
                 mask: Tensor | None = None) -> Tensor:
        if self.logits_of is None:
            return self.fn(y_true, y_pred)
        from_logits = self.from_logits if from_logits is None else from_logits
        if self.takes_mask:
            return self.fn(y_true, y_pred, from_logits=from_logits, mask=mask)
        return self.fn(y_true, y_pred, from_logits=from_logits)


class Loss:
    """Keras's loss base class. Subclasses implement `call(y_true, y_pred)`, one value per
    sample; calling the loss reduces them:

        sum_over_batch_size: sum(w * loss) / number of values     (Keras's default)
        sum:                 sum(w * loss)
        none:                w * loss
    """

    REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "none", None)

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype=None):
        if reduction not in self.REDUCTIONS:
            raise ValueError(f"reduction must be one of {self.REDUCTIONS}, got {reduction!r}.")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            w = torch.as_tensor(sample_weight, dtype=values.dtype, device=values.device)
            values = values * w.reshape(w.shape + (1,) * (values.dim() - w.dim()))
        if self.reduction in (None, "none") or values.dim() == 0:
            return values
        total = values.sum()
        return total if self.reduction == "sum" else total / max(values.numel(), 1)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)

    def as_loss_function(self) -> LossFunction:
        """The per-sample form for the fit loop (a Keras subclass: its own call())."""
        return LossFunction(self.name, self.call, source=self)


class _Builtin(Loss):
    """A Keras loss class over one of the functions above, with fixed keyword arguments."""

    fn: Callable[..., Tensor]
    logits_of: str | None = None

    def __init__(self, name, reduction, dtype, **kwargs):
        super().__init__(name, reduction, dtype)
        self.kwargs = kwargs

    def call(self, y_true, y_pred) -> Tensor:
        return type(self).fn(y_true, y_pred, **self.kwargs)

    def get_config(self):
        return {**super().get_config(), **self.kwargs}

    def as_loss_function(self) -> LossFunction:
        kwargs = {k: v for k, v in self.kwargs.items() if k != "from_logits"}
        fn = functools.partial(type(self).fn, **kwargs) if kwargs else type(self).fn
        return LossFunction(type(self).fn.__name__, fn, self.logits_of,
                            bool(self.kwargs.get("from_logits", False)), self)


def _builtin(class_name: str, fn: Callable, default_name: str, logits_of=None,
             **arguments) -> type[_Builtin]:
    """Make a Keras loss class; `arguments` are its keyword arguments and their defaults."""
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None,
                 **kwargs):
        values = dict(arguments)
        if len(args) > len(values):
            raise TypeError(f"{class_name} takes at most {len(values)} positional arguments "
                            f"({', '.join(values)}), got {len(args)}.")
        values.update(zip(values, args))
        unknown = set(kwargs) - set(values)
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments {sorted(unknown)}; it takes "
                            f"{', '.join([*values, 'reduction', 'name'])}.")
        values.update(kwargs)
        _Builtin.__init__(self, name, reduction, dtype, **values)

    return type(class_name, (_Builtin,), {
        "__init__": __init__, "fn": staticmethod(fn), "logits_of": logits_of,
        "__module__": __name__, "__doc__": f"Keras's {class_name}: {fn.__name__} per sample."})


MeanSquaredError = _builtin("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _builtin("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _builtin("MeanAbsolutePercentageError",
                                       mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _builtin("MeanSquaredLogarithmicError",
                                       mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
Huber = _builtin("Huber", huber, "huber_loss", delta=1.0)
LogCosh = _builtin("LogCosh", log_cosh, "log_cosh")
KLDivergence = _builtin("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _builtin("Poisson", poisson, "poisson")
CosineSimilarity = _builtin("CosineSimilarity", cosine_similarity, "cosine_similarity", axis=-1)
BinaryCrossentropy = _builtin("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                              "sigmoid", from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _builtin("CategoricalCrossentropy", categorical_crossentropy,
                                   "categorical_crossentropy", "softmax", from_logits=False,
                                   label_smoothing=0.0)
SparseCategoricalCrossentropy = _builtin("SparseCategoricalCrossentropy",
                                         sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", "softmax",
                                         from_logits=False)

CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
           MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence, Poisson, CosineSimilarity,
           BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i and not name[i - 1].isupper()
                   else c.lower() for i, c in enumerate(name))


LOSSES: dict[str, type[Loss]] = {
    **{c.fn.__name__: c for c in CLASSES}, **{c.__name__: c for c in CLASSES},
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "kld": KLDivergence, "logcosh": LogCosh,
    "kullback_leibler_divergence": KLDivergence, "huber_loss": Huber,
}
_FUNCTIONS = {c.fn: c for c in CLASSES}
SPARSE_LABEL_LOSSES = ("sparse_categorical_crossentropy", "crf")   # targets: class ids


def _crf_needs_its_layer(y_true: Tensor, y_pred: Tensor, from_logits: bool = False,
                         mask: Tensor | None = None) -> Tensor:
    raise ValueError("loss='crf' needs the model's CRF layer (its transition scores): put "
                     "rnnkit.layers.CRF(n_tags) last in a Sequential model, whose compile "
                     "binds it, or pass loss=crf.loss.")


def ctc(y_true: Tensor, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    """Connectionist temporal classification (Graves et al. 2006), per sample and per label:

        loss = -log sum_{π: B(π) = y} prod_t p_t(π_t) / |y|

    over every frame labelling π that gives y once repeats are merged and blanks dropped.
    y_true (B, L): label ids 1..V, padded at the end with 0 (class 0 is the blank, never a
    label). y_pred (B, T, V + 1): per-step softmax probabilities (or logits), every step
    used; for padded inputs of different lengths call torch's ctc_loss with the lengths
    (as rnnkit.tasks.speech does). Impossible targets (longer than T allows) count 0.
    """
    log_p = torch.log_softmax(y_pred, dim=-1) if from_logits else \
        y_pred.clamp(EPSILON, 1.0).log()
    target = y_true.long().reshape(y_true.shape[0], -1)
    lengths = (target > 0).sum(dim=1)
    B, T = log_p.shape[:2]
    per_sample = F.ctc_loss(log_p.transpose(0, 1), target[target > 0],
                            torch.full((B,), T, dtype=torch.long), lengths, blank=0,
                            reduction="none", zero_infinity=True)
    return per_sample / lengths.clamp(min=1).to(per_sample.dtype)


def CTC(from_logits: bool = False) -> LossFunction:  # noqa: N802
    """loss='ctc': CTC from the softmax output (or its logits), targets padded with 0."""
    return LossFunction("ctc", ctc, "softmax", from_logits)


def crf_placeholder() -> LossFunction:
    """The name 'crf': compile() replaces it by the loss of the model's last layer, a CRF."""
    return LossFunction("crf", _crf_needs_its_layer, "crf", takes_mask=True)


def get(identifier) -> LossFunction:
    """The fit loop's LossFunction from a Keras name ('mse', 'Huber'), a Loss instance or
    class, its config {class_name, config}, a LossFunction, or a function
    f(y_true, y_pred) -> per-sample loss."""
    if isinstance(identifier, LossFunction):
        return identifier
    if identifier == "crf":
        return crf_placeholder()
    if identifier == "ctc":
        return CTC()
    if isinstance(identifier, str):
        if identifier not in LOSSES:
            names = sorted(n for n in LOSSES if n.islower())
            raise ValueError(f"Unknown loss {identifier!r}. Available: {', '.join(names)} "
                             "(or their Keras class names, such as 'MeanSquaredError').")
        return LOSSES[identifier]().as_loss_function()
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        identifier = identifier()
    if isinstance(identifier, Loss):
        return identifier.as_loss_function()
    if callable(identifier):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]().as_loss_function()
        return LossFunction(getattr(identifier, "__name__", "custom_loss"), identifier)
    raise TypeError(
        f"loss must be a name such as 'mse', a loss such as rnnkit.losses.Huber() or a function "
        f"f(y_true, y_pred), got {type(identifier).__name__}.")


def serialize(loss: Loss) -> dict[str, Any]:
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict[str, Any]) -> Loss:
    name = config.get("class_name")
    if name not in LOSSES:
        raise ValueError(f"Unknown loss class {name!r}. Available: "
                         f"{', '.join(c.__name__ for c in CLASSES)}.")
    return LOSSES[name].from_config(dict(config.get("config") or {}))
