"""`rnnkit speech` (alias `rnnkit transcribe`): the command line of the speech task."""
from __future__ import annotations

import argparse

from .model import CELLS


def configure_parser(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("data", nargs="?", metavar="DATA",
        help="a folder of WAV files named LABEL_SPEAKER_N.wav (e.g. 7_jackson_32.wav), or a CSV "
             "of path,text[,speaker]; default: the bundled Free Spoken Digit Dataset, scored on "
             "its official split")
    add("--held-out-speaker", metavar="NAME",
        help="score on every recording of this speaker, train on the others (bundled speakers: "
             "george, jackson, lucas, nicolas, theo, yweweler)")
    add("--cell", choices=list(CELLS), default=None,
        help="recurrent cell; mingru/minlstm train in parallel over time (gru; mingru with "
             "--quick)")
    add("--units", metavar="N", type=int, default=96, help="units a direction (96)")
    add("--layers", metavar="N", type=int, default=2, help="bidirectional layers (2)")
    add("--stack", metavar="N", type=int, default=3,
        help="10 ms frames stacked into one model step (3: 30 ms steps)")
    add("--steps", metavar="N", type=int, default=900,
        help="training steps, each a batch of fresh utterances (900)")
    add("--batch-size", metavar="N", type=int, default=32, help="utterances a step (32)")
    add("--learning-rate", metavar="LR", type=float, default=3e-3,
        help="peak of the one-cycle schedule (0.003)")
    add("--beam", metavar="N", type=int, default=8,
        help="CTC prefix beam width for the transcripts; 1 is greedy (8)")
    add("--templates", metavar="N", type=int, default=5,
        help="baseline: DTW templates per word and speaker (5)")
    add("--test-passes", metavar="N", type=int, default=2,
        help="test utterances use each test recording once per pass (2)")
    add("--test-fraction", metavar="F", type=float, default=0.2,
        help="share of a user folder's recordings held out when it has no speakers (0.2)")
    add("--seed", metavar="N", type=int, default=0, help="seed of the weights and utterances")
    add("--out", metavar="DIR", help="run folder (default: runs/speech-<date>-<time>)")
    add("--quick", action="store_true", help="a short run for the demo (about 20 s)")
    add("--quiet", action="store_true", help="no progress lines")


def main(args: argparse.Namespace) -> int:
    from .task import speech
    result = speech(args.data, held_out_speaker=args.held_out_speaker, cell=args.cell,
                    units=args.units, layers=args.layers, stack=args.stack, steps=args.steps,
                    batch_size=args.batch_size, learning_rate=args.learning_rate,
                    beam=args.beam, templates=args.templates, test_passes=args.test_passes,
                    test_fraction=args.test_fraction, seed=args.seed, out=args.out,
                    quick=args.quick, verbose=not args.quiet)
    m = result["metrics"]
    print(f"Test ({m['protocol']}): error rate {m['model']['error_rate']:.2%}, whole strings "
          f"{m['model']['string_accuracy']:.1%} ({m['n_test_utterances']} utterances, "
          f"{m['test_words']} words); baseline ({m['baseline']['name']}) "
          f"{m['baseline']['error_rate']:.2%}, {m['baseline']['string_accuracy']:.1%}.")
    print(f"Run folder: {result['out']} (report.html; transcribe a file with "
          f"`rnnkit predict {result['out']} FILE.wav`)")
    return 0
