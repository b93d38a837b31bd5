"""Which kernel runs a recurrent layer's inference faster: rnnkit's C++ kernel or torch's.

    OMP_NUM_THREADS=1 python benchmarks/bench_infer_choice.py
    python benchmarks/bench_infer_choice.py --layers LSTM --units 128 --batches 1 2 4

One layer called under torch.no_grad (as predict calls it), the same weights on both paths
(forced with kernels.use_path), interleaved, medians of many calls. The table is what
`kernels.dispatch._rnnkit_infers` is chosen from (BENCHMARKS.md).
"""
import argparse
import os
import statistics
import time

import torch

from rnnkit.kernels import use_path
from rnnkit.layers import GRU, LSTM, SimpleRNN

LAYERS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def median_us(fn, calls: int) -> float:
    ts = []
    for _ in range(calls):
        t = time.perf_counter_ns()
        fn()
        ts.append(time.perf_counter_ns() - t)
    return statistics.median(ts) / 1e3


def case(cls, H: int, B: int, T: int, D: int) -> tuple[float, float, float]:
    """(rnnkit us, torch us, largest difference between their outputs)."""
    torch.manual_seed(0)
    layer = cls(H).eval()
    x = torch.randn(B, T, D)
    calls = max(5, int(2e5 / (B * H + 2000)))
    with torch.no_grad():
        with use_path("rnnkit"):
            ours = layer(x)
        with use_path("torch"):
            theirs = layer(x)
        t_ours, t_torch = [], []
        for _ in range(3):                                   # interleaved
            with use_path("rnnkit"):
                t_ours.append(median_us(lambda: layer(x), calls))
            with use_path("torch"):
                t_torch.append(median_us(lambda: layer(x), calls))
    return statistics.median(t_ours), statistics.median(t_torch), \
        float((ours - theirs).abs().max())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    p.add_argument("--units", nargs="+", type=int, default=[32, 64, 128, 256])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 2, 4, 32, 256, 2048])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--features", type=int, default=57)
    p.add_argument("--label", default="loaded", help="printed with the figures (quiet/loaded)")
    args = p.parse_args(argv)
    print(f"Inference, one layer under no_grad, T = {args.steps}, D = {args.features} "
          f"({args.label}; torch threads {torch.get_num_threads()}; load "
          f"{os.getloadavg()[0]:.1f}), median us a call\n")
    print("| layer | units | batch | rnnkit | PyTorch | rnnkit/PyTorch | max diff |")
    print("|---|---|---|---|---|---|---|")
    for name in args.layers:
        for H in args.units:
            for B in args.batches:
                ours, theirs, diff = case(LAYERS[name], H, B, args.steps, args.features)
                print(f"| {name} | {H} | {B} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} "
                      f"| {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
