"""Held-out quality of `rnnkit compose` on Ryan's Mammoth Collection (music21's corpus):
bits per token of the LSTM against the 3-gram (add-k) on the test tunes, and the share of
sampled tunes that parse in music21 with every bar the meter's length, over seeds.

    OMP_NUM_THREADS=1 python benchmarks/quality_compose.py --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/quality_compose.py --run runs/compose-... \
        --temperatures 1.0 0.8 0.6             # re-sample a saved run at other temperatures
"""
from __future__ import annotations

import argparse
import tempfile

import torch

from rnnkit.tasks.compose import compose


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--units", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--temperature", type=float, default=0.9)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--run", help="a saved compose run: only re-sample it at --temperatures")
    p.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.8, 0.6])
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.run:
        return resample(args.run, args.temperatures, args.samples)
    print(f"LSTM x{args.layers} ({args.units} units), {args.epochs} epochs, "
          f"{args.samples} samples at temperature {args.temperature}, 1 thread")
    print("seed | bits/token model | 3-gram | parse+bars model | bar-guarded | 3-gram | "
          "test tunes | train s")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            m = compose(epochs=args.epochs, units=args.units, layers=args.layers,
                        samples=args.samples, temperature=args.temperature, seed=seed,
                        out=f"{tmp}/run")["metrics"]
        print(f"{seed} | {m['model']['bits_per_token']:.3f} | "
              f"{m['baseline']['bits_per_token']:.3f} | "
              f"{m['model']['parses_and_bars_right']:.0%} (parse {m['model']['parses']:.0%}, "
              f"bars {m['model']['bars_right']:.0%}) | "
              f"{m['model_bar_guarded']['parses_and_bars_right']:.0%} | "
              f"{m['baseline']['parses_and_bars_right']:.0%} (parse "
              f"{m['baseline']['parses']:.0%}, bars {m['baseline']['bars_right']:.0%}) | "
              f"{m['test_tunes_bars_right']:.0%} | {m['seconds']}", flush=True)


def resample(run: str, temperatures: list[float], n: int) -> None:
    """The parse and bar shares of n tunes sampled from a saved run at each temperature."""
    import json
    from pathlib import Path

    from rnnkit.tasks.compose.model import Vocabulary, sample
    from rnnkit.tasks.compose.report import load_model
    from rnnkit.tasks.compose.task import score_tunes
    vocab = Vocabulary([])
    vocab.tokens = json.loads((Path(run) / "vocab.json").read_text())
    vocab.index = {t: i for i, t in enumerate(vocab.tokens)}
    model = load_model(Path(run) / "model")
    print(f"{run}: {n} samples a temperature")
    print("temperature | sampling | parse+bars | parse | bars | mean tokens")
    for t in temperatures:
        for guard in (False, True):
            gen = torch.Generator().manual_seed(0)
            tunes = [tune for i in range(0, n, 25) for tune in
                     sample(model, vocab, [], min(25, n - i), t, generator=gen, guard=guard)]
            s = score_tunes(tunes)
            print(f"{t} | {'bar-guarded' if guard else 'plain'} | "
                  f"{s['parses_and_bars_right']:.0%} | {s['parses']:.0%} | "
                  f"{s['bars_right']:.0%} | {s['mean_tokens']:.0f}", flush=True)

if __name__ == "__main__":
    main()
