"""`rnnkit speech` (alias `rnnkit transcribe`): the command line of the speech task; the
flags are SpeechSettings'."""
from __future__ import annotations

import argparse

from ..settings import add_arguments, as_dict, from_args
from .settings import SpeechSettings


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", metavar="DATA",
                        help="a folder of WAV files named LABEL_SPEAKER_N.wav (e.g. "
                             "7_jackson_32.wav), or a CSV of path,text[,speaker]; default: the "
                             "bundled Free Spoken Digit Dataset, scored on its official split")
    add_arguments(parser, SpeechSettings)
    parser.add_argument("--out", metavar="DIR",
                        help="run folder (default: runs/speech-<date>-<time>)")


def main(args: argparse.Namespace) -> int:
    from .task import speech
    options = as_dict(from_args(SpeechSettings, args))
    options["verbose"] = not options.pop("quiet")
    result = speech(args.data, out=args.out, **options)
    m = result["metrics"]
    print(f"Test ({m['protocol']}): error rate {m['model']['error_rate']:.2%}, whole strings "
          f"{m['model']['string_accuracy']:.1%} ({m['n_test_utterances']} utterances, "
          f"{m['test_words']} words); baseline ({m['baseline']['name']}) "
          f"{m['baseline']['error_rate']:.2%}, {m['baseline']['string_accuracy']:.1%}.")
    print(f"Run folder: {result['out']} (report.html; transcribe a file with "
          f"`rnnkit predict {result['out']} FILE.wav`)")
    return 0
