"""`rnnkit translate`: the command line of the translate task (flags from settings.Settings)."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, from_args
from .settings import Settings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=None,
                        help="sentence pairs, 'target<TAB>source[<TAB>...]' per line as in "
                             "Tatoeba files (default: the bundled Chinese-English pairs)")
    add_arguments(parser, Settings)
    parser.add_argument("--out", help="run folder (default runs/translate-<date>-<time>)")
    parser.add_argument("--quick", action="store_true", help="the demo's settings (96 units, "
                        "8 epochs, greedy) for every flag not given")


def main(args: argparse.Namespace) -> int:
    from .recipe import summary_line, translate
    settings = from_args(Settings, args)
    m = translate(args.file, settings, out=args.out, quick=args.quick)
    if settings.quiet:
        print(f"{summary_line(m)}; run folder {m['run_dir']}")
    return 0
