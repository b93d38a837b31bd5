"""Time-series preprocessing: windows, time-ordered splits, scalers, missing values, a
seasonal naive baseline and forecast metrics.

Pure NumPy functions. A series is time first: (T,) for one variable or (T, F) for F
features. Scalers are fitted on the training part only, so that no statistic of the
validation or test future leaks into training.

    >>> series = np.arange(10.0)
    >>> train, val, test = time_split(len(series), val_fraction=0.2, test_size=2)
    >>> scaler = MinMaxScaler().fit(series[train])
    >>> X, Y = make_windows(scaler.transform(series[train]), window=3)
    >>> X.shape, Y.shape
    ((3, 3, 1), (3, 1))
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from rnnkit.errors import DataError

__all__ = [
    "MinMaxScaler",
    "StandardScaler",
    "fill_missing",
    "make_windows",
    "mape",
    "rmse",
    "seasonal_naive",
    "time_split",
]

MISSING_POLICIES = ("interpolate", "ffill", "drop", "error")


def make_windows(series, window: int, horizon: int = 1, stride: int = 1):
    """Cut a series into (past window, next horizon) pairs for supervised forecasting.

        X[i] = series[s : s + window],  Y[i] = series[s + window : s + window + horizon],
        s = i * stride,  N = (T - window - horizon) // stride + 1 pairs

    Shapes: series (T,) -> X (N, window, 1), Y (N, horizon);
    series (T, F) -> X (N, window, F), Y (N, horizon, F). X always has the feature axis
    that recurrent layers expect. The series must not contain NaN (see fill_missing).

    >>> X, Y = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.]])
    >>> Y
    array([[3., 4.],
           [4., 5.]])
    """
    values = _as_series(series, "series")
    for name, number in (("window", window), ("horizon", horizon), ("stride", stride)):
        _check_positive_int(name, number)
    v = values if values.ndim == 2 else values[:, None]                # (T, F)
    T, need = len(v), window + horizon
    if T < need:
        raise DataError(
            f"make_windows needs a series of at least window + horizon = {window} + "
            f"{horizon} = {need} time steps, got {T}. Use a smaller window or horizon, or "
            "a longer series.")
    _reject_nan(v, "make_windows")
    starts = np.arange(0, T - need + 1, stride)                        # (N,)
    segments = v[starts[:, None] + np.arange(need)[None, :]]           # (N, window+horizon, F)
    X, Y = segments[:, :window], segments[:, window:]
    return X, (Y if values.ndim == 2 else Y[..., 0])


def time_split(n: int, val_fraction: float = 0.0, test_size: int | None = None,
               test_fraction: float | None = None) -> tuple[slice, slice, slice]:
    """Split n time steps into (train, validation, test) slices, in that time order.

    Nothing is shuffled: the model is scored on the future of what it learned from.
    The test part has `test_size` steps, or round(n * test_fraction); the validation part
    has round(n * val_fraction) steps (fractions of the whole n); train gets the rest.
    Windows for validation or test may reach back into the previous part for their inputs.

    >>> time_split(144, val_fraction=0.1, test_size=24)
    (slice(0, 106, None), slice(106, 120, None), slice(120, 144, None))
    """
    _check_positive_int("n", n)
    if test_size is not None and test_fraction is not None:
        raise ValueError(f"time_split takes test_size or test_fraction, got both ({test_size} "
                         f"and {test_fraction}). Pass only one.")
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if fraction is not None and not 0.0 <= fraction < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {fraction}. Example: 0.1 for 10%.")
    if test_size is not None and (isinstance(test_size, bool) or not isinstance(test_size, int)
                                  or test_size < 0):
        raise ValueError(f"test_size must be a count of time steps >= 0, got {test_size!r}.")
    n_test = test_size if test_size is not None else _round(n * (test_fraction or 0.0))
    n_val = _round(n * val_fraction)
    n_train = n - n_val - n_test
    if n_train < 1:
        raise DataError(
            f"time_split of {n} steps leaves {n_train} for training (validation {n_val}, "
            f"test {n_test}). Use a smaller test_size / fractions, or a longer series.")
    return slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, n)


class _Scaler:
    """Shared plumbing: NaN-aware per-feature statistics, shape checks, JSON config."""

    _state: tuple[str, ...] = ()

    def fit(self, x):
        raise NotImplementedError

    def _stats(self, x, reducers):
        """Per-feature statistics over every axis but the last (or all, for a 1-D series)."""
        values = _as_array(x, "x")
        axes = tuple(range(values.ndim - 1)) if values.ndim > 1 else None
        observed = np.sum(~np.isnan(values), axis=axes)
        if np.any(observed == 0):
            raise DataError(f"{type(self).__name__}.fit got a feature with no observed value "
                            "(all NaN). Fill or drop that feature before fitting.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return [np.asarray(reduce(values, axis=axes), dtype=np.float64) for reduce in reducers]

    def _require_fitted(self) -> None:
        if getattr(self, self._state[0]) is None:
            raise ValueError(f"{type(self).__name__} is not fitted yet. Call fit(train_values) "
                             "first, on the training part only.")

    def _check(self, x):
        self._require_fitted()
        values = _as_array(x, "x")
        n_features = np.shape(getattr(self, self._state[0]))
        if n_features and values.shape[-1:] != n_features:
            raise ValueError(
                f"{type(self).__name__} was fitted on {n_features[0]} features (last axis), "
                f"got an array of shape {values.shape}. Transform arrays with the same "
                "features as the training data.")
        return values

    def to_dict(self) -> dict:
        """The fitted state as JSON-serialisable Python values."""
        self._require_fitted()
        config = {"class_name": type(self).__name__}
        config.update({key.rstrip("_"): np.asarray(getattr(self, key)).tolist()
                       for key in self._state})
        return config

    @classmethod
    def from_dict(cls, config: dict):
        """Rebuild a fitted scaler from `to_dict()` output."""
        if config.get("class_name") != cls.__name__:
            raise ValueError(f"{cls.__name__}.from_dict expects a config with class_name "
                             f"{cls.__name__!r}, got {config.get('class_name')!r}.")
        init_args = {}
        if "feature_range" in config:                    # MinMaxScaler's one argument
            init_args["feature_range"] = tuple(config["feature_range"])
        scaler = cls(**init_args)
        for key in cls._state:
            setattr(scaler, key, np.asarray(config[key.rstrip("_")], dtype=np.float64))
        return scaler


class StandardScaler(_Scaler):
    """Standardise each feature: z = (x - mean) / std, and back: x = z * std + mean.

    Statistics are per feature (the last axis) for arrays of 2 or more dimensions, and one
    mean and std for a 1-D series. The fit ignores NaN, and NaN stays NaN. A constant
    feature gets std 1. Fit on the training part only.

    >>> scaler = StandardScaler().fit(np.array([1.0, 2.0, np.nan, 3.0]))
    >>> scaler.transform(np.array([2.0, 4.0]))
    array([0.        , 2.44948974])
    >>> StandardScaler.from_dict(scaler.to_dict()).inverse_transform(np.array([0.0]))
    array([2.])
    """

    _state = ("mean_", "scale_")

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, x) -> StandardScaler:
        self.mean_, std = self._stats(x, (np.nanmean, np.nanstd))
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, x):
        values = self._check(x)
        return _like(values, (values - self.mean_) / self.scale_)

    def inverse_transform(self, z):
        values = self._check(z)
        return _like(values, values * self.scale_ + self.mean_)


class MinMaxScaler(_Scaler):
    """Rescale each feature linearly so the training minimum and maximum map to
    `feature_range`: z = lo + (x - min) * (hi - lo) / (max - min).

    Same axes, NaN handling and fit-on-train rule as StandardScaler; a constant feature
    maps to `lo`. Values outside the training range map outside `feature_range`.

    >>> scaler = MinMaxScaler().fit(np.array([[0.0, 10.0], [5.0, np.nan], [10.0, 30.0]]))
    >>> scaler.transform(np.array([[5.0, 20.0]]))
    array([[0.5, 0.5]])
    >>> config = scaler.to_dict()
    >>> config["feature_range"], config["data_min"], config["data_max"]
    ([0.0, 1.0], [0.0, 10.0], [10.0, 30.0])
    """

    _state = ("data_min_", "data_max_")

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"feature_range must be (low, high) with low < high, got "
                             f"{feature_range}. Example: (0.0, 1.0) or (-1.0, 1.0).")
        self.feature_range = (float(lo), float(hi))
        self.data_min_ = None
        self.data_max_ = None

    def fit(self, x) -> MinMaxScaler:
        self.data_min_, self.data_max_ = self._stats(x, (np.nanmin, np.nanmax))
        return self

    def _scale(self):
        lo, hi = self.feature_range
        data_range = self.data_max_ - self.data_min_
        return (hi - lo) / np.where(data_range > 0, data_range, 1.0)

    def transform(self, x):
        values = self._check(x)
        return _like(values, (values - self.data_min_) * self._scale() + self.feature_range[0])

    def inverse_transform(self, z):
        values = self._check(z)
        return _like(values, (values - self.feature_range[0]) / self._scale() + self.data_min_)

    def to_dict(self) -> dict:
        config = super().to_dict()
        return {"class_name": config.pop("class_name"),
                "feature_range": list(self.feature_range), **config}


def fill_missing(values, policy: str = "interpolate"):
    """Fill or drop the NaN of a series, with an explicit policy.

    - 'interpolate': linear in position between the observed neighbours; NaN before the
      first or after the last observation take that observation's value;
    - 'ffill': each NaN takes the last observed value before it; leading NaN take the
      first observed value (there is nothing earlier to carry forward);
    - 'drop': remove the time steps with a NaN in any feature; the result is shorter and
      no longer evenly spaced in time;
    - 'error': raise DataError naming the first missing positions.

    A (T, F) series is filled column by column. The input is not modified.

    >>> fill_missing(np.array([1.0, np.nan, 3.0, np.nan]), "interpolate")
    array([1., 2., 3., 3.])
    >>> fill_missing(np.array([np.nan, 1.0, np.nan, 4.0]), "ffill")
    array([1., 1., 1., 4.])
    >>> fill_missing(np.array([1.0, np.nan, 3.0]), "drop")
    array([1., 3.])
    """
    if policy not in MISSING_POLICIES:
        raise ValueError(f"Unknown missing-value policy {policy!r}. Expected one of "
                         f"{', '.join(map(repr, MISSING_POLICIES))}.")
    series = _as_series(values, "values")
    missing = np.isnan(series)
    if policy == "error":
        _reject_nan(series, "fill_missing(policy='error')")
        return series.copy()
    if policy == "drop":
        return series[~missing.any(axis=1)] if series.ndim == 2 else series[~missing]
    columns = series[:, None] if series.ndim == 1 else series
    filled = np.empty_like(columns)
    for j in range(columns.shape[1]):
        filled[:, j] = _fill_column(columns[:, j], policy, j)
    return filled[:, 0] if series.ndim == 1 else filled


def seasonal_naive(history, horizon: int, season: int):
    """Seasonal naive forecast: each future step repeats the value one season earlier.

        y_hat[T + h] = y[T - season + (h mod season)],   h = 0 .. horizon - 1

    A horizon longer than one season repeats the last observed season (as `snaive` in
    Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*). history is (T,) or
    (T, F); the forecast is (horizon,) or (horizon, F).

    >>> seasonal_naive(np.array([1.0, 2, 3, 4, 5, 6]), horizon=4, season=3)
    array([4., 5., 6., 4.])
    """
    values = _as_series(history, "history")
    _check_positive_int("horizon", horizon)
    _check_positive_int("season", season)
    if len(values) < season:
        raise DataError(f"seasonal_naive needs at least one full season ({season} steps) of "
                        f"history, got {len(values)}. Use a shorter season or more history.")
    last_season = values[len(values) - season:]
    _reject_nan(last_season, "seasonal_naive (last season of the history)")
    return last_season[np.arange(horizon) % season].copy()


def rmse(y_true, y_pred) -> float:
    """Root mean squared error, in the units of the series.

    >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 6.0])
    1.7320508075688772
    """
    truth, pred = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((truth - pred) ** 2)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error, in percent: 100 * mean(|y - y_hat| / |y|).

    Undefined when the truth holds a zero: that raises DataError (use rmse instead).

    >>> mape([100.0, 200.0], [110.0, 180.0])
    10.0
    """
    truth, pred = _pair(y_true, y_pred, "mape")
    zeros = truth == 0
    if zeros.any():
        raise DataError(
            f"mape is undefined when the true values contain zeros: got {int(zeros.sum())} "
            f"zero(s), first at flat position(s) {_positions(zeros.reshape(-1))}. Use rmse "
            "for this series, or score on a series without zeros.")
    return float(100.0 * np.mean(np.abs((truth - pred) / truth)))


# ----------------------------------------------------------------------------- helpers

def _as_array(x, name: str) -> np.ndarray:
    try:
        values = np.asarray(x)
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be numeric (an array of numbers), got "
                        f"{type(x).__name__}: {err}. Convert the values to floats first.") from None
    if values.ndim == 0 or values.size == 0:
        raise DataError(f"{name} must be a non-empty array, got shape {values.shape}.")
    return values


def _as_series(x, name: str) -> np.ndarray:
    values = _as_array(x, name)
    if values.ndim > 2:
        raise DataError(f"{name} must be a series of shape (T,) or (T, F), got shape "
                        f"{values.shape}. Pass one series, time first.")
    return values


def _like(template: np.ndarray, result: np.ndarray) -> np.ndarray:
    """Keep the caller's float precision (float32 stays float32 for torch)."""
    return result.astype(template.dtype, copy=False)


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _round(x: float) -> int:
    return math.floor(x + 0.5)                       # half up, unlike round()'s half-even


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    where = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in where[:limit])
    return shown + (f" (and {len(where) - limit} more)" if len(where) > limit else "")


def _reject_nan(values: np.ndarray, where: str) -> None:
    missing = np.isnan(values)
    rows = missing.any(axis=1) if missing.ndim == 2 else missing
    if rows.any():
        raise DataError(
            f"{where} expects no missing values, got {int(rows.sum())} time step(s) with NaN, "
            f"first at position(s) {_positions(rows)}. Fill them first with "
            "fill_missing(values, policy='interpolate' | 'ffill' | 'drop').")


def _fill_column(column: np.ndarray, policy: str, j: int) -> np.ndarray:
    observed = ~np.isnan(column)
    if not observed.any():
        raise DataError(f"fill_missing cannot fill feature {j}: every value is NaN. Drop that "
                        "feature or check the data source.")
    steps = np.arange(len(column))
    if policy == "interpolate":
        return np.interp(steps, steps[observed], column[observed])
    last_seen = np.maximum.accumulate(np.where(observed, steps, -1))   # ffill
    last_seen[last_seen < 0] = np.argmax(observed)                      # leading NaN
    return column[last_seen]


def _pair(y_true, y_pred, metric: str) -> tuple[np.ndarray, np.ndarray]:
    truth, pred = _as_array(y_true, "y_true"), _as_array(y_pred, "y_pred")
    if truth.shape != pred.shape:
        raise ValueError(f"{metric} expects y_true and y_pred of the same shape, got "
                         f"{truth.shape} and {pred.shape}. Reshape one of them (e.g. "
                         "y_pred.reshape(y_true.shape)) so values pair up one to one.")
    for name, values in (("y_true", truth), ("y_pred", pred)):
        if np.isnan(values).any():
            raise DataError(f"{metric} got NaN in {name} at flat position(s) "
                            f"{_positions(np.isnan(values).reshape(-1))}. Fill or drop "
                            "those steps before scoring.")
    return truth.astype(np.float64), pred.astype(np.float64)
