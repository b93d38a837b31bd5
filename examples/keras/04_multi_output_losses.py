# One sequence encoder, two heads: a regression and a classification, each with its own
# loss, loss weight and metrics (compile with dicts keyed by output name).
import numpy as np
import rnnkit as tf

rng = np.random.default_rng(3)
x = rng.normal(size=(500, 15, 2)).astype("float32")
total = x.sum(axis=(1, 2))
sign = (x[:, -1, 0] > 0).astype("int64")

inputs = tf.keras.Input(shape=(15, 2))
h = tf.keras.layers.LSTM(24)(inputs)
amount = tf.keras.layers.Dense(1, name="amount")(h)
direction = tf.keras.layers.Dense(2, activation="softmax", name="direction")(h)
model = tf.keras.Model(inputs, [amount, direction])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.005),
              loss={"amount": "mse", "direction": "sparse_categorical_crossentropy"},
              loss_weights={"amount": 0.1, "direction": 1.0},
              metrics={"direction": ["accuracy"]})
history = model.fit(x, {"amount": total, "direction": sign}, epochs=6, batch_size=32,
                    verbose=0)
print({k: round(v[-1], 3) for k, v in history.history.items()})
