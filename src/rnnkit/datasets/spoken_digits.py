"""The Free Spoken Digit Dataset (FSDD), bundled: 3,000 recordings of the digits 0-9 by six
speakers, 8 kHz, 16-bit (CC BY-SA 4.0, Zohar Jackson et al.; see its SOURCE.md).

    >>> from rnnkit.datasets import load_spoken_digits
    >>> d = load_spoken_digits()
    >>> len(d.audio), d.rate, d.audio[0].dtype, sorted(set(d.speakers))[:2]
    (3000, 8000, dtype('int16'), ['george', 'jackson'])
    >>> d.files[0], int(d.digits[0]), d.speakers[0], int(d.indices[0])
    ('0_george_0.wav', 0, 'george', 0)

The official split: recordings with index 0-4 (of 0-49, per digit and speaker) are the test
set, 5-49 the training set. `d.official_test` is that mask.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from .loaders import dataset_path

TEST_INDICES = range(5)          # the dataset README's split: recordings 0-4 are for testing


@dataclass(frozen=True)
class SpokenDigits:
    """Recordings (int16 arrays at `rate` Hz) with their digit, speaker and index (0-49)."""

    audio: list[np.ndarray]
    digits: np.ndarray
    speakers: list[str]
    indices: np.ndarray
    files: list[str]
    rate: int

    @property
    def official_test(self) -> np.ndarray:
        """True for the official test recordings (index 0-4)."""
        return np.isin(self.indices, list(TEST_INDICES))


def load_spoken_digits() -> SpokenDigits:
    """All 3,000 recordings, decoded from the bundled lossless FLAC (about 0.3 s)."""
    import soundfile as sf
    folder = dataset_path("free_spoken_digits")
    samples, rate = sf.read(folder / "recordings.flac", dtype="int16")
    with open(folder / "index.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    audio = [samples[int(r["start"]):int(r["start"]) + int(r["length"])] for r in rows]
    return SpokenDigits(audio=audio, digits=np.array([int(r["digit"]) for r in rows]),
                        speakers=[r["speaker"] for r in rows],
                        indices=np.array([int(r["index"]) for r in rows]),
                        files=[r["file"] for r in rows], rate=int(rate))
