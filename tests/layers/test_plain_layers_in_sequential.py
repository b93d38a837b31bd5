"""The plain layers inside Sequential models: they train with fit, carry masks, and save."""
import numpy as np
import torch

from rnnkit.layers import (LSTM, BatchNormalization, Conv1D, Dense, Dropout, Embedding, Flatten,
                           GlobalAveragePooling1D, Input, MaxPooling1D, RepeatVector,
                           SpatialDropout1D, TimeDistributed)
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import Adam


def _series(n=256, T=16):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, T, 1)).astype("float32")
    return x, x[:, -4:, 0].sum(axis=1, keepdims=True)          # sum of the last 4 steps


def test_a_conv_pool_stack_learns_a_windowed_sum():
    x, y = _series()
    model = Sequential([Input(shape=(16, 1)), Conv1D(8, 4, padding="causal", activation="relu"),
                        MaxPooling1D(2), Flatten(), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_summary_shows_the_shapes_compute_output_shape_gives():
    model = Sequential([Input(shape=(16, 1)), Conv1D(8, 3), MaxPooling1D(2), Flatten(),
                        Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for shape in ("(None, 14, 8)", "(None, 7, 8)", "(None, 56)", "(None, 1)"):
        assert shape in text
    assert model(torch.zeros(2, 16, 1)).shape == (2, 1)


def test_a_model_with_batch_norm_saves_and_loads_its_moving_statistics(tmp_path):
    x, y = _series(64)
    model = Sequential([Input(shape=(16, 1)), Conv1D(4, 2), BatchNormalization(),
                        SpatialDropout1D(0.2), GlobalAveragePooling1D(), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    bn = model.layers[1]
    assert not torch.equal(bn.moving_mean, torch.zeros(4))
    model.save(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit")
    torch.testing.assert_close(loaded.layers[1].moving_variance, bn.moving_variance)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_global_average_pooling_after_a_masked_embedding_ignores_the_padding():
    model = Sequential([Embedding(20, 4, mask_zero=True), GlobalAveragePooling1D(),
                        Dense(1)]).eval()
    short = torch.tensor([[3, 7, 5]])
    padded = torch.tensor([[3, 7, 5, 0, 0]])
    torch.testing.assert_close(model(padded), model(short))


def test_repeat_vector_bridges_an_encoder_and_a_decoder_in_a_sequential_seq2seq():
    x, _ = _series(64, 6)
    y = x[:, ::-1][:, :3]                                       # the last 3 steps, reversed
    model = Sequential([Input(shape=(6, 1)), LSTM(8), RepeatVector(3),
                        LSTM(8, return_sequences=True), Dropout(0.1), TimeDistributed(Dense(1))])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model.predict(x[:2], verbose=0).shape == (2, 3, 1)
