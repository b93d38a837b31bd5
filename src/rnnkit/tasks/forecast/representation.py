"""What the network sees and predicts: two representations of the transformed series z.

'differences' (version 1, as before):
    d_t = z_t - z_{t-s};  input: scaled d over the window;  output: scaled d_{n+1..n+H}
    z_hat_{n+h} = z_{n+h-s} + d_hat_h    (inherits the noise of the value one season ago)

'hybrid' (a short season): the network learns the residual of seasonal naive with drift,
    the classical model of the same differences (as Smyl's ES-RNN corrects exponential
    smoothing). g_n = mean of d_t over the history up to the origin n, sigma = std of d
    on the training part:
    input: (d_t - g_n) / sigma over the window;  output: r_h = (d_{n+h} - g_n) / sigma
    z_hat_{n+h} = z_hat_{n+h-s} + g_n + sigma r_hat_h     (z_hat = z inside the history)
    An output of 0 is seasonal naive with drift exactly; the network starts there (its
    Dense layer starts at zero) and moves away only where validation says it helps.

'profile' (default): a smooth seasonal profile from the history, then levels and changes:
    z_t = a + b t + S(t) + x_t,   S(t) = sum_k c_k sin(2 pi k t / P) + e_k cos(2 pi k t / P)
          (least squares on the history; x_t = z_t - S(t) keeps level and trend)
    input at each step t of the window: (x_t - x_{t-1}, x_t - mean of x over the window,
          the past covariates at t, if any: --covariates)
    output: c_h = x_{n+h} - x_n, h = 1..H (direct multi-step, scaled per step)
    z_hat_{n+h} = x_n + c_hat_h + S(n+h)
Without a season (s = 1) S = 0 and the same recipe works on z itself.
"""
from __future__ import annotations

import numpy as np

from rnnkit.preprocessing.timeseries import StandardScaler, make_windows

from .baselines import CALENDAR_PERIOD, fourier_terms

REPRESENTATIONS = ("auto", "profile", "differences", "hybrid")
SHORT_SEASON = 24
MAX_TERMS = 6                      # harmonics of the seasonal profile (6 = any monthly shape)
PROFILE_SEASONS = 8                # the profile is fitted on the last 8 seasons of history


class SeasonalDifferences:
    name = "differences"

    def __init__(self, season: int, window: int, horizon: int, scaler=None):
        self.season, self.window, self.horizon = season, window, horizon
        self.scaler = scaler

    features = 1

    def fit(self, z_train) -> SeasonalDifferences:
        self.scaler = StandardScaler().fit(self._d(z_train))
        return self

    def _d(self, z):
        s = self.season
        return z[s:] - z[:-s]                                   # d[i] belongs to z[i + s]

    def windows(self, z, fit_end: int, start: int, end: int):
        """(X, Y) whose targets lie in z[start:end]; inputs may reach back before start."""
        s, W, H = self.season, self.window, self.horizon
        d = self.scaler.transform(self._d(z[:end])).astype(np.float32)
        first = max(start - s - W, 0)                           # in d
        if end - s - first < W + H:
            return None
        X, Y = make_windows(d[first:], W, H)
        return X, Y

    def inputs(self, z_history):
        return self.scaler.transform(self._d(z_history)[-self.window:]).astype(np.float32)[:, None]

    def reconstruct(self, z_history, out):
        d_hat = self.scaler.inverse_transform(np.asarray(out, dtype=np.float64))
        n = len(z_history)
        z = np.concatenate([z_history, np.zeros(len(d_hat))])
        for h, d in enumerate(d_hat):
            z[n + h] = z[n + h - self.season] + d
        return z[n:]

    def to_dict(self) -> dict:
        return {"representation": self.name, "scaler": self.scaler.to_dict()}


class DriftResidual:
    name = "hybrid"
    features = 1

    def __init__(self, season: int, window: int, horizon: int, scale: float | None = None):
        self.season, self.window, self.horizon, self.scale = season, window, horizon, scale

    def _d(self, z):
        s = self.season
        return np.asarray(z[s:], dtype=np.float64) - z[:-s]      # d[i] belongs to z[i + s]

    def fit(self, z_train) -> DriftResidual:
        sd = float(np.std(self._d(z_train)))
        self.scale = sd if sd > 0 else 1.0
        return self

    def windows(self, z, fit_end: int, start: int, end: int):
        """(X, Y) for origins n (history z[:n]) whose targets z[n .. n+H-1] lie in
        z[start:end]; g_n uses the history before n only."""
        s, W, H = self.season, self.window, self.horizon
        d = self._d(z[:end])
        g = np.cumsum(d) / np.arange(1, len(d) + 1)            # g[i]: mean of d[:i + 1]
        origins = np.arange(max(start, s + W), end - H + 1)
        if not len(origins):
            return None
        X = np.stack([d[n - s - W:n - s] - g[n - s - 1] for n in origins])[:, :, None]
        Y = np.stack([d[n - s:n - s + H] - g[n - s - 1] for n in origins])
        return (X / self.scale).astype(np.float32), (Y / self.scale).astype(np.float32)

    def inputs(self, z_history):
        d = self._d(z_history)
        return ((d[-self.window:] - d.mean()) / self.scale).astype(np.float32)[:, None]

    def reconstruct(self, z_history, out):
        d_hat = np.mean(self._d(z_history)) + self.scale * np.asarray(out, dtype=np.float64)
        n = len(z_history)
        z = np.concatenate([z_history, np.zeros(len(d_hat))])
        for h, d in enumerate(d_hat):
            z[n + h] = z[n + h - self.season] + d
        return z[n:]

    def to_dict(self) -> dict:
        return {"representation": self.name, "scale": self.scale}


class SeasonalProfile:
    name = "profile"

    def __init__(self, season: int, window: int, horizon: int, x_scaler=None, y_scaler=None,
                 covariates=None):
        self.season, self.window, self.horizon = season, window, horizon
        self.x_scaler, self.y_scaler = x_scaler, y_scaler
        self.covariates = covariates          # (N, C) past covariates aligned with z, or None

    @property
    def features(self) -> int:
        return 2 + (0 if self.covariates is None else self.covariates.shape[1])

    def _cov(self, n: int):
        """Covariates of steps 0 .. n-1; beyond the known ones the last row is carried on
        (past covariates: their future is not known)."""
        c = self.covariates
        if c is None:
            return None
        return c[:n] if n <= len(c) else np.concatenate([c, np.repeat(c[-1:], n - len(c), 0)])

    def split(self, z):
        """(x, S_future(h)): z minus its seasonal profile, and the profile ahead."""
        n, s = len(z), self.season
        if s == 1:
            return np.asarray(z, dtype=np.float64), lambda h: np.zeros(h)
        k = min(MAX_TERMS, s // 2)
        period = CALENDAR_PERIOD.get(s, float(s))
        first = max(0, n - PROFILE_SEASONS * s)
        t = np.arange(first, n)
        F = fourier_terms(n + 4 * s, period, k)     # rows are absolute steps
        design = np.column_stack([np.ones(len(t)), t / n, F[first:n]])
        coef, *_ = np.linalg.lstsq(design, z[first:], rcond=None)
        seasonal = F[:n] @ coef[2:]

        def future(h):
            return fourier_terms(n + h, period, k)[n:] @ coef[2:]
        return z - seasonal, future

    def _window_features(self, x_win, cov_win=None):
        dx = np.diff(x_win, prepend=x_win[0])
        columns = [dx, x_win - x_win.mean()]                            # (W, 2 + C)
        return np.column_stack(columns + ([] if cov_win is None else [cov_win]))

    def _pairs(self, x, origins):
        W, H = self.window, self.horizon
        cov = self._cov(len(x))
        X = np.stack([self._window_features(x[o - W + 1:o + 1], None if cov is None else
                                            cov[o - W + 1:o + 1]) for o in origins])
        Y = np.stack([x[o + 1:o + 1 + H] - x[o] for o in origins])
        return X, Y

    def fit(self, z_train) -> SeasonalProfile:
        x, _ = self.split(z_train)
        origins = np.arange(self.window - 1, len(x) - self.horizon)
        X, Y = self._pairs(x, origins)
        self.x_scaler = StandardScaler().fit(X.reshape(-1, self.features))
        self.y_scaler = StandardScaler().fit(Y)
        return self

    def windows(self, z, fit_end: int, start: int, end: int):
        """(X, Y) whose targets lie in z[start:end]; the profile is fitted on z[:fit_end]
        (the training part) and carried forward beyond it."""
        x_before, future = self.split(z[:fit_end])
        x = np.concatenate([x_before, z[fit_end:end] - future(end - fit_end)])
        lo = max(self.window - 1, start - 1)
        origins = np.arange(lo, end - self.horizon)
        if not len(origins):
            return None
        X, Y = self._pairs(x, origins)
        return (self.x_scaler.transform(X).astype(np.float32),
                self.y_scaler.transform(Y).astype(np.float32))

    def inputs(self, z_history):
        x, _ = self.split(z_history)
        cov = self._cov(len(x))
        features = self._window_features(x[-self.window:],
                                         None if cov is None else cov[-self.window:])
        return self.x_scaler.transform(features).astype(np.float32)

    def reconstruct(self, z_history, out):
        x, future = self.split(z_history)
        c_hat = self.y_scaler.inverse_transform(np.asarray(out, dtype=np.float64))
        return x[-1] + c_hat + future(len(c_hat))

    def to_dict(self) -> dict:
        return {"representation": self.name, "x_scaler": self.x_scaler.to_dict(),
                "y_scaler": self.y_scaler.to_dict()}


def choose(season: int) -> str:
    """'auto': the hybrid for a short season (airline, monthly: RMSE 15.2-15.6 over seeds
    0-2 against 18.1 with plain seasonal differences and 23.5 with the profile), the
    profile for a long season or none (CO2 weekly: 0.46 against 0.54-0.61; differences at
    lag 52 carry the noise of the value a year ago)."""
    return "hybrid" if 1 < season <= SHORT_SEASON else "profile"


def make(name: str, season: int, window: int, horizon: int, covariates=None):
    if name == "hybrid":
        return DriftResidual(season, window, horizon)
    if name == "profile":
        return SeasonalProfile(season, window, horizon, covariates=covariates)
    return SeasonalDifferences(season, window, horizon)


def from_dict(config: dict, season: int, window: int, horizon: int, covariates=None):
    """The fitted representation of a saved run (a bare scaler: a version-1 run)."""
    if "representation" not in config:
        return SeasonalDifferences(season, window, horizon, StandardScaler.from_dict(config))
    if config["representation"] == "hybrid":
        return DriftResidual(season, window, horizon, config["scale"])
    if config["representation"] == "differences":
        return SeasonalDifferences(season, window, horizon,
                                   StandardScaler.from_dict(config["scaler"]))
    return SeasonalProfile(season, window, horizon, StandardScaler.from_dict(config["x_scaler"]),
                           StandardScaler.from_dict(config["y_scaler"]), covariates)
