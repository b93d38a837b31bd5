"""Keras's own files: models trained and saved by Keras 3 load into rnnkit and predict the same.

The fixtures were written by Keras 3.15 (tests/fixtures/keras/make_models.py): each model was
trained for 3 epochs, saved as .keras, .weights.h5 and tf.keras-2-style .h5, and its
predictions on 8 inputs stored in models.npz.
"""
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnkit.layers import (GRU, LSTM, Bidirectional, Dense, Embedding, Input, Layer, SimpleRNN,
                           TimeDistributed)
from rnnkit.models import Sequential, load_model

FIXTURES = Path(__file__).parents[1] / "fixtures" / "keras"
PREDICTIONS = np.load(FIXTURES / "models.npz")
SEQUENTIAL = ["sequential_lstm", "sequential_text"]


def inputs_of(name: str) -> list[np.ndarray]:
    return [PREDICTIONS[k] for k in sorted(k for k in PREDICTIONS.files
                                           if k.startswith(f"{name}.x"))]


def assert_predicts_as_keras(model, name: str) -> None:
    xs = inputs_of(name)
    y = model.predict(xs[0] if len(xs) == 1 else xs, verbose=0)
    np.testing.assert_allclose(y, PREDICTIONS[f"{name}.y0"], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", SEQUENTIAL)
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_sequential_model_saved_by_keras_predicts_the_same_in_rnnkit(name, suffix):
    assert_predicts_as_keras(load_model(FIXTURES / f"{name}{suffix}"), name)


def test_the_loaded_model_keeps_keras_layer_names_and_compile_settings():
    model = load_model(FIXTURES / "sequential_text.keras")
    assert [layer.name for layer in model.layers] == [
        "embedding", "bidirectional", "dropout", "simple_rnn", "time_distributed", "gru_1",
        "dense_2"]
    assert model.layers[5].cell.reset_after is False
    assert model.compiled and model.loss.name == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_keras_weights_files_load_into_the_same_architecture_built_in_rnnkit(name, tmp_path):
    model = load_model(FIXTURES / f"{name}.keras")
    fresh = Sequential.from_config(model.get_config())          # new random weights
    fresh.load_weights(FIXTURES / f"{name}.weights.h5")
    assert_predicts_as_keras(fresh, name)


def test_keras_weights_load_into_a_model_written_the_rnnkit_way():
    model = Sequential([Input(shape=(10, 2)), LSTM(8), Dense(1)])
    model.load_weights(FIXTURES / "sequential_lstm.weights.h5")
    assert_predicts_as_keras(model, "sequential_lstm")


def test_model_set_weights_takes_the_list_keras_get_weights_gave():
    keras_weights = [PREDICTIONS[f"sequential_text.w{i}"] for i in range(
        sum(k.startswith("sequential_text.w") for k in PREDICTIONS.files))]
    ours = Sequential([Input(shape=(12,)), Embedding(30, 8, mask_zero=True),
                       Bidirectional(GRU(6, return_sequences=True)),
                       SimpleRNN(5, return_sequences=True),
                       TimeDistributed(Dense(4, activation="relu")),
                       GRU(5, reset_after=False), Dense(3, activation="softmax")])
    ours.set_weights(keras_weights)
    assert_predicts_as_keras(ours, "sequential_text")
    for got, want in zip(ours.get_weights(), keras_weights, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_a_keras_file_written_by_rnnkit_reads_back_to_the_same_predictions(name, tmp_path):
    model = load_model(FIXTURES / f"{name}.keras")
    model.save(tmp_path / "again.keras")
    model.save_weights(tmp_path / "again.weights.h5")
    with zipfile.ZipFile(tmp_path / "again.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    assert_predicts_as_keras(load_model(tmp_path / "again.keras"), name)
    fresh = Sequential.from_config(model.get_config())
    fresh.load_weights(tmp_path / "again.weights.h5")
    assert_predicts_as_keras(fresh, name)


def test_weights_written_by_rnnkit_are_laid_out_as_keras_writes_them(tmp_path):
    model = load_model(FIXTURES / "sequential_text.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    import h5py
    with h5py.File(tmp_path / "w.weights.h5") as ours, \
            h5py.File(FIXTURES / "sequential_text.weights.h5") as keras:
        def datasets(f):
            found = {}
            f["layers"].visititems(lambda n, o: found.__setitem__(n, o[()])
                                   if hasattr(o, "shape") else None)
            return found
        theirs = datasets(keras)
        mine = datasets(ours)
    assert sorted(mine) == sorted(theirs)
    for key in theirs:
        np.testing.assert_array_equal(mine[key], theirs[key])


# ---- bad input -------------------------------------------------------------------------------

def rewrite_config(source: Path, target: Path, edit) -> Path:
    """A copy of a .keras zip with its config.json passed through edit(text)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            zout.writestr(item, edit(data.decode()) if item == "config.json" else data)
    return target


def test_a_keras_file_with_an_unsupported_layer_names_it_and_the_supported_ones(tmp_path):
    path = rewrite_config(FIXTURES / "sequential_text.keras", tmp_path / "m.keras",
                          lambda t: t.replace('"class_name": "SimpleRNN"',
                                              '"class_name": "UpSampling3D"'))
    with pytest.raises(ValueError, match=r"layer 'simple_rnn' is a UpSampling3D, which rnnkit "
                                         r"cannot map\. Supported layers: .*LSTM.*SimpleRNN"):
        load_model(path)


def test_a_lambda_layer_in_a_keras_file_is_refused_without_running_it(tmp_path):
    path = rewrite_config(FIXTURES / "sequential_lstm.keras", tmp_path / "m.keras",
                          lambda t: t.replace('"class_name": "Dense"', '"class_name": "Lambda"'))
    with pytest.raises(ValueError, match="is a Lambda.*never runs code from a file"):
        load_model(path)


def test_a_keras_config_key_rnnkit_cannot_honour_is_refused_by_name(tmp_path):
    path = rewrite_config(FIXTURES / "sequential_lstm.keras", tmp_path / "m.keras",
                          lambda t: t.replace('"unit_forget_bias": true',
                                              '"unit_forget_bias": true, "time_major": true'))
    with pytest.raises(ValueError, match=r"layer 'lstm' \(LSTM\) sets time_major=True"):
        load_model(path)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_keras_file_gets_an_error_naming_the_file(tmp_path, suffix, damage):
    data = (FIXTURES / f"sequential_lstm{suffix}").read_bytes()
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(data[:len(data) // 2] if damage == "truncated" else b"not a model" * 50)
    with pytest.raises(ValueError, match=f"'{path}' is not a readable"):
        load_model(path)


def test_keras_weights_for_another_architecture_are_refused_with_the_shapes(tmp_path):
    model = Sequential([Input(shape=(10, 2)), LSTM(5), Dense(1)])
    with pytest.raises(ValueError, match=r"layers/lstm: LSTM 'lstm.*': weight 0 must have "
                                         r"shape \(2, 20\).*got \(2, 32\)"):
        model.load_weights(FIXTURES / "sequential_lstm.weights.h5")


def test_a_missing_keras_file_is_reported_by_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="No Keras file at .*absent.keras"):
        load_model(tmp_path / "absent.keras")


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_an_h5_file_written_by_rnnkit_is_the_legacy_keras_format_and_reads_back(name, tmp_path):
    import h5py
    model = load_model(FIXTURES / f"{name}.keras")
    model.save(tmp_path / "m.h5")
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        assert "model_config" in f.attrs and "layer_names" in f["model_weights"].attrs
    assert_predicts_as_keras(load_model(tmp_path / "m.h5"), name)
    fresh = Sequential.from_config(model.get_config())
    fresh.load_weights(tmp_path / "w.h5")
    assert_predicts_as_keras(fresh, name)


@pytest.mark.parametrize("suffix", [".h5", "w.h5", ".weights.h5"])
@pytest.mark.parametrize("at", [0.25, 0.5, 0.999])
def test_an_hdf5_file_rnnkit_wrote_is_refused_before_hdf5_reads_it_when_a_bit_flipped(
        tmp_path, suffix, at, monkeypatch):
    import h5py
    from rnnkit.errors import DamagedFileError
    model = load_model(FIXTURES / "sequential_lstm.keras")
    path = tmp_path / ("m" + suffix)
    (model.save_weights if suffix != ".h5" else model.save)(path)
    data = bytearray(path.read_bytes())
    assert data.startswith(b"rnnkit-sha256 ")
    data[512 + int(at * (len(data) - 513))] ^= 0x08
    path.write_bytes(bytes(data))
    monkeypatch.setattr(h5py, "File", None)          # HDF5 must not see the damaged file
    with pytest.raises(DamagedFileError, match=f"{path}: expected bytes whose SHA-256"):
        if suffix == ".h5":
            load_model(path)
        else:
            Sequential.from_config(model.get_config()).load_weights(path)


def test_a_flipped_bit_in_the_checksum_tag_itself_is_refused_too(tmp_path):
    from rnnkit.errors import DamagedFileError
    load_model(FIXTURES / "sequential_lstm.keras").save(tmp_path / "m.h5")
    data = bytearray((tmp_path / "m.h5").read_bytes())
    data[2] ^= 0x01                                   # "rnnkit" -> "rnokit"
    (tmp_path / "m.h5").write_bytes(bytes(data))
    with pytest.raises(DamagedFileError, match="expected bytes whose SHA-256"):
        load_model(tmp_path / "m.h5")


def test_a_keras_zip_whose_inner_weights_changed_is_refused_though_its_crc_is_right(tmp_path):
    import io

    import h5py
    from rnnkit.errors import DamagedFileError
    load_model(FIXTURES / "sequential_lstm.keras").save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "r+") as f:
        found = []
        f.visititems(lambda n, o: found.append(o) if hasattr(o, "shape") and o.size else None)
        found[0][...] = found[0][()] + 0.5
    members["model.weights.h5"] = weights.getvalue()
    with zipfile.ZipFile(tmp_path / "changed.keras", "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    with pytest.raises(DamagedFileError, match="changed.keras: field 'model.weights.h5'"):
        load_model(tmp_path / "changed.keras")


def test_a_keras_zip_rnnkit_wrote_is_refused_when_its_config_lost_a_layer(tmp_path):
    from rnnkit.errors import DamagedFileError
    load_model(FIXTURES / "sequential_lstm.keras").save(tmp_path / "m.keras")

    def drop_last_layer(text):
        config = json.loads(text)
        config["config"]["layers"].pop()
        return json.dumps(config)
    rewrite_config(tmp_path / "m.keras", tmp_path / "changed.keras", drop_last_layer)
    with pytest.raises(DamagedFileError, match=r"changed.keras: field 'config.json'.*SHA-256"):
        load_model(tmp_path / "changed.keras")


def test_an_h5_model_whose_config_changed_after_the_save_is_refused(tmp_path):
    import h5py
    from rnnkit.errors import DamagedFileError
    load_model(FIXTURES / "sequential_lstm.keras").save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace('"tanh"', '"relu"', 1)
    with pytest.raises(DamagedFileError, match="expected bytes whose SHA-256"):
        load_model(tmp_path / "m.h5")


def test_an_h5_file_without_rnnkit_user_block_as_keras_writes_it_still_loads(tmp_path):
    model = load_model(FIXTURES / "sequential_lstm.keras")
    model.save(tmp_path / "m.h5")
    data = bytearray((tmp_path / "m.h5").read_bytes())
    data[:512] = b"\0" * 512                          # a user block of another tool's
    (tmp_path / "m.h5").write_bytes(bytes(data))
    assert_predicts_as_keras(load_model(tmp_path / "m.h5"), "sequential_lstm")
    assert_predicts_as_keras(load_model(FIXTURES / "sequential_lstm.h5"), "sequential_lstm")


def test_a_weights_name_given_to_save_raises_instead_of_writing_another_format(tmp_path):
    model = Sequential([Input(shape=(10, 2)), LSTM(5), Dense(1)])
    with pytest.raises(ValueError, match="names a weights file: use model.save_weights"):
        model.save(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="names a whole-model Keras file: use model.save"):
        model.save_weights(tmp_path / "m.keras")
    assert not list(tmp_path.iterdir())


def test_model_checkpoint_writes_a_real_keras_file_under_a_keras_name(tmp_path):
    from rnnkit.callbacks import ModelCheckpoint
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 10, 2)).astype("float32"), rng.normal(size=(32, 1))
    model = Sequential([Input(shape=(10, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        ModelCheckpoint(tmp_path / "best.keras", monitor="loss", save_best_only=True),
        ModelCheckpoint(tmp_path / "w.weights.h5", monitor="loss", save_weights_only=True)])
    assert zipfile.is_zipfile(tmp_path / "best.keras")
    np.testing.assert_allclose(load_model(tmp_path / "best.keras").predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-6)
    fresh = Sequential([Input(shape=(10, 2)), LSTM(4), Dense(1)])
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_a_layer_keras_does_not_have_cannot_be_saved_as_keras(tmp_path):
    from rnnkit.layers import MinGRU
    model = Sequential([Input(shape=(10, 2)), MinGRU(5), Dense(1)])
    with pytest.raises(ValueError, match="MinGRU .*not a Keras layer"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


def test_a_model_with_an_operator_on_tensors_is_not_written_as_keras_and_says_why(tmp_path):
    from rnnkit.models import Model
    x = Input(shape=(6, 2))
    y = Dense(1)(LSTM(4)(x) * 2.0)
    with pytest.raises(ValueError, match="operator on symbolic tensors"):
        Model(x, y).save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


class Scale(Layer):
    """The user's own layer, written for rnnkit the Keras way (build, add_weight, call)."""

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, inputs):
        return inputs * self.gain


def test_a_keras_file_with_a_layer_of_ones_own_loads_with_custom_objects():
    with pytest.raises(ValueError, match=r"is a Scale.*custom_objects=\{'Scale': Scale\}"):
        load_model(FIXTURES / "custom_layer.keras")
    model = load_model(FIXTURES / "custom_layer.keras", custom_objects={"Scale": Scale})
    assert_predicts_as_keras(model, "custom_layer")
