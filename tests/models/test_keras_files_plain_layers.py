"""A .keras file of plain layers (Conv1D, BatchNormalization, MaxPooling1D, LayerNormalization,
GlobalAveragePooling1D), written by Keras 3.15, loads into rnnkit and predicts as Keras did."""
from pathlib import Path

import numpy as np

from rnnkit.models import load_model

FIXTURES = Path(__file__).parents[1] / "fixtures" / "keras"


def test_a_keras_conv_model_file_loads_and_predicts_what_keras_predicted():
    model = load_model(FIXTURES / "conv_sequential.keras")
    data = np.load(FIXTURES / "layers.npz")
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv1D", "BatchNormalization", "MaxPooling1D", "Conv1D", "LayerNormalization",
        "GlobalAveragePooling1D"]
    np.testing.assert_allclose(model.predict(data["model_conv.x"], verbose=0),
                               data["model_conv.y"], rtol=1e-5, atol=1e-5)


def test_the_loaded_batch_norm_holds_kerass_moving_statistics():
    model = load_model(FIXTURES / "conv_sequential.keras")
    data = np.load(FIXTURES / "layers.npz")
    bn = model.layers[1].get_weights()
    np.testing.assert_array_equal(bn[2], data["model_conv.w4"])      # moving_mean
    assert not np.allclose(bn[2], 0.0)                               # training moved it
