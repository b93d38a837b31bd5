"""The recurrent forecaster: a window of the series' representation (representation.py)
into an LSTM or GRU, H future steps out of one Dense layer (direct multi-step), and an
ensemble of members from different seeds, averaged:

    out = Dense(H)(LSTM(inputs[t-W+1 .. t]))       inputs (W, F), scaled on training data
    z_hat_{t+1 .. t+H} = reconstruct(z_{..t}, mean over members of out)
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


def build_model(cell: str, units: int, window: int, horizon: int, learning_rate: float,
                features: int = 1):
    recurrent = LSTM(units) if cell == "lstm" else GRU(units)
    # the output starts at 0: the representation's base forecast (see representation.py)
    model = Sequential([Input(shape=(window, features)), recurrent,
                        Dense(horizon, kernel_initializer="zeros")])
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")
    return model


def forecast_z(models, rep, z_history, steps: int):
    """`steps` values of z after z_history: blocks of H, later blocks from earlier ones."""
    z, out = np.asarray(z_history, dtype=np.float64), []
    while len(out) < steps:
        x = rep.inputs(z)                                                 # (W, F)
        scaled = np.mean([m.predict(x[None], verbose=0)[0] for m in models], axis=0)
        z_hat = rep.reconstruct(z, scaled.astype(np.float64))
        out.extend(z_hat)
        z = np.concatenate([z, z_hat])
    return np.array(out[:steps])


def _loss(evaluated) -> float:
    return float(evaluated[0] if isinstance(evaluated, (list, tuple)) else evaluated)


class _EpochBar(Callback):
    """One tqdm line per ensemble member: epochs done, the losses."""

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.bar.update(1)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if "loss" in k})


def fit_members(train, val, settings, features: int, quiet: bool = False):
    """Fit `members` models from seeds seed, seed + 1000, ... (nearby runs share none)."""
    s = settings
    models, histories = [], []
    for k in range(s.members):
        set_random_seed(s.seed + 1000 * k)
        model = build_model(s.cell, s.units, s.window, s.horizon, s.learning_rate, features)
        stop = [EarlyStopping(patience=s.patience, restore_best_weights=True)] if val else []
        start = model.get_weights()
        at_start = model.evaluate(*val, verbose=0) if val else None
        with tqdm(total=s.epochs, desc=f"member {k + 1}/{s.members}", unit="epoch",
                  disable=True if quiet else None, leave=True) as bar:
            history = model.fit(*train, epochs=s.epochs, batch_size=s.batch_size,
                                validation_data=val, callbacks=[*stop, _EpochBar(bar)],
                                verbose=0).history
            bar.total = bar.n                     # early stopping ended it: a full bar
            bar.refresh()
        if val and min(history["val_loss"]) >= _loss(at_start):
            model.set_weights(start)              # no epoch beat the base forecast
        models.append(model)
        histories.append(history)
    return models, histories
