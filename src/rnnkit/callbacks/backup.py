"""BackupAndRestore: resume a `fit` that was interrupted, from the last finished epoch."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..errors import DamagedFileError, UserError
from ..models import distributed
from ..models.saving import load_optimizer, load_weights, read_safetensors, save_optimizer, \
    state_tensors
from ..utils.files import fsync_dir, fsync_tree, follow_umask, recover
from ..utils.safe_read import check_file, field, inside, read_json, read_text
from .base import Callback
from .progress import print_msg

STATE = "training_state.json"          # the next epoch to run, as JSON
RNG = "rng.safetensors"                # torch's random generator states (shuffling, dropout)
WEIGHTS = "model.safetensors"
LOCK = "lock"                          # the live owner: "<pid> <host>"
LATEST = "latest"                      # the name of the newest complete epoch folder


def rng_states() -> dict[str, torch.Tensor]:
    """torch's CPU generator state under "torch", and each CUDA device's as "cuda:<i>": on
    a GPU, shuffling and dropout draw from the CUDA generators."""
    states = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states |= {f"cuda:{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())}
    return states


def set_rng_states(states: dict[str, torch.Tensor]) -> None:
    """Restore what rng_states() saved: the CPU generator, and every CUDA device's generator
    that was saved and exists here (a backup from a CPU-only run restores the CPU's only)."""
    torch.set_rng_state(states["torch"])
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            if f"cuda:{i}" in states:
                torch.cuda.set_rng_state(states[f"cuda:{i}"], device=i)


class BackupAndRestore(Callback):
    """Back up the training state at each epoch end; a later `fit` resumes from it.

    The backup in `backup_dir` holds the weights, the optimizer state, torch's random
    generator states, CPU and CUDA (they shuffle the batches and draw the dropout masks), and
    the next epoch to run. If `fit` stops early, because the process was killed, interrupted
    or hit an error, calling the same `fit` again with a BackupAndRestore on the same folder
    loads the backup and carries on from the next epoch, so the run ends with the weights it
    would have reached without the interruption. When `fit` finishes, the backup is deleted
    (keep it with `delete_checkpoint=False`).

    The folder is valid at every instant, whenever a kill comes:

        backup_dir/
            lock             "<pid> <host>" of the fit that owns the folder
            epoch-000003/    a complete backup, written as .epoch-000003.tmp.* then renamed
            latest           "epoch-000003": replaced in one os.replace after the folder is
                             whole and on disk, and only then are older epoch folders deleted

    A second live process given the same folder gets a clear error; a lock whose process is
    gone (killed) is taken over, and the temporary folders such kills leave are cleaned. At
    the end of `fit` the folder is first renamed to a hidden `.NAME.done.*` and then deleted,
    so a kill during the delete leaves no half backup at the path.

    Under torchrun every rank restores from the backup and only rank 0 writes it (all ranks
    hold the same weights after each step).

    As in Keras, other callbacks' own counters (EarlyStopping's wait, for example) start over,
    and the History returned by the resumed `fit` holds the resumed epochs only.

    >>> backup = BackupAndRestore("runs/backup")
    >>> model.fit(x, y, epochs=50, callbacks=[backup])          # doctest: +SKIP
    """

    def __init__(self, backup_dir, delete_checkpoint: bool = True, verbose: int = 0):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError("BackupAndRestore expects backup_dir to be a folder path (a str or "
                             f"pathlib.Path), got {backup_dir!r}. Pass e.g. 'runs/backup'.")
        self.backup_dir = Path(backup_dir)
        if self.backup_dir.exists() and not self.backup_dir.is_dir():
            raise ValueError(f"BackupAndRestore: {str(self.backup_dir)!r} is a file, not a "
                             "folder. Pass a folder path that does not exist yet or holds a "
                             "backup.")
        self.delete_checkpoint = delete_checkpoint
        self.verbose = verbose

    # ---- the folder ------------------------------------------------------------------------

    def latest(self) -> Path | None:
        """The newest complete backup: the folder `latest` names, or backup_dir itself for a
        backup written by an older rnnkit (its files at the top); None when there is none."""
        pointer = self.backup_dir / LATEST
        if os.path.lexists(pointer):
            check_file(pointer, 256, self.backup_dir, "backup pointer")
            name = read_text(pointer, 256, self.backup_dir, "backup pointer").strip()
            folder = inside(self.backup_dir, name, pointer, "latest")
            if not name.startswith("epoch-") or not folder.is_dir():
                raise self._damaged(f"{pointer} names {name!r}, not an epoch folder")
            return folder
        return self.backup_dir if (self.backup_dir / STATE).is_file() else None

    def _damaged(self, why: str) -> ValueError:
        return DamagedFileError(self.backup_dir, None, "a backup written by BackupAndRestore",
                                why, f"delete the folder {self.backup_dir} to start training "
                                "afresh")

    def _lock(self) -> None:
        """Own the folder: create backup_dir/lock with our pid, or take over a lock whose
        process is gone; a clear error when another live process owns it."""
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        lock, me = self.backup_dir / LOCK, f"{os.getpid()} {socket.gethostname()}"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _read_lock(lock)
            if owner not in (None, me) and _alive(owner):
                raise UserError(
                    f"BackupAndRestore: the backup folder {self.backup_dir} is in use by "
                    f"process {owner} (its lock file {lock}). Two fits cannot share one backup: "
                    "give this fit another backup_dir, or, if that process is gone, delete "
                    "the lock file.") from None
            tmp = self.backup_dir / f".{LOCK}.{uuid.uuid4().hex[:8]}"
            tmp.write_text(me)
            os.replace(tmp, lock)                   # a stale lock (a killed fit) taken over
            if _read_lock(lock) != me:
                raise UserError(f"BackupAndRestore: another process took the backup folder "
                                   f"{self.backup_dir} at the same moment; run one fit per "
                                   "backup_dir.") from None
        else:
            with os.fdopen(fd, "w") as f:
                f.write(me)
        self._clean(keep=self.latest())

    def _clean(self, keep: Path | None) -> None:
        """Delete what kills leave: temporary and superseded epoch folders, the partly
        deleted `.NAME.done.*` folders of finished fits beside the backup."""
        for item in self.backup_dir.iterdir():
            stale = item.name.startswith((".epoch-", ".latest.", f".{LOCK}.")) or (
                item.name.startswith("epoch-") and item != keep)
            if stale and item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            elif stale:
                item.unlink()
        for done in self.backup_dir.parent.glob(f".{self.backup_dir.name}.done.*"):
            shutil.rmtree(done, ignore_errors=True)

    def _unlock(self) -> None:
        lock = self.backup_dir / LOCK
        if _read_lock(lock) == f"{os.getpid()} {socket.gethostname()}":
            lock.unlink()

    # ---- the callbacks ---------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        recover(self.backup_dir)                 # an older rnnkit's kill between two renames
        if distributed.rank() == 0:
            self._lock()
        folder = self.latest()
        if folder is None:
            return
        try:
            epoch = field(read_json(folder / STATE, root=self.backup_dir, max_bytes=4096),
                          "epoch", folder / STATE, int, 0, 10**9)
        except ValueError as e:
            raise ValueError(f"The backup in {self.backup_dir} is damaged ({e}). Delete the "
                             "folder to start training afresh.") from None
        load_weights(self.model, folder / WEIGHTS)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and (folder / "optimizer.json").is_file():
            load_optimizer(optimizer, folder)
        set_rng_states(read_safetensors(folder / RNG, self.backup_dir, "generator states"))
        self.model.resume_at(epoch)                      # fit starts its loop here
        if self.verbose:
            print_msg(f"BackupAndRestore: resuming from epoch {epoch + 1} "
                      f"({self.backup_dir}).")

    def on_epoch_end(self, epoch, logs=None):
        if distributed.rank() != 0:                  # one writer; every rank holds the same
            return
        name = f"epoch-{epoch + 1:06d}"
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp.", dir=self.backup_dir))
        try:
            save_file(state_tensors(self.model), str(tmp / WEIGHTS))
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None:
                save_optimizer(optimizer, tmp)
            save_file(rng_states(), str(tmp / RNG))
            (tmp / STATE).write_text(json.dumps({"epoch": epoch + 1}))
            follow_umask(tmp)
            fsync_tree(tmp)
            previous = self.latest()
            if (self.backup_dir / name).exists():      # a resumed fit writes the epoch again
                shutil.rmtree(self.backup_dir / name)
            os.replace(tmp, self.backup_dir / name)
            pointer = self.backup_dir / f".{LATEST}.{uuid.uuid4().hex[:8]}"
            with open(pointer, "w") as f:
                f.write(name)
                f.flush()
                os.fsync(f.fileno())
            os.replace(pointer, self.backup_dir / LATEST)      # the one atomic step
            fsync_dir(self.backup_dir)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        if previous is not None and previous != self.backup_dir and previous.name != name:
            shutil.rmtree(previous, ignore_errors=True)
        for legacy in (STATE, WEIGHTS, RNG, "optimizer.json", "optimizer.safetensors"):
            if (self.backup_dir / legacy).is_file():   # an older rnnkit's flat backup
                (self.backup_dir / legacy).unlink()

    def on_train_end(self, logs=None):
        if distributed.rank() != 0:
            return
        if self.delete_checkpoint and self.backup_dir.is_dir():
            done = self.backup_dir.with_name(f".{self.backup_dir.name}.done.{uuid.uuid4().hex[:8]}")
            os.replace(self.backup_dir, done)            # gone from the path in one step
            shutil.rmtree(done, ignore_errors=True)
        elif self.backup_dir.is_dir():
            self._unlock()


def _read_lock(lock: Path) -> str | None:
    """The owner a lock file names, None when there is none; a lock that is not a small
    regular file (a FIFO, a folder) is a DamagedFileError, never a hang."""
    if not os.path.lexists(lock):
        return None
    return read_text(lock, 256, what="lock file").strip() or None


def _alive(owner: str) -> bool:
    """Whether the process a lock names still runs (one on another host is taken as alive:
    it cannot be checked from here)."""
    pid, _, host = owner.partition(" ")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:                       # another user's process
        return True
    return True
