"""The season length from the data: an autocorrelation peak that repeats, or "no season".

    r_t = y_t - (a + b t + c t^2)                     detrended (quadratic trend removed)
    rho_k = sum_t r_t r_{t-k} / sum_t r_t^2           autocorrelation at lag k
    s = argmax of the local maxima of rho_k after rho first turns negative

s is a season when rho_s > 0.3 and, where the series holds two seasons more, the next
repeat stays up too: rho_{2s} n/(n-2s) > 0.7 rho_s n/(n-s) (each rho_k sums only n - k
products). A damped cycle (sunspots, business cycles,
an AR(2) with complex roots) has rho_{2s} ~ rho_s^2, so its one peak is not taken for a
season; a fixed season repeats with nearly the same strength. Otherwise: 1, no season.
"""
from __future__ import annotations

import numpy as np

from rnnkit.preprocessing.timeseries import fill_missing

MIN_PEAK = 0.3          # rho_s must exceed this
REPEAT = 0.7            # rho_{2s} must keep this share of rho_s
CALENDAR = (7, 12, 24, 52, 168, 365)   # days a week, months, hours, weeks, hours a week


def autocorrelation(values, max_lag: int) -> np.ndarray:
    """rho_1 .. rho_max_lag of the series minus a quadratic trend (index k-1 holds rho_k).

    >>> np.round(autocorrelation(np.tile([1.0, -1.0], 20), 2), 2)
    array([-0.97,  0.95])
    """
    v = fill_missing(np.asarray(values, dtype=np.float64), "interpolate")
    t = np.arange(len(v))
    r = v - np.polyval(np.polyfit(t, v, 2), t) if len(v) >= 9 else v - v.mean()
    denominator = r @ r
    if denominator == 0:
        return np.zeros(max_lag)
    return np.array([r[k:] @ r[:-k] for k in range(1, max_lag + 1)]) / denominator


def detect_season(values, max_lag: int = 800) -> int:
    """The season length in steps, or 1 when nothing supports a season.

    >>> t = np.arange(120.0)
    >>> detect_season(t + 10 * np.sin(2 * np.pi * t / 12))
    12
    >>> detect_season(np.random.default_rng(0).standard_normal(200))
    1
    """
    n = len(values)
    lags = min(max_lag, (2 * n) // 3)
    if lags < 4:
        return 1
    rho = autocorrelation(values, lags)
    fair = rho * n / (n - np.arange(1, lags + 1))        # rho_k sums only n - k products
    negative = np.flatnonzero(rho < 0)
    start = negative[0] + 1 if len(negative) else len(rho)
    # a season must repeat twice more inside the data: 2s within the lags we have
    peaks = [k for k in range(start, len(rho) - 1)
             if rho[k - 1] <= rho[k] >= rho[k + 1] and 2 * (k + 1) + 1 <= lags]
    if not peaks:
        return 1
    top = max(peaks, key=fair.__getitem__)
    if rho[top] <= MIN_PEAK:
        return 1
    s = _calendar(min((k + 1 for k in peaks if fair[k] >= 0.8 * fair[top]
                       and _divides(k + 1, top + 1)), default=top + 1))
    repeat = fair[2 * s - 2:2 * s + 1].max()               # +-1 step: periods not integer
    if rho[s - 1] <= MIN_PEAK or repeat <= REPEAT * fair[s - 1]:
        return 1
    return s


def _divides(p: int, q: int) -> bool:
    """q is close (5%) to a multiple m * p, m >= 2: p is the fundamental of a peak at q."""
    m = round(q / p)
    return m >= 2 and abs(q - m * p) <= 0.05 * q


def _calendar(s: int) -> int:
    """A calendar period within 3% of s (a broad yearly peak at 360 days is 365)."""
    near = [p for p in CALENDAR if abs(s - p) <= 0.03 * p]
    return near[0] if near else s
