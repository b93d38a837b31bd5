"""`rnnkit classify`: texts or sequences of feature vectors -> a recurrent classifier scored
on held-out data against simple baselines, saved with everything `predict` needs.

    rnnkit classify                                      # bundled sentiment sentences
    rnnkit classify reviews.csv --text-column review --label-column stars
    rnnkit classify --dataset japanese_vowels            # (T_i, 12) LPC frames, 9 speakers
    rnnkit classify gestures.ts --test-file gestures_test.ts

The recipes are `classify_text` (classify_text.py) and `classify_sequences`
(classify_sequences.py); `predict(run_dir, inputs)` serves a saved run. A run folder holds

    model/ tokenizer.json or scaler.json, labels.json (class names in index order),
    task.json, metrics.json, curves.png, confusion.png, report.html
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..datasets import read_ts
from ..models import load_model
from ..preprocessing.text import tokenizer_from_json
from ..preprocessing.timeseries import StandardScaler
from .classification import CELLS, predict_proba, read_run
from .classify_sequences import JAPANESE_VOWELS, check_series, classify_sequences, pad_scaled
from .classify_text import classify_text, predict_texts
from .runs import input_lines

__all__ = ["classify_text", "classify_sequences", "predict", "configure_parser", "main"]

DATASETS = ("sentiment", JAPANESE_VOWELS)
TEXT_ONLY = ("text_column", "label_column", "embed_dim", "max_words", "maxlen")


def predict(run_dir: str | os.PathLike, inputs) -> list[tuple[str, float]]:
    """(label, probability of that label) for each input, from a saved classify run.

    Text runs take a str (one text, or the path of a UTF-8 file with one text per line) or
    a list of str. Sequence runs take the path of a `.ts` file (labels optional), one
    (T, F) array, or a list of them.
    """
    task, classes, run_dir = read_run(run_dir)
    model = load_model(run_dir / "model", compile=False)
    if task["kind"] == "text":
        tokenizer = tokenizer_from_json((run_dir / "tokenizer.json").read_text(encoding="utf-8"))
        proba = predict_texts(model, tokenizer, task["maxlen"], input_lines(inputs, "text"),
                              len(classes))
    else:
        scaler = StandardScaler.from_dict(
            json.loads((run_dir / "scaler.json").read_text(encoding="utf-8")))
        proba = predict_proba(model, pad_scaled(scaler, _series(inputs, task["n_features"])),
                              len(classes))
    best = proba.argmax(1)
    return [(classes[k], float(proba[i, k])) for i, k in enumerate(best)]


def _series(inputs, n_features: int) -> list[np.ndarray]:
    if isinstance(inputs, (str, os.PathLike)):
        series, _, _ = read_ts(inputs)
        check_series(series, inputs, n_features)
        return series
    series = [inputs] if isinstance(inputs, np.ndarray) and inputs.ndim == 2 else list(inputs)
    series = [np.asarray(x, dtype=np.float32) for x in series]
    if not series or any(x.ndim != 2 for x in series):
        raise UserError(f"predict expects (T, {n_features}) arrays or a .ts file for this run.")
    check_series(series, "input", n_features)
    return series


# -- the command line ------------------------------------------------------------------------

def configure_parser(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("file", nargs="?", metavar="FILE",
        help="TSV/CSV of labelled texts, or a .ts file of labelled feature sequences "
             "(default: the bundled sentiment sentences)")
    add("--dataset", choices=DATASETS, help="a bundled dataset instead of FILE")
    add("--text-column", metavar="NAME", help="header name of the text column")
    add("--label-column", metavar="NAME", help="header name of the label column")
    add("--test-file", metavar="FILE",
        help="a .ts file of test sequences (instead of holding out part of FILE)")
    add("--cell", choices=list(CELLS),
        help="recurrent cell (default: lstm for texts, gru for sequences); mingru and "
             "minlstm train in parallel over time")
    add("--unidirectional", dest="bidirectional", action="store_false",
        help="read forward only (default: bidirectional)")
    add("--units", metavar="N", type=int,
        help="hidden units per direction (default: 32 texts, 64 sequences)")
    add("--embed-dim", metavar="N", type=int, help="word vector size (texts, default 32)")
    add("--max-words", metavar="N", type=int,
        help="vocabulary size incl. padding and <OOV> (texts, default 3000)")
    add("--maxlen", metavar="N", type=int,
        help="words kept per text (default: the longest training text, <= 200)")
    add("--epochs", metavar="N", type=int,
        help="at most this many epochs; early stopping watches the validation loss "
             "(default: 30 texts, 100 sequences)")
    add("--batch-size", metavar="N", type=int, help="default: 32 texts, 16 sequences")
    add("--test-fraction", metavar="F", type=float,
        help="share of each class held out for the final score (default 0.2)")
    add("--seed", metavar="N", type=int, default=0, help="seed of the split and the weights")
    add("--out", metavar="DIR", help="run folder (default: runs/classify-<date>-<time>)")
    add("--quick", action="store_true", help="few epochs (and a small net): a demo in seconds")
    add("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    sequences = args.dataset == JAPANESE_VOWELS or (
        args.file is not None and Path(args.file).suffix.lower() == ".ts")
    if args.file is not None and args.dataset is not None:
        raise UserError(f"pass either FILE ({args.file}) or --dataset {args.dataset}, not both.")
    given = {k: v for k, v in vars(args).items() if v is not None and k in (
        "cell", "units", "embed_dim", "max_words", "maxlen", "epochs", "batch_size",
        "test_fraction", "text_column", "label_column")}
    common = dict(bidirectional=args.bidirectional, seed=args.seed, out=args.out,
                  quick=args.quick, verbose=not args.quiet)
    if sequences:
        wrong = [f"--{k.replace('_', '-')}" for k in given if k in TEXT_ONLY]
        if wrong:
            raise UserError(f"{', '.join(wrong)} apply to texts; this run classifies sequences.")
        result = classify_sequences(args.file, args.test_file, **given, **common)
        what = "series"
    else:
        if args.test_file is not None:
            raise UserError("--test-file is for .ts sequence files; text runs hold out "
                            "--test-fraction of FILE.")
        result = classify_text(args.file, **given, **common)
        what = "texts"
    metrics = result["metrics"]
    baselines = "; ".join(f"{name.replace('_', ' ')} {b['accuracy']:.1%}"
                          for name, b in metrics["baselines"].items())
    print(f"Held-out accuracy {metrics['model']['accuracy']:.1%}, macro F1 "
          f"{metrics['model']['macro_f1']:.3f} on {metrics['n_test']} {what} ({baselines}).")
    new_input = "FILE.ts" if what == "series" else "FILE_OR_TEXT"
    print(f"Run folder: {result['out']} (report.html; label new {what} with "
          f"`rnnkit predict {result['out']} {new_input}`)")
    return 0
