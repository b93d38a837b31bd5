# A functional model with two inputs, the way the Keras guides build one: a causal Conv1D
# and an LSTM over a series with a residual Add and LayerNormalization, a Lambda taking the
# last step beside GlobalAveragePooling1D, static features through their own Dense, all
# joined with concatenate. Saved and loaded back: the Lambda's code loads only with
# safe_mode=False. Generated data. Needs the functional API (Input -> Model).
# Written as Keras code with the `keras` prefix spelled `rnnkit`.
import os
import tempfile

import numpy as np
from rnnkit import layers
from rnnkit.models import Model, load_model
from rnnkit.utils import set_random_seed

set_random_seed(0)
rng = np.random.default_rng(0)
T, n = 24, 600
series = rng.standard_normal((n, T, 1)).astype("float32")
static = rng.standard_normal((n, 3)).astype("float32")
y = (series[:, -4:, 0].sum(axis=1) * (1 + 0.5 * static[:, 0]) + static[:, 1])[:, None]

series_in = layers.Input(shape=(T, 1), name="series")
static_in = layers.Input(shape=(3,), name="static")
x = layers.Conv1D(16, 3, padding="causal", activation="relu")(series_in)
x = layers.LayerNormalization()(x)
h = layers.LSTM(16, return_sequences=True)(x)
h = layers.Add()([h, layers.Dense(16)(x)])                  # residual connection
h = layers.LayerNormalization()(h)
last = layers.Lambda(lambda t: t[:, -1, :], name="last_step")(h)
mean = layers.GlobalAveragePooling1D()(h)
s = layers.Dense(8, activation="relu")(static_in)
merged = layers.concatenate([last, mean, s])
out = layers.Dense(1)(layers.Dropout(0.1)(merged))
model = Model(inputs=[series_in, static_in], outputs=out)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.summary()

history = model.fit([series[:500], static[:500]], y[:500], epochs=20, batch_size=32, verbose=0,
                    validation_data=([series[500:], static[500:]], y[500:]))
baseline = float(np.mean((y[500:] - y[:500].mean()) ** 2))
print(f"val mse {history.history['val_loss'][-1]:.3f} (predicting the mean: {baseline:.3f})")

path = os.path.join(tempfile.mkdtemp(), "two_inputs.rnnkit")
model.save(path)
try:
    load_model(path)
except ValueError as e:
    print("refused:", str(e).split(".")[0])
loaded = load_model(path, safe_mode=False)
same = np.allclose(loaded.predict([series[500:], static[500:]], verbose=0),
                   model.predict([series[500:], static[500:]], verbose=0), atol=1e-6)
print("loaded with safe_mode=False predicts the same:", same)
assert history.history["val_loss"][-1] < 0.5 * baseline and same
