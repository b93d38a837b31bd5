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
