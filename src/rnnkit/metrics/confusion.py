"""Metrics that are ratios of counts: Precision, Recall, AUC. Their epoch value comes from
the epoch's counts (TP, FP, ...), never from a mean of per-batch ratios.

    >>> y_true = torch.tensor([1.0, 0.0, 1.0, 1.0])
    >>> y_pred = torch.tensor([0.9, 0.8, 0.2, 0.7])    # > 0.5 is a positive: TP 2, FP 1, FN 1
    >>> precision, recall = Precision(), Recall()
    >>> precision.update_state(y_true, y_pred)
    >>> recall.update_state(y_true, y_pred)
    >>> round(float(precision.result()), 4), round(float(recall.result()), 4)
    (0.6667, 0.6667)
"""
from __future__ import annotations

import torch
from torch import Tensor

from .base import Metric, _weighted


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
