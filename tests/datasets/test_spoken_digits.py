"""The bundled Free Spoken Digit Dataset: all 3,000 recordings, 50 per digit and speaker,
decoded losslessly from one FLAC, with the official split of indices 0-4."""

from collections import Counter

import numpy as np
import pytest

from rnnkit.datasets import DATASETS, load_spoken_digits


@pytest.fixture(scope="module")
def fsdd():
    return load_spoken_digits()


def test_every_digit_of_every_speaker_has_fifty_recordings(fsdd):
    counts = Counter(zip(fsdd.digits.tolist(), fsdd.speakers))
    assert len(counts) == 10 * 6 and set(counts.values()) == {50}


def test_the_official_test_split_is_indices_zero_to_four(fsdd):
    test = fsdd.official_test
    assert test.sum() == 300
    assert set(fsdd.indices[test].tolist()) == {0, 1, 2, 3, 4}


def test_recordings_are_nonempty_int16_at_8_khz_and_named_by_their_labels(fsdd):
    assert fsdd.rate == 8000
    assert all(a.dtype == np.int16 and 1000 < len(a) < 20000 for a in fsdd.audio)
    for f, d, s, i in zip(fsdd.files, fsdd.digits, fsdd.speakers, fsdd.indices):
        assert f == f"{d}_{s}_{i}.wav"
    assert max(np.abs(a).max() for a in fsdd.audio) > 10000      # real speech, not silence


def test_the_dataset_is_listed_with_its_share_alike_licence():
    assert "CC BY-SA 4.0" in DATASETS["free_spoken_digits"]["licence"]
