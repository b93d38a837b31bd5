"""Callback and History: the hooks a fit loop calls, with Keras's names and signatures."""

from __future__ import annotations


class Callback:
    """Base class for callbacks: subclass it and override the hooks you need.

    The fit loop calls the hooks in this order::

        on_train_begin(logs)
            on_epoch_begin(epoch, logs)
                on_train_batch_begin(batch, logs)   # calls on_batch_begin
                on_train_batch_end(batch, logs)     # calls on_batch_end
            on_epoch_end(epoch, logs)               # logs: {'loss': 0.12, 'val_loss': 0.15, ...}
        on_train_end(logs)

    `epoch` and `batch` count from 0. Epoch logs hold Python floats; batch logs hold the
    running means of loss and metrics, but only when some callback overrides
    `on_train_batch_end` or `on_batch_end` (otherwise the fit loop passes None and skips a
    device sync per batch). `self.model` is the model being trained; set
    `self.model.stop_training = True` to stop after the current batch or epoch.
    `self.params` holds {'verbose', 'epochs', 'steps'}.

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}")
    >>> PrintLoss().on_epoch_end(0, {"loss": 0.25})
    epoch 1: loss 0.250
    """

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # Training: epochs and batches.
    def on_train_begin(self, logs=None):
        """Called once before the first epoch."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch, or after training was stopped."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (counted from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with the epoch's loss, metrics and val_ metrics."""

    def on_batch_begin(self, batch, logs=None):
        """Alias kept from Keras: on_train_batch_begin calls it."""

    def on_batch_end(self, batch, logs=None):
        """Alias kept from Keras: on_train_batch_end calls it."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    # Evaluation and prediction: hooks exist so subclasses can use them.
    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


class History(Callback):
    """Records the epoch logs: `history['loss'][i]` is the loss of epoch `epoch[i]`.

    The fit loop adds one to every run and returns it (and sets `model.history` to it).

    >>> h = History()
    >>> h.on_train_begin()
    >>> h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
    >>> h.history, h.epoch
    ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
