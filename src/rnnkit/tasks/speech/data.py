"""Where the recordings come from and how they are split: the bundled Free Spoken Digit
Dataset, or the user's folder of labelled WAV files (label from the file name) or CSV of
`path,text` rows (an optional `speaker` column).

Splits (indices into one Pool):
    official        FSDD's own: recordings 0-4 of each digit and speaker are the test set
    speaker NAME    every recording of speaker NAME is the test set, the others train
    random          a seeded `test_fraction` of the recordings (a user folder without speakers)
A few training recordings (5%, at least one) are held back as the validation set.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import DataError
from .audio import int16_to_float, read_audio
from .corpus import Pool

AUDIO_SUFFIXES = (".wav", ".wave", ".flac")


@dataclass
class Split:
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    protocol: str                   # what the test set is, in words


def load_bundled(rate: int) -> tuple[Pool, np.ndarray, str]:
    """The FSDD recordings as a Pool at `rate`, their indices 0-49, and the source name."""
    from ...datasets import load_spoken_digits
    from .audio import to_mono_at_rate
    d = load_spoken_digits()
    audio = [int16_to_float(a) for a in d.audio]
    if rate != d.rate:
        audio = [to_mono_at_rate(a, d.rate, rate) for a in audio]
    return (Pool(audio, [str(k) for k in d.digits.tolist()], list(d.speakers)), d.indices,
            "Free Spoken Digit Dataset (6 speakers, 3,000 recordings)")


def load_user(path: str | os.PathLike, rate: int) -> tuple[Pool, str]:
    """A folder of labelled audio files (label = the file name up to its first '_', speaker
    = the part after it, as in FSDD's `7_jackson_32.wav`), or a CSV of path,text[,speaker]."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{str(path)!r} does not exist. Pass a folder of WAV files "
                                "named LABEL_SPEAKER_N.wav, or a CSV with path,text columns.")
    rows = _rows_from_csv(path) if path.is_file() else _rows_from_folder(path)
    audio, labels, speakers = [], [], []
    for file, text, speaker in rows:
        audio.append(read_audio(file, rate))        # raises DataError on a bad file
        labels.append(text)
        speakers.append(speaker)
    if len(set(labels)) < 2:
        raise DataError(f"{path}: expected recordings of at least 2 different words, got "
                        f"{sorted(set(labels))}.")
    return Pool(audio, labels, speakers), f"{path} ({len(rows)} recordings)"


def _rows_from_folder(folder: Path) -> list[tuple[Path, str, str]]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise DataError(f"{folder}: no .wav files found; expected files named "
                        "LABEL_SPEAKER_N.wav (e.g. 7_jackson_32.wav), or pass a CSV of "
                        "path,text.")
    rows = []
    for f in files:
        label, _, rest = f.stem.partition("_")
        if not label.strip():
            raise DataError(f"{f}: the file name gives no label; expected LABEL_SPEAKER_N.wav.")
        rows.append((f, label.strip(), rest.partition("_")[0] or "speaker"))
    return rows


def _rows_from_csv(path: Path) -> list[tuple[Path, str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = [c.strip().lower() for c in reader.fieldnames or []]
        if "path" not in fields or "text" not in fields:
            raise DataError(f"{path}: expected a header with columns path,text (and optionally "
                            f"speaker), got {reader.fieldnames}.")
        rows = []
        for n, row in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not row["path"] or not row["text"]:
                raise DataError(f"{path}, line {n}: empty path or text.")
            rows.append((path.parent / row["path"], row["text"], row.get("speaker") or "speaker"))
    if not rows:
        raise DataError(f"{path}: no rows after the header; expected path,text lines.")
    return rows


def split(pool: Pool, indices: np.ndarray | None, held_out_speaker: str | None,
          test_fraction: float, seed: int) -> Split:
    """Train / validation / test indices; see the module docstring."""
    n = len(pool.labels)
    speakers = np.array(pool.speakers)
    if held_out_speaker is not None:
        if held_out_speaker not in set(pool.speakers):
            raise DataError(f"Unknown speaker {held_out_speaker!r}; the speakers are "
                            f"{', '.join(sorted(set(pool.speakers)))}.")
        is_test = speakers == held_out_speaker
        protocol = f"held-out speaker {held_out_speaker}"
    elif indices is not None:
        is_test = indices < 5
        protocol = "official split (recordings 0-4 of each digit and speaker)"
    else:
        rng = np.random.default_rng(seed)
        is_test = np.zeros(n, bool)
        is_test[rng.permutation(n)[:max(1, round(test_fraction * n))]] = True
        protocol = f"random {test_fraction:.0%} of the recordings (seed {seed})"
    rest = np.flatnonzero(~is_test)
    if len(rest) < 3:
        raise DataError(f"Only {len(rest)} training recordings; expected at least 3.")
    rng = np.random.default_rng(seed + 1)
    val_mask = np.zeros(len(rest), bool)
    val_mask[rng.permutation(len(rest))[:max(1, round(0.05 * len(rest)))]] = True
    return Split(rest[~val_mask], rest[val_mask], np.flatnonzero(is_test), protocol)
