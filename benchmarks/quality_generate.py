"""The generate recipe at its full setting: held-out nats per character on Tiny Shakespeare.

    .venv/bin/python benchmarks/quality_generate.py                 # 4,000 steps, 2 threads
    .venv/bin/python benchmarks/quality_generate.py --steps 800     # a shorter look
    .venv/bin/python benchmarks/quality_generate.py --minutes 10    # and a wall-clock cap

Trains `rnnkit generate` (the bundled Tiny Shakespeare, the last 10% held out) for its
planned steps, then prints the held-out loss against the uniform guess (ln V) and the
training text's character frequencies (unigram), the target (<= 1.70 nats/char), the
seconds it took and the machine's load before and after (the steps, hence the scores, do
not depend on the load; the seconds do), and the command that reproduces it.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

import torch

from rnnkit.tasks.generate import Settings, generate

TARGET = 1.70


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=Settings().steps)
    parser.add_argument("--minutes", type=float, default=None, help="wall-clock cap")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="keep the run folder here (default: a "
                        "temporary folder, deleted afterwards)")
    args = parser.parse_args(argv)

    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "run"
        m = generate(steps=args.steps, minutes=args.minutes, seed=args.seed,
                     threads=args.threads, out=out)
    after = load()
    b = m["baselines"]
    val = m["val_nats_per_char"]
    print()
    print(f"command: {' '.join(shlex.quote(a) for a in [sys.executable, *sys.argv])}")
    print(f"torch {torch.__version__}, {args.threads} thread(s); {before} before, {after} after")
    full = Settings()
    print(f"model: Embedding({full.embed_dim}) + {full.layers} x LSTM({full.units}, "
          f"stateful) + Dense(V); seq_len {full.seq_len}, {full.batch_size} streams, "
          f"Adam lr {full.lr:g} cosine-decayed")
    print(f"trained {m['train_seconds']:.0f} s: {m['epochs']} epochs, {m['steps']} of "
          f"{m['steps_planned']} planned steps" + (" (cut short by --minutes)"
                                                   if m["cut_short_by_minutes"] else ""))
    print(f"{'held-out nats/char':<34}{val:8.3f}   ({m['val_bits_per_char']:.3f} bits)")
    print(f"{'training nats/char (last epoch)':<34}{m['train_nats_per_char']:8.3f}")
    print(f"{'unigram baseline':<34}{b['unigram']:8.3f}")
    print(f"{'uniform baseline, ln V':<34}{b['uniform']:8.3f}")
    verdict = "met" if val <= TARGET else "NOT met"
    print(f"target <= {TARGET:.2f} nats/char in {m['steps']} steps: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
