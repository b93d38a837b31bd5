"""Time one optimizer step, torch's fused kernel against its multi-tensor (foreach) one.

    OMP_NUM_THREADS=1 python benchmarks/bench_optimizer_step.py [--steps 2000]

The weights are those of small recurrent models (what rnnkit.optimizers.Optimizer.build
picks the fused kernel for); gradients are random and fixed, so only the step is timed.
Prints one table row per model and optimizer: microseconds a step, and foreach / fused.
"""
from __future__ import annotations

import argparse
import time

import torch

from rnnkit.layers import GRU, LSTM, Dense, Input, SimpleRNN
from rnnkit.models import Sequential


def step_time(params, make, steps: int) -> float:
    for p in params:
        p.grad = torch.randn_like(p)
    opt = make(params)
    for _ in range(20):                                  # warm up (state allocation)
        opt.step()
    start = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    torch.manual_seed(0)
    models = {"SimpleRNN(32)": SimpleRNN(32), "LSTM(64)": LSTM(64), "GRU(128)": GRU(128)}
    print("| model | optimizer | fused µs/step | foreach µs/step | foreach / fused |")
    print("|---|---|---|---|---|")
    for name, layer in models.items():
        model = Sequential([Input(shape=(10, 8)), layer, Dense(1)])
        params = [p for p in model.parameters()]
        for opt_name, cls in (("SGD", torch.optim.SGD), ("Adam", torch.optim.Adam),
                              ("Adagrad", torch.optim.Adagrad)):
            try:
                fused = step_time(params, lambda ps: cls(ps, lr=1e-3, fused=True), args.steps)
            except (RuntimeError, TypeError):
                print(f"| {name} | {opt_name} | no fused kernel | | |")
                continue
            foreach = step_time(params, lambda ps: cls(ps, lr=1e-3, foreach=True), args.steps)
            print(f"| {name} | {opt_name} | {fused * 1e6:.1f} | {foreach * 1e6:.1f} | "
                  f"{foreach / fused:.2f} |")


if __name__ == "__main__":
    main()
