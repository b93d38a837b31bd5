"""The GPU path: the same models train and predict on CUDA as on the CPU. Skipped on machines
without CUDA (this project's CI has none); run them on a GPU machine with `pytest
tests/models/test_cuda.py`. Not yet run on a GPU: the project's machines have none."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Embedding, Input, MinGRU, SimpleRNN
from rnnkit.models import Sequential, load_model
from rnnkit.models.training import resolve_device

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_auto_device_is_the_gpu():
    assert resolve_device("auto").type == "cuda"


def paired(make, x, y, loss="mse", epochs=2):
    """Train the same initial weights on the CPU and on the GPU; return both histories and
    models."""
    torch.manual_seed(0)
    cpu = make()
    cpu.compile(optimizer="adam", loss=loss, device="cpu")
    cpu.predict(x[:1], verbose=0)
    gpu = make()
    gpu.compile(optimizer="adam", loss=loss, device="cuda")
    gpu.predict(x[:1], verbose=0)
    gpu.set_weights(cpu.get_weights())
    h_cpu = cpu.fit(x, y, epochs=epochs, shuffle=False, verbose=0).history["loss"]
    h_gpu = gpu.fit(x, y, epochs=epochs, shuffle=False, verbose=0).history["loss"]
    return h_cpu, h_gpu, cpu, gpu


@pytest.mark.parametrize("rnn", [SimpleRNN, LSTM, GRU, MinGRU])
def test_a_recurrent_model_trains_on_the_gpu_as_on_the_cpu(rnn):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 12, 3)).astype("float32"), rng.normal(size=(64, 1))
    h_cpu, h_gpu, cpu, gpu = paired(lambda: Sequential([Input(shape=(12, 3)), rnn(8),
                                                        Dense(1)]), x, y)
    np.testing.assert_allclose(h_gpu, h_cpu, rtol=1e-3)
    assert gpu.layers[0].last_path != "loop"
    np.testing.assert_allclose(gpu.predict(x, verbose=0), cpu.predict(x, verbose=0),
                               rtol=1e-3, atol=1e-4)


def test_a_masked_bidirectional_model_trains_on_the_gpu_as_on_the_cpu():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 30, size=(64, 10))
    x[np.arange(10)[None, :] >= rng.integers(2, 11, size=64)[:, None]] = 0
    y = (x[:, 0] % 2).astype("float32")[:, None]
    h_cpu, h_gpu, _, _ = paired(
        lambda: Sequential([Input(shape=(10,), dtype="int64"),
                            Embedding(30, 6, mask_zero=True), Bidirectional(LSTM(5)),
                            Dense(1, activation="sigmoid")]), x, y, loss="binary_crossentropy")
    np.testing.assert_allclose(h_gpu, h_cpu, rtol=1e-3)


def test_a_model_saved_on_the_gpu_loads_on_the_cpu(tmp_path):
    x = np.random.default_rng(2).normal(size=(8, 5, 2)).astype("float32")
    model = Sequential([Input(shape=(5, 2)), LSTM(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse", device="cuda")
    model.fit(x, x[:, -1, :1], epochs=1, verbose=0)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m", device="cpu")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
