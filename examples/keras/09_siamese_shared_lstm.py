# A shared LSTM encodes two sequences (one set of weights, two calls); the model learns
# whether they are the same pattern, as the Keras guide's shared-layer example does.
import numpy as np
from rnnkit import keras
from rnnkit.keras import layers

rng = np.random.default_rng(8)
n = 600
a = rng.normal(size=(n, 8, 2)).astype("float32")
same = rng.integers(0, 2, size=n)
b = np.where(same[:, None, None] == 1, a + 0.05 * rng.normal(size=a.shape),
             rng.normal(size=a.shape)).astype("float32")

left, right = keras.Input(shape=(8, 2)), keras.Input(shape=(8, 2))
shared_lstm = layers.LSTM(16)
diff = layers.subtract([shared_lstm(left), shared_lstm(right)])
out = layers.Dense(1, activation="sigmoid")(layers.Dense(16, activation="relu")(diff))
model = keras.Model(inputs=[left, right], outputs=out)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit([a, b], same.astype("float32"), epochs=6, batch_size=32, verbose=0)
print("accuracy", history.history["accuracy"][-1])
