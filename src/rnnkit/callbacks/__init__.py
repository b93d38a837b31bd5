"""Callbacks: code that runs at fixed points of `fit`, with Keras's names and hooks.

    from rnnkit.callbacks import EarlyStopping, ModelCheckpoint

    model.fit(x, y, epochs=50, validation_split=0.2, callbacks=[
        EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
        ModelCheckpoint("best.rnnkit", monitor="val_loss", save_best_only=True),
    ])

Modules: base (Callback, History), callback_list (CallbackList, what the fit loop calls),
progress (ProgbarLogger), training (EarlyStopping, ReduceLROnPlateau, TerminateOnNaN,
LearningRateScheduler), checkpoint (ModelCheckpoint), csv_logger (CSVLogger),
lambda_callback (LambdaCallback), tensorboard (TensorBoard event files), backup (BackupAndRestore: resume an
interrupted fit), monitor (reading and comparing a monitored metric).

    >>> import numpy as np
    >>> from rnnkit.layers import Dense, Input
    >>> from rnnkit.models import Sequential
    >>> model = Sequential([Input(shape=(2,)), Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.zeros((8, 2)), np.zeros((8, 1))          # a loss of 0 that cannot improve
    >>> stop = EarlyStopping(monitor="loss", patience=1)
    >>> history = model.fit(x, y, epochs=20, verbose=0, callbacks=[stop])
    >>> len(history.history["loss"])                       # epoch 0, then 1 without improvement
    2
"""

from .backup import BackupAndRestore
from .base import Callback, History
from .callback_list import CallbackList
from .checkpoint import ModelCheckpoint
from .csv_logger import CSVLogger
from .lambda_callback import LambdaCallback
from .progress import ProgbarLogger
from .tensorboard import TensorBoard
from .training import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
