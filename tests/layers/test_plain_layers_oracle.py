"""The plain layers compute what Keras 3 computes, for the same weights and inputs.

The numbers come from tests/fixtures/keras/make_layers.py, run once with Keras 3.15 (torch
backend); each case builds the rnnkit layer from Keras's own arguments.
"""
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit.layers
from rnnkit.layers import Input
from rnnkit.models import Sequential

FIXTURE = np.load(Path(__file__).parents[1] / "fixtures" / "keras" / "layers.npz")
CASES = json.loads(str(FIXTURE["configs"]))


def _arrays(case: str, prefix: str) -> list[np.ndarray]:
    arrays, i = [], 0
    while f"{case}.{prefix}{i}" in FIXTURE:
        arrays.append(FIXTURE[f"{case}.{prefix}{i}"])
        i += 1
    return arrays


def _run(case: str, spec: dict | None = None):
    spec = spec or CASES[case]
    layer = getattr(rnnkit.layers, spec["class"])(**spec["config"])
    xs = [torch.from_numpy(x) for x in _arrays(case, "x")]
    masks = [torch.from_numpy(m) for m in _arrays(case, "mask")] or None
    if _arrays(case, "w"):
        layer.set_weights(_arrays(case, "w"))        # builds the layer from the weights' shapes
    layer.train(spec["training"])
    if len(xs) == 1:
        y = layer(xs[0], mask=None if masks is None else masks[0])
    else:
        y = layer(xs, mask=masks)
    return layer, y


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_output_matches_keras_for_the_same_weights(case):
    _, y = _run(case)
    np.testing.assert_allclose(y.detach().numpy(), FIXTURE[f"{case}.y"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if CASES[c]["training"]])
def test_batch_normalization_moving_statistics_follow_keras_after_a_training_step(case):
    layer, _ = _run(case)
    after = _arrays(case, "after")
    assert len(after) == 4
    for ours, keras_w in zip(layer.get_weights(), after):
        np.testing.assert_allclose(ours, keras_w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [c for c in sorted(CASES)
                                  if _arrays(c, "w") and not CASES[c]["training"]])
def test_get_weights_returns_what_keras_set_in_keras_layout(case):
    layer, _ = _run(case)
    for ours, keras_w in zip(layer.get_weights(), _arrays(case, "w"), strict=True):
        np.testing.assert_array_equal(ours, keras_w)


def _plain(value):
    return json.loads(json.dumps(value))                     # tuples -> lists, as JSON has it


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_uses_the_keys_and_values_keras_writes(case):
    spec = CASES[case]
    ours = getattr(rnnkit.layers, spec["class"])(**spec["config"]).get_config()
    keras_config = spec["keras_config"]
    assert set(ours) - {"input_shape"} <= set(keras_config)
    for key, value in keras_config.items():
        if key in ours and key != "name" and not isinstance(value, dict):
            ours_value = _plain(ours[key])
            if key == "axis" and isinstance(ours_value, int):   # Keras lists LN's axis once built
                ours_value = [ours_value] if isinstance(value, list) else ours_value
            assert ours_value == value, key


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_layer_made_from_keras_full_config_computes_the_same(case):
    """What a .keras loader does: keep the arguments rnnkit takes, drop the rest (dtype
    policies, regularizers and constraints that are None, initializers given as dicts)."""
    spec = CASES[case]
    cls = getattr(rnnkit.layers, spec["class"])
    accepted = inspect.signature(cls.__init__).parameters
    config = {k: v for k, v in spec["keras_config"].items()
              if k in accepted and not isinstance(v, dict)}
    layer, y = _run(case, dict(spec, config=config))
    assert layer.name == spec["keras_config"]["name"]
    np.testing.assert_allclose(y.detach().numpy(), FIXTURE[f"{case}.y"], rtol=1e-5, atol=1e-5)


def test_a_sequential_trained_in_keras_predicts_the_same_after_set_weights():
    model = Sequential([
        Input(shape=(12, 2)), rnnkit.layers.Conv1D(6, 3, padding="causal", activation="relu"),
        rnnkit.layers.BatchNormalization(), rnnkit.layers.MaxPooling1D(2),
        rnnkit.layers.Conv1D(4, 2, padding="same"), rnnkit.layers.LayerNormalization(),
        rnnkit.layers.GlobalAveragePooling1D()])
    model.set_weights(_arrays("model_conv", "w"))       # Keras's model.get_weights() list
    np.testing.assert_allclose(model.predict(FIXTURE["model_conv.x"], verbose=0),
                               FIXTURE["model_conv.y"], rtol=1e-5, atol=1e-5)
