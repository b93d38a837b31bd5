# The functional API on a univariate series: Input -> LSTM -> Dense, as the Keras guides
# write it. Prefix change only: `from tensorflow import keras` -> `from rnnkit import keras`.
import numpy as np
from rnnkit import keras
from rnnkit.keras import layers

t = np.arange(600, dtype="float32")
series = np.sin(0.1 * t) + 0.1 * np.random.default_rng(0).normal(size=t.shape)
window = 20
x = np.stack([series[i:i + window] for i in range(len(series) - window)])[..., None]
y = series[window:]

inputs = keras.Input(shape=(window, 1))
h = layers.LSTM(32)(inputs)
outputs = layers.Dense(1)(h)
model = keras.Model(inputs=inputs, outputs=outputs, name="sine_forecaster")
model.summary()
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(x, y, epochs=5, batch_size=32, validation_split=0.2, verbose=0)
print("val_mae", history.history["val_mae"][-1])
