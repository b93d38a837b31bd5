import os

import pytest

from rnnkit.callbacks import ModelCheckpoint
from rnnkit.callbacks.checkpoint import atomic_save


def test_every_epoch_is_saved_under_a_name_formatted_from_epoch_and_logs(model, fit, losses,
                                                                         tmp_path):
    path = str(tmp_path / "model_{epoch:02d}_{val_loss:.2f}.rnnkit")
    fit(model, [ModelCheckpoint(path)], losses(0.912, 0.5))
    assert sorted(os.listdir(tmp_path)) == ["model_01_0.91.rnnkit", "model_02_0.50.rnnkit"]


def test_save_best_only_saves_only_epochs_that_improve(model, fit, losses, tmp_path):
    path = tmp_path / "best.rnnkit"
    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    fit(model, [checkpoint], losses(1.0, 0.5, 0.7, 0.4, 0.9))
    assert len(model.saves) == 3                         # epochs 1, 2 and 4 improved
    assert path.read_text() == "epoch 3.0"               # the file holds the best: epoch 4
    assert checkpoint.best == 0.4
    assert checkpoint.last_saved_filepath == str(path)


def test_save_best_only_in_auto_mode_wants_accuracy_to_rise(model, fit, tmp_path):
    path = tmp_path / "best.rnnkit"
    epochs = [{"val_accuracy": a} for a in (0.5, 0.7, 0.6)]
    fit(model, [ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True)], epochs)
    assert path.read_text() == "epoch 1.0"


def test_initial_value_threshold_must_be_beaten_before_the_first_save(model, fit, losses, tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "best.rnnkit", save_best_only=True,
                                 initial_value_threshold=0.6)
    fit(model, [checkpoint], losses(0.9, 0.7, 0.5))
    assert len(model.saves) == 1


def test_weights_only_checkpoints_go_through_save_weights(model, fit, losses, tmp_path,
                                                          read_weights_epoch):
    path = tmp_path / "weights.safetensors"
    fit(model, [ModelCheckpoint(path, save_weights_only=True)], losses(1.0, 0.9))
    assert read_weights_epoch(path) == 1.0
    assert model.saves[0].endswith(".safetensors")     # the temp name keeps the suffix


def test_a_directory_checkpoint_replaces_the_previous_directory(model, fit, losses, tmp_path,
                                                                no_temp_files):
    path = tmp_path / "ckpt" / "model"
    fit(model, [ModelCheckpoint(path)], losses(1.0, 0.9, 0.8))
    assert (path / "config.json").read_text() == '{"epoch": 2.0}'
    no_temp_files(tmp_path / "ckpt")


def test_a_failing_save_leaves_the_previous_checkpoint_and_no_partial_file(model, tmp_path,
                                                                          no_temp_files):
    path = tmp_path / "model.rnnkit"
    path.write_text("previous checkpoint")

    def save_half_then_fail(filepath):
        with open(filepath, "w") as f:
            f.write("half a mod")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_save(save_half_then_fail, str(path))
    assert path.read_text() == "previous checkpoint"
    no_temp_files(tmp_path)


def test_an_interrupted_directory_save_leaves_the_previous_directory(model, tmp_path,
                                                                    no_temp_files):
    path = tmp_path / "model"
    model.save(str(path))

    def save_then_interrupt(filepath):
        os.makedirs(filepath)
        (open(os.path.join(filepath, "weights.safetensors"), "w")).close()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_save(save_then_interrupt, str(path))
    assert os.listdir(path) == ["config.json"]
    no_temp_files(tmp_path)


def test_a_kill_between_the_two_renames_is_undone_and_leaves_nothing_after_the_next_save(
        model, fit, losses, tmp_path, no_temp_files):
    path = tmp_path / "ckpt" / "model"
    fit(model, [ModelCheckpoint(path)], losses(1.0))
    os.replace(path, tmp_path / "ckpt" / ".model.old.0123abcd")   # aside, the new one not in
    ModelCheckpoint(path).on_train_begin()
    assert (path / "config.json").read_text() == '{"epoch": 0.0}'  # the previous one is back
    fit(model, [ModelCheckpoint(path)], losses(0.5))                # then one more save
    assert (path / "config.json").read_text() == '{"epoch": 0.0}'
    no_temp_files(tmp_path / "ckpt")


def test_a_save_that_writes_elsewhere_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="must write to exactly the path"):
        atomic_save(lambda filepath: None, str(tmp_path / "model.rnnkit"))


def test_an_integer_save_freq_saves_every_that_many_batches(model, fit, losses, tmp_path):
    path = str(tmp_path / "m_{epoch}_{batch}.rnnkit")
    fit(model, [ModelCheckpoint(path, save_freq=2)], losses(1.0, 0.9), steps=3)
    assert sorted(os.listdir(tmp_path)) == ["m_1_2.rnnkit", "m_2_1.rnnkit", "m_2_3.rnnkit"]


def test_save_best_only_without_the_monitored_metric_warns_and_skips(model, fit, tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "best.rnnkit", save_best_only=True)
    with pytest.warns(UserWarning, match="'val_loss'.*Available metrics are: loss.*Skipping"):
        fit(model, [checkpoint], [{"loss": 1.0}])
    assert model.saves == []


def test_a_filepath_field_missing_from_the_logs_names_the_available_keys(model, fit, tmp_path):
    checkpoint = ModelCheckpoint(str(tmp_path / "m_{val_acc:.2f}.rnnkit"))
    with pytest.raises(KeyError, match=r"uses \{val_acc\}.*Available fields: epoch, loss\."):
        fit(model, [checkpoint], [{"loss": 1.0}])


def test_verbose_reports_improvements(model, fit, losses, tmp_path, capsys):
    fit(model, [ModelCheckpoint(tmp_path / "b.rnnkit", save_best_only=True, verbose=1)],
        losses(0.5, 0.6))
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.50000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out


def test_weights_only_needs_a_safetensors_path():
    with pytest.raises(ValueError, match="must end in '.safetensors'; got 'w.h5'"):
        ModelCheckpoint("w.h5", save_weights_only=True)


def test_a_safetensors_path_for_the_whole_model_is_rejected_with_the_fix():
    with pytest.raises(ValueError, match="Pass save_weights_only=True"):
        ModelCheckpoint("w.safetensors")


@pytest.mark.parametrize("save_freq", ["batch", 0, 2.5])
def test_save_freq_must_be_epoch_or_a_positive_batch_count(save_freq):
    with pytest.raises(ValueError, match="save_freq='epoch' or a number of batches >= 1"):
        ModelCheckpoint("m.rnnkit", save_freq=save_freq)


def test_an_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode='best'"):
        ModelCheckpoint("m.rnnkit", mode="best")
