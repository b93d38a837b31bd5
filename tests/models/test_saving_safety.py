"""Saves that a kill cannot leave empty, and files that load right or not at all."""
import json
import os

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from rnnkit.layers import Dense, Input, LSTM
from rnnkit.models import Sequential, load_model
from rnnkit.models.saving import recover


def _model():
    model = Sequential([Input(shape=(4, 2)), LSTM(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model(torch.zeros(1, 4, 2))
    return model


def test_a_save_killed_between_its_two_renames_is_recovered_from_the_old_copy(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    os.replace(tmp_path / "m", tmp_path / ".m.old.abc123")   # the state a kill leaves
    x = np.ones((2, 4, 2), dtype="float32")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x), model.predict(x))
    assert (tmp_path / "m").is_dir() and not list(tmp_path.glob(".m.old.*"))


def test_recover_leaves_an_existing_folder_alone(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / ".m.old.x").mkdir()
    assert recover(tmp_path / "m") == tmp_path / "m"
    assert (tmp_path / ".m.old.x").is_dir()


def test_saving_twice_leaves_no_temporary_folders(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    model.save(tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_a_weight_whose_dtype_changed_is_refused(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    tensors = load_file(str(tmp_path / "m" / "model.safetensors"))
    name = next(iter(tensors))
    tensors[name] = tensors[name].to(torch.int32)
    save_file(tensors, str(tmp_path / "m" / "model.safetensors"))
    with pytest.raises(ValueError, match=rf"field '{name}': expected a torch.float32 tensor, got torch.int32"):
        load_model(tmp_path / "m")


def test_nan_weights_are_refused(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    tensors = load_file(str(tmp_path / "m" / "model.safetensors"))
    name = next(iter(tensors))
    tensors[name][0] = float("nan")
    save_file(tensors, str(tmp_path / "m" / "model.safetensors"))
    with pytest.raises(ValueError, match="NaN or infinite"):
        load_model(tmp_path / "m")


def test_a_garbage_weights_file_is_named_in_the_error(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match=r"model.safetensors: expected a readable safetensors file"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("version", ["2", 1.5, None, [1]])
def test_a_config_version_that_is_not_an_integer_is_a_clear_error(tmp_path, version):
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    config["version"] = version
    path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="config.json: field 'version': expected an integer"):
        load_model(tmp_path / "m")


def test_deeply_nested_json_is_a_clear_error_not_a_recursion_error(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="config.json: expected JSON at most 64 levels deep"):
        load_model(tmp_path / "m")
