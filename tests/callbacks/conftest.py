"""A fake model and a fit driver: the callbacks are tested against the fit loop's contract."""

import os

import pytest
import safetensors.torch
import torch

from rnnkit.callbacks import CallbackList


class FakeModel:
    """A torch nn.Linear with what callbacks use: weights, save, stop_training, optimizer.

    `train_epoch(epoch)` stands in for an epoch of training: it fills every weight with the
    epoch number, so a test can tell which epoch's weights the model holds.
    """

    def __init__(self, lr=0.1):
        self.net = torch.nn.Linear(3, 1)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=lr)
        self.stop_training = False
        self.saves = []  # every path save/save_weights was called with

    def train_epoch(self, epoch):
        with torch.no_grad():
            for p in self.net.parameters():
                p.fill_(float(epoch))

    def weights_epoch(self):
        return float(self.net.weight.detach()[0, 0])

    def get_weights(self):
        return [p.detach().numpy() for p in self.net.parameters()]  # views, as a lazy model might

    def set_weights(self, weights):
        with torch.no_grad():
            for p, w in zip(self.net.parameters(), weights, strict=True):
                p.copy_(torch.as_tensor(w))

    def save(self, filepath):
        """A '.rnnkit' file, or a directory holding config and weights."""
        self.saves.append(filepath)
        if filepath.endswith(".rnnkit"):
            with open(filepath, "w") as f:
                f.write(f"epoch {self.weights_epoch()}")
        else:
            os.makedirs(filepath)
            with open(os.path.join(filepath, "config.json"), "w") as f:
                f.write(f'{{"epoch": {self.weights_epoch()}}}')

    def save_weights(self, filepath):
        self.saves.append(filepath)
        safetensors.torch.save_file(dict(self.net.state_dict()), filepath)


@pytest.fixture
def model():
    return FakeModel()


@pytest.fixture
def fit():
    """Drive the hooks as the fit loop does; epoch_logs holds each epoch's logs dict."""

    def run(model, callbacks, epoch_logs, steps=3, verbose=0):
        callback_list = CallbackList(callbacks, model=model, add_history=True,
                                     add_progbar=verbose != 0, verbose=verbose,
                                     epochs=len(epoch_logs), steps=steps)
        model.stop_training = False
        callback_list.on_train_begin()
        for epoch, logs in enumerate(epoch_logs):
            callback_list.on_epoch_begin(epoch)
            for batch in range(steps):
                callback_list.on_train_batch_begin(batch)
                model.train_epoch(epoch)
                batch_logs = dict(logs) if callback_list.needs_batch_logs else None
                callback_list.on_train_batch_end(batch, batch_logs)
                if model.stop_training:
                    break
            callback_list.on_epoch_end(epoch, dict(logs))
            if model.stop_training:
                break
        callback_list.on_train_end()
        return callback_list.history

    return run


def val_losses(*values):
    """Epoch logs whose loss and val_loss follow `values`."""
    return [{"loss": v, "val_loss": v} for v in values]


@pytest.fixture
def losses():
    return val_losses


def weights_file_epoch(path):
    return float(safetensors.torch.load_file(path)["weight"][0, 0])


@pytest.fixture
def read_weights_epoch():
    return weights_file_epoch


@pytest.fixture
def no_temp_files():
    """Assert a folder holds no hidden temporary or set-aside checkpoints."""

    def check(folder):
        leftovers = [n for n in os.listdir(folder) if n.startswith(".")]
        assert leftovers == [], f"temporary files left behind: {leftovers}"

    return check

