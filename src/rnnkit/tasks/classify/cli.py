"""`rnnkit classify`: the command line over classify_text and classify_sequences.

The flags come from the two settings dataclasses (settings.py); a flag the user did not
give is absent from the parsed arguments, so each kind keeps its own default.
"""
from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from ...errors import UserError
from ..settings import add_arguments, from_args
from .sequences import JAPANESE_VOWELS, classify_sequences
from .settings import SequenceSettings, TextSettings
from .text import classify_text

DATASETS = ("sentiment", JAPANESE_VOWELS)
_TYPES = {"int": int, "float": float}


def _fields(cls) -> dict:
    return {f.name: f for f in fields(cls)}


def configure_parser(parser: argparse.ArgumentParser) -> None:
    text, seq = _fields(TextSettings), _fields(SequenceSettings)
    differ = tuple(n for n in text if n in seq and text[n].default != seq[n].default)
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="TSV/CSV of labelled texts, or a .ts file of labelled feature "
                             "sequences (default: the bundled sentiment sentences)")
    parser.add_argument("--dataset", choices=DATASETS, help="a bundled dataset instead of FILE")
    add_arguments(parser, TextSettings, skip=differ)
    add_arguments(parser, SequenceSettings, skip=tuple(text))
    for name in differ:                               # one flag, a default per kind
        f = text[name]
        kw = {"choices": f.metadata["choices"]} if f.metadata["choices"] else {
            "type": _TYPES[f.type], "metavar": f.metadata["metavar"]}
        parser.add_argument("--" + name.replace("_", "-"), dest=name, **kw,
                            help=f"{f.metadata['help']} (default: {f.default} for texts, "
                                 f"{seq[name].default} for sequences)")
    parser.add_argument("--unidirectional", dest="bidirectional", action="store_false",
                        help="the same as --no-bidirectional")
    parser.add_argument("--out", metavar="DIR",
                        help="run folder (default: runs/classify-<date>-<time>)")
    # Flags not given stay absent, so that from_args leaves each kind's own defaults.
    for action in parser._actions:
        if action.dest in text or action.dest in seq:
            action.default = argparse.SUPPRESS


def main(args: argparse.Namespace) -> int:
    if args.file is not None and args.dataset is not None:
        raise UserError(f"pass either FILE ({args.file}) or --dataset {args.dataset}, not both.")
    sequences = args.dataset == JAPANESE_VOWELS or (
        args.file is not None and Path(args.file).suffix.lower() == ".ts")
    cls = SequenceSettings if sequences else TextSettings
    given = [n for n in {*_fields(TextSettings), *_fields(SequenceSettings)} if hasattr(args, n)]
    wrong = sorted("--" + n.replace("_", "-") for n in given if n not in _fields(cls))
    if wrong and sequences:
        verb, them = ("apply", "them") if len(wrong) > 1 else ("applies", "it")
        raise UserError(f"{', '.join(wrong)} {verb} to texts; this run classifies sequences. "
                        f"Drop {them}, or pass a file of texts.")
    if wrong:
        raise UserError("--test-file is for .ts sequence files; text runs hold out "
                        "--test-fraction of FILE.")
    settings = from_args(cls, args)
    if sequences:
        run, what, new_input = classify_sequences(args.file, settings=settings, out=args.out), \
            "series", "FILE.ts"
    else:
        run, what, new_input = classify_text(args.file, settings=settings, out=args.out), \
            "texts", "FILE_OR_TEXT"
    print(summary_table(run))
    print(run["verdict"])
    print(f"Run folder: {run['out']} (report.html; label new {what} with "
          f"`rnnkit predict {run['out']} {new_input}`)")
    return 0


def summary_table(run) -> str:
    """The console table: the model and every baseline on the held-out part, best first."""
    from .baselines import readable
    m = run["metrics"]
    rows = [(run["model_name"], m["model"]["accuracy"], m["model"]["macro_f1"])]
    if "network_alone" in m:
        rows.append((f"{m['network_name']} alone", m["network_alone"]["accuracy"],
                     m["network_alone"]["macro_f1"]))
    rows += [(readable(k), b["accuracy"], b["macro_f1"]) for k, b in m["baselines"].items()]
    rows.sort(key=lambda r: -r[1])
    width = max(len(r[0]) for r in rows)
    noun = "series" if m["kind"] == "sequences" else "texts"
    lines = [f"Held-out accuracy on {m['n_test']} {noun}:",
             f"  {'model':<{width}}  accuracy  macro F1"]
    lines += [f"  {name:<{width}}  {acc:>8.1%}  {f1:>8.3f}" for name, acc, f1 in rows]
    return "\n".join(lines)
