import pytest
import torch

from rnnkit import backend
from rnnkit.layers import LSTM


def test_clear_session_starts_layer_names_over():
    LSTM(2), LSTM(2)
    backend.clear_session()
    assert LSTM(2).name == "lstm" and LSTM(2).name == "lstm_1"


def test_set_floatx_makes_new_weights_that_type():
    try:
        backend.set_floatx("float64")
        assert backend.floatx() == "float64"
        assert torch.zeros(1).dtype == torch.float64
    finally:
        backend.set_floatx("float32")
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7


def test_keras_2_math_computes_a_custom_rmse_metric_with_gradients():
    from rnnkit import backend as K

    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    y_pred = torch.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    out = rmse(torch.zeros(2, 2), y_pred)
    torch.testing.assert_close(out, torch.tensor([(12.5) ** 0.5, 0.0]))
    K.sum(out).backward()
    assert y_pred.grad is not None


def test_keras_2_math_on_numpy_and_reductions_with_keepdims():
    import numpy as np
    from rnnkit import backend as K
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    assert K.max(x, axis=1).tolist() == [2.0, 6.0]
    assert K.sum(x, axis=0, keepdims=True).shape == (1, 2)
    assert float(K.std(x)) == pytest.approx(np.std(x))             # population std, as Keras
    assert K.clip(x, 2.0, 3.0).tolist() == [[2.0, 2.0], [3.0, 3.0]]
    assert K.cast(K.equal(K.round(K.constant([0.4, 0.6])), 1.0), "float32").tolist() == [0.0, 1.0]
    assert K.int_shape(x) == (2, 2) and K.epsilon() == 1e-7


def test_tf_random_set_seed_makes_weights_repeat():
    import rnnkit as tf
    tf.random.set_seed(3)
    first = LSTM(2)(torch.ones(1, 1, 2))
    tf.random.set_seed(3)
    assert torch.equal(LSTM(2)(torch.ones(1, 1, 2)), first) and first.abs().sum() > 0
    assert torch.equal(tf.random.normal((2,), seed=1), tf.random.normal((2,), seed=1))
