"""`rnnkit tag`: the command line over rnnkit.tasks.tag.tag; the flags are TagSettings'."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, from_args
from .recipe import tag
from .settings import TagSettings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="tagged sentences: 'word<TAB>tag' lines, a blank line between "
                             "sentences (or CoNLL-U); default: the bundled UD English EWT "
                             "POS data")
    add_arguments(parser, TagSettings)
    parser.add_argument("--out", metavar="DIR", help="run folder (default: runs/tag-<date>-"
                                                     "<time>)")


def main(args: argparse.Namespace) -> int:
    run = tag(args.file, settings=from_args(TagSettings, args), out=args.out)
    m = run["metrics"]
    b = m["baselines"]["most_frequent_tag"]
    print(f"Test token accuracy on {m['test_tokens']} tokens ({m['unknown_test_tokens']} of "
          "unknown words):")
    print(f"  {'model':<26}  all     unknown words")
    for name, s in (("BiLSTM tagger", m["model"]), ("most frequent tag per word", b)):
        print(f"  {name:<26}  {s['accuracy']:.1%}  {s['unknown_accuracy']:.1%}")
    print(run["verdict"])
    print(f"Run folder: {run['out']} (report.html; tag new text with "
          f"`rnnkit predict {run['out']} \"SENTENCE\"`)")
    return 0
