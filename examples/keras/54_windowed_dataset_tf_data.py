# The tf.data windowing idiom of TensorFlow's time-series courses: from_tensor_slices ->
# window -> flat_map -> shuffle -> map -> batch -> prefetch, then a Lambda that adds the
# feature axis, a bidirectional LSTM, Huber loss and the 'mae' metric.
# Written `import tensorflow as tf`, spelled `import rnnkit as tf`.
import numpy as np
import rnnkit as tf
from rnnkit.datasets import load_airline_passengers

tf.random.set_seed(51)
_, passengers = load_airline_passengers()
series = np.diff(np.log(passengers.astype("float32"))) * 10    # monthly log change, x10
split_time, window_size = len(series) - 24, 12
x_train, x_valid = series[:split_time], series[split_time - window_size:]


def windowed_dataset(series, window_size, batch_size, shuffle_buffer):
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(window_size + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(window_size + 1))
    dataset = dataset.shuffle(shuffle_buffer).map(lambda window: (window[:-1], window[-1]))
    return dataset.batch(batch_size).prefetch(1)


train_set = windowed_dataset(x_train, window_size, batch_size=16, shuffle_buffer=200)
valid_set = windowed_dataset(x_valid, window_size, batch_size=16, shuffle_buffer=1)

model = tf.keras.models.Sequential([
    tf.keras.layers.Input(shape=(window_size,)),
    tf.keras.layers.Lambda(lambda x: tf.ops.expand_dims(x, axis=-1)),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(16)),
    tf.keras.layers.Dense(1),
])
model.compile(loss=tf.keras.losses.Huber(), optimizer=tf.keras.optimizers.Adam(1e-2),
              metrics=["mae"])
history = model.fit(train_set, epochs=12, validation_data=valid_set, verbose=0)
no_change = np.abs(x_valid[window_size:]).mean()          # forecast: a change of 0
print(f"val_mae {history.history['val_mae'][-1]:.3f} (no-change forecast {no_change:.3f})")
assert history.history["val_mae"][-1] < no_change
