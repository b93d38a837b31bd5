"""The classical baseline: energy segmentation at silences, then 1-NN DTW on MFCCs."""
import doctest

import numpy as np

import rnnkit.tasks.speech.baseline as baseline_module
from rnnkit.tasks.speech.baseline import dtw_distances, segment


def test_dtw_of_a_sequence_with_itself_is_zero_and_warping_is_free():
    a = np.random.default_rng(0).standard_normal((6, 3))
    slow = np.repeat(a, 2, axis=0)                                  # the same, half speed
    other = np.random.default_rng(1).standard_normal((12, 3))
    templates = np.stack([slow, other])
    d = dtw_distances(a, templates, np.array([12, 12]))
    assert d[0] == 0.0 and d[1] > 0.5


def test_dtw_matches_a_plain_double_loop():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 2)), rng.standard_normal((7, 2))
    D = np.full((6, 8), np.inf)
    D[0, 0] = 0
    for i in range(1, 6):
        for j in range(1, 8):
            D[i, j] = np.linalg.norm(a[i - 1] - b[j - 1]) + min(D[i - 1, j], D[i - 1, j - 1],
                                                                  D[i, j - 1])
    padded = np.zeros((1, 9, 2))
    padded[0, :7] = b
    assert np.isclose(dtw_distances(a, padded, np.array([7]))[0], D[5, 7] / 12)


def test_segmentation_finds_three_words_between_silences():
    rate, rng = 8000, np.random.default_rng(0)
    word = lambda s: 0.3 * np.sin(np.arange(int(s * rate)) * 0.4)   # noqa: E731
    gap = lambda s: np.zeros(int(s * rate))                           # noqa: E731
    x = np.concatenate([gap(.1), word(.3), gap(.15), word(.2), gap(.1), word(.4), gap(.1)])
    pieces = segment(x + 1e-3 * rng.standard_normal(len(x)), rate)
    assert len(pieces) == 3
    starts = np.array([a / rate for a, _ in pieces])
    np.testing.assert_allclose(starts, [0.1, 0.55, 0.85], atol=0.04)   # frames: 25 ms


def test_the_docstring_examples_run():
    result = doctest.testmod(baseline_module)
    assert result.attempted > 0 and result.failed == 0
