"""Functional Keras models in Keras's files: read by replaying the graph, written back.

Fixtures from Keras 3.15 (tests/fixtures/keras/make_models.py): Input -> LSTM -> Dense, and
a two-input encoder-decoder whose encoder states start the decoder (initial_state).
"""
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from rnnkit.layers import LSTM, Dense, Input
from rnnkit.layers.registry import layer_classes
from rnnkit.models import Model, load_model

FIXTURES = Path(__file__).parents[1] / "fixtures" / "keras"
PREDICTIONS = np.load(FIXTURES / "models.npz")
FUNCTIONAL = ["functional_lstm", "functional_seq2seq"]


def inputs_of(name: str):
    xs = [PREDICTIONS[k] for k in sorted(k for k in PREDICTIONS.files
                                         if k.startswith(f"{name}.x"))]
    return xs[0] if len(xs) == 1 else xs


def assert_predicts_as_keras(model, name: str) -> None:
    np.testing.assert_allclose(model.predict(inputs_of(name), verbose=0),
                               PREDICTIONS[f"{name}.y0"], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", FUNCTIONAL)
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_functional_model_saved_by_keras_predicts_the_same_in_rnnkit(name, suffix):
    assert_predicts_as_keras(load_model(FIXTURES / f"{name}{suffix}"), name)


def test_the_replayed_encoder_decoder_keeps_its_inputs_and_layer_names():
    model = load_model(FIXTURES / "functional_seq2seq.keras")
    assert model.input_names == ["encoder_inputs", "decoder_inputs"]
    assert [layer.name for layer in model.layers] == [
        "encoder_inputs", "decoder_inputs", "encoder", "decoder", "readout"]


@pytest.mark.parametrize("name", FUNCTIONAL)
@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_a_functional_keras_file_written_by_rnnkit_reads_back_the_same(name, suffix, tmp_path):
    model = load_model(FIXTURES / f"{name}.keras")
    path = tmp_path / f"again{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)
        again = type(model).from_config(json.loads(json.dumps(model.get_config())))
        again.load_weights(path)
    else:
        model.save(path)
        again = load_model(path)
    assert_predicts_as_keras(again, name)


def test_an_encoder_decoder_built_in_rnnkit_round_trips_through_a_keras_file(tmp_path):
    enc_in, dec_in = Input(shape=(7, 4), name="enc"), Input(shape=(5, 3), name="dec")
    _, h, c = LSTM(6, return_state=True, name="encoder")(enc_in)
    y = Dense(2, name="out")(LSTM(6, return_sequences=True, name="decoder")(
        dec_in, initial_state=[h, c]))
    model = Model([enc_in, dec_in], y)
    xs = [np.random.default_rng(0).normal(size=s).astype("float32")
          for s in ((4, 7, 4), (4, 5, 3))]
    model.save(tmp_path / "s2s.keras")
    np.testing.assert_allclose(load_model(tmp_path / "s2s.keras").predict(xs, verbose=0),
                               model.predict(xs, verbose=0), atol=1e-6)


def test_a_merge_layer_rnnkit_lacks_is_named_or_the_model_loads():
    """functional_concat.keras needs Concatenate: it loads when rnnkit has that layer, and
    otherwise the error names the layer and lists what is supported."""
    if "Concatenate" in layer_classes():
        assert_predicts_as_keras(load_model(FIXTURES / "functional_concat.keras"),
                                 "functional_concat")
    else:
        with pytest.raises(ValueError, match="layer 'merge' is a Concatenate.*Supported layers"):
            load_model(FIXTURES / "functional_concat.keras")


# ---- tf.keras 2's own configs (written by TensorFlow, which is not installed here) -----------

def keras2_rnn_config(name: str, units: int, **flags) -> dict:
    """A layer config as tf.keras 2.x wrote it: dtype strings, initializer dicts, time_major."""
    return {"name": name, "trainable": True, "dtype": "float32", "return_sequences": False,
            "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
            "time_major": False, "units": units, "activation": "tanh",
            "recurrent_activation": "sigmoid", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "recurrent_initializer": {"class_name": "Orthogonal",
                                      "config": {"gain": 1.0, "seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": True,
            "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None,
            "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
            "recurrent_dropout": 0.0, "implementation": 2, **flags}


def keras2_dense_config(name: str, units: int) -> dict:
    return {"name": name, "trainable": True, "dtype": "float32", "units": units,
            "activation": "linear", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}


def write_keras2_h5(path: Path, config: dict, weights: dict[str, list]) -> None:
    """The tf.keras 2 HDF5 layout: model_config, then model_weights/<layer>/<weight names>."""
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["keras_version"], f.attrs["backend"] = b"2.8.0", b"tensorflow"
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [n.encode() for n in weights]
        for layer, arrays in weights.items():
            kinds = ("kernel", "recurrent_kernel", "bias") if len(arrays) == 3 else \
                ("kernel", "bias")
            cell = f"{layer}_cell/" if len(arrays) == 3 else ""      # lstm/lstm_cell/kernel:0
            names = [f"{layer}/{cell}{w}:0" for w in kinds[:len(arrays)]]
            group = g.create_group(layer)
            group.attrs["weight_names"] = [n.encode() for n in names]
            for n, a in zip(names, arrays):
                group.create_dataset(n, data=a)


def keras_weights(name: str) -> list[np.ndarray]:
    count = sum(k.startswith(f"{name}.w") for k in PREDICTIONS.files)
    return [PREDICTIONS[f"{name}.w{i}"] for i in range(count)]


@pytest.mark.parametrize("input_style", ["InputLayer", "batch_input_shape", "keras_2.2_list"])
def test_a_tf_keras_2_sequential_h5_loads(input_style, tmp_path):
    layers = [{"class_name": "LSTM", "config": keras2_rnn_config("lstm", 8)},
              {"class_name": "Dense", "config": keras2_dense_config("dense", 1)}]
    if input_style == "InputLayer":
        layers.insert(0, {"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, 10, 2], "dtype": "float32", "sparse": False,
            "ragged": False, "name": "lstm_input"}})
    else:                                      # older: the shape on the first layer
        layers[0]["config"]["batch_input_shape"] = [None, 10, 2]
    w = keras_weights("sequential_lstm")
    config = {"name": "sequential", "layers": layers}
    if input_style == "keras_2.2_list":        # standalone Keras <= 2.2: config is the list
        config = layers
    write_keras2_h5(tmp_path / "m.h5", {"class_name": "Sequential", "config": config},
                    {"lstm": w[:3], "dense": w[3:]})
    assert_predicts_as_keras(load_model(tmp_path / "m.h5"), "sequential_lstm")


def test_a_tf_keras_2_functional_encoder_decoder_h5_loads(tmp_path):
    """tf.keras 2 wrote a call as [[layer, node, tensor, kwargs], ...]; an RNN's initial
    state came as its extra inbound tensors."""
    config = {"class_name": "Functional", "config": {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "name": "encoder_inputs", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 7, 4], "dtype": "float32",
                        "name": "encoder_inputs"}},
            {"class_name": "InputLayer", "name": "decoder_inputs", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 5, 3], "dtype": "float32",
                        "name": "decoder_inputs"}},
            {"class_name": "LSTM", "name": "encoder",
             "config": keras2_rnn_config("encoder", 8, return_state=True),
             "inbound_nodes": [[["encoder_inputs", 0, 0, {}]]]},
            {"class_name": "LSTM", "name": "decoder",
             "config": keras2_rnn_config("decoder", 8, return_sequences=True),
             "inbound_nodes": [[["decoder_inputs", 0, 0, {}], ["encoder", 0, 1, {}],
                                ["encoder", 0, 2, {}]]]},
            {"class_name": "Dense", "name": "readout", "config": keras2_dense_config(
                "readout", 2), "inbound_nodes": [[["decoder", 0, 0, {}]]]}],
        "input_layers": [["encoder_inputs", 0, 0], ["decoder_inputs", 0, 0]],
        "output_layers": [["readout", 0, 0]]}}
    w = keras_weights("functional_seq2seq")
    write_keras2_h5(tmp_path / "s2s.h5", config, {"encoder_inputs": [], "decoder_inputs": [],
                                                   "encoder": w[:3], "decoder": w[3:6],
                                                   "readout": w[6:]})
    assert_predicts_as_keras(load_model(tmp_path / "s2s.h5"), "functional_seq2seq")


def test_a_subclassed_model_is_not_written_as_a_keras_model_file_but_its_weights_are(tmp_path):
    from rnnkit.layers import GRU

    class Forecaster(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rnn, self.head = GRU(4), Dense(1)

        def call(self, inputs, training=False):
            return self.head(self.rnn(inputs))

    model = Forecaster()
    x = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    expected = model.predict(x, verbose=0)
    with pytest.raises(ValueError, match="has no graph to write as a Keras config"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    model.save_weights(tmp_path / "w.weights.h5")
    again = Forecaster()
    again.predict(x, verbose=0)                                  # builds its layers
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, atol=1e-6)


# ---- the other layers Keras RNN programs use, in Keras's files -------------------------------

ZOO = ["zoo_conv", "zoo_norms", "zoo_reshape", "zoo_dropouts", "zoo_attention", "zoo_convlstm"]


@pytest.mark.parametrize("name", ZOO)
def test_models_of_convolution_normalization_attention_and_convlstm_layers_load(name, tmp_path):
    model = load_model(FIXTURES / f"{name}.keras")
    assert_predicts_as_keras(model, name)
    model.save(tmp_path / "again.keras")                  # and write back what Keras reads
    assert_predicts_as_keras(load_model(tmp_path / "again.keras"), name)


def test_keras_weights_load_into_the_same_graph_built_by_hand_with_other_names():
    """Keras 3 files name weight groups by class and order (lstm, lstm_1), not layer names."""
    enc_in, dec_in = Input(shape=(7, 4)), Input(shape=(5, 3))
    _, h, c = LSTM(8, return_state=True)(enc_in)
    y = Dense(2)(LSTM(8, return_sequences=True)(dec_in, initial_state=[h, c]))
    model = Model([enc_in, dec_in], y)
    model.load_weights(FIXTURES / "functional_seq2seq.weights.h5")
    assert_predicts_as_keras(model, "functional_seq2seq")


def test_weights_of_a_subclassed_keras_model_load_where_keras_put_them(tmp_path):
    """Keras 3 saves a subclassed model's layers where its walk meets them first: `head`
    under head/ (its attribute sorts before `layers`), the GRU under layers/gru."""
    from rnnkit.layers import GRU

    class Forecaster(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rnn, self.head = GRU(4), Dense(1)

        def call(self, inputs, training=False):
            return self.head(self.rnn(inputs))

    x = PREDICTIONS["subclassed.x0"]
    model = Forecaster()
    model.predict(x, verbose=0)
    model.load_weights(FIXTURES / "subclassed.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), PREDICTIONS["subclassed.y0"],
                               atol=1e-5, rtol=1e-5)
    model.save_weights(tmp_path / "again.weights.h5")
    with h5py.File(tmp_path / "again.weights.h5") as ours, \
            h5py.File(FIXTURES / "subclassed.weights.h5") as keras_file:
        def datasets(f):
            found = []
            f.visititems(lambda n, o: found.append(n) if hasattr(o, "shape") else None)
            return sorted(found)
        assert datasets(ours) == datasets(keras_file)
