"""Model files: JSON config + safetensors, round trips, resumable optimizer state, no pickle."""
import json

import numpy as np
import pytest
import torch

from rnnkit.layers import (GRU, LSTM, Bidirectional, Dense, Dropout, Embedding, Input, Masking,
                           SimpleRNN, TimeDistributed)
from rnnkit.models import Sequential, load_model
from rnnkit.utils import set_random_seed


def trained_model():
    model = Sequential([Embedding(20, 4, mask_zero=True), Bidirectional(LSTM(5, return_sequences=True)),
                        GRU(3), Dropout(0.1), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).integers(0, 20, size=(16, 6))
    model.fit(x, x[:, -1] % 2, epochs=1, verbose=0)
    return model, x


def test_saved_model_loads_with_the_same_predictions(tmp_path):
    model, x = trained_model()
    model.save(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    assert sorted(p.name for p in (tmp_path / "m.rnnkit").iterdir()) == [
        "config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors"]


def test_loaded_model_resumes_training_with_the_optimizer_state(tmp_path):
    model, x = trained_model()
    model.save(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit")
    a, b = model.optimizer.state_dict(), loaded.optimizer.state_dict()
    for idx in a["state"]:
        for key, value in a["state"][idx].items():
            torch.testing.assert_close(torch.as_tensor(b["state"][idx][key]), torch.as_tensor(value))
    y = x[:, -1] % 2
    set_random_seed(3)                                  # the same dropout masks for both
    loaded.fit(x, y, epochs=1, shuffle=False, verbose=0)
    set_random_seed(3)
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for p, q in zip(model.parameters(), loaded.parameters()):
        torch.testing.assert_close(p, q)


def test_a_lazily_built_model_saves_and_loads(tmp_path):
    model = Sequential([Masking(), SimpleRNN(4, return_sequences=True), TimeDistributed(Dense(2))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).normal(size=(8, 5, 3)).astype("float32")
    model.fit(x, np.zeros((8, 5, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "lazy")
    np.testing.assert_allclose(load_model(tmp_path / "lazy").predict(x), model.predict(x), rtol=1e-6)


def test_weights_alone_round_trip_through_safetensors(tmp_path):
    model = Sequential([Input(shape=(4, 2)), LSTM(3), Dense(1)])
    other = Sequential([Input(shape=(4, 2)), LSTM(3), Dense(1)])
    model.save_weights(tmp_path / "w.safetensors")
    other.load_weights(tmp_path / "w.safetensors")
    x = torch.randn(2, 4, 2)
    torch.testing.assert_close(other(x), model(x))


def test_weights_of_another_architecture_are_rejected_with_the_names(tmp_path):
    Sequential([Input(shape=(4, 2)), LSTM(3), Dense(1)]).save_weights(tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match="do not fit this model"):
        Sequential([Input(shape=(4, 2)), GRU(3), Dense(1)]).load_weights(tmp_path / "w.safetensors")


def test_the_config_is_plain_json_and_the_folder_holds_no_pickle(tmp_path):
    model, _ = trained_model()
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format"] == "rnnkit.model"
    assert [l["class_name"] for l in config["config"]["layers"]] == [
        "Embedding", "Bidirectional", "GRU", "Dropout", "Dense"]
    for f in (tmp_path / "m").iterdir():
        assert not f.read_bytes().startswith(b"\x80")        # pickle's protocol marker


def test_an_unknown_layer_class_in_a_file_is_refused_without_running_anything(tmp_path):
    model, _ = trained_model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    config["config"]["layers"][0]["class_name"] = "os.system"
    del config["config_sha256"]                       # as an attacker would
    path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        load_model(tmp_path / "m")


def test_loading_a_missing_or_damaged_model_says_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="No rnnkit model"):
        load_model(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"bad/config.json: expected valid JSON, got JSON"):
        load_model(tmp_path / "bad")


def test_a_save_that_fails_midway_leaves_the_previous_model_intact(tmp_path, monkeypatch):
    model, x = trained_model()
    model.save(tmp_path / "m")
    before = model.predict(x)
    import rnnkit.models.saving as saving

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(saving, "save_file", broken)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "m")
    monkeypatch.undo()
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x), before, rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_saved_model_and_weights_file_are_readable_by_teammates_under_umask_022(tmp_path):
    import os
    import stat
    model, _ = trained_model()
    old = os.umask(0o022)
    try:
        model.save(tmp_path / "m.rnnkit")
        model.save_weights(tmp_path / "w.safetensors")
    finally:
        os.umask(old)
    saved = [tmp_path / "m.rnnkit", *(tmp_path / "m.rnnkit").iterdir(), tmp_path / "w.safetensors"]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in saved}
    assert modes.pop("m.rnnkit") == 0o755
    assert set(modes.values()) == {0o644}, modes
