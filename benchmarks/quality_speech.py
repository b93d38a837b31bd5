"""Speech recognition quality: connected spoken digits (FSDD), the BiGRU + CTC model against
energy segmentation + 1-NN DTW on MFCCs, on the official split and on a held-out speaker.

    OMP_NUM_THREADS=2 python benchmarks/quality_speech.py                      # GRU, seed 0
    python benchmarks/quality_speech.py --cell mingru --seeds 0 1 2 --steps 600

Prints one row per run: test digit error rate (beam 8, and greedy) and whole-string
accuracy for the model and the baseline, the training steps, wall seconds and CPU seconds
(summed over threads; wall seconds are only comparable on a quiet machine). Then checks
that `predict` on 44.1 kHz stereo copies of test recordings gives the 8 kHz transcripts.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from scipy.signal import resample_poly

from rnnkit.datasets import load_spoken_digits
from rnnkit.tasks.speech import predict, speech


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--cell", default="gru")
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--units", type=int, default=96)
    parser.add_argument("--templates", type=int, default=15,
                        help="baseline templates per digit and speaker (15)")
    parser.add_argument("--speakers", nargs="*", default=["theo"],
                        help="held-out speakers to score (theo); none: official split only")
    parser.add_argument("--protocols", nargs="+", default=["official", "speaker"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="runs/bench-speech")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for seed in args.seeds:
        for protocol in args.protocols:
            for speaker in ([None] if protocol == "official" else args.speakers):
                name = f"{args.cell}-{protocol}{'-' + speaker if speaker else ''}-seed{seed}"
                out = Path(args.out) / name
                m = speech(held_out_speaker=speaker, cell=args.cell, steps=args.steps,
                           units=args.units, templates=args.templates, seed=seed, out=out,
                           verbose=True)["metrics"]
                rows.append((name, m))
                print(_row(name, m), flush=True)
                if protocol == "official":
                    print(check_44k_stereo(out), flush=True)
    print("\nrun                              DER model (greedy)   strings  baseline DER  "
          "strings  steps  wall s  cpu s  threads")
    for name, m in rows:
        print(_row(name, m))


def _row(name: str, m: dict) -> str:
    mo, b = m["model"], m["baseline"]
    return (f"{name:<32} {mo['error_rate']:6.2%} ({mo['greedy']['error_rate']:6.2%})  "
            f"{mo['string_accuracy']:6.1%}   {b['error_rate']:6.2%}     "
            f"{b['string_accuracy']:6.1%}  {m['steps']:5d}  {m['seconds']:6.0f}  "
            f"{m['cpu_seconds']:5.0f}  {m['threads']}  [{m['test_words']} digits, "
            f"{m['n_test_utterances']} utterances; {m['protocol']}]")


def check_44k_stereo(run: Path, n: int = 30) -> str:
    """predict on 44.1 kHz stereo copies of n official test recordings vs the 8 kHz files."""
    d = load_spoken_digits()
    test = np.flatnonzero(d.official_test)[::10][:n]
    same = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in test:
            x = d.audio[i].astype(np.float32) / 32768
            sf.write(Path(tmp) / "a8.wav", x, 8000, subtype="PCM_16")
            x44 = resample_poly(x, 441, 80)
            sf.write(Path(tmp) / "a44.wav", np.stack([x44, x44], 1), 44100, subtype="PCM_16")
            t8, t44 = predict(run, Path(tmp) / "a8.wav"), predict(run, Path(tmp) / "a44.wav")
            same += t8 == t44
    return f"44.1 kHz stereo vs 8 kHz mono: {same}/{len(test)} test recordings, same transcript"


if __name__ == "__main__":
    main()
