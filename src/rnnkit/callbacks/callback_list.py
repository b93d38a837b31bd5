"""CallbackList: the one object the fit loop talks to.

    >>> from rnnkit.callbacks import LambdaCallback
    >>> seen = []
    >>> cbs = CallbackList([LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))])
    >>> cbs.on_epoch_end(0, {"loss": 1.0})
    >>> seen
    [0]
"""

from __future__ import annotations

from .base import Callback, History
from .progress import ProgbarLogger

_BATCH_END_HOOKS = ("on_train_batch_end", "on_batch_end")


def _needs_batch_logs(callback):
    """True if `callback` reads per-batch logs: it overrides a batch-end hook.

    A callback may declare the answer in `_needs_batch_logs` (ProgbarLogger says False;
    ModelCheckpoint says True only for an integer save_freq).
    """
    declared = getattr(callback, "_needs_batch_logs", None)
    if declared is not None:
        return bool(declared)
    for name in _BATCH_END_HOOKS:
        if name in vars(callback):  # set on the instance, as LambdaCallback does
            return True
        if getattr(type(callback), name) is not getattr(Callback, name):
            return True
    return False


def _as_python_numbers(logs):
    """Turn 0-d tensors and NumPy scalars in `logs` into Python numbers, in place."""
    if logs:
        for key, value in logs.items():
            if not isinstance(value, (int, float)) and getattr(value, "ndim", None) == 0:
                logs[key] = value.item()
    return logs


class CallbackList(Callback):
    """Calls every hook on every callback, in list order, with one shared logs dict.

    The fit loop builds one per run::

        callbacks = CallbackList(callbacks, model=model, add_history=True,
                                 add_progbar=verbose != 0, verbose=verbose,
                                 epochs=epochs, steps=steps_per_epoch)

    and returns `callbacks.history`. History and the progress bar are appended after the
    user's callbacks (unless already in the list), so they see what earlier callbacks add
    to the logs, such as ReduceLROnPlateau's 'lr'. Callbacks write into the same epoch logs
    dict the fit loop passed in.

    `needs_batch_logs` tells the fit loop whether to compute per-batch logs (running means,
    one `.item()` per value per batch) or to pass logs=None to the batch hooks.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 verbose=1, epochs=None, steps=None):
        super().__init__()
        self.callbacks = self._checked(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and self._progbar is None:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
        if model is not None:
            self.set_model(model)

    @staticmethod
    def _checked(callbacks):
        if callbacks is None:
            return []
        if isinstance(callbacks, Callback):
            return [callbacks]
        if not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                f"callbacks must be a list of rnnkit.callbacks.Callback, got "
                f"{type(callbacks).__name__}. Pass e.g. callbacks=[EarlyStopping(patience=3)].")
        checked = []
        for i, callback in enumerate(callbacks):
            if isinstance(callback, type) and issubclass(callback, Callback):
                raise TypeError(
                    f"callbacks[{i}] is the class {callback.__name__}, not an instance. "
                    f"Call it: {callback.__name__}().")
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks[{i}] must be an rnnkit.callbacks.Callback, got "
                    f"{type(callback).__name__}. Subclass Callback, or wrap a function in "
                    "LambdaCallback(on_epoch_end=...).")
            checked.append(callback)
        return checked

    def append(self, callback):
        self.callbacks.extend(self._checked([callback]))
        callback.set_params(self.params)
        if self.model is not None:
            callback.set_model(self.model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    @property
    def history(self):
        """The History callback of this run (None if add_history=False and none was given)."""
        return self._history

    @property
    def needs_batch_logs(self):
        """True iff some callback other than the progress bar reads per-batch logs."""
        return any(_needs_batch_logs(c) for c in self.callbacks)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", _as_python_numbers(logs if logs is not None else {}))

    def on_train_end(self, logs=None):
        self._call("on_train_end", _as_python_numbers(logs if logs is not None else {}))

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs if logs is not None else {})

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, _as_python_numbers(logs if logs is not None else {}))

    # Batch logs stay None when the fit loop skipped them (see needs_batch_logs).
    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, _as_python_numbers(logs))

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, _as_python_numbers(logs))

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs if logs is not None else {})

    def on_test_end(self, logs=None):
        self._call("on_test_end", _as_python_numbers(logs if logs is not None else {}))

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, _as_python_numbers(logs))

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs if logs is not None else {})

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs if logs is not None else {})

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)
