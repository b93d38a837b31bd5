# A layer of one's own, Keras style: weights made in build() with add_weight, used in
# call(), saved in get_config(); it trains inside a Sequential and reloads.
import os
import tempfile

import numpy as np
from rnnkit import keras
from rnnkit.keras import layers


class TemporalAttentionPooling(layers.Layer):
    """Scores each time step, softmax over time, weighted sum of the steps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="glorot_uniform",
                                 trainable=True, name="w")

    def call(self, inputs):
        scores = inputs @ self.w                     # (batch, time, 1)
        weights = scores.softmax(dim=1)
        return (weights * inputs).sum(dim=1)


rng = np.random.default_rng(5)
x = rng.normal(size=(300, 10, 4)).astype("float32")
y = x[:, :, 0].max(axis=1)
model = keras.Sequential([
    keras.Input(shape=(10, 4)),
    layers.GRU(16, return_sequences=True),
    TemporalAttentionPooling(),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse")
history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
path = os.path.join(tempfile.mkdtemp(), "attention_pooling.rnnkit")
model.save(path)
restored = keras.models.load_model(
    path, custom_objects={"TemporalAttentionPooling": TemporalAttentionPooling})
np.testing.assert_allclose(restored.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0),
                           atol=1e-5)
print("reloaded and predicts the same")
