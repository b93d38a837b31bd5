"""The recurrent forecaster starts at its representation's base forecast and leaves it only
when validation says so."""
import numpy as np

from rnnkit.tasks.forecast.network import build_model, fit_members
from rnnkit.tasks.forecast.settings import Settings


def test_an_untrained_network_outputs_zero_the_base_forecast():
    model = build_model("lstm", 8, 6, 3, 1e-3)
    x = np.random.default_rng(0).standard_normal((4, 6, 1)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.zeros((4, 3)))


def test_a_network_that_never_beats_its_start_on_validation_keeps_the_start():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 6, 1)).astype(np.float32)
    train = (X, X[:, -3:, 0] * 3)                         # learnable, and unlike validation
    val = (X[:16], np.zeros((16, 3), dtype=np.float32))  # 0 is the best answer here
    settings = Settings(units=4, window=6, horizon=3, epochs=3, patience=5, members=1,
                        learning_rate=0.05, quiet=True)
    (model,), _ = fit_members(train, val, settings, features=1, quiet=True)
    np.testing.assert_array_equal(model.predict(X[:5], verbose=0), np.zeros((5, 3)))
