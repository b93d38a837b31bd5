"""BackupAndRestore's folder: one live owner, stale locks and kill leftovers cleaned."""
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

import rnnkit
from rnnkit.callbacks import BackupAndRestore
from rnnkit.errors import UserError
from rnnkit.layers import Dense, Input, LSTM
from rnnkit.models import Sequential


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 5, 2)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None]


def model(seed=0):
    rnnkit.utils.set_random_seed(seed)
    m = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    return m


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_folder_locked_by_another_live_process_is_refused_with_its_name(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "lock").write_text(f"{os.getppid()} {socket.gethostname()}")
    x, y = data()
    with pytest.raises(UserError, match=r"backup folder .*b is in use by process \d+"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "lock").write_text(f"{dead_pid()} {socket.gethostname()}")
    x, y = data()
    history = model().fit(x, y, epochs=2, verbose=0, callbacks=[
        BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    assert history.epoch == [0, 1]
    assert not (tmp_path / "b" / "lock").exists()          # released at the end


def test_leftovers_of_kills_are_cleaned_and_do_not_break_the_next_fit(tmp_path):
    x, y = data()
    model().fit(x, y, epochs=1, verbose=0,
                callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    (tmp_path / "b" / ".epoch-000002.tmp.x1").mkdir()     # a kill while writing epoch 2
    (tmp_path / "b" / "epoch-000009").mkdir()              # renamed in, never pointed at
    (tmp_path / ".b.done.abc").mkdir()                     # a kill during end-of-fit delete
    (tmp_path / ".b.done.abc" / "model.safetensors").write_bytes(b"half")
    history = model(seed=3).fit(x, y, epochs=3, verbose=0,
                                callbacks=[BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [1, 2]                         # resumed after epoch 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_finished_fit_removes_the_folder_from_its_path_in_one_rename(tmp_path, monkeypatch):
    import shutil
    x, y = data()
    removed = []
    monkeypatch.setattr(shutil, "rmtree", lambda p, **k: removed.append(os.fspath(p)))
    model().fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])
    assert not (tmp_path / "b").exists()                   # gone before any delete ran
    assert [os.path.basename(p)[:8] for p in removed] == [".b.done."]


def test_a_backup_written_by_an_older_rnnkit_at_the_top_of_the_folder_still_resumes(tmp_path):
    x, y = data()
    first = model()
    first.fit(x, y, epochs=1, verbose=0,
              callbacks=[BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    for item in (tmp_path / "b" / "epoch-000001").iterdir():       # the flat layout
        os.replace(item, tmp_path / "b" / item.name)
    (tmp_path / "b" / "epoch-000001").rmdir()
    (tmp_path / "b" / "latest").unlink()
    history = model(seed=5).fit(x, y, epochs=2, verbose=0,
                                callbacks=[BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [1]


def test_a_fifo_in_place_of_the_lock_is_a_clear_error_not_a_hang(tmp_path):
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / "lock")
    x, y = data()
    with pytest.raises(ValueError, match=r"lock: expected a lock file \(a regular file\), got a "
                                         "FIFO"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])


def test_a_pointer_naming_a_folder_outside_the_backup_is_refused(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "latest").write_text("../elsewhere")
    x, y = data()
    with pytest.raises(ValueError, match="field 'latest': expected a name inside"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])


def test_a_checkpoints_old_copy_left_by_a_kill_is_removed_when_the_next_fit_starts(tmp_path):
    from rnnkit.callbacks.checkpoint import _clean_temporaries
    target = tmp_path / "ckpt.rnnkit"
    target.mkdir()
    left = tmp_path / ".ckpt.rnnkit.old.ab12cd34"            # a kill between rename and delete
    left.mkdir()
    _clean_temporaries(str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.rnnkit"]
