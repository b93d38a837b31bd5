"""`rnnkit ner`: the command line over rnnkit.tasks.ner.ner."""
from __future__ import annotations

import argparse

from .recipe import ner


def configure_parser(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("file", nargs="?", metavar="FILE",
        help="tokens and entity tags in CoNLL columns (IOB, BIO or BIOES; a blank line "
             "between sentences); default: the bundled Universal NER English EWT data")
    add("--test-file", metavar="FILE",
        help="sentences to score on, same format (default: hold out --test-fraction of FILE)")
    add("--no-crf", dest="crf", action="store_false",
        help="a softmax per word instead of the CRF over the whole tag sequence")
    add("--units", metavar="N", type=int, default=64, help="LSTM units a direction (64)")
    add("--embed-dim", metavar="N", type=int, default=64, help="word vector size (64)")
    add("--char-filters", metavar="N", type=int, default=32,
        help="character CNN filters: the character features of each word (32)")
    add("--min-count", metavar="N", type=int, default=2,
        help="training words seen fewer times share their shape's vector (2)")
    add("--epochs", metavar="N", type=int, default=30,
        help="at most this many epochs; early stopping watches the validation loss (30)")
    add("--batch-size", metavar="N", type=int, default=32, help="sentences a batch (32)")
    add("--test-fraction", metavar="F", type=float, default=0.2,
        help="share of FILE's sentences held out for the score (0.2)")
    add("--seed", metavar="N", type=int, default=0, help="seed of the split and the weights")
    add("--out", metavar="DIR", help="run folder (default: runs/ner-<date>-<time>)")
    add("--quick", action="store_true", help="few epochs and a small net: a demo in seconds")
    add("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    result = ner(args.file, args.test_file, crf=args.crf, units=args.units,
                 embed_dim=args.embed_dim, char_filters=args.char_filters,
                 min_count=args.min_count, epochs=args.epochs, batch_size=args.batch_size,
                 test_fraction=args.test_fraction, seed=args.seed, out=args.out,
                 quick=args.quick, verbose=not args.quiet)
    m = result["metrics"]
    model, base = m["model"], m["baselines"]["gazetteer"]
    per_type = ", ".join(f"{t} {s['f1']:.1%}" for t, s in model["per_type"].items())
    print(f"Test entity F1 {model['f1']:.1%} ({per_type}; precision {model['precision']:.1%}, "
          f"recall {model['recall']:.1%}) on {model['support']} entities; gazetteer of the "
          f"training entities {base['f1']:.1%}. Unseen entities found: "
          f"{model['unseen_recall']:.1%} of {model['unseen_entities']}.")
    print(f"Run folder: {result['out']} (report.html; find entities in new text with "
          f"rnnkit predict {result['out']} \"TEXT\")")
    return 0
