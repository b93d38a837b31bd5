"""Headline metrics that work near zero, the series transform, and conformal intervals.

    RMSE  = sqrt(mean (y - y_hat)^2)
    MAE   = mean |y - y_hat|
    MASE  = MAE / mean_t |y_t - y_{t-s}|        (in-sample seasonal naive MAE, before the test)
    sMAPE = 100 mean 2 |y - y_hat| / (|y| + |y_hat|)
    MAPE  = 100 mean |y - y_hat| / |y|          only when the series stays away from zero

Intervals (normalised split conformal on the transformed scale z; a few validation origins
give few errors per step h, so the steps share one quantile of scaled errors):

    e_{h,j} = |z_{o_j+h} - z_hat_{o_j+h}|       over validation origins o_j (data before the test)
    sigma_h = mean_j e_{h,j}, made non-decreasing in h     the typical error at step h
    r = the ceil((m+1) c)-th smallest of all m scaled errors e_{h,j} / sigma_h
    q_h = r sigma_h,   interval_{n+h} = T^-1(z_hat_{n+h} -+ q_h),   c = nominal coverage

The same recipe checked before the test (backtest_coverage): each origin o_k of the later
half, in time order, gets q_h from the origins o_j with o_j + H <= o_k (their targets were
seen by then); the share of its errors within q_h, pooled, is the coverage to expect when
the test years are like the recent past.
"""
from __future__ import annotations

import math

import numpy as np

FAR_FROM_ZERO = 0.1       # MAPE only if every |y| >= 10% of the mean |y|


class Transform:
    """z = log y, log1p y or y; the inverse clips at 0 when the series is non-negative, so
    forecasts never go below zero. With log='auto': log1p for a non-negative series with
    zeros; log for a positive series whose spread grows with its level (a multiplicative
    season, as airline passengers); else y (an additive season, as CO2 in ppm):

        log s_i = a + b log m_i     m_i, s_i: mean and spread of chunk i (a season each);
        log when b > 0.5            spread proportional to level has b = 1, constant b = 0
        and max m_i > 1.5 min m_i   (a level that barely moves makes b noise and log moot)

    >>> t = Transform.for_series(np.array([0.0, 3.0, 8.0]))
    >>> t.kind, t.inverse(np.array([-5.0, np.log1p(3.0)])).round(6).tolist()
    ('log1p', [0.0, 3.0])
    """

    KINDS = ("log", "log1p", "none")

    def __init__(self, kind: str, non_negative: bool):
        self.kind, self.non_negative = kind, non_negative

    @classmethod
    def for_series(cls, y, log: str | bool = "auto", season: int = 1) -> Transform:
        low = float(np.nanmin(y))
        non_negative = low >= 0
        if log is False or log == "no":
            return cls("none", non_negative)
        if log == "auto" and low > 0 and not multiplicative(y, season):
            return cls("none", non_negative)
        kind = "log" if low > 0 else "log1p" if non_negative else "none"
        return cls(kind, non_negative)

    def forward(self, y):
        y = np.asarray(y, dtype=np.float64)
        return np.log(y) if self.kind == "log" else np.log1p(y) if self.kind == "log1p" else y

    def inverse(self, z):
        z = np.asarray(z, dtype=np.float64)
        y = np.exp(z) if self.kind == "log" else np.expm1(z) if self.kind == "log1p" else z
        return np.maximum(y, 0.0) if self.non_negative else y

    def to_dict(self) -> dict:
        return {"kind": self.kind, "non_negative": self.non_negative}


def multiplicative(y, season: int) -> bool:
    """The spread grows with the level, and the level moves enough to tell."""
    v = np.asarray(y, dtype=np.float64)
    L = season if season > 1 else 12
    means = [np.nanmean(v[i:i + L]) for i in range(0, len(v) - L + 1, L)]
    moves = len(means) >= 3 and max(means) > 1.5 * min(means)
    return bool(moves and level_elasticity(v, season) > 0.5)


def level_elasticity(y, season: int) -> float:
    """b in log s_i = a + b log m_i over chunks of one season (12 steps without one); the
    spread s_i is the standard deviation around the chunk's straight line.

    >>> t = np.arange(120.0); level = 100 + 5 * t
    >>> round(level_elasticity(level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)), 12), 1)
    1.0
    >>> round(level_elasticity(level + 20 * np.sin(2 * np.pi * t / 12), 12), 2)
    0.0
    """
    v = np.asarray(y, dtype=np.float64)
    v = v[~np.isnan(v)]
    L = season if season > 1 else 12
    chunks = [v[i:i + L] for i in range(0, len(v) - L + 1, L)]
    if len(chunks) < 3:
        return 0.0
    x = np.arange(L)
    spread = np.array([np.std(c - np.polyval(np.polyfit(x, c, 1), x)) for c in chunks])
    level = np.array([c.mean() for c in chunks])
    if np.any(spread <= 0) or np.ptp(np.log(level)) < 1e-9:
        return 0.0
    return float(np.polyfit(np.log(level), np.log(spread), 1)[0])


def mase_scale(history, season: int) -> float:
    """mean |y_t - y_{t-s}| over the history (s = 1 without a season).

    >>> mase_scale(np.array([1.0, 2, 4, 7]), 1)
    2.0
    """
    y = np.asarray(history, dtype=np.float64)
    s = season if len(y) > season else 1
    d = np.abs(y[s:] - y[:-s])
    return float(np.nanmean(d)) if len(d) else math.nan


def point_scores(truth, pred, scale: float, with_mape: bool) -> dict:
    """RMSE, MAE, MASE, sMAPE (and MAPE) of the scored values.

    >>> point_scores(np.array([100.0, 200]), np.array([110.0, 180]), 10.0, True)["mape"]
    10.0
    """
    err = truth - pred
    denominator = np.abs(truth) + np.abs(pred)
    ratio = np.divide(2 * np.abs(err), denominator, out=np.zeros_like(err),
                      where=denominator > 0)
    out = {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))),
           "mase": float(np.mean(np.abs(err)) / scale) if scale > 0 else None,
           "smape": float(100 * np.mean(ratio))}
    out["mape"] = float(100 * np.mean(np.abs(err / truth))) if with_mape else None
    return out


def mape_applies(y) -> bool:
    """MAPE means something only when the values stay away from zero.

    >>> mape_applies(np.array([100.0, 120])), mape_applies(np.array([0.0, 5, 9]))
    (True, False)
    """
    a = np.abs(np.asarray(y, dtype=np.float64))
    a = a[~np.isnan(a)]
    return bool(len(a)) and bool(a.min() >= FAR_FROM_ZERO * a.mean())


def conformal_widths(errors, coverage: float) -> np.ndarray:
    """q_h from absolute errors (m origins x H steps; NaN where unknown), non-decreasing.

    >>> conformal_widths(np.array([[1.0, 2], [2, 4], [3, 6], [2, 4]]), 0.5).tolist()
    [2.0, 4.0]
    """
    e = np.asarray(errors, dtype=np.float64)
    with np.errstate(all="ignore"):
        sigma = np.nanmean(e, axis=0)                            # (H,), NaN if never seen
    seen = np.flatnonzero(np.isfinite(sigma) & (sigma > 0))
    if not len(seen):
        return np.full(e.shape[1], math.nan)
    sigma = np.interp(np.arange(e.shape[1]), seen, sigma[seen])  # fill unseen steps
    sigma = np.maximum.accumulate(sigma)
    scaled = (e / sigma)[~np.isnan(e)]
    v = np.sort(scaled)
    rank = min(math.ceil((len(v) + 1) * coverage), len(v))       # 1-based
    return v[rank - 1] * sigma


def backtest_coverage(origins, errors, coverage: float) -> float | None:
    """Coverage (in %) of the later half of the origins, each calibrated on the earlier
    origins whose targets it has seen (see the module docstring); None if too few.

    >>> e = np.array([[1.0], [2], [3], [4], [5], [0.5], [9]])
    >>> backtest_coverage(np.arange(7), e, 0.5)   # origins 3-6: widths 2, 3, 3, 3 -> 1 of 4
    25.0
    """
    order = np.argsort(origins, kind="stable")
    o, e = np.asarray(origins)[order], np.abs(np.asarray(errors, dtype=np.float64))[order]
    H, hits = e.shape[1], []
    for k in range(len(o) // 2, len(o)):
        seen = e[o + H <= o[k]]
        if len(seen) < 2 or not np.isfinite(seen).any():
            continue
        q = conformal_widths(seen, coverage)
        known = ~np.isnan(e[k])
        hits.append(e[k][known] <= q[known])
    hits = np.concatenate(hits) if hits else np.array([])
    return float(100 * hits.mean()) if len(hits) else None


def coverage(truth, low, high) -> float:
    """Share (in %) of the truth inside [low, high].

    >>> coverage(np.array([1.0, 2, 3, 4]), np.zeros(4), np.full(4, 2.5))
    50.0
    """
    return float(100 * np.mean((truth >= low) & (truth <= high)))
