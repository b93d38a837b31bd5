# Keras's "Timeseries anomaly detection using an Autoencoder" recipe: a convolutional
# autoencoder (Conv1D with strides=2 down, Conv1DTranspose up) learns windows of a normal
# series; the windows it rebuilds worst are anomalies. Generated daily-cycle data with a
# stretch of anomalous behaviour injected into the test series.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
import rnnkit as keras
from rnnkit import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
TIME_STEPS, day = 32, 32


def series(n_days):
    t = np.arange(n_days * day)
    return (np.sin(2 * np.pi * t / day) + 0.1 * rng.standard_normal(t.shape)).astype("float32")


def create_sequences(values, time_steps=TIME_STEPS):
    return np.stack([values[i:i + time_steps] for i in range(len(values) - time_steps + 1)])


train = series(60)
mean, std = train.mean(), train.std()
x_train = create_sequences((train - mean) / std)[..., None]

model = keras.Sequential([
    layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
    layers.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
    layers.Dropout(rate=0.2),
    layers.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
    layers.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2,
                           activation="relu"),
    layers.Dropout(rate=0.2),
    layers.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2,
                           activation="relu"),
    layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.summary()
history = model.fit(x_train, x_train, epochs=15, batch_size=64, validation_split=0.1,
                    verbose=0, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss",
                                                                        patience=3,
                                                                        mode="min")])

train_mae = np.mean(np.abs(model.predict(x_train, verbose=0) - x_train), axis=1)
threshold = np.max(train_mae)

test = series(10)
test[5 * day:5 * day + 20] += 2.0                          # the anomaly: a raised plateau
x_test = create_sequences((test - mean) / std)[..., None]
test_mae = np.mean(np.abs(model.predict(x_test, verbose=0) - x_test), axis=1)[:, 0]
anomalies = np.where(test_mae > threshold)[0]
print(f"loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}; "
      f"threshold (max training MAE) {threshold:.3f}")
print(f"{len(anomalies)} anomalous windows, starting at steps {anomalies.min()}..."
      f"{anomalies.max()} (the injected anomaly covers steps {5 * day}..{5 * day + 19})")
assert len(anomalies) and anomalies.min() >= 5 * day - TIME_STEPS + 1 \
    and anomalies.max() <= 5 * day + 19
