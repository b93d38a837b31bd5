"""The classical, pre-neural recogniser of connected words: cut the utterance at its
silences (frame energy), then label each piece by its nearest training template under
dynamic time warping (DTW) of MFCCs (1-nearest neighbour).

Segmentation, on frames of 25 ms every 10 ms:
    e_t = 10 log10(mean_n x_t(n)² + ε)             frame energy in dB
    speech_t = e_t > floor + 0.35 (peak - floor)   floor, peak: 10th and 99th percentiles
then runs of speech frames closer than `min_gap` are merged and runs shorter than
`min_word` dropped.

DTW between MFCC sequences a (n frames) and b (m frames), with c(i, j) = ||a_i - b_j||:
    D(i, j) = c(i, j) + min(D(i-1, j), D(i-1, j-1), D(i, j-1)),    distance = D(n, m) / (n + m)
"""
from __future__ import annotations

import numpy as np
import torch

from .features import mfcc

HOP, WIN = 0.010, 0.025


def frame_energy_db(x: np.ndarray, rate: int) -> np.ndarray:
    """e_t (T,) in dB for frames of 25 ms every 10 ms."""
    hop, win = int(HOP * rate), int(WIN * rate)
    n = max(1, 1 + (len(x) - win) // hop)
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    frames = np.pad(x, (0, max(0, idx.max() + 1 - len(x))))[idx]
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)


def segment(x: np.ndarray, rate: int, min_gap: float = 0.05,
            min_word: float = 0.08) -> list[tuple[int, int]]:
    """(start, end) sample ranges of the words in x, cut at silences.

    >>> rate = 8000
    >>> tone = lambda s: 0.3 * np.sin(np.arange(int(s * rate)) * 0.3)
    >>> x = np.concatenate([np.zeros(800), tone(0.3), np.zeros(1600), tone(0.2), np.zeros(800)])
    >>> [(round(a / rate, 1), round(b / rate, 1)) for a, b in segment(x + 1e-4, rate)]
    [(0.1, 0.4), (0.6, 0.8)]
    """
    e = frame_energy_db(x, rate)
    floor, peak = np.percentile(e, 10), np.percentile(e, 99)
    speech = e > floor + 0.35 * (peak - floor)
    runs, start = [], None
    for t, s in enumerate(np.append(speech, False)):
        if s and start is None:
            start = t
        elif not s and start is not None:
            runs.append([start, t])
            start = None
    merged: list[list[int]] = []
    for r in runs:
        if merged and (r[0] - merged[-1][1]) * HOP < min_gap:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    hop, win = int(HOP * rate), int(WIN * rate)
    return [(a * hop, min(len(x), b * hop + win - hop)) for a, b in merged
            if (b - a) * HOP >= min_word]


def dtw_distances(query: np.ndarray, templates: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """DTW distance from query (n, C) to each of K padded templates (K, m_max, C), length
    normalised. The cells of one anti-diagonal i + j = s depend only on the two before it,
    so each diagonal is one vectorised step for all templates and cells at once.

    >>> a = np.array([[0.], [1.], [2.]]); b = np.array([[[0.], [1.], [1.], [2.]]])
    >>> dtw_distances(a, b, np.array([4])).tolist()          # a warps onto b exactly
    [0.0]
    """
    n, K, m_max = len(query), len(templates), templates.shape[1]
    diff = query[:, None, None, :] - templates.transpose(1, 0, 2)[None]        # (n, m, K, C)
    cost = np.sqrt(np.einsum("nmkc,nmkc->nmk", diff, diff))                   # (n, m, K)
    D = np.full((n + 1, m_max + 1, K), np.inf, dtype=np.float32)              # K last: rows
    D[0, 0] = 0.0                                                              # stay contiguous
    for s in range(2, n + m_max + 1):
        i = np.arange(max(1, s - m_max), min(n, s - 1) + 1)
        j = s - i
        best = np.minimum(np.minimum(D[i - 1, j], D[i - 1, j - 1]), D[i, j - 1])
        D[i, j] = cost[i - 1, j - 1] + best
    return D[n, lengths, np.arange(K)] / (n + lengths)


class DTWRecognizer:
    """1-nearest-neighbour DTW over MFCCs against training recordings of single words.

    >>> rate = 8000
    >>> low = np.sin(np.arange(2400) * 0.1) * 0.3                 # two 'words': two tones
    >>> high = np.sin(np.arange(2400) * 0.9) * 0.3
    >>> rec = DTWRecognizer([low, high], ["lo", "hi"], rate)
    >>> rec.recognize(np.concatenate([np.zeros(800), high, np.zeros(1600), low, np.zeros(800)]))
    ['hi', 'lo']
    """

    def __init__(self, recordings: list[np.ndarray], labels: list[str], rate: int,
                 n_mfcc: int = 13):
        self.rate, self.n_mfcc, self.labels = rate, n_mfcc, list(labels)
        feats = [self._features(_trim(x, rate)) for x in recordings]
        self.lengths = np.array([len(f) for f in feats])
        self.templates = np.zeros((len(feats), self.lengths.max(), n_mfcc), np.float32)
        for k, f in enumerate(feats):
            self.templates[k, :len(f)] = f

    def _features(self, x: np.ndarray) -> np.ndarray:
        return mfcc(torch.as_tensor(np.asarray(x, np.float32)), self.rate, self.n_mfcc).numpy()

    def classify(self, piece: np.ndarray) -> str:
        """The label of the nearest template."""
        d = dtw_distances(self._features(piece), self.templates, self.lengths)
        return self.labels[int(np.argmin(d))]

    def recognize(self, x: np.ndarray) -> list[str]:
        """Labels of the words of one utterance, in order."""
        return [self.classify(x[a:b]) for a, b in segment(x, self.rate)]


def _trim(x: np.ndarray, rate: int) -> np.ndarray:
    """A template without its leading and trailing silence (its whole span of speech)."""
    pieces = segment(x, rate)
    return x[pieces[0][0]:pieces[-1][1]] if pieces else x
