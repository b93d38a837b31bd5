"""TensorBoard: epoch logs land in train/ and validation/ event files, as Keras lays them out."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnkit.callbacks import TensorBoard
from rnnkit.layers import Dense, Input, SimpleRNN
from rnnkit.models import Sequential

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def scalars(folder, tag):
    acc = event_accumulator.EventAccumulator(str(folder))
    acc.Reload()
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_epoch_losses_are_written_for_training_and_validation(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5, 2)).astype("float32"), rng.normal(size=(40, 1))
    model = Sequential([Input(shape=(5, 2)), SimpleRNN(4), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(tmp_path, update_freq="batch",
                                               histogram_freq=1)]).history
    train = scalars(tmp_path / "train", "epoch_loss")
    assert [s for s, _ in train] == [0, 1]
    np.testing.assert_allclose([v for _, v in train], history["loss"], rtol=1e-6)
    val = scalars(tmp_path / "validation", "epoch_mae")
    np.testing.assert_allclose([v for _, v in val], history["val_mae"], rtol=1e-6)
    assert len(scalars(tmp_path / "train", "batch_loss")) == 2 * 3        # 30 samples / 10
    assert scalars(tmp_path / "train", "epoch_learning_rate")[0][1] == pytest.approx(1e-3)


def test_without_the_tensorboard_package_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match=r'pip install "rnnkit\[tensorboard\]"'):
        TensorBoard("logs")


def test_a_bad_update_freq_says_what_is_expected():
    with pytest.raises(ValueError, match="'epoch', 'batch' or a number of batches"):
        TensorBoard("logs", update_freq="sometimes")
