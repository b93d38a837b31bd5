# keras.utils.timeseries_dataset_from_array feeding fit() and evaluate(), as in the Keras
# weather-forecasting example: windows of past values, the value `horizon` steps after each
# window as the target.
import numpy as np
import rnnkit as keras
from rnnkit import layers
from rnnkit.datasets import load_co2

keras.utils.set_random_seed(0)
_, co2 = load_co2(missing="interpolate")
co2 = co2.astype("float32")
weeks = np.arange(len(co2), dtype="float32")
trend = np.polyfit(weeks[:-200], co2[:-200], 2)            # fitted on the training part only
residual = co2 - np.polyval(trend, weeks)                   # the seasonal wiggle left
mean, std = residual[:-200].mean(), residual[:-200].std()
series = ((residual - mean) / std)[:, None]               # (T, 1)

sequence_length, horizon = 26, 4
x = series[:-(sequence_length + horizon - 1)]
targets = series[sequence_length + horizon - 1:]
split = len(series) - 200
train_ds = keras.utils.timeseries_dataset_from_array(
    x, targets, sequence_length=sequence_length, batch_size=64, shuffle=True, seed=0,
    end_index=split)
val_ds = keras.utils.timeseries_dataset_from_array(
    x, targets, sequence_length=sequence_length, batch_size=64, start_index=split)

for inputs, target in train_ds.take(1):
    print("inputs", inputs.numpy().shape, "target", target.numpy().shape)

model = keras.Sequential([keras.Input(shape=(sequence_length, 1)), layers.GRU(16),
                          layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse",
              metrics=[keras.metrics.MeanAbsoluteError()])
history = model.fit(train_ds, epochs=10, validation_data=val_ds.prefetch(keras.data.AUTOTUNE),
                    verbose=0)
loss, mae = model.evaluate(val_ds, verbose=0)
errors = [np.abs(t - x[:, -1]) for x, t in val_ds.as_numpy_iterator()]
naive = np.concatenate(errors).mean()                    # forecast: the last value seen
print(f"validation MAE: {mae * std:.3f} ppm over {len(val_ds)} batches "
      f"(last value seen: {naive * std:.3f} ppm)")
assert mae < naive
