"""music21's side: the corpus, parsing a tune, MIDI, a piano roll and a sine-tone WAV.

music21 is optional (`pip install 'rnnkit[music]'`); every function that needs it imports
it through `music21()`, which says how to install it.
"""
from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path

import numpy as np

from ...errors import UserError

SECONDS_PER_QUARTER = 0.35        # a brisk fiddle tempo (about 170 quarter notes a minute)


def music21():
    try:
        import music21 as m21
    except ImportError:
        raise UserError("rnnkit compose needs music21 to read the tune corpus and write MIDI: "
                        "install it with `pip install 'rnnkit[music]'` (or `pip install "
                        "music21`).") from None
    return m21


def corpus_folder() -> Path:
    """Ryan's Mammoth Collection (1883, public domain) as music21 ships it."""
    folder = Path(music21().__file__).parent / "corpus" / "ryansMammoth"
    if not folder.is_dir():
        raise UserError(f"music21's corpus has no ryansMammoth folder (looked in {folder}); "
                        "reinstall music21, or pass your own .abc file.")
    return folder


def parse(abc: str):
    """The tune as a music21 Score, or None when music21 cannot parse it or it has no notes."""
    m21 = music21()
    try:
        with contextlib.redirect_stderr(io.StringIO()):   # music21's warnings on odd beams
            score = m21.converter.parse(abc, format="abc")
            notes = list(score.flatten().notes)
    except Exception:                   # music21 raises many kinds on malformed ABC
        return None
    return score if notes else None


def note_events(score) -> list[tuple[float, float, int]]:
    """(onset, length in quarter notes, MIDI pitch) of every note, chords split."""
    events = []
    for n in score.flatten().notes:
        for p in getattr(n, "pitches", ()):
            events.append((float(n.offset), float(n.quarterLength), int(p.midi)))
    return events


def write_midi(score, path: Path) -> Path:
    """The score as MIDI, repeats played out; when music21 cannot expand the repeats (a
    sampled tune may open one and never close it) the notes as written, once."""
    try:
        score.write("midi", fp=str(path))
    except Exception:
        m21 = music21()
        flat = m21.stream.Stream()
        for n in score.flatten().notes:
            flat.insert(float(n.offset), copy.deepcopy(n))
        flat.write("midi", fp=str(path))
    return path


def write_wav(events: list[tuple[float, float, int]], path: Path, rate: int = 22050) -> Path:
    """Each note a sine tone with a short attack and a decay: x(t) = a(t) sin(2π f t),
    f = 440 · 2^((m - 69) / 12)."""
    import soundfile as sf
    end = max((o + d for o, d, _ in events), default=1.0) * SECONDS_PER_QUARTER + 0.5
    audio = np.zeros(int(end * rate), dtype=np.float64)
    for onset, length, midi in events:
        start = int(onset * SECONDS_PER_QUARTER * rate)
        n = max(1, int(length * SECONDS_PER_QUARTER * rate))
        t = np.arange(n) / rate
        envelope = np.minimum(1.0, t / 0.01) * np.exp(-3.0 * t)
        audio[start:start + n] += 0.3 * envelope * np.sin(2 * np.pi * 440.0 *
                                                          2 ** ((midi - 69) / 12) * t)
    audio /= max(1.0, float(np.abs(audio).max()) / 0.9)
    sf.write(str(path), audio.astype(np.float32), rate, subtype="PCM_16")
    return path


def plot_piano_rolls(rolls: list[tuple[str, list[tuple[float, float, int]]]],
                     path: Path) -> Path:
    """One panel a tune: a bar per note, pitch against time in quarter notes."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(rolls), 1, figsize=(11, 2.4 * len(rolls)), squeeze=False)
    for ax, (title, events) in zip(axes[:, 0], rolls):
        for onset, length, midi in events:
            ax.broken_barh([(onset, length * 0.95)], (midi - 0.4, 0.8), color="tab:blue")
        if events:
            pitches = [m for _, _, m in events]
            ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
            ax.set_xlim(0, max(o + d for o, d, _ in events))
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_ylabel("MIDI pitch")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (quarter notes)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
