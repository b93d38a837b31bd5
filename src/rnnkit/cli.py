"""The `rnnkit` command line: a thin shell over the library.

Each subcommand lives in the module that does its job; that module gives
`configure_parser(parser)` and `main(args) -> int`. Bad input from the user (a missing
file, an unknown column, values that do not parse) becomes one line on stderr and exit
code 2, never a traceback.

    >>> sorted(COMMANDS)[:4]
    ['bench', 'classify', 'compose', 'demo']
    >>> main(["forecast", "--epochs", "0"])          # one line on stderr, exit code 2
    2
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import DataError, UserError

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("rnnkit.tasks.demo", "the main job: every task on the bundled data, short settings"),
    "forecast": ("rnnkit.tasks.forecast", "forecast a time series from a CSV column"),
    "classify": ("rnnkit.tasks.classify", "classify texts or sequences of feature vectors"),
    "generate": ("rnnkit.tasks.generate", "train a character model on a text and sample from it"),
    "tag": ("rnnkit.tasks.tag", "tag each word of sentences (part of speech) with a BiLSTM"),
    "ner": ("rnnkit.tasks.ner", "find named entities (people, organisations, places) with a "
            "BiLSTM-CRF"),
    "translate": ("rnnkit.tasks.translate", "train a Chinese-to-English translator (seq2seq "
                  "with attention) on sentence pairs"),
    "speech": ("rnnkit.tasks.speech", "transcribe spoken digit strings (or your words) with a "
               "BiGRU trained with CTC"),
    "transcribe": ("rnnkit.tasks.speech", "the same as speech"),
    "compose": ("rnnkit.tasks.compose", "train a tune model on ABC folk tunes and compose new "
                "ones (ABC, MIDI, audio); needs rnnkit[music]"),
    "predict": ("rnnkit.tasks.predict", "load a saved run and predict or generate"),
    "reference-train": ("rnnkit.reference.train",
                        "train the NumPy reference RNN (explicit BPTT) on a text"),
    "gradflow": ("rnnkit.diagnostics.gradflow_cli",
                 "vanishing and exploding gradients through time, as numbers and a plot"),
    "bench": ("rnnkit.bench", "time fit against a plain PyTorch loop on five workloads"),
    "info": ("rnnkit.info", "versions, device, threads and which fast paths are available"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnkit", description="Recurrent neural networks: train, score and use them on "
        "your sequence data or the bundled real datasets.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"rnnkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, "configure_parser"):
            module.configure_parser(p)
        p.set_defaults(_module=module_name)
    parser.subcommands = sub.choices            # name -> its parser, for main's error messages
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:                                 # the subcommand's usage, not the top-level one
        culprit = parser.subcommands.get(args.command, parser)
        culprit.error(f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "_module", None):
        parser.print_help()
        return 0 if args.command is None else 2
    module = importlib.import_module(args._module)
    try:
        return int(module.main(args) or 0)
    except (UserError, DataError, FileNotFoundError, FileExistsError,
            UnicodeDecodeError) as e:
        print(f"rnnkit {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:                     # `rnnkit predict ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"rnnkit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
