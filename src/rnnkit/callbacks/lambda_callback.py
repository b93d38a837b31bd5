"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

from .base import Callback


class LambdaCallback(Callback):
    """Build a callback from functions, one per hook, with the hooks' arguments:

        on_epoch_begin(epoch, logs), on_epoch_end(epoch, logs)
        on_batch_begin(batch, logs), on_batch_end(batch, logs)
        on_train_begin(logs),        on_train_end(logs)

    >>> losses = []
    >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    >>> record.on_epoch_end(0, {"loss": 0.5}); losses
    [0.5]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback expects {name} to be a function, got "
                    f"{type(function).__name__}. Pass e.g. {name}=lambda *args: print(args).")
            setattr(self, name, function)  # an instance attribute shadows the no-op hook
