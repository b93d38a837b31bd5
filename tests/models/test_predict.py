"""predict: converted once, one call for small inputs, batches otherwise; same outputs."""
import numpy as np
import torch

from rnnkit.layers import LSTM, Dense, Dropout, Input
from rnnkit.models import Model, Sequential


def _model():
    torch.manual_seed(0)
    return Sequential([Input((7, 3)), LSTM(5), Dropout(0.5), Dense(4, activation="softmax")])


def _x(n):
    return np.random.default_rng(n).normal(size=(n, 7, 3)).astype("float32")


def test_predict_on_one_sample_equals_the_forward_pass():
    model, x = _model(), _x(1)
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_predict_in_batches_equals_predict_in_one_call():
    model, x = _model(), _x(10)
    whole = model.predict(x, batch_size=10, verbose=0)
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), whole, rtol=1e-6)
    assert whole.shape == (10, 4)


def test_predict_after_fit_runs_in_inference_mode():
    model, x = _model(), _x(6)
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, np.eye(4, dtype="float32")[[0, 1, 2, 3, 0, 1]], epochs=1, verbose=0)
    assert model.training
    first = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), first)     # no dropout
    assert not model.training


def test_predict_on_a_generator_of_batches_concatenates_them():
    model, x = _model(), _x(6)
    batches = (x[i:i + 2] for i in range(0, 6, 2))
    np.testing.assert_allclose(model.predict(batches, steps=3, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_predict_with_two_outputs_returns_two_arrays_in_batches():
    torch.manual_seed(0)
    inputs = Input((7, 3))
    h = LSTM(5)(inputs)
    model = Model(inputs, [Dense(2)(h), Dense(3)(h)])
    x = _x(5)
    a, b = model.predict(x, batch_size=2, verbose=0)
    a1, b1 = model.predict(x, batch_size=5, verbose=0)
    assert (a.shape, b.shape) == ((5, 2), (5, 3))
    np.testing.assert_allclose(a, a1, rtol=1e-6)
    np.testing.assert_allclose(b, b1, rtol=1e-6)
