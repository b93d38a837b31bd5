import os
import stat

import pytest

from rnnkit.utils.files import recover, write_atomically, write_file_atomically, \
    write_text_atomically


def test_write_atomically_replaces_an_old_folder_whole(tmp_path):
    target = tmp_path / "model"
    write_atomically(target, lambda d: (d / "old.txt").write_text("old"))
    write_atomically(target, lambda d: (d / "new.txt").write_text("new"))
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]      # no temporary left


def test_a_failing_write_leaves_the_old_folder_and_no_temporary(tmp_path):
    target = tmp_path / "model"
    write_atomically(target, lambda d: (d / "a.txt").write_text("kept"))

    def fail(folder):
        (folder / "a.txt").write_text("half")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, fail)
    assert (target / "a.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_recover_puts_back_the_copy_a_killed_save_left_between_its_two_renames(tmp_path):
    old = tmp_path / ".model.old.x1"
    old.mkdir()
    (old / "a.txt").write_text("previous")
    assert recover(tmp_path / "model") == tmp_path / "model"
    assert (tmp_path / "model" / "a.txt").read_text() == "previous" and not old.exists()


def test_a_file_is_replaced_in_one_rename_with_the_permissions_open_would_give(tmp_path):
    path = write_text_atomically(tmp_path / "w.txt", "one")
    write_file_atomically(path, lambda tmp: tmp.write_text("two"))
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.read_text() == "two"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["w.txt"]


def test_an_old_copy_left_by_a_kill_after_the_second_rename_is_removed_by_the_next_save(tmp_path):
    path = write_atomically(tmp_path / "m", lambda tmp: (tmp / "a").write_text("1"))
    left = tmp_path / ".m.old.x1y2"                   # what a kill before the rmtree leaves
    left.mkdir()
    (left / "a").write_text("0")
    write_atomically(path, lambda tmp: (tmp / "a").write_text("2"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    assert (path / "a").read_text() == "2"
