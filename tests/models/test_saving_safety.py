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


def _without_checksum(folder):
    """As a model saved before checksums: the dtype and value checks are then the guard."""
    config = json.loads((folder / "config.json").read_text())
    del config["weights_sha256"], config["config_sha256"]
    (folder / "config.json").write_text(json.dumps(config))


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
    _without_checksum(tmp_path / "m")
    tensors = load_file(str(tmp_path / "m" / "model.safetensors"))
    name = next(iter(tensors))
    tensors[name] = tensors[name].to(torch.int32)
    save_file(tensors, str(tmp_path / "m" / "model.safetensors"))
    with pytest.raises(ValueError, match=rf"field '{name}': expected a torch.float32 tensor, "
                                         r"got torch.int32"):
        load_model(tmp_path / "m")


def test_nan_weights_are_refused(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    _without_checksum(tmp_path / "m")
    tensors = load_file(str(tmp_path / "m" / "model.safetensors"))
    name = next(iter(tensors))
    tensors[name][0] = float("nan")
    save_file(tensors, str(tmp_path / "m" / "model.safetensors"))
    with pytest.raises(ValueError, match="NaN or infinite"):
        load_model(tmp_path / "m")


def test_a_garbage_weights_file_is_named_in_the_error(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    _without_checksum(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match=r"model.safetensors: expected a safetensors file of "
                                         r"weights"):
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


def test_a_flipped_bit_in_the_weights_is_caught_by_the_checksum(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    data = bytearray((tmp_path / "m" / "model.safetensors").read_bytes())
    data[-3] ^= 0x10                                  # inside the last tensor's values
    (tmp_path / "m" / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"model.safetensors: expected the weights whose "
                                         r"SHA-256 config.json records"):
        load_model(tmp_path / "m")


def test_a_config_value_changed_after_the_save_is_refused_naming_the_file(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    config["config"]["layers"][0]["config"]["go_backwards"] = True    # loads, predicts other
    path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"m/config.json: field 'config_sha256': expected the "
                                         r"values whose SHA-256 it records"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("damage", ["optimizer.json", "optimizer.safetensors"])
def test_optimizer_state_changed_after_the_save_is_refused_naming_the_file(tmp_path, damage):
    model = _model()
    x = np.ones((4, 4, 2), dtype="float32")
    model.fit(x, np.ones((4, 1), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m")
    path = tmp_path / "m" / damage
    if damage == "optimizer.json":
        meta = json.loads(path.read_text())
        meta["param_groups"][0]["lr"] = 0.5
        path.write_text(json.dumps(meta))
    else:
        data = bytearray(path.read_bytes())
        data[-2] ^= 0x04
        path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"m/{damage}"):
        load_model(tmp_path / "m")


def test_a_model_saved_before_checksums_still_loads(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    del config["weights_sha256"], config["config_sha256"]
    path.write_text(json.dumps(config))
    x = np.ones((2, 4, 2), dtype="float32")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(x), model.predict(x))


def test_a_config_with_20000_layers_is_refused_fast(tmp_path):
    import time
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    dense = config["config"]["layers"][-1]
    config["config"]["layers"] += [dense] * 20_000
    path.write_text(json.dumps(config))
    start = time.perf_counter()
    with pytest.raises(ValueError, match="field 'layers': expected at most 10,000 layers"):
        load_model(tmp_path / "m")
    assert time.perf_counter() - start < 5


def test_a_huge_unit_count_is_refused_before_anything_is_built(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    path.write_text(path.read_text().replace('"units": 1', '"units": 1000000000'))
    with pytest.raises(ValueError, match=r"field 'units': expected at most [\d,]+ \(the weights"):
        load_model(tmp_path / "m")


def _fitted():
    model = _model()
    model.fit(np.ones((4, 4, 2), "float32"), np.ones((4, 1), "float32"), epochs=1, verbose=0)
    return model


def test_a_fifo_in_place_of_the_optimizer_state_is_refused_not_waited_on(tmp_path):
    model = _fitted()
    model.save(tmp_path / "m")
    (tmp_path / "m" / "optimizer.safetensors").unlink()
    os.mkfifo(tmp_path / "m" / "optimizer.safetensors")
    with pytest.raises(ValueError, match=r"optimizer.safetensors: expected an optimizer state "
                                         r"\(a regular file\), got a FIFO"):
        load_model(tmp_path / "m")


def test_a_damaged_optimizer_json_names_the_file(tmp_path):
    model = _fitted()
    model.save(tmp_path / "m")
    (tmp_path / "m" / "optimizer.json").write_text('{"class": "Adam", "param_groups": 3}')
    with pytest.raises(ValueError, match=r"optimizer.json: field 'param_groups': expected an "
                                         r"array, got 3"):
        load_model(tmp_path / "m")


def test_a_task_model_config_asking_for_a_trillion_layers_is_refused(tmp_path):
    from rnnkit.models.saving import check_task_model_config
    (tmp_path / "config.json").write_text(json.dumps(
        {"class_name": "AcousticModel", "config": {"units": 8, "layers": 10**12}}))
    with pytest.raises(ValueError, match=r"config.json: field 'layers': expected at most 10,000"):
        check_task_model_config(tmp_path)


def test_a_boolean_flag_holding_a_list_is_refused_at_load_not_at_predict(tmp_path):
    model = _model()
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    config["config"]["layers"][0]["config"]["return_state"] = [1]
    path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"field .return_state.: expected true or false"):
        load_model(tmp_path / "m")


def test_a_task_model_round_trips_and_a_flipped_bit_in_its_weights_is_caught(tmp_path):
    from rnnkit.models.saving import check_task_model_config, save_task_model
    layer = torch.nn.Linear(3, 2)
    save_task_model(tmp_path / "model", "Linear", {"units": 2}, layer)
    assert check_task_model_config(tmp_path / "model") == {"units": 2}
    data = bytearray((tmp_path / "model" / "model.safetensors").read_bytes())
    data[-1] ^= 0x01
    (tmp_path / "model" / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        check_task_model_config(tmp_path / "model")
