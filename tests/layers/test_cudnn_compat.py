"""Keras 2's CuDNNLSTM / CuDNNGRU are the LSTM / GRU with cuDNN's fixed cell."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, CuDNNGRU, CuDNNLSTM, Input
from rnnkit.models import Sequential, load_model


@pytest.mark.parametrize("old,new", [(CuDNNLSTM, LSTM), (CuDNNGRU, GRU)])
def test_the_cudnn_layer_computes_what_the_plain_layer_computes(old, new):
    a = Sequential([Input(shape=(6, 3)), old(5, return_sequences=True)])
    b = Sequential([Input(shape=(6, 3)), new(5, return_sequences=True)])
    b.set_weights(a.get_weights())
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(a(x), b(x))


def test_a_cudnn_layer_saves_and_loads(tmp_path):
    model = Sequential([Input(shape=(4, 2)), CuDNNLSTM(3)])
    model.save(tmp_path / "m")
    x = np.zeros((1, 4, 2), "float32") + 0.5
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_another_activation_is_refused_with_the_plain_layer_named():
    with pytest.raises(ValueError, match=r"Use LSTM\(activation='relu'\)"):
        CuDNNLSTM(4, activation="relu")
