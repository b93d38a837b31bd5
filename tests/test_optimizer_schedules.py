"""rnnkit.optimizers.schedules and the Keras optimizers beyond Adam, against Keras 3's own
numbers (tests/fixtures/keras/make_optimizers.py made optimizers.npz with Keras)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnkit import optimizers
from rnnkit.layers import LSTM, Dense, Input
from rnnkit.models import Sequential
from rnnkit.optimizers import schedules as S

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "keras" / "optimizers.npz")
SCHEDULES = {
    "exponential": S.ExponentialDecay(0.1, 10, 0.5),
    "exponential_staircase": S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    "inverse_time": S.InverseTimeDecay(0.1, 10, 0.5),
    "polynomial": S.PolynomialDecay(0.1, 100, 0.001, power=2.0),
    "polynomial_cycle": S.PolynomialDecay(0.1, 100, 0.001, cycle=True),
    "piecewise": S.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1]),
    "cosine": S.CosineDecay(0.1, 100, alpha=0.1),
    "cosine_warmup": S.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10),
    "cosine_restarts": S.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.01),
}
FITS = {
    "adam_schedule": lambda: optimizers.Adam(S.ExponentialDecay(0.05, 3, 0.5)),
    "nadam": lambda: optimizers.Nadam(0.01),
    "adamax": lambda: optimizers.Adamax(0.01),
    "adadelta": lambda: optimizers.Adadelta(1.0),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_gives_keras_rates_at_every_step(name):
    ours = [SCHEDULES[name](int(s)) for s in FIXTURE["steps"]]
    np.testing.assert_allclose(ours, FIXTURE[f"{name}.lr"], rtol=1e-5, atol=1e-9)   # Keras: float32


def weights(name: str, stage: str) -> list[np.ndarray]:
    keys = sorted((k for k in FIXTURE.files if k.startswith(f"{name}.{stage}_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [FIXTURE[k] for k in keys]


@pytest.mark.parametrize("name", sorted(FITS))
def test_fit_with_this_optimizer_follows_keras_step_by_step(name):
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer=FITS[name](), loss="mse")
    model.set_weights(weights(name, "w0"))
    history = model.fit(FIXTURE["x"], FIXTURE["y"], batch_size=8, epochs=3, shuffle=False,
                        verbose=0).history
    np.testing.assert_allclose(history["loss"], FIXTURE[f"{name}.loss"], rtol=1e-4)
    for ours, keras in zip(model.get_weights(), weights(name, "w3"), strict=True):
        np.testing.assert_allclose(ours, keras, rtol=1e-3, atol=1e-5)


def test_a_schedule_survives_the_optimizer_config():
    spec = optimizers.get(optimizers.Adam(S.CosineDecay(0.01, 50)).get_config())
    assert isinstance(spec.schedule, S.CosineDecay) and spec.schedule(50) == pytest.approx(0.0)


def test_the_step_count_is_kept_in_the_torch_optimizer_state():
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer=optimizers.SGD(S.PiecewiseConstantDecay([2], [0.1, 0.01])),
                  loss="mse")
    model.fit(FIXTURE["x"], FIXTURE["y"], batch_size=8, epochs=1, verbose=0)   # 4 steps
    state = model.optimizer.state_dict()["param_groups"][0]
    assert state["iterations"] == 4 and state["lr"] == pytest.approx(0.01)


@pytest.mark.parametrize("make,match", [
    (lambda: S.ExponentialDecay(0.1, 0, 0.5), "decay_steps must be a positive number"),
    (lambda: S.PiecewiseConstantDecay([10, 5], [1, 2, 3]), "boundaries must increase"),
    (lambda: S.PiecewiseConstantDecay([10], [1, 2, 3]), "one more value than boundaries"),
    (lambda: optimizers.Adam(learning_rate="fast"), "or a schedule such as"),
])
def test_bad_schedules_say_what_was_expected(make, match):
    with pytest.raises(ValueError, match=match):
        make()
