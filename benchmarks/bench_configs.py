"""rnnkit's fit against the strongest plain PyTorch and Keras 3 on TensorFlow, on the Keras
configurations of issue 14.

    python benchmarks/bench_configs.py                  # every row, 3 timed epochs each
    python benchmarks/bench_configs.py --only lstm_dropout gru_reset_before --epochs 5
    python benchmarks/bench_configs.py --keras-python /tmp/tfenv/bin/python   # + Keras/TF

Keras/TF runs the row written as a Keras program in its own process (a Python that has
tensorflow and keras: `--keras-python`; without one the Keras columns are left out), right
after the rnnkit/PyTorch pair of that row, on the same arrays (saved to a .npz), with the
same batch, epochs and shuffling; its first epoch is untimed too.

Each row trains the same model from the same weights on both sides, Adam(1e-3, eps=1e-7),
batch 32 (the stateful row: batch 1), epochs alternating between the two so that both see
the same load; the first epoch of each is untimed; the table shows the median s/epoch of
each side and the median of the per-epoch ratios (rnnkit / PyTorch: below 1.0, rnnkit is
faster), then the path rnnkit's recurrent layer took.

Plain PyTorch is what a practitioner writes for the feature: nn.LSTM / nn.GRU / nn.RNN
where they have it (packed sequences for padding, the state carried and detached for
stateful), and where they do not (recurrent dropout, GRU reset_after=False) a hand-written
loop with the input product for all steps hoisted and one dropout mask per sequence, as
Keras applies it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnkit
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Embedding, Input, SimpleRNN
from rnnkit.models import Sequential

VOCAB, EMBED, T, N = 20000, 128, 80, 1024


# ---- plain PyTorch, hand-written where nn.LSTM / nn.GRU lack the feature ------------------
class VariationalRNN(nn.Module):
    """LSTM or GRU with Keras's dropout (one input mask (B, 1, D) and one recurrent mask
    (B, H) per sequence) or GRU with the reset gate before W_hn (reset_after=False)."""

    def __init__(self, kind: str, D: int, H: int, dropout=0.0, recurrent_dropout=0.0):
        super().__init__()
        G = {"lstm": 4, "gru": 3, "gru_reset_before": 3}[kind]
        self.kind, self.H, self.p, self.rp = kind, H, dropout, recurrent_dropout
        self.ih = nn.Linear(D, G * H)
        self.hh = nn.Linear(H, G * H, bias=kind == "gru")

    def forward(self, x):
        B, H = x.shape[0], self.H
        m = None
        if self.training and self.p:
            x = x * torch.empty(B, 1, x.shape[2]).bernoulli_(1 - self.p) / (1 - self.p)
        if self.training and self.rp:
            m = torch.empty(B, H).bernoulli_(1 - self.rp) / (1 - self.rp)
        zx = self.ih(x)                                         # all steps at once
        h = c = x.new_zeros(B, H)
        for t in range(x.shape[1]):
            h_in = h if m is None else h * m
            if self.kind == "lstm":
                i, f, g, o = (zx[:, t] + self.hh(h_in)).chunk(4, 1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif self.kind == "gru":
                xr, xz, xn = zx[:, t].chunk(3, 1)
                hr, hz, hn = self.hh(h_in).chunk(3, 1)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                h = (1 - z) * torch.tanh(xn + r * hn) + z * h
            else:                                                # reset before W_hn
                xr, xz, xn = zx[:, t].chunk(3, 1)
                W_r, W_z, W_n = self.hh.weight.chunk(3, 0)
                r = torch.sigmoid(xr + h_in @ W_r.T)
                z = torch.sigmoid(xz + h_in @ W_z.T)
                h = (1 - z) * torch.tanh(xn + (r * h_in) @ W_n.T) + z * h
        return h


class Plain(nn.Module):
    def __init__(self, rnn, embed=True, bidirectional_packed=False, out=2 * 64):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED, padding_idx=0) if embed else None
        self.rnn, self.packed = rnn, bidirectional_packed
        self.fc = nn.Linear(out, 1)

    def forward(self, x):
        if self.packed:                                          # masked Bidirectional LSTM
            lengths = (x != 0).sum(1).clamp(min=1)
            packed = pack_padded_sequence(self.embed(x), lengths, batch_first=True,
                                          enforce_sorted=False)
            _, (h, _) = self.rnn(packed)
            return self.fc(torch.cat([h[0], h[1]], 1))
        x = self.embed(x) if self.embed is not None else x
        y = self.rnn(x)
        if isinstance(y, tuple):                                 # nn.RNN / nn.LSTM
            y = y[0][:, -1]
        return self.fc(y)


class StatefulPlain(nn.Module):
    """nn.LSTM whose final state is the next batch's initial state (detached)."""

    def __init__(self):
        super().__init__()
        self.rnn, self.fc, self.state = nn.LSTM(1, 32, batch_first=True), nn.Linear(32, 1), None

    def forward(self, x):
        y, state = self.rnn(x, self.state)
        self.state = tuple(s.detach() for s in state)
        return self.fc(y[:, -1])


# ---- the rows ---------------------------------------------------------------------------------
def ids(rng, padded=False):
    x = rng.integers(1, VOCAB, size=(N, T))
    if padded:                                      # pad_sequences' pre-padding, 10-80 ids
        lengths = rng.integers(10, T + 1, size=N)
        x[np.arange(T)[None, :] < (T - lengths)[:, None]] = 0
    y = ((x % 7 == 0).sum(1) > T // 7).astype("float32")[:, None]
    return x, y


def series(rng):
    s = np.sin(np.arange(400 * 20 + 1) * 0.1) + 0.1 * rng.standard_normal(400 * 20 + 1)
    x = s[:-1].reshape(400, 20, 1).astype("float32")
    return x, s[20::20][:400, None].astype("float32")


ROWS = {
    "lstm_dropout": ("Embedding(20000,128)+LSTM(128,dropout=.2,recurrent_dropout=.2)",
                     lambda: [Embedding(VOCAB, EMBED), LSTM(128, dropout=0.2,
                                                             recurrent_dropout=0.2)],
                     lambda: Plain(VariationalRNN("lstm", EMBED, 128, 0.2, 0.2), out=128), ids),
    "gru_dropout": ("Embedding(20000,128)+GRU(128,dropout=.2,recurrent_dropout=.2)",
                    lambda: [Embedding(VOCAB, EMBED), GRU(128, dropout=0.2,
                                                           recurrent_dropout=0.2)],
                    lambda: Plain(VariationalRNN("gru", EMBED, 128, 0.2, 0.2), out=128), ids),
    "bilstm_masked": ("Embedding(mask_zero)+Bidirectional(LSTM(64)), pre-padded",
                      lambda: [Embedding(VOCAB, EMBED, mask_zero=True),
                               Bidirectional(LSTM(64))],
                      lambda: Plain(nn.LSTM(EMBED, 64, batch_first=True, bidirectional=True),
                                    bidirectional_packed=True),
                      lambda rng: ids(rng, padded=True)),
    "simple_rnn_relu": ("Embedding(20000,128)+SimpleRNN(128,activation='relu')",
                        lambda: [Embedding(VOCAB, EMBED), SimpleRNN(128, activation="relu")],
                        lambda: Plain(nn.RNN(EMBED, 128, nonlinearity="relu",
                                             batch_first=True), out=128), ids),
    "gru_reset_before": ("Embedding(20000,128)+GRU(128,reset_after=False)",
                         lambda: [Embedding(VOCAB, EMBED), GRU(128, reset_after=False)],
                         lambda: Plain(VariationalRNN("gru_reset_before", EMBED, 128), out=128),
                         ids),
    "stateful_lstm": ("LSTM(32,stateful=True), batch 1, 400 windows of 20 steps",
                      lambda: [Input(batch_shape=(1, 20, 1)), LSTM(32, stateful=True)],
                      StatefulPlain, series),
}


# name: the Keras layers of the row (the head is added as in `row`)
KERAS_LAYERS = {
    "lstm_dropout": "layers.Input(shape=(80,)), layers.Embedding(20000, 128), "
                    "layers.LSTM(128, dropout=0.2, recurrent_dropout=0.2)",
    "gru_dropout": "layers.Input(shape=(80,)), layers.Embedding(20000, 128), "
                   "layers.GRU(128, dropout=0.2, recurrent_dropout=0.2)",
    "bilstm_masked": "layers.Input(shape=(80,)), layers.Embedding(20000, 128, mask_zero=True), "
                     "layers.Bidirectional(layers.LSTM(64))",
    "simple_rnn_relu": "layers.Input(shape=(80,)), layers.Embedding(20000, 128), "
                       "layers.SimpleRNN(128, activation='relu')",
    "gru_reset_before": "layers.Input(shape=(80,)), layers.Embedding(20000, 128), "
                        "layers.GRU(128, reset_after=False)",
    "stateful_lstm": "layers.Input(batch_shape=(1, 20, 1)), layers.LSTM(32, stateful=True)",
}

KERAS_PROGRAM = '''
import json, sys, time
import numpy as np
import keras
from keras import layers

data = np.load(sys.argv[1])
x, y, epochs, batch, shuffle, stateful = (data["x"], data["y"], int(sys.argv[2]),
                                          int(sys.argv[3]), sys.argv[4] == "1",
                                          sys.argv[5] == "1")
keras.utils.set_random_seed(0)
head = layers.Dense(1) if stateful else layers.Dense(1, activation="sigmoid")
model = keras.Sequential([{layers}, head])
model.compile(optimizer="adam", loss="mse" if stateful else "binary_crossentropy")
times = []


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.start)
        if stateful:
            for layer in model.layers:
                if getattr(layer, "stateful", False):
                    layer.reset_states()


model.fit(x, y, batch_size=batch, epochs=epochs + 1, shuffle=shuffle, verbose=0,
          callbacks=[EpochTimer()])
print("RESULT " + json.dumps(times[1:]))
'''


def keras_epochs(python: str, name: str, x, y, epochs: int, batch: int, shuffle: bool,
                 threads: int) -> list[float]:
    """Seconds per timed epoch of the row as a Keras program, run by `python`."""
    stateful = name == "stateful_lstm"
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "data.npz", x=x, y=y)
        program = Path(tmp) / "program.py"
        program.write_text(KERAS_PROGRAM.format(layers=KERAS_LAYERS[name]))
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3",
                   TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS=str(threads))
        done = subprocess.run([python, str(program), str(Path(tmp) / "data.npz"), str(epochs),
                               str(batch), str(int(shuffle)), str(int(stateful))],
                              capture_output=True, text=True, env=env, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"the Keras program of {name} failed:\n{done.stderr[-2000:]}")


def torch_epoch(model, x, y, batch, shuffle):
    opt = model.opt
    loss_fn = nn.BCEWithLogitsLoss() if y.max() <= 1 and y.min() >= 0 and len(np.unique(y)) <= 2 \
        else nn.MSELoss()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    order = torch.randperm(len(xt)) if shuffle else torch.arange(len(xt))
    model.train()
    for s in range(0, len(xt), batch):
        idx = order[s:s + batch]
        opt.zero_grad()
        loss = loss_fn(model(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return loss.item()


def row(name: str, epochs: int, keras_python: str | None = None, threads: int = 1):
    title, layers, plain_cls, data = ROWS[name]
    x, y = data(np.random.default_rng(0))
    stateful = name == "stateful_lstm"
    batch, shuffle = (1, False) if stateful else (32, True)
    torch.manual_seed(0)
    head = Dense(1) if stateful else Dense(1, activation="sigmoid")
    ours = Sequential([*layers(), head])
    ours.compile(optimizer="adam", loss="mse" if stateful else "binary_crossentropy")
    plain = plain_cls()
    plain.opt = torch.optim.Adam(plain.parameters(), lr=1e-3, eps=1e-7)
    t_ours, t_plain = [], []
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        ours.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=shuffle)
        t1 = time.perf_counter()
        torch_epoch(plain, x, y, batch, shuffle)
        t2 = time.perf_counter()
        if stateful:
            ours.reset_states()
            plain.state = None
        if epoch > 0:
            t_ours.append(t1 - t0)
            t_plain.append(t2 - t1)
    recurrent = ours.layers[1] if not stateful else ours.layers[0]
    ratio = statistics.median(a / b for a, b in zip(t_ours, t_plain))
    cells = [title, f"{statistics.median(t_ours):.2f}", f"{statistics.median(t_plain):.2f}",
             f"{ratio:.2f}"]
    if keras_python:
        t_keras = statistics.median(keras_epochs(keras_python, name, x, y, epochs, batch,
                                                 shuffle, threads))
        cells += [f"{t_keras:.2f}", f"{statistics.median(t_ours) / t_keras:.2f}"]
    print("| " + " | ".join(cells + [recurrent.last_path]) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keras-python", default=None,
                        help="a Python with tensorflow and keras 3 (e.g. /tmp/tfenv/bin/python)"
                             " to run each row as a Keras program too")
    args = parser.parse_args()
    rnnkit.config.set_threads(args.threads)       # torch's threads and rnnkit's sweeps
    print(f"torch {torch.__version__}, {args.threads} thread(s), {N} samples x {T} ids, "
          f"{args.epochs} timed epochs a side, medians")
    keras = (" Keras/TF s/epoch | rnnkit / Keras |", "---|---|") if args.keras_python else ("", "")
    print(f"| configuration | rnnkit s/epoch | PyTorch s/epoch | rnnkit / PyTorch |{keras[0]} "
          "rnnkit path |")
    print(f"|---|---|---|---|{keras[1]}---|")
    for name in args.only:
        row(name, args.epochs, args.keras_python, args.threads)


if __name__ == "__main__":
    main()
