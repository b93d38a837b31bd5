"""Train the NumPy Elman RNN as a character model (min-char-rnn, batched), within a time budget.

    h_t = tanh(W_xh[:, c_t] + W_hh h_{t-1} + b_h)      one-hot input = a column of W_xh
    p_t = softmax(W_hy h_t + b_y),  L = -mean log p_t[c_{t+1}]   (nats per character)

The first 90% of the text is cut into B contiguous streams (the columns of a (T, B) batch);
the last 10% is held out. Each step runs seq_length characters of every stream,
backpropagates through those steps only (truncated BPTT), and carries the last hidden state
into the next window. Adagrad with lr 0.1 and elementwise clipping at 5, as min-char-rnn,
but with Adagrad's memory started at 0.01 instead of 0: min-char-rnn's first update moves
every weight by +-lr, which left some seeds stuck near the unigram loss (~3.3 nats) for
thousands of steps. A model that knows nothing scores ln V.

    python -m rnnkit.reference.train --seconds 120        (use OMP_NUM_THREADS=1 for one core)
"""
from __future__ import annotations

import argparse
import importlib.resources
import math
import sys
import time
from pathlib import Path

import numpy as np

from .numpy_rnn import RNN, Adagrad, clip_gradients


def load_text(path=None) -> str:
    """Read a text file (UTF-8); None reads the bundled Tiny Shakespeare."""
    if path is None:
        resource = importlib.resources.files("rnnkit") / "datasets/data/tiny_shakespeare/input.txt"
        return resource.read_text(encoding="utf-8")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Text file {str(path)!r} not found. Pass the path of a UTF-8 "
                                "text file, or no path for the bundled Tiny Shakespeare.")
    return path.read_text(encoding="utf-8")


def _streams(data: np.ndarray, B: int, T: int) -> np.ndarray:
    """Cut token ids into B contiguous streams, returned as the columns of (N, B)."""
    N = len(data) // B
    if N < T + 1:
        raise ValueError(f"The text has {len(data)} characters: too short for {B} streams of "
                         f"seq_length + 1 = {T + 1}. Use a smaller batch_size or seq_length.")
    return data[: N * B].reshape(B, N).T.copy()                    # (N, B)


def evaluate(model: RNN, data: np.ndarray, seq_length: int, batch_size: int) -> float:
    """Mean cross-entropy in nats per character over data, state carried across windows."""
    B = max(1, min(batch_size, (len(data) - 1) // (seq_length + 1)))
    X = _streams(data, B, seq_length)
    h, total, count = None, 0.0, 0
    for p in range(0, len(X) - 1, seq_length):
        inputs, targets = X[p: p + seq_length], X[p + 1: p + seq_length + 1]
        inputs = inputs[: len(targets)]
        cache = model.forward_sequence(inputs, h)
        loss, _ = model.loss(cache, targets, kind="softmax")
        total, count = total + loss * targets.size, count + targets.size
        h = cache.h_last
    return total / count


def train_char_rnn(path=None, hidden_size=100, seq_length=25, seconds=120, seed=0, log=print,
                   *, batch_size=32, learning_rate=0.1, initial_accumulator=0.01, clip=5.0,
                   max_steps=None, smoothing=0.999, val_fraction=0.1, sample_length=300,
                   temperature=1.0, dtype=np.float64, log_every=10.0) -> dict:
    """Train a character RNN on a text for ``seconds`` (or ``max_steps``) and sample from it.

    Returns a dict: losses (per step, nats/char), final_loss (smoothed, nats/char),
    uniform_loss (ln V), val_loss (held-out last ``val_fraction`` of the text, nats/char),
    sample (text), model, chars (the vocabulary), steps, elapsed (seconds).

    ``smoothing`` is min-char-rnn's: smooth <- smoothing * smooth + (1 - smoothing) * loss,
    started at ln V. ``log`` receives a progress line every ``log_every`` seconds.
    """
    for name, value in (("hidden_size", hidden_size), ("seq_length", seq_length),
                        ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    if not seconds > 0:
        raise ValueError(f"seconds must be positive; got {seconds!r}.")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1); got {val_fraction!r}.")
    text = load_text(path)
    chars = sorted(set(text))
    if len(chars) < 2:
        raise ValueError(f"The text needs at least 2 distinct characters; got {len(chars)}.")
    V = len(chars)
    char_to_ix = {c: i for i, c in enumerate(chars)}
    data = np.fromiter((char_to_ix[c] for c in text), dtype=np.int64, count=len(text))
    n_val = int(len(data) * val_fraction)
    train_data, val_data = data[: len(data) - n_val], data[len(data) - n_val:]
    X = _streams(train_data, batch_size, seq_length)                       # (N, B)

    model = RNN(V, hidden_size, V, dtype=dtype, seed=seed)
    optimizer = Adagrad(lr=learning_rate, initial_accumulator=initial_accumulator)
    uniform = math.log(V)
    smooth, losses = uniform, []
    log(f"{len(train_data):,} training characters, vocabulary V = {V}, batch {batch_size} x "
        f"seq_length {seq_length}, hidden {hidden_size}; uniform loss ln V = {uniform:.3f}")

    h, p, step = None, 0, 0
    start = last_log = time.perf_counter()
    while time.perf_counter() - start < seconds and (max_steps is None or step < max_steps):
        if p + seq_length + 1 > len(X):                  # end of the streams: next epoch
            h, p = None, 0
        inputs, targets = X[p: p + seq_length], X[p + 1: p + seq_length + 1]     # (T, B)
        cache = model.forward_sequence(inputs, h)
        loss, dys = model.loss(cache, targets, kind="softmax")
        grads = clip_gradients(model.backward(cache, dys), max_value=clip)
        optimizer.step(model.parameters(), grads)
        h = cache.h_last                                # carry the state, cut the gradient
        smooth = smoothing * smooth + (1 - smoothing) * loss
        losses.append(loss)
        p, step = p + seq_length, step + 1
        if time.perf_counter() - last_log >= log_every:
            last_log = time.perf_counter()
            log(f"step {step:6d}  {last_log - start:6.1f}s  smoothed loss {smooth:.3f} "
                f"nats/char  (ln V = {uniform:.3f})")
    elapsed = time.perf_counter() - start

    val_loss = (evaluate(model, val_data, seq_length, batch_size)
                if len(val_data) > seq_length + 1 else float("nan"))
    h_sample = None if h is None else h[:, :1]
    seed_ix = int(X[p, 0]) if step else int(data[0])      # the next character to read
    ixes = model.sample(h_sample, seed_ix, sample_length, temperature=temperature,
                        rng=np.random.default_rng(seed))
    sample = "".join(chars[i] for i in ixes)
    log(f"done: {step} steps in {elapsed:.1f}s; smoothed loss {smooth:.3f} nats/char, "
        f"held-out {val_loss:.3f}, uniform ln V = {uniform:.3f}")
    return dict(losses=losses, final_loss=smooth, uniform_loss=uniform, val_loss=val_loss,
                sample=sample, model=model, chars=chars, steps=step, elapsed=elapsed)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The flags of `rnnkit reference-train` (and `python -m rnnkit.reference.train`)."""
    parser.add_argument("path", nargs="?", default=None,
                        help="UTF-8 text file (default: the bundled Tiny Shakespeare)")
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget (default 120)")
    parser.add_argument("--hidden-size", type=int, default=100, help="hidden units H (default 100)")
    parser.add_argument("--seq-length", type=int, default=25,
                        help="truncated BPTT window in characters (default 25)")
    parser.add_argument("--batch-size", type=int, default=32,
                        help="parallel text streams B (default 32; 1 is min-char-rnn)")
    parser.add_argument("--lr", type=float, default=0.1, help="Adagrad learning rate (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--sample-length", type=int, default=300,
                        help="characters to sample at the end (default 300)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="sampling temperature (default 1.0)")
    parser.add_argument("--float32", action="store_true", help="compute in float32")


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """Command line: train on a text for a time budget, print the figures and a sample.

    ``args`` is the Namespace `rnnkit reference-train` parsed, or a list of command-line
    strings (None reads sys.argv), as for `python -m rnnkit.reference.train`.
    """
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(
            prog="rnnkit reference-train",
            description="Train the NumPy Elman RNN (explicit BPTT) as a character model.")
        configure_parser(parser)
        args = parser.parse_args(args)
    try:
        result = train_char_rnn(
            args.path, hidden_size=args.hidden_size, seq_length=args.seq_length,
            seconds=args.seconds, seed=args.seed, batch_size=args.batch_size,
            learning_rate=args.lr, sample_length=args.sample_length,
            temperature=args.temperature, dtype=np.float32 if args.float32 else np.float64)
    except (OSError, ValueError) as err:
        print(f"rnnkit reference-train: error: {err}", file=sys.stderr)
        return 2
    gap = result["uniform_loss"] - result["final_loss"]
    print(f"uniform loss ln V   = {result['uniform_loss']:.4f} nats/char")
    print(f"final smoothed loss = {result['final_loss']:.4f} nats/char")
    print(f"held-out loss       = {result['val_loss']:.4f} nats/char")
    print(f"below uniform by    = {gap:.4f} nats/char")
    print("sample:")
    print(result["sample"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
