# Keras idioms for regression on a time series: a Normalization layer adapted on the
# training inputs, initializers, losses and metrics as classes, backend.clear_session.
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import numpy as np
import rnnkit as keras
from rnnkit import backend as K
from rnnkit import layers, initializers, losses, metrics
from rnnkit.datasets import load_airline_passengers

keras.utils.set_random_seed(0)
K.clear_session()

_, passengers = load_airline_passengers()
change = np.diff(np.log(passengers.astype("float32")))     # monthly log change
window = 12
x = np.stack([change[i:i + window] for i in range(len(change) - window)])[..., None]
y = change[window:, None]                                    # next month's log change
x_train, y_train, x_test, y_test = x[:-24], y[:-24], x[-24:], y[-24:]

norm = layers.Normalization(axis=-1)
norm.adapt(x_train)

model = keras.Sequential([
    keras.Input(shape=(window, 1)),
    norm,
    layers.LSTM(32, kernel_initializer=initializers.GlorotUniform(seed=1),
                recurrent_initializer=initializers.Orthogonal(gain=1.0, seed=2)),
    layers.Dense(1, kernel_initializer=initializers.RandomNormal(stddev=0.01, seed=3)),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=losses.Huber(delta=0.1),
              metrics=["mae", metrics.MeanSquaredError(name="mse")])
history = model.fit(x_train, y_train, epochs=40, batch_size=16, verbose=0,
                    validation_split=0.1)
print(sorted(history.history))                  # loss, mae, mse and their val_ twins

pred = model.predict(x_test, verbose=0)
rmse = metrics.RootMeanSquaredError()
rmse.update_state(y_test, pred)
naive = float(metrics.RootMeanSquaredError()(y_test, np.zeros_like(y_test)))
print(f"test RMSE of the log change: {float(rmse.result()):.4f} (no-change forecast {naive:.4f})")
print("Huber on the test months:", float(losses.Huber(delta=0.1)(y_test, pred)))
assert "val_mae" in history.history and float(rmse.result()) < naive
