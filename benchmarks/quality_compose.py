"""Held-out quality of `rnnkit compose` on Ryan's Mammoth Collection (music21's corpus):
bits per token of the LSTM against the 3-gram (add-k) on the test tunes, and the share of
sampled tunes (plain temperature sampling, nothing forced) that music21 parses with every
bar the meter's length (bars.py says the rule: sections may open with a pickup and close
with its complement), for the model and the 3-gram at each temperature, the same number of
samples each; then why the model's failing samples fail.

    OMP_NUM_THREADS=1 python benchmarks/quality_compose.py --seeds 0 --out runs/bench-compose
    OMP_NUM_THREADS=1 python benchmarks/quality_compose.py --run runs/bench-compose/seed0 \
        --temperatures 1.0 0.8             # re-sample a saved run at other temperatures

Measured 2026-11-29 on a loaded 2-core machine (LSTM x2, 256 units, 20 epochs, bar clock 16;
100 samples a temperature from each model; share that parses with every bar right):

    seed | test bits/token model, 3-gram | T 0.3 | T 0.4 | T 0.5 | T 0.7 | T 0.9 | 3-gram, any T
    0    | 1.940, 2.721                  | 100%  | 94%   | 88%   | 85%   | 56%   | 0%
    1    | 1.995, 2.795                  |       | 95%   |       | 80%   |       | 0%
    2    | 1.894, 2.735                  |       | 99%   |       | 91%   |       | 0%
    0 *  | 2.029, 2.721                  |       | 49%   |       | 30%   |       | 0%
    * without the bar clock (--clock 0), same training

The seed also draws the test tunes. The last session's model without the clock: 1.946 bits
on seed 0's split. Test tunes themselves: 95%, 91%, 93% pass (seeds 0, 1, 2).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from rnnkit.tasks.compose import compose
from rnnkit.tasks.compose.bars import why_wrong
from rnnkit.tasks.compose.data import load_tunes, split
from rnnkit.tasks.compose.model import NGram, Vocabulary, sample
from rnnkit.tasks.compose.report import load_model
from rnnkit.tasks.compose.task import score_tunes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--units", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--clock", type=int, default=16, help="bar-clock embedding size, 0 = none")
    p.add_argument("--samples", type=int, default=100)
    p.add_argument("--temperatures", type=float, nargs="+", default=[0.4, 0.7, 0.9])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="keep the run folders here (OUT/seedN); default: a temp dir")
    p.add_argument("--run", help="a saved compose run: only re-sample it at --temperatures")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.run:
        task = json.loads((Path(args.run) / "task.json").read_text())
        metrics = json.loads((Path(args.run) / "metrics.json").read_text())
        return report(Path(args.run), metrics, task["seed"], args.temperatures, args.samples)
    print(f"LSTM x{args.layers} ({args.units} units, bar clock {args.clock}), {args.epochs} "
          f"epochs, {args.samples} samples a temperature, {args.threads} thread(s)")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            out = Path(args.out or tmp) / f"seed{seed}"
            result = compose(epochs=args.epochs, units=args.units, layers=args.layers,
                             clock=args.clock, samples=min(20, args.samples),
                             temperature=args.temperatures[0], seed=seed, out=out,
                             verbose=True)
            report(out, result["metrics"], seed, args.temperatures, args.samples)


def report(run: Path, m: dict, seed: int, temperatures: list[float], n: int) -> None:
    """One table row a temperature, then the reasons the model's failing samples fail."""
    vocab = Vocabulary([])
    vocab.tokens = json.loads((run / "vocab.json").read_text())
    vocab.index = {t: i for i, t in enumerate(vocab.tokens)}
    model = load_model(run / "model")
    tunes = load_tunes()
    train_i, val_i, _ = split(len(tunes.tokens), seed)
    ngram = NGram(3).fit([tunes.tokens[i] for i in train_i], vocab)
    ngram.tune_k([tunes.tokens[i] for i in val_i], vocab)
    print(f"seed {seed}: test bits/token model {m['model']['bits_per_token']:.3f}, 3-gram "
          f"{m['baseline']['bits_per_token']:.3f}; validation "
          f"{m['model']['val_bits_per_token']:.3f}, 3-gram "
          f"{m['baseline']['val_bits_per_token']:.3f}; test tunes that pass "
          f"{m['test_tunes_bars_right']:.0%}; training {m['seconds']} s")
    print("T | model: parse+bars (parse, bars, mean tokens) | 3-gram: parse+bars (parse, bars)"
          " | model's failures")
    for t in temperatures:
        gen = torch.Generator().manual_seed(seed)
        tunes_m = [x for i in range(0, n, 25)
                   for x in sample(model, vocab, [], min(25, n - i), t, generator=gen)]
        tunes_n = ngram.sample([], n, np.random.default_rng(seed), t)
        a, b = score_tunes(tunes_m), score_tunes(tunes_n)
        why = Counter(w for w in map(why_wrong, tunes_m) if w)
        print(f"{t} | {a['parses_and_bars_right']:.0%} ({a['parses']:.0%}, {a['bars_right']:.0%}"
              f", {a['mean_tokens']:.0f}) | {b['parses_and_bars_right']:.0%} ({b['parses']:.0%}"
              f", {b['bars_right']:.0%}) | {dict(why)}", flush=True)


if __name__ == "__main__":
    main()
