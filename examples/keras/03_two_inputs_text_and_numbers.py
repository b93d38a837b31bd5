# Two inputs (token ids and numeric features) joined with concatenate, one output; inputs
# passed as a dict by name, as the Keras functional-API guide does.
import numpy as np
from rnnkit import keras
from rnnkit.keras import layers

rng = np.random.default_rng(2)
n, vocab, maxlen = 400, 50, 12
ids = rng.integers(1, vocab, size=(n, maxlen))
numbers = rng.normal(size=(n, 3)).astype("float32")
label = ((ids < 10).sum(axis=1) + numbers[:, 0] > 1.5).astype("float32")

text_in = keras.Input(shape=(maxlen,), name="text")
nums_in = keras.Input(shape=(3,), name="numbers")
x = layers.Embedding(vocab, 16)(text_in)
x = layers.GRU(16)(x)
x = layers.concatenate([x, nums_in])
x = layers.Dense(16, activation="relu")(x)
out = layers.Dense(1, activation="sigmoid", name="label")(x)
model = keras.Model(inputs=[text_in, nums_in], outputs=out)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit({"text": ids, "numbers": numbers}, label, epochs=8, batch_size=32,
                    verbose=0)
print("accuracy", history.history["accuracy"][-1])
