"""predict: converted once, one call for small inputs, batches otherwise; same outputs."""
import warnings

import numpy as np
import pytest
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


# -- the per-call work predict keeps cheap (dtype/device walk, NumPy-side checks) ------------

def test_model_dtype_and_device_are_those_of_the_first_weight_as_parameters_orders_them():
    from rnnkit.layers import Embedding
    from rnnkit.models.training import first_parameter
    model = Sequential([Input((7,), dtype="int64"), Embedding(9, 4), LSTM(5), Dense(2)])
    assert first_parameter(model) is next(model.parameters())
    assert model.dtype == torch.float32
    model.layers[0].trainable = False                   # frozen weights still count
    model.double()
    assert first_parameter(model, floating=True) is next(model.parameters())
    assert model.dtype == torch.float64


def test_predict_follows_the_model_when_it_moves_to_float64_between_calls():
    model, x = _model(), _x(2)
    first = model.predict(x, verbose=0)
    assert first.dtype == np.float32
    model.double()
    again = model.predict(x, verbose=0)                 # input converted to the new dtype
    assert again.dtype == np.float64
    np.testing.assert_allclose(again, first, rtol=1e-5)
    model.float()
    assert model.predict(x, verbose=0).dtype == np.float32


def test_predict_on_a_model_that_grew_a_layer_runs_the_new_layer():
    model, x = _model(), _x(3)
    assert model.predict(x, verbose=0).shape == (3, 4)
    model.add(Dense(2))
    assert model.predict(x, verbose=0).shape == (3, 2)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_predict_rejects_nan_or_inf_in_a_numpy_array_of_any_float_dtype(dtype, bad):
    model, x = _model(), _x(2).astype(dtype)
    x[1, 4, 2] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value.*\(1, 4, 2\)"):
        model.predict(x, verbose=0)


def test_predict_takes_finite_values_whose_sum_overflows_without_a_warning():
    model, x = _model(), np.full((2, 7, 3), 3e38, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.predict(x, verbose=0).shape == (2, 4)


def test_lstm_on_pytorchs_kernel_leaves_its_shared_zero_bias_at_zero_after_training():
    from rnnkit.kernels import dispatch
    model, x = _model(), _x(8)
    model.compile("adam", "categorical_crossentropy")
    lstm = model.layers[0]
    model.fit(x, np.eye(4, dtype="float32")[np.arange(8) % 4], epochs=2, verbose=0)
    with dispatch.use_path("torch"):
        model.predict(x, verbose=0)
        lstm.train()
        lstm(torch.from_numpy(x)).sum().backward()       # a gradient flows past the zeros
    zeros = dispatch._zeros_like(lstm.cell.b)
    assert lstm.last_path == "torch"
    assert not zeros.requires_grad and zeros.grad is None and not zeros.any()
