# Training from a Python generator that loops forever, with steps_per_epoch, as older Keras
# code does with fit_generator (now fit).
import numpy as np
from rnnkit.models import Sequential
from rnnkit.layers import GRU, Dense, Input


def batch_generator(batch_size=32, seed=6):
    rng = np.random.default_rng(seed)
    while True:
        x = rng.uniform(size=(batch_size, 12, 1)).astype("float32")
        yield x, x.mean(axis=(1, 2))


model = Sequential([Input(shape=(12, 1)), GRU(16), Dense(1)])
model.compile(optimizer="adam", loss="mse")
history = model.fit(batch_generator(), steps_per_epoch=20, epochs=4,
                    validation_data=batch_generator(seed=7), validation_steps=5, verbose=0)
print("val_loss", history.history["val_loss"])
