"""rnnkit's fit against a plain PyTorch loop on a CUDA GPU, on the five workloads of
`rnnkit bench` (same data, model, optimizer and initial weights; cuDNN on both sides).

    python benchmarks/bench_gpu.py --epochs 5

Prints a markdown table: median s/epoch of each side after one warm-up epoch, epochs
alternating, and their ratio (rnnkit / PyTorch: below 1 means rnnkit is faster). Exits with a
message on a machine without CUDA. Written without a GPU at hand: not yet run on one.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from rnnkit import bench
from rnnkit.models import Sequential
from rnnkit.utils import set_random_seed


def run(name: str, epochs: int) -> tuple[float, float, str]:
    title, layers, opt_name, loss_name, make_data = bench.WORKLOADS[name]
    x, y = make_data(np.random.default_rng(0))
    set_random_seed(0)
    ours = Sequential(layers())
    ours.compile(optimizer=opt_name, loss=loss_name, device="cuda")
    ours.predict(x[:1], verbose=0)
    plain = bench.PlainModel(ours).cuda()
    xt = torch.from_numpy(x).long() if x.dtype.kind == "i" else torch.from_numpy(x)
    yt = torch.from_numpy(y).long() if loss_name.startswith("sparse") else torch.from_numpy(y)
    data = TensorDataset(xt.cuda(), yt.cuda())
    loader = DataLoader(data, batch_size=32, shuffle=True)
    opt, loss_fn = bench.torch_optimizer(opt_name, plain.parameters()), bench.torch_loss(loss_name)
    t_ours, t_plain = [], []
    for epoch in range(epochs + 1):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        ours.fit(x, y, batch_size=32, epochs=1, verbose=0)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        bench.torch_epoch(plain, loader, opt, loss_fn)
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        if epoch > 0:
            t_ours.append(t1 - t0)
            t_plain.append(t2 - t1)
    return statistics.median(t_ours), statistics.median(t_plain), title


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--only", choices=list(bench.WORKLOADS), action="append")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench_gpu: no CUDA GPU on this machine; run it where torch.cuda.is_available().")
        return 2
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, batch 32, median of "
          f"{args.epochs} epochs after 1 warm-up")
    print("| workload | rnnkit s/epoch | PyTorch s/epoch | ratio |\n|---|---|---|---|")
    for name in args.only or list(bench.WORKLOADS):
        ours, plain, title = run(name, args.epochs)
        print(f"| {title} | {ours:.3f} | {plain:.3f} | {ours / plain:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
