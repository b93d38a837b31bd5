"""mixed_bfloat16 against float32: training speed and final loss of the character model,

    Embedding(65, 64) -> LSTM(256) or GRU(256), return_sequences -> Dense(65, softmax)

on Tiny Shakespeare windows of 100 characters, adam, batch 32.

    python benchmarks/bench_bf16.py                              # LSTM and GRU, seeds 0 1
    python benchmarks/bench_bf16.py --only gru --seeds 0 1 2 3 --epochs 5 --threads 2

For each seed both policies start from the same weights (the float32 model's, copied) and
see the same batches; the order of the two alternates from seed to seed. s/epoch is the
median of the epochs after the first; the ratio is bfloat16 / float32 time (below 1.0:
bfloat16 faster); the losses are the final training losses, compared seed by seed
(difference = bf16 - fp32, mean ± sd over seeds). The recurrent layer's `path_reason`
says which kernel ran under each policy.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

import rnnkit
from rnnkit import datasets, mixed_precision
from rnnkit.callbacks import Callback
from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed

RNNS = {"lstm": LSTM, "gru": GRU}


def char_windows(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    text = datasets.load_tiny_shakespeare()
    vocab = {c: i for i, c in enumerate(sorted(set(text)))}
    ids = np.array([vocab[c] for c in text[:400_000]])
    starts = rng.choice(len(ids) - 101, size=n, replace=False)
    chunks = np.stack([ids[s:s + 101] for s in starts])
    return chunks[:, :-1], chunks[:, 1:]


class EpochTimer(Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def build(rnn: str, policy: str, weights=None) -> Sequential:
    mixed_precision.set_global_policy(policy)
    try:
        model = Sequential([Input((100,)), Embedding(65, 64),
                            RNNS[rnn](256, return_sequences=True),
                            Dense(65, activation="softmax")])
    finally:
        mixed_precision.set_global_policy("float32")
    model.compile("adam", "sparse_categorical_crossentropy")
    if weights is not None:
        model.set_weights(weights)
    return model


def train(model, x, y, epochs: int, seed: int) -> dict:
    set_random_seed(seed)                      # the same shuffles for both policies
    timer = EpochTimer()
    history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[timer])
    times = timer.times[1:] or timer.times
    return {"s_epoch": statistics.median(times), "loss": history.history["loss"][-1],
            "path": model.layers[1].path_reason}


def sweep(repeats: int) -> None:
    """Where bfloat16 pays: forward + backward of one layer, float32 (the kernel rnnkit
    picks) against the layer under the policy, batch 32, 100 steps, 64 inputs."""
    from rnnkit.layers import SimpleRNN
    print("\n| layer | float32 ms | bf16 ms | bf16/fp32 | float32 kernel |")
    print("|---|---|---|---|---|")
    x = torch.randn(32, 100, 64)
    for cls in (SimpleRNN, GRU, LSTM):
        for units in (64, 128, 256):
            times = {}
            for policy in ("float32", "mixed_bfloat16", "float32", "mixed_bfloat16"):
                mixed_precision.set_global_policy(policy)
                try:
                    layer = cls(units, return_sequences=True)
                finally:
                    mixed_precision.set_global_policy("float32")
                layer(x)
                ts = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    layer(x).float().square().mean().backward()
                    ts.append(time.perf_counter() - t)
                times.setdefault(policy, []).append(statistics.median(ts))
                if policy == "float32":
                    path = layer.path_reason
            fp, bf = min(times["float32"]), min(times["mixed_bfloat16"])
            print(f"| {cls.__name__}({units}) | {fp * 1e3:.1f} | {bf * 1e3:.1f} | "
                  f"{bf / fp:.2f} | {path[:60]} |", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=list(RNNS), default=list(RNNS))
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    p.add_argument("--sequences", type=int, default=1000, help="training windows")
    p.add_argument("--threads", type=int, default=None, help="default: rnnkit's 'auto'")
    p.add_argument("--label", default="loaded", help="printed with the figures (quiet/loaded)")
    p.add_argument("--sweep", type=int, default=0, metavar="REPEATS",
                   help="instead: one layer's forward + backward at several sizes")
    args = p.parse_args(argv)
    if args.threads:
        rnnkit.config.set_threads(args.threads)
    print(f"bfloat16 on this CPU (oneDNN): {mixed_precision.bfloat16_supported()}")
    if args.sweep:
        return sweep(args.sweep)
    rows = []
    for rnn in args.only:
        runs = {"float32": [], "mixed_bfloat16": []}
        for k, seed in enumerate(args.seeds):
            x, y = char_windows(args.sequences, np.random.default_rng(seed))
            set_random_seed(seed)
            start = build(rnn, "float32").get_weights()
            order = ["float32", "mixed_bfloat16"] if k % 2 == 0 else \
                ["mixed_bfloat16", "float32"]
            for policy in order:
                r = train(build(rnn, policy, start), x, y, args.epochs, seed)
                runs[policy].append(r)
                print(f"  {rnn} seed {seed} {policy:14s} {r['s_epoch']:.3f} s/epoch, final "
                      f"loss {r['loss']:.4f} ({r['path']})", flush=True)
        rows.append((rnn, runs))
    report(rows, args)


def report(rows, args) -> None:
    print(f"\nmixed_bfloat16 vs float32, char model, {args.sequences} x 100 chars, batch 32 "
          f"({args.label}; {args.epochs} epochs, first untimed; seeds {args.seeds}; threads "
          f"{args.threads or 'auto'}; torch {torch.__version__}; load now "
          f"{os.getloadavg()[0]:.1f}; {_env()})\n")
    print("| layer | float32 s/epoch | bf16 s/epoch | bf16/fp32 time | final loss fp32 | "
          "final loss bf16 | bf16 - fp32 (mean ± sd) | bf16 kernel |")
    print("|---|---|---|---|---|---|---|---|")
    for rnn, runs in rows:
        fp, bf = runs["float32"], runs["mixed_bfloat16"]
        ratios = [b["s_epoch"] / f["s_epoch"] for f, b in zip(fp, bf)]
        diffs = [b["loss"] - f["loss"] for f, b in zip(fp, bf)]
        sd = statistics.stdev(diffs) if len(diffs) > 1 else float("nan")
        print(f"| {RNNS[rnn].__name__}(256) | {statistics.median(r['s_epoch'] for r in fp):.3f} "
              f"| {statistics.median(r['s_epoch'] for r in bf):.3f} | "
              f"{statistics.median(ratios):.2f} | {statistics.mean(r['loss'] for r in fp):.4f} "
              f"| {statistics.mean(r['loss'] for r in bf):.4f} | {statistics.mean(diffs):+.4f} "
              f"± {sd:.4f} | {bf[0]['path']} |")


def _env() -> str:
    return ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in
                     ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "RNNKIT_NUM_THREADS"))


if __name__ == "__main__":
    sys.exit(main())
