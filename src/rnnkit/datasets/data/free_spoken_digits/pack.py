"""Pack the 3,000 FSDD WAV files into the two files rnnkit ships (run once, from anywhere):

    python pack.py /path/to/free-spoken-digit-dataset/recordings

recordings.flac  all recordings' 16-bit samples end to end, in the order of index.csv, one
                 8 kHz mono FLAC (lossless: decoding gives back the WAVs' samples exactly)
index.csv        file,digit,speaker,index,start,length: where each recording's samples are
"""
import csv
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 8000


def pack(recordings: Path, out: Path) -> None:
    rows, chunks, start = [], [], 0
    for path in sorted(recordings.glob("*.wav"), key=_order):
        x, rate = sf.read(path, dtype="int16")
        assert rate == RATE and x.ndim == 1, (path, rate, x.shape)
        digit, speaker, index = path.stem.split("_")
        rows.append([path.name, digit, speaker, index, start, len(x)])
        chunks.append(x)
        start += len(x)
    samples = np.concatenate(chunks)
    sf.write(out / "recordings.flac", samples, RATE, subtype="PCM_16", compression_level=1.0)
    with open(out / "index.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "digit", "speaker", "index", "start", "length"])
        w.writerows(rows)
    back, _ = sf.read(out / "recordings.flac", dtype="int16")
    assert np.array_equal(back, samples)
    print(f"{len(rows)} recordings, {len(samples)} samples -> {out}")


def _order(path: Path):
    digit, speaker, index = path.stem.split("_")
    return speaker, int(digit), int(index)


if __name__ == "__main__":
    pack(Path(sys.argv[1]), Path(__file__).resolve().parent)
