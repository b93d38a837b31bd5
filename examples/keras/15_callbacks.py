# Callbacks as Keras programs use them: EarlyStopping with restore_best_weights,
# ModelCheckpoint keeping the best model, ReduceLROnPlateau, CSVLogger.
import os
import tempfile

import numpy as np
from rnnkit.models import Sequential, load_model
from rnnkit.layers import SimpleRNN, Dense
from rnnkit.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger

rng = np.random.default_rng(12)
x = rng.normal(size=(400, 10, 1)).astype("float32")
y = x[:, -3:, 0].sum(axis=1)
folder = tempfile.mkdtemp()
callbacks = [
    EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
    ModelCheckpoint(os.path.join(folder, "best.rnnkit"), monitor="val_loss",
                    save_best_only=True),
    ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2),
    CSVLogger(os.path.join(folder, "history.csv")),
]
model = Sequential([SimpleRNN(32, input_shape=(10, 1)), Dense(1)])
model.compile(optimizer="adam", loss="mse")
history = model.fit(x, y, epochs=30, batch_size=32, validation_split=0.25,
                    callbacks=callbacks, verbose=0)
best = load_model(os.path.join(folder, "best.rnnkit"))
print("epochs run", len(history.history["loss"]), "best val_loss",
      min(history.history["val_loss"]), "reloaded:", best.evaluate(x[-100:], y[-100:], verbose=0))
