import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.callbacks import BackupAndRestore, Callback, EarlyStopping
from rnnkit.layers import LSTM, Dense, Dropout, Input, SimpleRNN
from rnnkit.models import Sequential


class Interrupt(Exception):
    pass


class InterruptAfterEpoch(Callback):
    """Raise at the end of epoch `epoch` (counted from 0), as a kill would stop the run."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupt


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6, 3)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None]


def model(seed):
    rnnkit.utils.set_random_seed(seed)
    m = Sequential([Input(shape=(6, 3)), LSTM(8), Dropout(0.3), Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    return m


def test_a_resumed_fit_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    x, y = data()
    whole = model(seed=0)
    whole.fit(x, y, batch_size=16, epochs=4, verbose=0)

    first = model(seed=0)
    backup = BackupAndRestore(tmp_path / "backup")
    with pytest.raises(Interrupt):
        first.fit(x, y, batch_size=16, epochs=4, verbose=0,
                  callbacks=[backup, InterruptAfterEpoch(1)])
    assert (tmp_path / "backup").is_dir()

    resumed = model(seed=7)                    # a new process: other weights, other generator
    history = resumed.fit(x, y, batch_size=16, epochs=4, verbose=0,
                          callbacks=[BackupAndRestore(tmp_path / "backup")])
    assert history.epoch == [2, 3]
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_the_backup_is_deleted_when_fit_finishes_unless_asked_to_keep_it(tmp_path):
    x, y = data()
    model(seed=0).fit(x, y, epochs=2, verbose=0, callbacks=[BackupAndRestore(tmp_path / "a")])
    assert not (tmp_path / "a").exists()
    model(seed=0).fit(x, y, epochs=2, verbose=0,
                      callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["epoch-000002", "latest"]
    assert sorted(p.name for p in (tmp_path / "b" / "epoch-000002").iterdir()) == [
        "model.safetensors", "optimizer.json", "optimizer.safetensors", "rng.safetensors",
        "training_state.json"]


def test_a_fit_that_early_stopping_ends_counts_as_finished(tmp_path):
    x, y = data()
    stop = EarlyStopping(monitor="loss", patience=0, baseline=-1.0)   # never beaten: stops
    history = model(seed=0).fit(x, y, epochs=5, verbose=0,
                                callbacks=[BackupAndRestore(tmp_path / "b"), stop])
    assert len(history.epoch) < 5                                      # stopped early
    assert not (tmp_path / "b").exists()


def test_an_interrupted_backup_write_leaves_the_previous_backup_whole(tmp_path, monkeypatch):
    x, y = data()
    m = model(seed=0)
    backup = BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    m.fit(x, y, epochs=1, verbose=0, callbacks=[backup])
    before = (tmp_path / "b" / "epoch-000001" / "training_state.json").read_text()

    def failing_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("rnnkit.callbacks.backup.save_file", failing_save)
    with pytest.raises(OSError, match="disk full"):
        m.fit(x, y, epochs=3, verbose=0, callbacks=[backup])
    assert (tmp_path / "b" / "epoch-000001" / "training_state.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["b"]           # no temporary folder left
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["epoch-000001", "latest",
                                                                   "lock"]


def test_a_damaged_backup_is_reported_with_how_to_start_afresh(tmp_path):
    x, y = data()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "training_state.json").write_text("{not json")
    with pytest.raises(ValueError, match="damaged.*Delete the folder"):
        model(seed=0).fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])


@pytest.mark.parametrize("bad", [None, "", 3])
def test_backup_dir_must_be_a_folder_path(bad):
    with pytest.raises(ValueError, match="backup_dir to be a folder path"):
        BackupAndRestore(bad)


def test_backup_dir_may_not_be_an_existing_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        BackupAndRestore(tmp_path / "f")


def test_torch_generator_state_is_restored_so_shuffling_continues_the_same_way(tmp_path):
    x, y = data()
    m = model(seed=0)
    m.fit(x, y, epochs=1, verbose=0,
          callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    expected = torch.rand(3)
    torch.manual_seed(123)
    model(seed=5).fit(x, y, epochs=1, verbose=0,
                      callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    # epochs=1 and the backup says the next epoch is 1: nothing left to run, generator restored
    torch.testing.assert_close(torch.rand(3), expected)


def test_only_rank_0_writes_the_backup_under_torchrun(tmp_path, monkeypatch):
    x, y = data()
    monkeypatch.setattr("rnnkit.models.distributed.rank", lambda: 1)
    model(seed=0).fit(x, y, epochs=2, verbose=0,
                      callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    assert not (tmp_path / "b").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_generator_state_is_restored_so_gpu_dropout_continues_the_same_way(tmp_path):
    x, y = data()
    m = model(seed=0)
    m.fit(x, y, epochs=1, verbose=0,
          callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    expected = torch.rand(3, device="cuda")
    torch.cuda.manual_seed_all(123)
    model(seed=5).fit(x, y, epochs=1, verbose=0,
                      callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    torch.testing.assert_close(torch.rand(3, device="cuda"), expected)


def test_each_cuda_devices_generator_state_is_saved_and_set_back_on_that_device(monkeypatch):
    from rnnkit.callbacks import backup
    saved = [torch.tensor([1, 2], dtype=torch.uint8), torch.tensor([3, 4], dtype=torch.uint8)]
    restored = {}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: saved)
    monkeypatch.setattr(torch.cuda, "set_rng_state",
                        lambda state, device: restored.__setitem__(device, state))
    states = backup.rng_states()
    assert sorted(states) == ["cuda:0", "cuda:1", "torch"]
    backup.set_rng_states(states)
    assert restored == {0: saved[0], 1: saved[1]}


def test_a_callback_resumes_fit_through_the_public_resume_at():
    model = Sequential([Input(shape=(3, 1)), SimpleRNN(2), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    epochs = []

    class ResumeAtTwo(Callback):
        def on_train_begin(self, logs=None):
            self.model.resume_at(2)

        def on_epoch_begin(self, epoch, logs=None):
            epochs.append(epoch)

    history = model.fit(np.zeros((4, 3, 1)), np.zeros((4, 1)), epochs=4, verbose=0,
                        callbacks=[ResumeAtTwo()])
    assert epochs == [2, 3] and len(history.history["loss"]) == 2
    assert "_resume_epoch" not in vars(model)           # used once, by that fit only


def test_resume_at_refuses_a_negative_epoch():
    model = Sequential([Input(shape=(3, 1)), Dense(1)])
    with pytest.raises(ValueError, match="epoch must be an integer >= 0, got -1"):
        model.resume_at(-1)
