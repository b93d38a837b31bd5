"""A Keras 3 .keras file with attention, ConvLSTM and stacked cells loads into rnnkit."""
from pathlib import Path

import numpy as np

from rnnkit.models import load_model

FIXTURES = Path(__file__).parents[1] / "fixtures" / "keras"


def _case():
    with np.load(FIXTURES / "kattn.npz") as f:
        return {k.split("/", 1)[1]: f[k] for k in f.files if k.startswith("keras_file_model/")}


def test_keras_model_with_attention_convlstm_and_stacked_cells_predicts_as_keras(tmp_path):
    d = _case()
    model = load_model(FIXTURES / "kattn_model.keras")
    y = model.predict([d["q"], d["v"]], verbose=0)
    np.testing.assert_allclose(y, d["y"], atol=1e-5)
    names = {type(layer).__name__ for layer in model.layers}
    assert {"Attention", "AdditiveAttention", "MultiHeadAttention", "RNN", "ConvLSTM1D"} <= names
    model.save(tmp_path / "again.keras")                 # and writes it back in Keras's format
    again = load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict([d["q"], d["v"]], verbose=0), d["y"], atol=1e-5)
