"""`rnnkit compose`: the command line over rnnkit.tasks.compose.compose; the flags are
ComposeSettings'."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, from_args
from .settings import ComposeSettings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "data", nargs="?", metavar="ABC",
        help="an ABC file of tunes (each from an X: line) or a folder of .abc files; default: "
             "Ryan's Mammoth Collection (1883) from music21's corpus (needs rnnkit[music])")
    add_arguments(parser, ComposeSettings)
    parser.add_argument("--out", metavar="DIR",
                        help="run folder (default: runs/compose-<date>-<time>)")


def main(args: argparse.Namespace) -> int:
    from .task import compose
    result = compose(args.data, settings=from_args(ComposeSettings, args), out=args.out)
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
