"""models/scoring.py: how a batch's loss is made from the model's outputs."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Dense, Input, LSTM
from rnnkit.models import Sequential, scoring


def _model(loss):
    torch.manual_seed(0)
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(3)])
    model.compile(optimizer="adam", loss=loss)
    return model


def test_an_unweighted_mse_is_one_op_equal_to_the_mean_of_per_sample_values():
    model = _model("mse")
    y, out = torch.randn(6, 3), torch.randn(6, 3, requires_grad=True)
    value = scoring.output_loss(model, 0, y, out, None, None)
    assert type(value.grad_fn).__name__.startswith("MseLoss")
    per_sample = model.losses_[0](y, out)                    # (6,): the mean over the last axis
    torch.testing.assert_close(value, per_sample.mean(), rtol=1e-6, atol=1e-7)


def test_weights_or_another_shape_keep_the_per_sample_path():
    model = _model("mse")
    y, out, w = torch.randn(6, 3), torch.randn(6, 3, requires_grad=True), torch.rand(6)
    weighted = scoring.output_loss(model, 0, y, out, w, None)
    torch.testing.assert_close(weighted, (((out - y) ** 2).mean(-1) * w).mean())
    broadcast = scoring.output_loss(model, 0, torch.randn(6, 1), out, None, None)
    assert not type(broadcast.grad_fn).__name__.startswith("MseLoss")


def test_evaluate_with_mse_gives_the_mean_squared_error_of_predict():
    model = _model("mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 5, 2)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    expected = float(((model.predict(x, verbose=0) - y) ** 2).mean())
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)
