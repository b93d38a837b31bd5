"""Writing files and folders atomically: a reader sees the old version or the new one, whole.

One helper for the package: model folders (models/saving.py), training backups
(callbacks/backup.py) and run folders (tasks/runs.py) are written into a temporary
sibling, flushed to disk, given the permissions open() and mkdir() would give, then renamed
into place.

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> path = write_atomically(root / "model", lambda tmp: (tmp / "a.txt").write_text("new"))
    >>> (path / "a.txt").read_text(), sorted(p.name for p in root.iterdir())
    ('new', ['model'])
    >>> write_text_atomically(root / "note.txt", "hello").read_text()
    'hello'
"""
from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["write_atomically", "write_file_atomically", "write_text_atomically", "recover",
           "follow_umask", "clean_stale"]


def write_atomically(path: str | os.PathLike, write_into: Callable[[Path], object]) -> Path:
    """Call write_into(tmp_dir), flush it to disk, then move tmp_dir to path, replacing any
    old folder. A folder cannot be swapped in one rename, so the old one is first moved to
    a unique `.NAME.old.*` name and deleted after; a process killed between the two renames
    leaves that complete old copy, which `recover` puts back at the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    clean_stale(path.parent, f".{path.name}.tmp.")
    if path.exists():                  # old copies a kill left after the second rename
        for old in path.parent.glob(f"{glob.escape(f'.{path.name}.old.')}*"):
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() and not old.is_symlink() \
                else old.unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp.{os.getpid()}.", dir=path.parent))
    try:
        write_into(tmp)
        follow_umask(tmp)
        fsync_tree(tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            os.rmdir(old)                          # a unique name, free for the rename
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


def clean_stale(folder: Path, prefix: str) -> int:
    """Remove the temporaries a killed save left in folder: entries named prefix + pid + ...
    whose process no longer runs (a live save's temporary is left alone). Returns how many."""
    removed = 0
    for item in Path(folder).glob(f"{glob.escape(prefix)}*"):
        pid = item.name[len(prefix):].split(".", 1)[0].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(item, ignore_errors=True) if item.is_dir() and not item.is_symlink() \
                else item.unlink(missing_ok=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_file_atomically(path: str | os.PathLike, write_into: Callable[[Path], object]) -> Path:
    """Call write_into(tmp_file) on a temporary name beside `path`, flush it, then rename it
    to `path` in one step (a file, unlike a folder, can be swapped in one rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path.parent, f".{path.name}.tmp.")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp.{os.getpid()}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write_into(tmp)
        follow_umask(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` through write_file_atomically."""
    return write_file_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def recover(path: str | os.PathLike) -> Path:
    """If a save was killed between its two renames, the path is missing and its previous
    version waits under `.NAME.old.*`: move it back. Returns the path."""
    path = Path(path)
    if not path.exists():
        olds = sorted(path.parent.glob(f".{path.name}.old.*"), key=lambda p: p.stat().st_mtime)
        if olds:
            os.replace(olds[-1], path)
    return path


def follow_umask(path: str | os.PathLike) -> Path:
    """Give a file, or a folder and everything in it, the permissions open() and mkdir()
    would: 0o666 for files and 0o777 for folders, minus the umask (0o644 / 0o755 under the
    usual 022). tempfile.mkdtemp makes 0700 folders and safetensors writes 0600 files, which
    teammates sharing a run folder cannot read. Symbolic links are left alone."""
    path = Path(path)
    mask = os.umask(0o022)                      # the only portable way to read the umask
    os.umask(mask)
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if not item.is_symlink():
            os.chmod(item, (0o777 if item.is_dir() else 0o666) & ~mask)
    return path


def fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with open(file, "rb") as f:
                os.fsync(f.fileno())
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
