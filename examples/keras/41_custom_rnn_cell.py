"""A custom RNN cell written with keras.ops (the MinimalRNNCell of Keras's RNN docs),
and stacked LSTM cells: RNN(cell), RNN([cell, cell]) and StackedRNNCells.

Task: read a sequence of 10 numbers and output their running sum's last value.
"""
import numpy as np

from rnnkit import layers, ops
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed

set_random_seed(2)


class MinimalRNNCell(layers.Layer):

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer="uniform",
            name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, size=(512, 10, 1)).astype("float32")
y = x.sum(axis=1)

models = {
    "RNN(MinimalRNNCell(8))": Sequential([
        layers.RNN(MinimalRNNCell(8), input_shape=(10, 1)), layers.Dense(1)]),
    "RNN([MinimalRNNCell(8), MinimalRNNCell(8)])": Sequential([
        layers.RNN([MinimalRNNCell(8), MinimalRNNCell(8)], input_shape=(10, 1)),
        layers.Dense(1)]),
    "RNN(StackedRNNCells([LSTMCell(16), LSTMCell(16)]))": Sequential([
        layers.RNN(layers.StackedRNNCells([layers.LSTMCell(16), layers.LSTMCell(16)]),
                   input_shape=(10, 1)),
        layers.Dense(1)]),
}
for name, model in models.items():
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(x[448:], y[448:], verbose=0)
    model.fit(x[:448], y[:448], epochs=15, batch_size=32, verbose=0)
    after = model.evaluate(x[448:], y[448:], verbose=0)
    print(f"{name:52s} held-out mse {before:.3f} -> {after:.3f}")
    assert after < before / 4, name
