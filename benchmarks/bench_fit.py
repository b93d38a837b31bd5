"""rnnkit's fit against an idiomatic plain PyTorch loop: the `rnnkit bench` command.

    .venv/bin/python benchmarks/bench_fit.py --epochs 3                  # = rnnkit bench --epochs 3
    .venv/bin/python benchmarks/bench_fit.py --epochs 3 --seeds 0 1 2 3 4 5 6 7

The workloads, the plain PyTorch side and the table live in src/rnnkit/bench.py.
"""
import sys

from rnnkit.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
