# A CNN-LSTM forecaster, as the time-series tutorials write it: Conv1D + MaxPooling1D read
# local patterns, an LSTM reads their sequence, Dense gives the next month. BatchNormalization
# and a causal convolution, on the bundled airline passengers series (last 24 months held out).
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
import rnnkit as keras
from rnnkit import layers
from rnnkit.datasets import load_airline_passengers

keras.utils.set_random_seed(0)

_, passengers = load_airline_passengers()
series = np.log(passengers.astype("float32"))
season = series[12:] - series[:-12]                      # year-on-year log change
window = 24
x = np.stack([season[i:i + window] for i in range(len(season) - window)])[..., None]
y = season[window:, None]
x_train, y_train, x_test, y_test = x[:-24], y[:-24], x[-24:], y[-24:]

model = keras.Sequential([
    keras.Input(shape=(window, 1)),
    layers.Conv1D(filters=16, kernel_size=3, padding="causal", activation="relu"),
    layers.BatchNormalization(),
    layers.MaxPooling1D(pool_size=2),
    layers.LSTM(16),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse", metrics=["mae"])
model.summary()
history = model.fit(x_train, y_train, epochs=60, batch_size=16, verbose=0)

pred = model.predict(x_test, verbose=0)
# back to passengers: last year's count times the predicted year-on-year change
last_year = passengers[-36:-12].astype("float32")
forecast = last_year * np.exp(pred[:, 0])
mape = float(np.mean(np.abs(forecast - passengers[-24:]) / passengers[-24:]) * 100)
naive = float(np.mean(np.abs(last_year - passengers[-24:]) / passengers[-24:]) * 100)
print(f"loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
print(f"test MAPE: CNN-LSTM {mape:.2f}%, seasonal naive {naive:.2f}%")
assert history.history["loss"][-1] < history.history["loss"][0]
