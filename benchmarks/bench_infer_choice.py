"""Which kernel runs a recurrent layer's inference faster: rnnkit's C++ kernel or torch's.

    OMP_NUM_THREADS=1 python benchmarks/bench_infer_choice.py
    python benchmarks/bench_infer_choice.py --layers LSTM --units 128 --batches 1 2 4
    python benchmarks/bench_infer_choice.py --chunks --units 128   # INFERENCE_ROWS

One layer called under torch.no_grad (as predict calls it), the same weights on both paths
(forced with kernels.use_path), interleaved, medians of many calls. The table is what
`kernels.dispatch._rnnkit_infers` is chosen from (BENCHMARKS.md). With --chunks: one call on
8,192 rows with dispatch.INFERENCE_ROWS (the chunk the rows run in) set to each size.
"""
import argparse
import os
import statistics
import time

import torch

from rnnkit.kernels import dispatch, use_path
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


def chunks(cls, H: int, B: int, T: int, D: int, sizes: list[int]) -> dict[int, float]:
    """ms for one inference call on B rows with INFERENCE_ROWS at each size, interleaved."""
    torch.manual_seed(0)
    layer, x = cls(H).eval(), torch.randn(B, T, D)
    before, times = dispatch.INFERENCE_ROWS, {c: [] for c in sizes}
    try:
        with torch.no_grad():
            for _ in range(3):
                for c in sizes:
                    dispatch.INFERENCE_ROWS = c
                    t = time.perf_counter()
                    layer(x)
                    times[c].append((time.perf_counter() - t) * 1e3)
    finally:
        dispatch.INFERENCE_ROWS = before
    return {c: statistics.median(v) for c, v in times.items()}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    p.add_argument("--units", nargs="+", type=int, default=[32, 64, 128, 256])
    p.add_argument("--batches", nargs="+", type=int, default=[1, 2, 4, 32, 256, 2048])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--features", type=int, default=57)
    p.add_argument("--label", default="loaded", help="printed with the figures (quiet/loaded)")
    p.add_argument("--chunks", action="store_true",
                   help="time one call on --rows rows in chunks of 64 ... rows instead")
    p.add_argument("--rows", type=int, default=8192)
    args = p.parse_args(argv)
    if args.chunks:
        sizes = [c for c in (64, 128, 256, 512, 1024, 2048) if c < args.rows] + [args.rows]
        print(f"One inference call on {args.rows} rows, T = {args.steps}, D = {args.features}, "
              f"in chunks of INFERENCE_ROWS rows ({args.label}; torch threads "
              f"{torch.get_num_threads()}; load {os.getloadavg()[0]:.1f}), median ms\n")
        print("| layer | units | " + " | ".join(map(str, sizes)) + " |")
        print("|---|---|" + "---|" * len(sizes))
        for name in args.layers:
            for H in args.units:
                ms = chunks(LAYERS[name], H, args.rows, args.steps, args.features, sizes)
                print(f"| {name} | {H} | " + " | ".join(f"{ms[c]:.0f}" for c in sizes) + " |",
                      flush=True)
        return
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
