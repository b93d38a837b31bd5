"""SimpleRNN, LSTM, GRU, Bidirectional, Dense, Embedding against Keras 3's own outputs.

The fixture (tests/fixtures/keras/recurrent.npz) was made by Keras 3 with
tests/fixtures/keras/make_recurrent.py: for each case a layer config, inputs (and a mask),
weights in Keras's layout and Keras's outputs. Here the same config builds the rnnkit layer,
set_weights takes Keras's arrays unchanged, and the outputs must agree to 1e-5.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.layers.registry import deserialize

FIXTURE = np.load(Path(__file__).parents[1] / "fixtures" / "keras" / "recurrent.npz")
CASES = sorted({key.split(".")[0] for key in FIXTURE.files})


def case_arrays(name: str, prefix: str) -> list[np.ndarray]:
    keys = sorted((k for k in FIXTURE.files if k.startswith(f"{name}.{prefix}")),
                  key=lambda k: int(k.rsplit(prefix, 1)[1]))
    return [FIXTURE[k] for k in keys]


def build_case(name: str, implementation: str | None = None):
    spec = json.loads(str(FIXTURE[f"{name}.config"]))
    if implementation is not None:
        target = spec["config"].get("layer", spec)["config"] if spec["class_name"] == \
            "Bidirectional" else spec["config"]
        target["implementation"] = implementation
    layer = deserialize(spec)
    layer.set_weights(case_arrays(name, "w"))
    return layer.eval()


def run_case(layer, name: str) -> list[np.ndarray]:
    x = torch.as_tensor(FIXTURE[f"{name}.x"])
    mask = torch.as_tensor(FIXTURE[f"{name}.mask"]) if f"{name}.mask" in FIXTURE.files else None
    with torch.no_grad():
        ys = layer(x, mask=mask)
    return [y.numpy() for y in (ys if isinstance(ys, (list, tuple)) else [ys])]


@pytest.mark.parametrize("name", CASES)
def test_layer_with_keras_weights_computes_what_keras_computes(name):
    ours = run_case(build_case(name), name)
    theirs = case_arrays(name, "y")
    assert len(ours) == len(theirs)
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


RECURRENT = [n for n in CASES if json.loads(str(FIXTURE[f"{n}.config"]))["class_name"] in
             ("SimpleRNN", "LSTM", "GRU", "Bidirectional")]


@pytest.mark.parametrize("name", RECURRENT)
@pytest.mark.parametrize("implementation", ["loop", "auto"])
def test_both_paths_compute_what_keras_computes(name, implementation):
    for got, want in zip(run_case(build_case(name, implementation), name),
                         case_arrays(name, "y")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_get_weights_returns_the_keras_arrays_it_was_given(name):
    layer = build_case(name)
    for got, want in zip(layer.get_weights(), case_arrays(name, "w"), strict=True):
        np.testing.assert_array_equal(got, want)


def test_gru_reset_after_false_has_one_bias_as_in_keras():
    layer = build_case("gru_reset_before")
    assert [w.shape for w in layer.get_weights()] == [(4, 9), (3, 9), (9,)]
    assert layer.cell.b_h is None


def test_weights_of_the_wrong_shape_are_refused_with_the_expected_shapes():
    layer = build_case("lstm")
    weights = layer.get_weights()
    weights[1] = weights[1].T
    with pytest.raises(ValueError, match=r"weight 1 must have shape \(3, 12\).*got \(12, 3\)"):
        layer.set_weights(weights)
    with pytest.raises(ValueError, match="expects 3 weight arrays"):
        layer.set_weights(weights[:2])


def test_a_custom_layer_lists_trainable_weights_before_frozen_ones_as_keras_does():
    from rnnkit.layers import Layer

    class Scaled(Layer):
        def build(self, input_shape):
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)
            self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs):
            return inputs * self.gain

    layer = Scaled()
    layer(np.zeros((2, 3), dtype="float32"))
    assert [w.shape for w in layer.get_weights()] == [(3,), ()]
    layer.set_weights([np.full(3, 2.0), np.array(5.0)])
    assert float(layer.count) == 5.0 and layer.gain.tolist() == [2.0, 2.0, 2.0]


def test_gru_reset_after_false_gives_the_numbers_of_keras_own_test():
    """keras/src/layers/rnn/gru_test.py: constant weights 0.01, 0.02, bias 0.03 on
    arange(72); Keras expects 0.51447755 for the first row (the old two-bias GRU gave 0.5284)."""
    from rnnkit.layers import GRU
    layer = GRU(3, reset_after=False)
    layer.maybe_build((None, 6, 4))
    layer.set_weights([np.full((4, 9), 0.01), np.full((3, 9), 0.02), np.full(9, 0.03)])
    out = layer(torch.arange(72, dtype=torch.float32).reshape(3, 6, 4))
    np.testing.assert_allclose(out.detach().numpy()[:, 0],
                               [0.51447755, 0.6426879, 0.40208298], atol=1e-5, rtol=1e-5)
