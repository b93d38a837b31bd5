"""`rnnkit ner`: the command line over rnnkit.tasks.ner.ner; the flags are NerSettings'."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, from_args
from .recipe import ner
from .settings import NerSettings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="tokens and entity tags in CoNLL columns (IOB, BIO or BIOES; a "
                             "blank line between sentences); default: the bundled Universal "
                             "NER English EWT data")
    add_arguments(parser, NerSettings)
    parser.add_argument("--out", metavar="DIR", help="run folder (default: runs/ner-<date>-"
                                                     "<time>)")


def main(args: argparse.Namespace) -> int:
    run = ner(args.file, settings=from_args(NerSettings, args), out=args.out)
    m = run["metrics"]
    model, base = m["model"], m["baselines"]["gazetteer"]
    per_type = ", ".join(f"{t} {s['f1']:.1%}" for t, s in model["per_type"].items())
    print(f"Test entity F1 on {model['support']} entities:")
    print(f"  {'model':<34}  F1      precision  recall")
    for name, s in ((m["model_name"], model), ("gazetteer of the training entities", base)):
        print(f"  {name:<34}  {s['f1']:.1%}  {s['precision']:>9.1%}  {s['recall']:>6.1%}")
    print(f"{m['model_name']} per type: {per_type}. Unseen entities found: "
          f"{model['unseen_recall']:.1%} of {model['unseen_entities']}.")
    print(run["verdict"])
    print(f"Run folder: {run['out']} (report.html; find entities in new text with "
          f"`rnnkit predict {run['out']} \"TEXT\"`)")
    return 0
