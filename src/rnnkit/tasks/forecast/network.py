"""The recurrent forecaster: seasonal differences of the transformed series, a window of
them into an LSTM or GRU, H future differences out of one Dense layer.

    z_t = T(y_t)                 log, log1p or identity (see scores.Transform)
    d_t = z_t - z_{t-s}          seasonal differences, s = season (1 without a season)
    x = (d - mean) / std         StandardScaler fitted on the training part only
    d_hat = Dense(H)(LSTM(x[t-W+1 .. t]))     direct multi-step: H steps from one output
    z_hat_{t+h} = z_{t+h-s} + d_hat_h         (forecasts stand in beyond t)
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from tqdm.auto import tqdm

from rnnkit.callbacks import Callback, EarlyStopping
from rnnkit.layers import GRU, LSTM, Dense, Input
from rnnkit.models import Sequential
from rnnkit.optimizers import Adam
from rnnkit.preprocessing.timeseries import make_windows
from rnnkit.utils import set_random_seed

CELLS = ("lstm", "gru")


@contextlib.contextmanager
def one_thread():
    """Models this small run fastest on one thread; more threads only add contention."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Differencer:
    """z <-> d: seasonal differences d_t = z_t - z_{t-s} and their undoing."""

    def __init__(self, season: int):
        self.season = season

    def differences(self, z):
        s = self.season
        return z[s:] - z[:-s]                                   # d[i] belongs to z[i + s]

    def undo(self, z_history, d_hat):
        """z_hat_{n+h} = z_{n+h-s} + d_hat_h, earlier forecasts standing in for unknown z."""
        n = len(z_history)
        z = np.concatenate([z_history, np.zeros(len(d_hat))])
        for h, d in enumerate(d_hat):
            z[n + h] = z[n + h - self.season] + d
        return z[n:]


def build_model(cell: str, units: int, window: int, horizon: int, learning_rate: float):
    recurrent = LSTM(units) if cell == "lstm" else GRU(units)
    model = Sequential([Input(shape=(window, 1)), recurrent, Dense(horizon)])
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")
    return model


def forecast_z(models, scaler, season: int, z_history, window: int, horizon: int, steps: int):
    """`steps` values of z after z_history: blocks of `horizon`, later ones from earlier."""
    differ, z, out = Differencer(season), np.asarray(z_history, dtype=np.float64), []
    while len(out) < steps:
        x = scaler.transform(differ.differences(z)[-window:]).astype(np.float32)   # (W,)
        d_scaled = np.mean([m.predict(x[None, :, None], verbose=0)[0] for m in models], axis=0)
        z_hat = differ.undo(z, scaler.inverse_transform(d_scaled.astype(np.float64)))
        out.extend(z_hat)
        z = np.concatenate([z, z_hat])
    return np.array(out[:steps])


def windows(d_scaled, n_train: int, n_pre: int, season: int, window: int, horizon: int,
            max_windows=None):
    """Training windows: targets in the training part; validation: targets in validation.
    d_scaled[i] belongs to y[i + season]; validation inputs may reach back into training."""
    first_val, end = n_train - season, n_pre - season                 # in d_scaled
    X, Y = make_windows(d_scaled[:first_val], window, horizon)
    train = (X[-max_windows:], Y[-max_windows:]) if max_windows else (X, Y)
    val_ok = end - first_val >= horizon          # room for one whole validation target
    val = make_windows(d_scaled[first_val - window:end], window, horizon) if val_ok else None
    return train, val


class _EpochBar(Callback):
    """One tqdm line per ensemble member: epochs done, the losses, the best validation."""

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.bar.update(1)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if "loss" in k})


def fit_members(train, val, settings, quiet: bool = False):
    """Fit `members` models from seeds seed, seed + 1000, ... (nearby runs share none)."""
    s = settings
    models, histories = [], []
    for k in range(s.members):
        set_random_seed(s.seed + 1000 * k)
        model = build_model(s.cell, s.units, s.window, s.horizon, s.learning_rate)
        stop = [EarlyStopping(patience=s.patience, restore_best_weights=True)] if val else []
        with tqdm(total=s.epochs, desc=f"member {k + 1}/{s.members}", unit="epoch",
                  disable=True if quiet else None, leave=True) as bar:
            history = model.fit(*train, epochs=s.epochs, batch_size=s.batch_size,
                                validation_data=val, callbacks=[*stop, _EpochBar(bar)],
                                verbose=0).history
        models.append(model)
        histories.append(history)
    return models, histories
