"""`rnnkit compose`: the command line of the music generation task."""
from __future__ import annotations

import argparse

from .model import CELLS


def configure_parser(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("data", nargs="?", metavar="ABC",
        help="an ABC file of tunes (each from an X: line) or a folder of .abc files; default: "
             "Ryan's Mammoth Collection (1883) from music21's corpus (needs rnnkit[music])")
    add("--cell", choices=list(CELLS), default="lstm", help="recurrent cell (lstm)")
    add("--units", metavar="N", type=int, default=256, help="units a layer (256)")
    add("--layers", metavar="N", type=int, default=2, help="recurrent layers (2)")
    add("--embedding", metavar="N", type=int, default=64, help="token embedding size (64)")
    add("--clock", metavar="N", type=int, default=16,
        help="embedding size of each bar-clock input (eighths left in the bar, to the "
             "pickup's complement, tuplet notes left); 0 for tokens alone (16)")
    add("--epochs", metavar="N", type=int, default=20, help="passes over the tunes (20)")
    add("--batch-size", metavar="N", type=int, default=32, help="tunes a step (32)")
    add("--learning-rate", metavar="LR", type=float, default=3e-3,
        help="peak of the one-cycle schedule (0.003)")
    add("--max-tokens", metavar="N", type=int, default=400,
        help="training windows of at most N tokens of a tune (400)")
    add("--order", metavar="N", type=int, default=3, help="the n-gram baseline's order (3)")
    add("--samples", metavar="N", type=int, default=50,
        help="tunes sampled from each model and scored (50)")
    add("--temperature", metavar="T", type=float, default=0.4,
        help="sampling temperature: lower keeps the meter better (94-95%% of tunes at 0.4, "
             "80-85%% at 0.7, 56%% at 0.9), higher gives more surprises; 0 is greedy (0.4)")
    add("--prompt", metavar="TOKENS",
        help="start every sample with these tokens, e.g. 'M:6/8 K:D' (a jig in D)")
    add("--seed", metavar="N", type=int, default=0, help="seed of the weights and samples")
    add("--out", metavar="DIR", help="run folder (default: runs/compose-<date>-<time>)")
    add("--quick", action="store_true", help="a short run (2 epochs, 96 units, 20 samples)")
    add("--quiet", action="store_true", help="no progress lines")


def main(args: argparse.Namespace) -> int:
    from .task import compose
    result = compose(args.data, cell=args.cell, units=args.units, layers=args.layers,
                     embedding=args.embedding, clock=args.clock,
                     epochs=args.epochs, batch_size=args.batch_size,
                     learning_rate=args.learning_rate, max_tokens=args.max_tokens,
                     order=args.order, samples=args.samples, temperature=args.temperature,
                     prompt=args.prompt, seed=args.seed, out=args.out, quick=args.quick,
                     verbose=not args.quiet)
    m = result["metrics"]
    print(f"Test ({m['n_test']} held-out tunes): {m['model']['bits_per_token']:.3f} bits per "
          f"token; baseline ({m['baseline']['name']}) {m['baseline']['bits_per_token']:.3f}.")
    print(f"Sampled tunes that parse with every bar the meter's length: model "
          f"{m['model']['parses_and_bars_right']:.0%} (bar-guarded sampling "
          f"{m['model_bar_guarded']['parses_and_bars_right']:.0%}), baseline "
          f"{m['baseline']['parses_and_bars_right']:.0%} (of {m['samples']} each; test tunes "
          f"{m['test_tunes_bars_right']:.0%}).")
    print(f"Run folder: {result['out']} (report.html, samples.abc, tune_1.mid; a new tune with "
          f"`rnnkit predict {result['out']} 'M:6/8 K:D'`)")
    return 0
