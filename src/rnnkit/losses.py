"""Losses with Keras's names. Each takes (y_true, y_pred) and returns one value per sample
(or per sample and step); the fit loop averages them, weighted by class_weight if given.

The cross-entropies are computed from logits when the model ends in a Dense layer with the
matching activation (sigmoid for binary, softmax for categorical): compile() notices it and
the loss never takes the log of a saturated probability.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

EPSILON = 1e-7   # Keras's backend epsilon, used when a loss receives probabilities


def mean_squared_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return (y_pred - y_true).square().mean(dim=-1)


def mean_absolute_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return (y_pred - y_true).abs().mean(dim=-1)


def huber(y_true: Tensor, y_pred: Tensor, delta: float = 1.0) -> Tensor:
    return F.huber_loss(y_pred, y_true, reduction="none", delta=delta).mean(dim=-1)


def binary_crossentropy(y_true: Tensor, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none").mean(dim=-1)
    p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
    return -(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log()).mean(dim=-1)


def categorical_crossentropy(y_true: Tensor, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    if from_logits:
        log_p = torch.log_softmax(y_pred, dim=-1)
    else:
        p = y_pred / y_pred.sum(dim=-1, keepdim=True)
        log_p = p.clamp(EPSILON, 1.0 - EPSILON).log()
    return -(y_true * log_p).sum(dim=-1)


def sparse_categorical_crossentropy(y_true: Tensor, y_pred: Tensor,
                                    from_logits: bool = False) -> Tensor:
    target = y_true.long()
    if target.dim() == y_pred.dim():            # (B, 1) labels for (B, V) outputs
        target = target.squeeze(-1)
    if from_logits:
        log_p = torch.log_softmax(y_pred, dim=-1)
    else:
        log_p = y_pred.clamp(EPSILON, 1.0 - EPSILON).log()
    return -log_p.gather(-1, target.unsqueeze(-1)).squeeze(-1)


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


@dataclass(frozen=True)
class Loss:
    """A named loss. `logits_of` names the output activation whose logits it can take."""

    name: str
    fn: Callable[..., Tensor]
    logits_of: str | None = None
    from_logits: bool = False

    def __call__(self, y_true: Tensor, y_pred: Tensor, from_logits: bool | None = None) -> Tensor:
        if self.logits_of is None:
            return self.fn(y_true, y_pred)
        return self.fn(y_true, y_pred, from_logits=self.from_logits if from_logits is None
                       else from_logits)


def MeanSquaredError() -> Loss:  # noqa: N802 (Keras class names)
    return Loss("mean_squared_error", mean_squared_error)


def MeanAbsoluteError() -> Loss:  # noqa: N802
    return Loss("mean_absolute_error", mean_absolute_error)


def BinaryCrossentropy(from_logits: bool = False) -> Loss:  # noqa: N802
    return Loss("binary_crossentropy", binary_crossentropy, "sigmoid", from_logits)


def CategoricalCrossentropy(from_logits: bool = False) -> Loss:  # noqa: N802
    return Loss("categorical_crossentropy", categorical_crossentropy, "softmax", from_logits)


def SparseCategoricalCrossentropy(from_logits: bool = False) -> Loss:  # noqa: N802
    return Loss("sparse_categorical_crossentropy", sparse_categorical_crossentropy, "softmax",
                from_logits)


def CTC(from_logits: bool = False) -> Loss:  # noqa: N802
    return Loss("ctc", ctc, "softmax", from_logits)


LOSSES: dict[str, Callable[[], Loss]] = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "huber": lambda: Loss("huber", huber),
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "ctc": CTC,
}


def get(identifier) -> Loss:
    """A Loss from a Keras name, a Loss, or a function f(y_true, y_pred) -> per-sample loss."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in LOSSES:
            raise ValueError(f"Unknown loss {identifier!r}. Available: {', '.join(sorted(LOSSES))}.")
        return LOSSES[identifier]()
    if callable(identifier):
        return Loss(getattr(identifier, "__name__", "custom_loss"), identifier)
    raise TypeError(
        f"loss must be a name such as 'mse', a rnnkit.losses.Loss or a function "
        f"f(y_true, y_pred), got {type(identifier).__name__}.")
