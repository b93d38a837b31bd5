"""BackupAndRestore: resume a `fit` that was interrupted, from the last finished epoch."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..models import distributed
from ..models.saving import load_optimizer, load_weights, save_optimizer, state_tensors
from ..utils.files import recover, write_atomically
from .base import Callback
from .progress import print_msg

STATE = "training_state.json"          # the next epoch to run, as JSON
RNG = "rng.safetensors"                # torch's random generator states (shuffling, dropout)
WEIGHTS = "model.safetensors"


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
    (keep it with `delete_checkpoint=False`). Each backup is written to a temporary folder and
    then renamed into place, so a kill during a backup leaves the previous one whole.

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

    def on_train_begin(self, logs=None):
        recover(self.backup_dir)                 # a kill between a save's two renames
        if not (self.backup_dir / STATE).is_file():
            return
        try:
            epoch = int(json.loads((self.backup_dir / STATE).read_text())["epoch"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"The backup in {self.backup_dir} is damaged ({e}). Delete the "
                             "folder to start training afresh.") from None
        load_weights(self.model, self.backup_dir / WEIGHTS)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and (self.backup_dir / "optimizer.json").is_file():
            load_optimizer(optimizer, self.backup_dir)
        set_rng_states(load_file(str(self.backup_dir / RNG)))
        self.model.resume_at(epoch)                      # fit starts its loop here
        if self.verbose:
            print_msg(f"BackupAndRestore: resuming from epoch {epoch + 1} "
                      f"({self.backup_dir}).")

    def on_epoch_end(self, epoch, logs=None):
        if distributed.rank() != 0:                  # one writer; every rank holds the same
            return

        def write(folder: Path) -> None:
            save_file(state_tensors(self.model), str(folder / WEIGHTS))
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None:
                save_optimizer(optimizer, folder)
            save_file(rng_states(), str(folder / RNG))
            (folder / STATE).write_text(json.dumps({"epoch": epoch + 1}))

        write_atomically(self.backup_dir, write)

    def on_train_end(self, logs=None):
        if distributed.rank() != 0:
            return
        if self.delete_checkpoint and self.backup_dir.is_dir():
            shutil.rmtree(self.backup_dir)
