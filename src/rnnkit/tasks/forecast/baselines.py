"""Classical baselines, refitted on the history before every forecast block.

Each works on z, the series after the run's transform (log, log1p or none), and returns
the next h values of z. n is the history length, s the season, i = 0 .. h-1:

    naive                    z_hat_{n+i} = z_n
    seasonal naive           z_hat_{n+i} = z_{n-s+(i mod s)}
    drift                    z_hat_{n+i} = z_n + (i+1) (z_n - z_1) / (n-1)
    seasonal naive + drift   z_hat_{n+i} = z_{n-s+(i mod s)} + (floor(i/s)+1) mean_t(z_t - z_{t-s})
    ETS (damped)             Holt-Winters, additive damped trend (+ additive season, s <= 52)
    ARIMA                    (p,d,q) by AIC over a small grid, d by an ADF test; with a
                             seasonal (0,1,1)_s part when 1 < s <= 24
    Fourier + ARIMA errors   z_t = sum_k a_k sin(2 pi k t/P) + b_k cos(2 pi k t/P) + u_t,
                             u_t ARIMA(1,d,1) with drift; for long seasons (s > 24)

The last three need statsmodels (`pip install rnnkit[forecast]`); without it they are
skipped and the report says so. A model that fails to fit on a block is reported, not hidden.
"""
from __future__ import annotations

import warnings
from functools import partial
from typing import Callable

import numpy as np

LONG_SEASON = 24                    # above this, Fourier terms instead of seasonal ARIMA
ETS_MAX_SEASON = 52
FOURIER_TERMS = 4
CALENDAR_PERIOD = {52: 365.25 / 7, 365: 365.25}     # weeks and days a year, exactly
ARIMA_GRID = ((0, 1), (1, 0), (1, 1), (2, 1))        # (p, q)
QUICK_GRID = ((0, 1),)                                # the demo: one fit per block


def naive(z, h: int, s: int):
    """
    >>> naive(np.array([1.0, 2, 3]), 2, 1)
    array([3., 3.])
    """
    return np.full(h, z[-1], dtype=np.float64)


def seasonal_naive(z, h: int, s: int):
    """
    >>> seasonal_naive(np.array([1.0, 2, 3, 4, 5, 6]), 4, 3)
    array([4., 5., 6., 4.])
    """
    return np.asarray(z[len(z) - s:], dtype=np.float64)[np.arange(h) % s]


def drift(z, h: int, s: int):
    """
    >>> drift(np.array([1.0, 2, 4]), 2, 1)
    array([5.5, 7. ])
    """
    slope = (z[-1] - z[0]) / (len(z) - 1)
    return z[-1] + slope * np.arange(1, h + 1)


def seasonal_naive_drift(z, h: int, s: int):
    """
    >>> seasonal_naive_drift(np.array([1.0, 2, 3, 5]), 3, 2)
    array([5.5, 7.5, 8. ])
    """
    z = np.asarray(z, dtype=np.float64)
    growth = np.mean(z[s:] - z[:-s])                  # mean change over one season
    i = np.arange(h)
    return z[len(z) - s + i % s] + (i // s + 1) * growth


def ets_damped(z, h: int, s: int):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    seasonal = 1 < s <= ETS_MAX_SEASON and len(z) >= 2 * s + 2
    model = ExponentialSmoothing(z, trend="add", damped_trend=True,
                                 seasonal="add" if seasonal else None,
                                 seasonal_periods=s if seasonal else None)
    return np.asarray(model.fit().forecast(h))


def arima(z, h: int, s: int, grid=ARIMA_GRID):
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    seasonal = 1 < s <= LONG_SEASON and len(z) >= 3 * s
    base = z[s:] - z[:-s] if seasonal else z
    d = 0 if _stationary(base) else 1
    fits = []
    for p, q in grid:
        model = SARIMAX(z, order=(p, d, q), seasonal_order=(0, 1, 1, s) if seasonal else
                        (0, 0, 0, 0), trend=_trend(d, seasonal))
        fits.append(model.fit(disp=False))
    best = min(fits, key=lambda fit: fit.aic)
    return np.asarray(best.forecast(h))


def fourier_arima(z, h: int, s: int):
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    n = len(z)
    X = fourier_terms(n + h, CALENDAR_PERIOD.get(s, float(s)), min(FOURIER_TERMS, s // 2))
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(n), X[:n]]), z, rcond=None)
    d = 0 if _stationary(z - X[:n] @ coef[1:]) else 1
    fit = SARIMAX(z, exog=X[:n], order=(1, d, 1), trend=_trend(d, False)).fit(disp=False)
    return np.asarray(fit.forecast(h, exog=X[n:]))


def fourier_terms(length: int, period: float, k: int) -> np.ndarray:
    """(length, 2k) columns sin(2 pi j t / period), cos(2 pi j t / period), j = 1..k.

    >>> fourier_terms(4, 4.0, 1).round(6)
    array([[ 0.,  1.],
           [ 1.,  0.],
           [ 0., -1.],
           [-1., -0.]])
    """
    t = np.arange(length)[:, None] * np.arange(1, k + 1)[None, :] * (2 * np.pi / period)
    return np.stack([np.sin(t), np.cos(t)], axis=2).reshape(length, 2 * k)


def _stationary(x) -> bool:
    from statsmodels.tsa.stattools import adfuller
    return adfuller(x, autolag="AIC")[1] < 0.05


def _trend(d: int, seasonal: bool) -> str | None:
    """A constant (or drift after one difference); none once seasonal differences remove it."""
    if seasonal:
        return "c" if d == 0 else None
    return "c" if d == 0 else "t"


# name -> (function, needs statsmodels, applies to this season?)
BASELINES: dict[str, tuple[Callable, bool, Callable[[int], bool]]] = {
    "naive": (naive, False, lambda s: True),
    "seasonal naive": (seasonal_naive, False, lambda s: s > 1),
    "drift": (drift, False, lambda s: True),
    "seasonal naive + drift": (seasonal_naive_drift, False, lambda s: s > 1),
    "ETS (damped)": (ets_damped, True, lambda s: True),
    "ARIMA": (arima, True, lambda s: True),
    "Fourier + ARIMA errors": (fourier_arima, True, lambda s: s > LONG_SEASON),
}


def have_statsmodels() -> bool:
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        return False
    return True


def applicable(season: int, names=None) -> list[str]:
    """The baselines that make sense for this season (and can run here)."""
    sm = have_statsmodels()
    return [name for name, (_, needs_sm, fits) in BASELINES.items()
            if fits(season) and (sm or not needs_sm) and (names is None or name in names)]


def forecast_block(name: str, z, h: int, s: int, quick: bool = False):
    """h values of z from one baseline; NaN when its fit fails (counted in the report).
    quick: ARIMA tries one order instead of a grid (the demo's time budget)."""
    function = BASELINES[name][0]
    if quick and function is arima:
        function = partial(arima, grid=QUICK_GRID)
    if BASELINES[name][1]:
        # statsmodels adds "always" filters for its warnings when first imported: import it
        # before ours, so that ours comes first
        import statsmodels.tools.sm_exceptions  # noqa: F401
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # statsmodels' convergence chatter
        try:
            out = np.asarray(function(np.asarray(z, dtype=np.float64), h, s), dtype=np.float64)
        except (ValueError, np.linalg.LinAlgError, IndexError):
            return np.full(h, np.nan)
    return out if np.isfinite(out).all() else np.full(h, np.nan)
