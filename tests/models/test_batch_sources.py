"""fit, evaluate and predict on sources of batches: generators, DataLoaders, Sequences."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Dense, Input, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed


def _model():
    set_random_seed(0)
    model = Sequential([Input(shape=(5, 1)), SimpleRNN(4), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 5, 1)).astype("float32")
    return x, x.sum(axis=(1, 2)).astype("float32")


class Batches:
    """A keras.utils.Sequence-like source: __getitem__ gives batch i, __len__ the count."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_a_dataloader_trains_exactly_like_the_same_arrays_in_order():
    x, y = _data()
    by_arrays = _model()
    by_arrays.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    by_loader = _model()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=8)
    history = by_loader.fit(loader, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    for a, b in zip(by_arrays.get_weights(), by_loader.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_generator_with_steps_per_epoch_goes_on_across_epochs():
    x, y = _data()
    drawn = []

    def forever():
        while True:
            for i in range(0, len(x), 8):
                drawn.append(i)
                yield x[i:i + 8], y[i:i + 8]
    model = _model()
    model.fit(forever(), steps_per_epoch=3, epochs=2, verbose=0)
    assert drawn == [0, 8, 16, 24, 0, 8]


def test_a_used_up_generator_without_steps_per_epoch_says_how_to_fix_it():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)), epochs=2, verbose=0)


def test_a_sequence_is_read_by_index_and_told_when_an_epoch_ends():
    x, y = _data()
    source = Batches(x, y, 8)
    model = _model()
    model.fit(source, epochs=3, verbose=0, validation_data=Batches(x[:16], y[:16], 8))
    assert source.epochs_ended == 3
    assert set(model.history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert model.evaluate(source, verbose=0)[0] == pytest.approx(
        model.evaluate(x, y, verbose=0)[0], rel=1e-5)
    assert model.predict(source).shape == (32, 1)


def test_batches_with_targets_and_y_together_are_refused():
    x, y = _data()
    with pytest.raises(ValueError, match="must carry the targets"):
        _model().fit(Batches(x, y, 8), y, verbose=0)
