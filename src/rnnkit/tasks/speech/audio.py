"""Reading audio files: any WAV that libsndfile reads (PCM 8/16/24/32-bit, 32/64-bit float;
also FLAC and OGG), any sample rate, mono or stereo -> one float32 channel in [-1, 1] at the
model's rate.

    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> t = np.arange(44100) / 44100
    >>> sf.write(path, np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1) * 0.5, 44100)
    >>> x = read_audio(path, rate=8000)        # 1 s of 44.1 kHz stereo -> 8 kHz mono
    >>> x.dtype, x.shape, round(float(abs(x).max()), 2)
    (dtype('float32'), (8000,), 0.5)

Stereo (or more channels) is mixed down to the mean of the channels; another rate is
resampled with a polyphase filter (scipy.signal.resample_poly, up/down by their gcd).
Files longer than `max_seconds` (10 minutes by default) are refused rather than cut, so a
transcript never silently covers only part of a file: cut the file first.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ...errors import DataError

MAX_SECONDS = 600.0               # 10 minutes: longer files are refused, not cut


def read_audio(path: str | os.PathLike, rate: int = 8000,
               max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Samples of one audio file as float32 (N,) in [-1, 1], mono, at `rate` Hz.

    Raises FileNotFoundError for a missing file and DataError (saying what was expected,
    what was found and the fix) for an empty file, a file that is not audio, 0 samples,
    NaN or infinite samples, or more than `max_seconds` of audio.
    """
    import soundfile as sf
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Audio file {str(path)!r} does not exist.")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes); expected a WAV file "
                        "(PCM 8/16/24/32-bit or float, any rate, mono or stereo).")
    try:
        info = sf.info(str(path))
    except (RuntimeError, TypeError, ValueError) as e:          # LibsndfileError is a RuntimeError
        raise DataError(f"{path}: not an audio file libsndfile can read ({_short(e)}); "
                        "expected a WAV file (PCM 8/16/24/32-bit or float). Convert it, e.g. "
                        "`ffmpeg -i IN -ar 8000 -ac 1 OUT.wav`.") from None
    if info.frames <= 0:
        raise DataError(f"{path}: the file holds 0 samples; expected some speech. Record or "
                        "export it again.")
    seconds = info.frames / info.samplerate
    if seconds > max_seconds:
        raise DataError(f"{path}: {seconds / 60:.1f} minutes of audio; this reader takes at "
                        f"most {max_seconds / 60:.0f} minutes a file (the whole file is "
                        "transcribed at once). Cut it into shorter files, e.g. "
                        "`ffmpeg -i IN -f segment -segment_time 60 out%03d.wav`.")
    x, file_rate = sf.read(str(path), dtype="float32", always_2d=True)     # (N, channels)
    if not np.isfinite(x).all():
        raise DataError(f"{path}: {int((~np.isfinite(x)).sum())} samples are NaN or "
                        "infinite; expected finite audio. Re-export the file as 16-bit PCM.")
    return to_mono_at_rate(x, int(file_rate), rate)


def to_mono_at_rate(x: np.ndarray, file_rate: int, rate: int) -> np.ndarray:
    """(N, channels) or (N,) samples at `file_rate` -> float32 (M,) mono at `rate`.

    >>> to_mono_at_rate(np.ones((16000, 2), np.float32), 16000, 8000).shape
    (8000,)
    """
    mono = x.mean(axis=1) if x.ndim == 2 else x                  # mix down: the channels' mean
    if file_rate != rate:
        from scipy.signal import resample_poly
        g = math.gcd(file_rate, rate)
        mono = resample_poly(mono, rate // g, file_rate // g)
    return np.clip(mono, -1.0, 1.0).astype(np.float32)


def int16_to_float(x: np.ndarray) -> np.ndarray:
    """int16 samples -> float32 in [-1, 1), as libsndfile scales them (divide by 32768).

    >>> int16_to_float(np.array([-32768, 0, 16384], np.int16)).tolist()
    [-1.0, 0.0, 0.5]
    """
    return (x.astype(np.float32) / 32768.0)


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
    return text[:160]
