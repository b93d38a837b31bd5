"""`rnnkit bench`: rnnkit's fit against an idiomatic plain PyTorch loop, on the same data,
model and optimizer, on this machine.

    rnnkit bench                                   # all five workloads, one seed
    rnnkit bench --only gru --epochs 4
    rnnkit bench --epochs 3 --seeds 0 1 2 3 4 5 6 7        # final losses over paired seeds

(`python benchmarks/bench_fit.py ...` runs the same.)

Plain PyTorch is what a PyTorch user writes: an nn.Module with nn.Embedding / nn.RNN /
nn.LSTM / nn.GRU / nn.Linear, a TensorDataset, a DataLoader(batch_size=32, shuffle=True),
the loss on logits (BCEWithLogitsLoss, CrossEntropyLoss) and the same torch optimizer with
Keras's hyper-parameters. Both start from the same weights (rnnkit's, copied), and torch's
second recurrent bias is frozen at zero for SimpleRNN and LSTM so that both train the same
model (Keras's layers have one bias). Batch 32,
2 threads; epochs alternate between the two so that both see the same machine load; the
first epoch of each is untimed; the table shows medians of the rest, their ratio
(rnnkit / PyTorch: below 1.0 means rnnkit is faster) and the final training loss of each.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from . import datasets
from .errors import UserError
from .kernels.dispatch import kernel_spec, torch_weights
from .layers import GRU, LSTM, Dense, Embedding, Input, SimpleRNN
from .models import Model, Sequential
from .utils import set_random_seed

TORCH_RNN = {SimpleRNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU}


# -- the five workloads ---------------------------------------------------------------------
def noisy_sine_windows(rng):
    t = np.arange(2020) * 0.1
    s = (np.sin(t) + 0.1 * rng.standard_normal(len(t))).astype("float32")
    x = np.stack([s[i:i + 20] for i in range(2000)])[..., None]
    return x, s[20:2020, None]


def token_ids(rng):
    x = rng.integers(1, 1000, size=(4000, 80))
    y = ((x < 100).sum(1) > 8).astype("float32")[:, None]   # ~half positive, needs the whole text
    return x, y


def shakespeare_chars(rng):
    text = datasets.load_tiny_shakespeare()[:200 * 101 * 2]
    vocab = {c: i for i, c in enumerate(sorted(set(datasets.load_tiny_shakespeare())))}
    ids = np.array([vocab[c] for c in text])
    starts = rng.choice(len(ids) - 101, size=200, replace=False)
    chunks = np.stack([ids[s:s + 101] for s in starts])
    return chunks[:, :-1], chunks[:, 1:]


def long_sequences(rng):
    t = np.arange(1001) * 0.05
    phase = rng.uniform(0, 2 * np.pi, size=(256, 1))
    s = (np.sin(t + phase) + 0.1 * rng.standard_normal((256, 1001))).astype("float32")
    return s[:, :1000, None], s[:, 1000:]


WORKLOADS = {
    "simple_rnn": ("SimpleRNN(50) on 20-step windows of a noisy sine (2,000), rmsprop, mse",
                   lambda: [Input(shape=(20, 1)), SimpleRNN(50), Dense(1)],
                   "rmsprop", "mse", noisy_sine_windows),
    "embed_rnn": ("Embedding(1000,128)+SimpleRNN(128)+Dense(1,sigmoid), 4,000 x 80 ids, adam",
                  lambda: [Embedding(1000, 128), SimpleRNN(128), Dense(1, activation="sigmoid")],
                  "adam", "binary_crossentropy", token_ids),
    "char_lstm": ("Embedding(65,64)+LSTM(256,seq)+Dense(65,softmax), 200 x 100 chars, adam",
                  lambda: [Embedding(65, 64), LSTM(256, return_sequences=True),
                           Dense(65, activation="softmax")],
                  "adam", "sparse_categorical_crossentropy", shakespeare_chars),
    "long_lstm": ("LSTM(64) on 256 sequences of 1,000 steps, adam, mse",
                  lambda: [Input(shape=(1000, 1)), LSTM(64), Dense(1)], "adam", "mse",
                  long_sequences),
    "gru": ("Embedding(1000,128)+GRU(128)+Dense(1,sigmoid), 4,000 x 80 ids, adam",
            lambda: [Embedding(1000, 128), GRU(128), Dense(1, activation="sigmoid")],
            "adam", "binary_crossentropy", token_ids),
}


# -- the plain PyTorch side -----------------------------------------------------------------
class PlainModel(nn.Module):
    """What a PyTorch user writes for the same architecture, with rnnkit's weights copied."""

    def __init__(self, model: Sequential):
        super().__init__()
        layers = list(model.layers)
        self.embed = None
        if isinstance(layers[0], Embedding):
            e = layers.pop(0)
            self.embed = nn.Embedding(e.input_dim, e.output_dim)
            self.embed.weight.data.copy_(e.embeddings.data)
        rnn, dense = layers
        weights, has_bias = torch_weights(kernel_spec(rnn.cell))
        self.rnn = TORCH_RNN[type(rnn)](weights[0].shape[1], rnn.units, batch_first=True)
        self.return_sequences = rnn.return_sequences
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(weights[0])
            self.rnn.weight_hh_l0.copy_(weights[1])
            self.rnn.bias_ih_l0.copy_(weights[2])
            self.rnn.bias_hh_l0.copy_(weights[3])
        if not isinstance(rnn, GRU):
            # Keras's SimpleRNN and LSTM have one bias (rnnkit passes zeros as b_hh); torch's
            # two would each get their own Adam step, i.e. a different model. Same model here.
            self.rnn.bias_hh_l0.requires_grad_(False)
        self.fc = nn.Linear(dense.W.shape[1], dense.units)
        self.fc.weight.data.copy_(dense.W.data)
        self.fc.bias.data.copy_(dense.b.data)

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        y, _ = self.rnn(x)
        return self.fc(y if self.return_sequences else y[:, -1])


def torch_optimizer(name, params):
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)
    return torch.optim.Adam(params, lr=1e-3, eps=1e-7)


def torch_loss(name):
    return {"mse": nn.MSELoss(), "binary_crossentropy": nn.BCEWithLogitsLoss(),
            "sparse_categorical_crossentropy": nn.CrossEntropyLoss()}[name]


def torch_epoch(model, loader, opt, loss_fn) -> float:
    model.train()
    total, n = 0.0, 0
    for xb, yb in loader:
        opt.zero_grad()
        out = model(xb)
        if isinstance(loss_fn, nn.CrossEntropyLoss):
            loss = loss_fn(out.reshape(-1, out.shape[-1]), yb.reshape(-1))
        else:
            loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
        n += len(xb)
    return total / n


# -- the run --------------------------------------------------------------------------------
def run(name: str, epochs: int, seed: int = 0, bar=None) -> dict:
    """One training run of each side from the same initial weights (drawn with `seed`);
    `bar` (tqdm) advances once per epoch pair."""
    title, layers, opt_name, loss_name, make_data = WORKLOADS[name]
    x, y = make_data(np.random.default_rng(0))          # the data is the workload: fixed
    set_random_seed(seed)                  # the initial weights and orders vary
    ours = Sequential(layers())
    ours.compile(optimizer=opt_name, loss=loss_name)
    ours._ensure_built(ours._x_tensor(x[:1]))
    plain = PlainModel(ours)
    xt = torch.from_numpy(x).long() if x.dtype.kind == "i" else torch.from_numpy(x)
    yt = torch.from_numpy(y).long() if loss_name.startswith("sparse") else torch.from_numpy(y)
    loader = DataLoader(TensorDataset(xt, yt), batch_size=32, shuffle=True)
    opt, loss_fn = torch_optimizer(opt_name, plain.parameters()), torch_loss(loss_name)

    t_ours, t_plain, loss_ours, loss_plain = [], [], None, None
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        loss_ours = ours.fit(x, y, batch_size=32, epochs=1, verbose=0).history["loss"][-1]
        t1 = time.perf_counter()
        loss_plain = torch_epoch(plain, loader, opt, loss_fn)
        t2 = time.perf_counter()
        if epoch > 0:                                   # the first epoch warms up, untimed
            t_ours.append(t1 - t0)
            t_plain.append(t2 - t1)
        _advance(bar, name, seed)
    return {"title": title, "t_rnnkit": t_ours, "t_torch": t_plain,
            "loss_rnnkit": loss_ours, "loss_torch": loss_plain,
            "path": ours.layers[-2].last_path if hasattr(ours.layers[-2], "last_path") else "?"}


def as_functional(sequential: Sequential, input_dtype: str) -> Model:
    """The same layers as a functional Model(inputs, outputs): a Sequential in disguise."""
    shape = sequential.input_shape_arg or sequential.build_input_shape
    x = inputs = Input(shape=shape, dtype=input_dtype)
    for layer in sequential.layers:
        x = layer(x)
    return Model(inputs, x)


def run_functional(name: str, epochs: int, seed: int = 0, bar=None) -> dict:
    """The same workload as a Sequential and as a functional model from the same weights,
    epochs interleaved: the cost of running a graph instead of a list of layers."""
    title, layers, opt_name, loss_name, make_data = WORKLOADS[name]
    x, y = make_data(np.random.default_rng(0))
    set_random_seed(seed)
    seq = Sequential(layers())
    seq.compile(optimizer=opt_name, loss=loss_name)
    seq._ensure_built(seq._x_tensor(x[:1]))
    set_random_seed(seed)
    twin = Sequential(layers())
    twin._ensure_built(twin._x_tensor(x[:1]))
    twin.load_state_dict(seq.state_dict())
    func = as_functional(twin, "int64" if x.dtype.kind == "i" else "float32")
    func.compile(optimizer=opt_name, loss=loss_name)
    t_seq, t_func = [], []
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        loss_seq = seq.fit(x, y, batch_size=32, epochs=1, verbose=0).history["loss"][-1]
        t1 = time.perf_counter()
        loss_func = func.fit(x, y, batch_size=32, epochs=1, verbose=0).history["loss"][-1]
        t2 = time.perf_counter()
        if epoch > 0:
            t_seq.append(t1 - t0)
            t_func.append(t2 - t1)
        _advance(bar, name, seed)
    return {"title": title, "t_seq": t_seq, "t_func": t_func, "loss_seq": loss_seq,
            "loss_func": loss_func}


def _advance(bar, name: str, seed: int) -> None:
    if bar is not None:
        bar.set_description(f"{name}, seed {seed}")
        bar.update(1)


def say(line: str) -> None:
    """Print a table row on stdout without tearing the progress bar on stderr."""
    tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()


def progress_bar(names: list[str], epochs: int, seeds: list[int], quiet: bool):
    """One tqdm bar on stderr over every case's epochs (workload x seed x (epochs + 1)), so
    that stdout stays the table; off when stderr is not a terminal or with --quiet."""
    return tqdm(total=len(names) * len(seeds) * (epochs + 1), unit="epoch pair", desc="bench",
                file=sys.stderr, leave=False, disable=True if quiet else None)


def main_functional(names: list[str], epochs: int, seeds: list[int], bar=None) -> None:
    say("| workload | Sequential s/epoch | functional s/epoch | ratio | final loss "
          "Sequential | final loss functional |")
    say("|" + "---|" * 6)
    for name in names:
        runs = [run_functional(name, epochs, seed, bar) for seed in seeds]
        t_seq = statistics.median(t for r in runs for t in r["t_seq"])
        t_func = statistics.median(t for r in runs for t in r["t_func"])
        say(f"| {runs[0]['title']} | {t_seq:.3f} | {t_func:.3f} | {t_func / t_seq:.3f} | "
            f"{mean_sd([r['loss_seq'] for r in runs])} | "
            f"{mean_sd([r['loss_func'] for r in runs])} |")


def verdict(differences: list[float]) -> str:
    """Compare the final losses seed by seed (paired: each seed starts both from the same
    weights). 'lower'/'higher' when the mean paired difference is more than two standard
    errors away from zero, 'equal' otherwise; one seed gives no spread to judge by."""
    if len(differences) < 2:
        return "one seed: no verdict"
    mean = statistics.fmean(differences)
    se = statistics.stdev(differences) / len(differences) ** 0.5
    if abs(mean) <= 2 * se:
        return "equal"
    return "lower" if mean < 0 else "higher"


def mean_sd(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.fmean(values):.4f} ± {statistics.stdev(values):.4f}"


def summarize(name: str, runs: list[dict]) -> dict:
    t_ours = statistics.median(t for r in runs for t in r["t_rnnkit"])
    t_plain = statistics.median(t for r in runs for t in r["t_torch"])
    ours = [r["loss_rnnkit"] for r in runs]
    plain = [r["loss_torch"] for r in runs]
    diffs = [a - b for a, b in zip(ours, plain)]
    return {"name": name, "title": runs[0]["title"], "rnnkit_s": t_ours, "torch_s": t_plain,
            "ratio": t_ours / t_plain, "loss_rnnkit": mean_sd(ours), "loss_torch": mean_sd(plain),
            "difference": mean_sd(diffs), "verdict": verdict(diffs), "path": runs[0]["path"]}


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", choices=list(WORKLOADS), action="append",
                        help="run only this workload (repeatable)")
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs (after one warm-up)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="initial-weight seeds; each runs both sides from the same weights")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--functional", action="store_true",
                        help="time each workload as a Sequential against the same layers as a "
                             "functional Model(inputs, outputs), instead of against PyTorch")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise UserError(f"--epochs must be at least 1 (one more epoch runs first, untimed), "
                        f"got {args.epochs}.")
    if args.threads < 1:
        raise UserError(f"--threads must be at least 1, got {args.threads}.")
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, batch 32, "
          f"median of {args.epochs} epochs after 1 warm-up, seeds {args.seeds}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    flags = [f"--only {name}" for name in args.only or []] + [
        f"--epochs {args.epochs}", "--seeds " + " ".join(map(str, args.seeds)),
        f"--threads {args.threads}"]
    names = args.only or list(WORKLOADS)
    with progress_bar(names, args.epochs, args.seeds, getattr(args, "quiet", False)) as bar:
        return _main(args, names, flags, bar)


def _main(args: argparse.Namespace, names: list[str], flags: list[str], bar) -> int:
    if args.functional:
        say("command: rnnkit bench --functional " + " ".join(flags))
        main_functional(names, args.epochs, args.seeds, bar)
        return 0
    say("command: rnnkit bench " + " ".join(flags))
    say("final loss: mean ± sd over the seeds; difference: rnnkit - PyTorch per seed (paired);")
    say("verdict: lower/higher when the mean difference is beyond two standard errors, else equal")
    header = ("| workload | rnnkit s/epoch | PyTorch s/epoch | ratio | final loss rnnkit "
              "| final loss PyTorch | difference | verdict | rnnkit path |")
    say(header)
    say("|" + "---|" * 9)
    for name in names:
        r = summarize(name, [run(name, args.epochs, seed, bar) for seed in args.seeds])
        say(f"| {r['title']} | {r['rnnkit_s']:.3f} | {r['torch_s']:.3f} | {r['ratio']:.2f} | "
            f"{r['loss_rnnkit']} | {r['loss_torch']} | {r['difference']} | {r['verdict']} "
            f"| {r['path']} |")
    return 0
