# An LSTM autoencoder for anomaly detection, as the tutorials build it: the encoder LSTM
# squeezes a window into one vector, RepeatVector copies it once per output step, a decoder
# LSTM and TimeDistributed(Dense) rebuild the window. Windows unlike the training data
# rebuild worse: their reconstruction error flags them. Generated sine waves.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
from rnnkit.layers import LSTM, Dense, RepeatVector, TimeDistributed
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed

set_random_seed(0)
rng = np.random.default_rng(0)
timesteps, n_features = 20, 1


def sine_windows(n, freq=(0.2, 0.4)):
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    f = rng.uniform(*freq, (n, 1))
    t = np.arange(timesteps)[None, :]
    return np.sin(f * t + phase)[..., None].astype("float32")


x_train = sine_windows(512)
normal = sine_windows(64)
anomalous = sine_windows(64)
anomalous[:, 8:12] += 1.5                                   # a spike in the middle

model = Sequential()
model.add(LSTM(32, activation="tanh", input_shape=(timesteps, n_features)))
model.add(RepeatVector(timesteps))
model.add(LSTM(32, activation="tanh", return_sequences=True))
model.add(TimeDistributed(Dense(n_features)))
model.compile(optimizer="adam", loss="mse")
model.summary()
history = model.fit(x_train, x_train, epochs=15, batch_size=32, verbose=0)


def reconstruction_error(x):
    return np.mean((model.predict(x, verbose=0) - x) ** 2, axis=(1, 2))


err_normal, err_anomalous = reconstruction_error(normal), reconstruction_error(anomalous)
threshold = np.percentile(reconstruction_error(x_train), 99)
print(f"loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
print(f"mean reconstruction error: normal {err_normal.mean():.4f}, "
      f"anomalous {err_anomalous.mean():.4f}")
print(f"flagged above the 99th percentile of training error: normal "
      f"{(err_normal > threshold).mean():.0%}, anomalous {(err_anomalous > threshold).mean():.0%}")
assert err_anomalous.mean() > 2 * err_normal.mean()
