"""Long sequences: MinGRU / MinLSTM (input-only gates + a scan) against LSTM and GRU.

    .venv/bin/python benchmarks/bench_long.py            # T=1024, B=32, D=2, H=128
    .venv/bin/python benchmarks/bench_long.py --T 4096   # longer sequences

Forward + backward of one layer on one batch, 2 threads, calls interleaved, medians of
`--repeats` after a warm-up; the ratio is each layer's time over torch.nn.LSTM's. The loss
(mean of squares) and its backward are included for every layer alike. Each rnnkit layer's
path (layer.last_path, layer.path_reason) is printed after the table.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from torch import nn

import rnnkit
from rnnkit.layers import GRU, LSTM, MinGRU, MinLSTM


def step_time(fn, x) -> float:
    t0 = time.perf_counter()
    fn(x).square().mean().backward()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--T", type=int, default=1024)
    p.add_argument("--B", type=int, default=32)
    p.add_argument("--D", type=int, default=2)
    p.add_argument("--H", type=int, default=128)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    rnnkit.config.set_threads(args.threads)       # torch's threads and rnnkit's sweeps
    torch.manual_seed(0)
    x = torch.randn(args.B, args.T, args.D)
    torch_lstm = nn.LSTM(args.D, args.H, batch_first=True)
    layers = {
        "torch.nn.LSTM": lambda v: torch_lstm(v)[0],
        "rnnkit LSTM (fused)": LSTM(args.H, return_sequences=True),
        "rnnkit GRU (fused)": GRU(args.H, return_sequences=True),
        "rnnkit MinGRU (scan)": MinGRU(args.H, return_sequences=True),
        "rnnkit MinLSTM (scan)": MinLSTM(args.H, return_sequences=True),
    }
    times = {name: [] for name in layers}
    for r in range(args.repeats + 1):
        for name, fn in layers.items():
            t = step_time(fn, x)
            if r:
                times[name].append(t)
    base = statistics.median(times["torch.nn.LSTM"])
    print(f"T={args.T} B={args.B} D={args.D} H={args.H}, {args.threads} threads, forward+backward, "
          f"median of {args.repeats}")
    print(f"command: python benchmarks/bench_long.py {' '.join(sys.argv[1:])}".rstrip())
    print("| layer | ms | time / torch.nn.LSTM |")
    print("|---|---|---|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name} | {1000 * m:.1f} | {m / base:.2f} |")
    for name, layer in layers.items():
        if hasattr(layer, "path_reason"):
            print(f"{name}: {layer.last_path} path, {layer.path_reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
