"""`rnnkit generate`: the command line of the generate task (flags from settings.Settings)."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, from_args
from .settings import Settings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=None,
                        help="a UTF-8 text file (default: the bundled Tiny Shakespeare)")
    add_arguments(parser, Settings)
    parser.add_argument("--out", help="run folder (default runs/generate-<date>-<time>)")
    parser.add_argument("--quick", action="store_true",
                        help="the demo's settings (LSTM(128), 800 steps) for every flag not given")


def main(args: argparse.Namespace) -> int:
    from .recipe import generate
    generate(args.file, from_args(Settings, args), out=args.out, quick=args.quick)
    return 0
