# Stacked recurrent layers with dropout and recurrent_dropout, the regularised recipe of
# "Deep Learning with Python" for temperature-like series.
import numpy as np
from rnnkit import keras
from rnnkit.keras import layers

rng = np.random.default_rng(13)
t = np.arange(3000, dtype="float32")
series = np.sin(2 * np.pi * t / 50) + 0.3 * rng.normal(size=t.shape)
lookback = 30
x = np.stack([series[i:i + lookback] for i in range(len(series) - lookback)])[..., None]
y = series[lookback:]

model = keras.Sequential([
    keras.Input(shape=(lookback, 1)),
    layers.GRU(32, dropout=0.1, recurrent_dropout=0.3, return_sequences=True),
    layers.GRU(32, dropout=0.1, recurrent_dropout=0.3),
    layers.Dense(1),
])
model.compile(optimizer="rmsprop", loss="mae")
history = model.fit(x[:2000], y[:2000], epochs=3, batch_size=128,
                    validation_data=(x[2000:], y[2000:]), verbose=0)
print("val_mae", history.history["val_loss"][-1], "naive", np.abs(y[2001:] - y[2000:-1]).mean())
