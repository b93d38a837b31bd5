"""Subclassed models (call()) and Keras-style layers of one's own (build, call, add_weight)."""
import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, Dense, Input, Layer
from rnnkit.models import Model, Sequential, load_model
from rnnkit.optimizers import Adam
from rnnkit.utils import set_random_seed


class Forecaster(Model):
    """A Keras-style subclassed model: layers in __init__, the computation in call()."""

    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.rnn = GRU(units)
        self.head = Dense(1)

    def call(self, inputs, training=False):
        return self.head(self.rnn(inputs))

    def get_config(self):
        return {"units": self.units, "name": self.name}


class Scale(Layer):
    """A Keras-style layer: weights made in build() with add_weight, used in call()."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, inputs):
        return inputs * self.gain


def _series(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6, 1)).astype("float32")
    return x, x.sum(axis=(1, 2))


def test_a_subclassed_model_trains_with_fit():
    set_random_seed(0)
    model = Forecaster()
    model.compile(optimizer=Adam(learning_rate=0.02), loss="mse")
    x, y = _series()
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert [type(layer).__name__ for layer in model.layers] == ["GRU", "Dense"]


def test_a_subclassed_model_reloads_with_custom_objects_to_identical_predictions(tmp_path):
    set_random_seed(1)
    model = Forecaster(units=5)
    model.compile(optimizer="adam", loss="mse")
    x, y = _series()
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "sub")
    loaded = load_model(tmp_path / "sub", custom_objects={"Forecaster": Forecaster})
    assert loaded.units == 5
    np.testing.assert_allclose(loaded.predict(x[:4]), model.predict(x[:4]), atol=1e-6)


def test_a_subclassed_model_without_custom_objects_is_refused_with_the_fix(tmp_path):
    model = Forecaster()
    model(torch.zeros(2, 6, 1))
    model.save(tmp_path / "sub")
    with pytest.raises(ValueError, match=r"custom_objects=\{'Forecaster': Forecaster\}"):
        load_model(tmp_path / "sub")


def test_a_keras_style_layer_builds_its_weights_and_trains_inside_a_sequential(tmp_path):
    set_random_seed(2)
    model = Sequential([Input(shape=(6, 1)), LSTM(4), Scale(), Dense(1)])
    assert model.layers[1].gain.shape == (4,)
    model.compile(optimizer="adam", loss="mse")
    x, y = _series()
    before = model.layers[1].gain.detach().clone()
    model.fit(x, y, epochs=2, verbose=0)
    assert not torch.equal(before, model.layers[1].gain.detach())
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(x[:3]), model.predict(x[:3]), atol=1e-6)


def test_a_keras_style_layer_works_in_the_functional_api():
    x = Input(shape=(3,))
    model = Model(x, Scale()(x))
    np.testing.assert_allclose(model.predict(np.ones((2, 3), dtype="float32")), np.ones((2, 3)))


def test_a_layer_called_on_a_numpy_array_returns_a_tensor_without_gradient():
    out = LSTM(4)(np.zeros((2, 5, 3)))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 4)
    assert out.numpy().shape == (2, 4)


def test_a_direct_call_on_arrays_runs_dropout_only_when_training_is_true():
    from rnnkit.layers import Dropout
    x = np.ones((200, 10), dtype="float32")
    assert float(Dropout(0.5)(x, training=True).eq(0).float().mean()) > 0.3
    assert float(Dropout(0.5)(x).eq(0).float().mean()) == 0.0


def test_batch_input_shape_fixes_the_batch_of_a_stateful_model():
    model = Sequential([LSTM(3, batch_input_shape=(2, 4, 1), stateful=True), Dense(1)])
    assert model.batch_size == 2 and model.input_shape == (None, 4, 1)
    model.predict(np.ones((2, 4, 1), dtype="float32"), batch_size=2)
    lstm = model.layers[0]
    assert [tuple(s.shape) for s in lstm.states] == [(2, 3), (2, 3)]
    model.reset_state()
    assert lstm.states is None


def test_keras_implementation_numbers_are_accepted_and_take_the_fast_path():
    layer = LSTM(3, implementation=2)
    layer(torch.zeros(1, 4, 2))
    assert layer.last_path == "rnnkit"
