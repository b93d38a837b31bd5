"""ModelCheckpoint, and the atomic write that keeps an interrupted save from corrupting one."""

from __future__ import annotations

import glob
import math
import os
import shutil
import uuid

from .base import Callback
from .monitor import check_monitor, get_monitor_value, is_improvement, resolve_mode
from .progress import print_msg

# stay last in temp names, so formats are detected (Keras's files go by suffix too)
_KEPT_SUFFIXES = (".safetensors", ".rnnkit", ".weights.h5", ".keras", ".h5")


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) during training.

    `filepath` may hold `{epoch}` (counted from 1), `{batch}` (with integer save_freq) and any
    logs key, formatted with str.format: 'ckpt/model_{epoch:02d}_{val_loss:.2f}.rnnkit'.
    The whole model goes through `model.save` (a '.rnnkit' path or a directory); with
    `save_weights_only=True` the path must end in '.safetensors' and goes through
    `model.save_weights`.

    With `save_best_only=True`, a save happens only when `monitor` beats the best value so
    far (mode as in EarlyStopping; `initial_value_threshold` sets the value to beat first).
    `save_freq='epoch'` saves at each epoch end; an integer saves every that many batches.

    Each save writes to a temporary name in the same folder and then renames it over
    `filepath`, so an interrupted or failed save leaves the previous checkpoint intact and
    no partial file behind.

    >>> checkpoint = ModelCheckpoint("best.rnnkit", monitor="val_loss", save_best_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        filepath = os.fspath(filepath)
        check_monitor(monitor, mode, "ModelCheckpoint")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError(
                f"ModelCheckpoint expects save_freq='epoch' or a number of batches >= 1, got "
                f"save_freq={save_freq!r}.")
        if save_weights_only and not filepath.endswith((".safetensors", ".weights.h5")):
            raise ValueError(
                "With save_weights_only=True, ModelCheckpoint writes safetensors or Keras's "
                f"'.weights.h5', so filepath must end in '.safetensors'; got {filepath!r}. "
                "Use e.g. "
                "'ckpt/weights_{epoch:02d}.weights.safetensors', or save_weights_only=False "
                "to save the whole model.")
        if not save_weights_only and filepath.endswith(".safetensors"):
            raise ValueError(
                f"ModelCheckpoint filepath {filepath!r} ends in '.safetensors', which holds "
                "weights only. Pass save_weights_only=True, or use a '.rnnkit' path (or a "
                "directory) to save the whole model.")
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self._better = resolve_mode(mode, monitor)
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = math.inf if self._better == "min" else -math.inf
        self.last_saved_filepath = None
        # Batch saves format the path and read the monitor from batch logs.
        self._needs_batch_logs = save_freq != "epoch"
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch_seen = -1

    def on_train_begin(self, logs=None):
        if "{" not in self.filepath:                # a fixed path: a killed save's temporaries
            _clean_temporaries(self.filepath)       # are removed even if no save comes

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        # batch counts from 0 again in each epoch
        seen = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._last_batch_seen = batch
        self._batches_since_save += seen
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._format_filepath(epoch, batch, logs)
        if self.save_best_only:
            current = get_monitor_value(logs, self.monitor, "ModelCheckpoint",
                                        "Skipping this checkpoint.")
            if current is None:
                return
            if not is_improvement(self._better, current, self.best):
                if self.verbose > 0:
                    print_msg(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                              f"{self.best:.5f}")
                return
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                          f"to {current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: saving model to {filepath}")
        save = self.model.save_weights if self.save_weights_only else self.model.save
        atomic_save(save, filepath)
        self.last_saved_filepath = filepath

    def _format_filepath(self, epoch, batch, logs):
        fields = {"epoch": epoch + 1} if batch is None else {"epoch": epoch + 1,
                                                             "batch": batch + 1}
        fields.update((key, value) for key, value in logs.items() if key not in fields)
        try:
            return self.filepath.format_map(fields)
        except KeyError as err:
            raise KeyError(
                f"ModelCheckpoint cannot format filepath {self.filepath!r}: it uses "
                f"{{{err.args[0]}}}, which is not in the logs. Available fields: "
                f"{', '.join(fields)}. Use one of those, or pass validation_data to fit for "
                "val_ metrics.") from None
        except (IndexError, ValueError) as err:
            raise ValueError(
                f"ModelCheckpoint cannot format filepath {self.filepath!r}: {err}. Name each "
                "field, e.g. 'model_{epoch:02d}_{val_loss:.2f}.rnnkit'.") from None


def atomic_save(save, filepath):
    """Run `save(temp_path)` next to `filepath`, then move the result onto `filepath`.

    If `save` raises (or is interrupted) the temporary is removed and `filepath` is untouched.
    Works for files and directories: a directory cannot be renamed over an existing one, so
    the old checkpoint is first renamed aside and removed after the new one is in place.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    _clean_temporaries(filepath)
    temp = _sibling(filepath, "tmp")
    try:
        save(temp)
        if not os.path.lexists(temp):
            raise RuntimeError(
                f"Saving to {temp!r} returned without creating it, so the checkpoint "
                f"{filepath!r} was not written. model.save / model.save_weights must write "
                "to exactly the path they are given.")
        _replace(temp, filepath)
    except BaseException:
        _remove(temp)
        raise


def _clean_temporaries(filepath) -> None:
    """Remove the temporaries of saves to filepath that a kill left: `.NAME.tmp-<pid>-*` and
    the `..NAME.tmp-<pid>-*...` model.save writes inside them, when that pid is gone, and the
    previous checkpoint's `.NAME.old.*` copy once filepath is whole. A kill between
    _replace's two renames leaves no filepath and that complete copy: it is put back first
    (else the next save would write filepath and leave the copy behind)."""
    from ..utils.files import clean_stale, recover
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        return
    recover(os.path.abspath(filepath))
    stem = os.path.basename(_sibling(filepath, "tmp")).rsplit(".tmp-", 1)[0]   # '.NAME'
    for prefix in (f"{stem}.tmp-", f".{stem}.tmp-"):
        clean_stale(folder, prefix)
    if os.path.lexists(filepath):         # a kill after the second rename left the old copy
        name = os.path.basename(os.path.abspath(filepath))
        for old in glob.glob(os.path.join(folder, f"{glob.escape(f'.{name}.old.')}*")):
            _remove(old)


def _sibling(filepath, tag):
    """A hidden, unique name in filepath's folder that keeps its '.rnnkit'/'.safetensors'."""
    folder, name = os.path.split(os.path.abspath(filepath))
    suffix = next((s for s in _KEPT_SUFFIXES if name.endswith(s)), "")
    stem = name[:len(name) - len(suffix)]
    return os.path.join(folder, f".{stem}.{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def _replace(source, target):
    """os.replace, extended to directories on either side."""
    if os.path.lexists(target) and (_is_real_dir(target) or _is_real_dir(source)):
        folder, name = os.path.split(os.path.abspath(target))
        old = os.path.join(folder, f".{name}.old.{uuid.uuid4().hex[:8]}")   # what recover finds
        os.replace(target, old)           # move the previous checkpoint aside
        try:
            os.replace(source, target)
        except BaseException:
            os.replace(old, target)       # put it back
            raise
        _remove(old)
    else:
        os.replace(source, target)


def _is_real_dir(path):
    return os.path.isdir(path) and not os.path.islink(path)


def _remove(path):
    if _is_real_dir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)
