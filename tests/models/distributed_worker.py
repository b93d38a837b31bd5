"""Run by test_distributed.py under torchrun: fit as usual, save what each rank ends with."""
import sys

import numpy as np
import torch

from rnnkit.layers import GRU, Dense, Input
from rnnkit.models import Sequential, distributed
from rnnkit.utils import set_random_seed


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 3)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None].astype("float32")


def make_model(seed):
    set_random_seed(seed)
    model = Sequential([Input(shape=(6, 3)), GRU(5), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


if __name__ == "__main__":
    assert distributed.init_from_env()
    torch.set_num_threads(1)
    rank = distributed.rank()
    model = make_model(seed=rank)             # different starts: fit must broadcast rank 0's
    x, y = data()
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    torch.save({"weights": [torch.from_numpy(w) for w in model.get_weights()],
                "loss": history.history["loss"]}, f"{sys.argv[1]}/rank{rank}.pt")
