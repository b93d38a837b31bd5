"""Callbacks that steer training: EarlyStopping, ReduceLROnPlateau, TerminateOnNaN,
LearningRateScheduler."""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

from .base import Callback
from .monitor import check_monitor, get_monitor_value, is_improvement, resolve_mode
from .progress import print_msg


def _check_count(value, name, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner} expects {name} to be an integer >= 0, got {name}={value!r}.")


def _param_groups(model, owner):
    """The optimizer's param groups, whose 'lr' entries the callback reads and writes."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "param_groups"):
        raise ValueError(
            f"{owner} changes model.optimizer.param_groups[i]['lr'], so it needs a "
            f"torch.optim.Optimizer in model.optimizer; got {type(optimizer).__name__}. "
            "Call model.compile(optimizer='adam', ...) before fit.")
    return optimizer.param_groups


class EarlyStopping(Callback):
    """Stop training when `monitor` has stopped improving for `patience` epochs.

    Each epoch: if the value beats the best so far by more than `min_delta`, it becomes the
    best and the wait resets; otherwise the wait grows, and training stops once it reaches
    `patience`. With `baseline`, the wait only resets on values that also beat the baseline,
    so training stops after `patience` epochs if the baseline is never beaten. Epochs before
    `start_from_epoch` are ignored (warm-up). With `restore_best_weights=True`, the weights of
    the best epoch are put back at the end of training when this callback stopped it.

    mode 'min' wants the value to fall, 'max' to rise; 'auto' picks 'max' for names
    containing 'acc' or 'auc' and 'min' otherwise.

    >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        check_monitor(monitor, mode, "EarlyStopping")
        _check_count(patience, "patience", "EarlyStopping")
        _check_count(start_from_epoch, "start_from_epoch", "EarlyStopping")
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None
        self._stopped = False

    def on_train_begin(self, logs=None):
        self._reset()  # an instance can be reused across fit calls

    def on_epoch_end(self, epoch, logs=None):
        current = get_monitor_value(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        mode = resolve_mode(self.mode, self.monitor)
        self.wait += 1
        if is_improvement(mode, current, self.best, self.min_delta):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self._copy_weights()
            if self.baseline is None or is_improvement(mode, current, self.baseline,
                                                       self.min_delta):
                self.wait = 0
                return
            # Better than before but still short of the baseline: the wait keeps counting.
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch, self._stopped = epoch, True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self._stopped and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        # As Keras 3: the best epoch's weights come back whether or not training stopped early.
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def _copy_weights(self):
        # Copies: get_weights may return views that training would keep changing.
        return [np.array(w, copy=True) for w in self.model.get_weights()]


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` has stopped improving.

    After `patience` epochs without an improvement larger than `min_delta`, every
    param group's lr becomes max(lr * factor, min_lr); then `cooldown` epochs pass before
    the wait counts again. Each epoch's logs get 'lr', the rate used during that epoch.

        new_lr = max(lr * factor, min_lr)

    >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-5)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0):
        super().__init__()
        check_monitor(monitor, mode, "ReduceLROnPlateau")
        if not 0.0 < factor < 1.0:
            raise ValueError(
                f"ReduceLROnPlateau expects 0 < factor < 1 (the lr is multiplied by it), got "
                f"factor={factor!r}. To reduce the lr tenfold, pass factor=0.1.")
        _check_count(patience, "patience", "ReduceLROnPlateau")
        _check_count(cooldown, "cooldown", "ReduceLROnPlateau")
        if min_lr < 0:
            raise ValueError(f"ReduceLROnPlateau expects min_lr >= 0, got min_lr={min_lr!r}.")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = math.inf if resolve_mode(self.mode, self.monitor) == "min" else -math.inf

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        groups = _param_groups(self.model, "ReduceLROnPlateau")
        if logs is not None:
            logs["lr"] = float(groups[0]["lr"])
        current = get_monitor_value(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if is_improvement(resolve_mode(self.mode, self.monitor), current, self.best,
                          self.min_delta):
            self.best, self.wait = current, 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait >= self.patience and self._reduce(groups):
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{groups[0]['lr']:.4g}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def _reduce(self, groups):
        """lr = max(lr * factor, min_lr) in each group above min_lr; True if any changed."""
        reduced = False
        for group in groups:
            old_lr = float(group["lr"])
            if old_lr > np.float32(self.min_lr):  # float32 slack, as in Keras
                group["lr"] = max(old_lr * self.factor, self.min_lr)
                reduced = True
        return reduced


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss is NaN or infinite.

    Checks the running loss after every batch (so the fit loop computes batch logs) and the
    epoch loss at epoch end.
    """

    def on_batch_end(self, batch, logs=None):
        if not self._loss_is_finite(logs):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if not self._loss_is_finite(logs):
            print_msg(f"Epoch {epoch + 1}: Invalid loss, terminating training")
            self.model.stop_training = True

    @staticmethod
    def _loss_is_finite(logs):
        loss = (logs or {}).get("loss")
        return loss is None or math.isfinite(float(loss))


def _takes_current_lr(schedule):
    """True for schedule(epoch, lr), False for schedule(epoch)."""
    try:
        inspect.signature(schedule).bind(0, 0.1)
        return True
    except TypeError:
        return False
    except ValueError:  # no signature (some builtins): assume Keras's two-argument form
        return True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule(epoch, lr)`.

    `schedule` takes the epoch (from 0) and the current lr and returns the new lr; the
    one-argument form `schedule(epoch)` works too. Each param group is scheduled from its
    own lr. Each epoch's logs get 'lr'.

    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> scheduler = LearningRateScheduler(schedule, verbose=1)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler expects a function schedule(epoch, lr) -> new lr, got "
                f"{type(schedule).__name__}. For a constant rate, set it in the optimizer.")
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _takes_current_lr(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        groups = _param_groups(self.model, "LearningRateScheduler")
        for group in groups:
            lr = (self.schedule(epoch, float(group["lr"])) if self._takes_lr
                  else self.schedule(epoch))
            group["lr"] = self._checked(lr, epoch)
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{groups[0]['lr']:.4g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(_param_groups(self.model, "LearningRateScheduler")[0]["lr"])

    @staticmethod
    def _checked(lr, epoch):
        if hasattr(lr, "ndim") and lr.ndim == 0:
            lr = lr.item()  # 0-d tensor or NumPy scalar
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) \
                or lr < 0:
            raise ValueError(
                f"LearningRateScheduler's schedule must return a finite float >= 0, got "
                f"{lr!r} at epoch {epoch}. Return e.g. lr * 0.9.")
        return float(lr)
