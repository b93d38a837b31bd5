"""Reading audio: every PCM width and float, any rate, stereo mixed down; bad files get a
DataError that says what was expected and how to fix it."""
import numpy as np
import pytest
import soundfile as sf

from rnnkit.datasets import DataError
from rnnkit.tasks.speech.audio import read_audio, to_mono_at_rate

RATE = 8000
t = np.arange(RATE // 2) / RATE
TONE = (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)          # 0.5 s at 8 kHz


@pytest.mark.parametrize("subtype, tolerance", [("PCM_U8", 1e-2), ("PCM_16", 1e-4),
                                                ("PCM_24", 1e-6), ("PCM_32", 1e-6),
                                                ("FLOAT", 1e-7), ("DOUBLE", 1e-7)])
def test_every_pcm_width_and_float_reads_back_the_same_samples(tmp_path, subtype, tolerance):
    path = tmp_path / f"{subtype}.wav"
    sf.write(path, TONE, RATE, subtype=subtype)
    x = read_audio(path, RATE)
    assert x.dtype == np.float32 and x.shape == TONE.shape
    assert np.abs(x - TONE).max() < tolerance


def test_stereo_at_44_1_khz_becomes_the_mono_8_khz_signal(tmp_path):
    t44 = np.arange(22050) / 44100
    left = 0.5 * np.sin(2 * np.pi * 300 * t44)
    sf.write(tmp_path / "s.wav", np.stack([left, 0.5 * left], axis=1), 44100, subtype="PCM_16")
    x = read_audio(tmp_path / "s.wav", RATE)
    assert x.shape == (4000,)
    middle = slice(200, -200)                           # away from the filter's edges
    assert np.abs(x[middle] - 0.75 * TONE[middle]).max() < 2e-3


def test_resampling_keeps_the_length_in_seconds():
    assert to_mono_at_rate(np.zeros(16000, np.float32), 16000, 8000).shape == (8000,)
    assert to_mono_at_rate(np.zeros((22050, 2), np.float32), 22050, 8000).shape == (8000,)


def _not_audio(p):
    p.write_text("this is a text file, not a recording\n" * 20)


def _zero_samples(p):
    sf.write(p, np.zeros(0, np.float32), RATE, subtype="PCM_16")


def _nan(p):
    x = TONE.copy()
    x[100] = np.nan
    sf.write(p, x, RATE, subtype="FLOAT")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "empty \\(0 bytes\\); expected a WAV file"),
    (_not_audio, "not an audio file libsndfile can read.*expected a WAV file"),
    (_zero_samples, "holds 0 samples"),
    (_nan, "1 samples are NaN or infinite"),
])
def test_bad_audio_raises_a_data_error_that_says_what_was_expected(tmp_path, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(DataError, match=message):
        read_audio(path, RATE)


def test_a_file_over_ten_minutes_is_refused_not_cut(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(RATE * 601, np.uint8).astype(np.float32), RATE, subtype="PCM_U8")
    with pytest.raises(DataError, match="10.0 minutes of audio; .* at most 10 minutes"):
        read_audio(path, RATE)
    assert read_audio(path, RATE, max_seconds=700).shape == (RATE * 601,)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_audio(tmp_path / "nope.wav", RATE)


def test_the_docstring_examples_run():
    import doctest

    import rnnkit.tasks.speech.audio as audio_module
    result = doctest.testmod(audio_module)
    assert result.attempted > 0 and result.failed == 0
