"""Which kernel trains a recurrent layer faster: rnnkit's C++ kernel or torch's (oneDNN).

    python benchmarks/bench_lstm_choice.py --threads 2

One layer, forward + backward, the same weights on both sides, interleaved, medians. The
table is what `kernels.dispatch._rnnkit_pays` is chosen from (BENCHMARKS.md).
"""
import argparse
import statistics
import time

import torch

import rnnkit
from rnnkit.kernels import use_path
from rnnkit.layers import GRU, LSTM, SimpleRNN

CASES = [  # (layer, units, batch, steps, inputs, return_sequences)
    (LSTM, 64, 32, 1000, 1, False), (LSTM, 32, 32, 20, 1, False), (LSTM, 50, 32, 20, 1, False),
    (LSTM, 64, 32, 100, 1, False), (LSTM, 64, 32, 100, 64, False),
    (LSTM, 128, 32, 300, 1, False), (LSTM, 128, 32, 80, 128, False),
    (LSTM, 256, 32, 100, 64, True), (GRU, 128, 32, 80, 128, False),
    (SimpleRNN, 128, 32, 80, 128, False),
]


def step(layer, x, path) -> float:
    t0 = time.perf_counter()
    with use_path(path):
        layer(x).sum().backward()
    return time.perf_counter() - t0


def case(cls, H, B, T, D, return_sequences, repeats):
    x = torch.randn(B, T, D, requires_grad=True)
    ours = cls(H, return_sequences=return_sequences)
    theirs = cls(H, return_sequences=return_sequences)
    ours(x[:1]), theirs(x[:1])
    theirs.load_state_dict(ours.state_dict())
    t_ours, t_torch = [], []
    for i in range(repeats + 2):
        a, b = step(ours, x, "rnnkit"), step(theirs, x, "torch")
        if i >= 2:
            t_ours.append(a)
            t_torch.append(b)
    a, b = statistics.median(t_ours), statistics.median(t_torch)
    print(f"| {cls.__name__}({H}), {B}, {T}, {D} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f} |",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    rnnkit.config.set_threads(args.threads)       # torch's threads and rnnkit's sweeps
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {args.threads} threads, forward + backward, medians")
    print("| layer, batch, steps, inputs | rnnkit ms | torch ms | rnnkit / torch |")
    print("|---|---|---|---|")
    for c in CASES:
        case(*c, repeats=args.repeats)


if __name__ == "__main__":
    main()
