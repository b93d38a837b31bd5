"""to_json / model_from_json / clone_model: the architecture without the weights."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input, concatenate
from rnnkit.models import Model, Sequential, clone_model, model_from_json


def sequential() -> Sequential:
    return Sequential([Input(shape=(7,), dtype="int32"), Embedding(20, 4, mask_zero=True),
                       LSTM(5, return_sequences=True), GRU(3), Dense(2, activation="softmax")])


def functional() -> Model:
    a, b = Input(shape=(6, 2), name="a"), Input(shape=(3,), name="b")
    x = concatenate([LSTM(4)(a), b])
    return Model([a, b], Dense(1)(x))


def test_to_json_writes_keras_model_config_that_model_from_json_rebuilds():
    model = sequential()
    config = json.loads(model.to_json())
    assert config["class_name"] == "Sequential"
    rebuilt = model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    x = np.random.default_rng(0).integers(0, 20, size=(3, 7))
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_a_functional_model_round_trips_through_json():
    model = functional()
    rebuilt = model_from_json(model.to_json(indent=2))
    rebuilt.set_weights(model.get_weights())
    xa, xb = torch.randn(2, 6, 2), torch.randn(2, 3)
    torch.testing.assert_close(rebuilt([xa, xb]), model([xa, xb]))


@pytest.mark.parametrize("make", [sequential, functional])
def test_clone_model_has_the_same_architecture_and_new_weights(make):
    torch.manual_seed(0)
    model = make()
    clone = clone_model(model)
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert any(not np.array_equal(a, b)
               for a, b in zip(clone.get_weights(), model.get_weights()))


def test_clone_function_replaces_how_layers_are_copied():
    model = Sequential([Input(shape=(4,)), Dense(3), Dense(1)])
    clone = clone_model(model, clone_function=lambda layer: Dense(layer.units * 2))
    assert [layer.units for layer in clone.layers] == [6, 2]


def test_model_from_json_refuses_text_that_is_not_json():
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{layers")
    with pytest.raises(TypeError, match="JSON text of a model config"):
        model_from_json({"class_name": "Sequential"})
