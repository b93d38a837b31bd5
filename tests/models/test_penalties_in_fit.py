"""Regularizers, constraints and add_loss in fit, against Keras 3's own numbers
(tests/fixtures/keras/make_penalties.py made penalties.npz with Keras; TensorFlow is never
needed): same initial weights, same SGD steps, same loss history and final weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit import constraints, layers, optimizers, regularizers
from rnnkit.layers import Input, Layer
from rnnkit.models import Model, Sequential, load_model

FIXTURE = np.load(Path(__file__).parents[1] / "fixtures" / "keras" / "penalties.npz")


def recurrent() -> Sequential:
    return Sequential([
        Input(shape=(6, 3)),
        layers.LSTM(5, kernel_regularizer=regularizers.L2(0.01),
                    recurrent_regularizer=regularizers.L1(0.001),
                    bias_regularizer=regularizers.L1L2(0.001, 0.01),
                    activity_regularizer=regularizers.L2(0.1),
                    recurrent_constraint=constraints.MaxNorm(0.8)),
        layers.Dense(2, kernel_regularizer=regularizers.OrthogonalRegularizer(0.1, "columns"),
                     kernel_constraint=constraints.UnitNorm(axis=0),
                     bias_constraint=constraints.NonNeg()),
    ])


def text() -> Sequential:
    return Sequential([
        Input(shape=(7,), dtype="int32"),
        layers.Embedding(20, 4, embeddings_regularizer=regularizers.L2(0.01),
                         embeddings_constraint=constraints.MaxNorm(1.0, axis=1)),
        layers.Conv1D(3, 2, kernel_regularizer=regularizers.L1(0.01),
                      kernel_constraint=constraints.MaxNorm(0.5, axis=[0, 1])),
        layers.GRU(4, bias_regularizer=regularizers.L1L2(0.01, 0.01),
                   kernel_constraint=constraints.MinMaxNorm(0.2, 0.6, rate=0.5, axis=0)),
        layers.Dense(1, activation="sigmoid", activity_regularizer=regularizers.L1(0.05)),
    ])


def weights(name: str, stage: str) -> list[np.ndarray]:
    keys = sorted((k for k in FIXTURE.files if k.startswith(f"{name}.{stage}_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [FIXTURE[k] for k in keys]


@pytest.mark.parametrize("name,make,loss", [("recurrent", recurrent, "mse"),
                                            ("text", text, "binary_crossentropy")])
def test_fit_with_penalties_and_constraints_follows_keras_step_by_step(name, make, loss):
    model = make()
    model.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    model.set_weights(weights(name, "w0"))
    x, y = FIXTURE[f"{name}.x"], FIXTURE[f"{name}.y"]
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], FIXTURE[f"{name}.loss"], rtol=2e-5, atol=1e-6)
    for ours, keras in zip(model.get_weights(), weights(name, "w3"), strict=True):
        np.testing.assert_allclose(ours, keras, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, verbose=0),
                               FIXTURE[f"{name}.evaluate"], rtol=2e-5)


def test_model_losses_lists_each_penalty_of_the_last_forward_pass():
    model = Sequential([Input(shape=(4,)),
                        layers.Dense(3, kernel_regularizer=regularizers.L2(0.5),
                                     activity_regularizer=regularizers.L1(0.1))])
    x = torch.ones(2, 4)
    out = model(x)
    activity, kernel = model.losses
    torch.testing.assert_close(activity, 0.1 * out.abs().sum() / 2)
    torch.testing.assert_close(kernel, 0.5 * model.layers[0].W.square().sum())


def test_a_constraint_holds_after_every_optimizer_step():
    model = Sequential([Input(shape=(5,)),
                        layers.Dense(4, kernel_constraint=constraints.MaxNorm(0.3))])
    model.compile(optimizer=optimizers.SGD(1.0), loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 5)) * 10, rng.normal(size=(16, 4)) * 10, epochs=2,
              verbose=0)
    kernel = model.get_weights()[0]                      # Keras's layout (inputs, units)
    assert np.linalg.norm(kernel, axis=0).max() <= 0.3 + 1e-5


def test_add_loss_in_a_keras_style_layer_is_minimised_by_fit():
    class Shrink(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            self.add_loss(10.0 * (self.w ** 2).sum())
            return x * self.w

    inputs = Input(shape=(3,))
    model = Model(inputs, layers.Dense(1)(Shrink()(inputs)))
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    x = np.zeros((8, 3), "float32")                      # the data says nothing about w
    model.fit(x, np.zeros((8, 1), "float32"), epochs=5, verbose=0)
    w = model.layers[1].w.detach()
    assert float(w.abs().max()) < 0.5                    # pulled from 1 towards 0 by add_loss


def test_add_weight_takes_a_regularizer_and_a_constraint():
    class Scale(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="ones",
                                     regularizer=regularizers.L1(0.25),
                                     constraint=constraints.NonNeg())

        def call(self, x):
            return x * self.w

    layer = Scale()
    layer(torch.ones(1, 2))
    (penalty,) = layer.losses
    assert float(penalty.detach()) == pytest.approx(0.5)


def test_regularizers_and_constraints_survive_save_and_load(tmp_path):
    model = recurrent()
    model.compile(optimizer="sgd", loss="mse")
    model(torch.zeros(1, 6, 3))
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    lstm = loaded.layers[0]
    assert lstm._weight_regularizers["kernel"].l2 == 0.01
    assert lstm._weight_constraints["recurrent"].max_value == 0.8
    assert lstm.activity_regularizer.l2 == 0.1


def test_an_unknown_penalty_argument_names_the_ones_layers_take():
    with pytest.raises(TypeError, match="kernel_regularizer"):
        layers.Dense(2, kernal_regularizer="l2")
