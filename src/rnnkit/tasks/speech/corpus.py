"""Connected-word utterances made on the fly from recordings of single words (digits).

One utterance: a speaker, 1-7 of that speaker's recordings joined with short random gaps of
silence, each recording at a random gain, the whole at a random level, with light white
noise. Its transcript is the recordings' labels in order, e.g. "4 0 7 1". Everything is
drawn from a seeded numpy Generator, so the same seed gives the same utterances.

    >>> import numpy as np
    >>> pool = Pool([np.ones(800, np.float32) * 0.1] * 4, ["1", "2", "3", "4"], ["a"] * 4)
    >>> audio, labels = make_utterance(pool, np.arange(4), np.random.default_rng(0), 8000)
    >>> audio.dtype, 1 <= len(labels) <= 7, set(labels) <= {"1", "2", "3", "4"}
    (dtype('float32'), True, True)

Test utterances (`cover_once`) use every held-out recording exactly once a pass, so the
test set is a fixed, seeded arrangement of recordings the model never heard.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_WORDS = 7
GAP_SECONDS = (0.03, 0.25)          # silence between words
EDGE_SECONDS = (0.05, 0.25)         # silence before the first and after the last word
WORD_GAIN_DB = (-4.0, 4.0)          # each recording
LEVEL_DB = (-8.0, 4.0)              # the whole utterance
SNR_DB = (25.0, 45.0)               # light white noise


@dataclass(frozen=True)
class Pool:
    """Recordings of single words: float32 waveforms with their label and speaker."""

    audio: list[np.ndarray]
    labels: list[str]
    speakers: list[str]

    def by_speaker(self, indices: np.ndarray) -> dict[str, np.ndarray]:
        """The given recording indices grouped by speaker (sorted by name)."""
        spk = np.array(self.speakers)[indices]
        return {s: indices[spk == s] for s in sorted(set(spk.tolist()))}


def join(pool: Pool, chosen: list[int], rng: np.random.Generator,
         rate: int) -> tuple[np.ndarray, list[str]]:
    """Join the chosen recordings into one utterance with gaps, gains, level and noise."""
    silence = lambda lo_hi: np.zeros(int(rng.uniform(*lo_hi) * rate), np.float32)  # noqa: E731
    pieces = [silence(EDGE_SECONDS)]
    for k, i in enumerate(chosen):
        if k:
            pieces.append(silence(GAP_SECONDS))
        pieces.append(pool.audio[i] * _db(rng.uniform(*WORD_GAIN_DB)))
    pieces.append(silence(EDGE_SECONDS))
    x = np.concatenate(pieces) * _db(rng.uniform(*LEVEL_DB))
    rms = float(np.sqrt(np.mean(x ** 2))) or 1e-3
    noise_rms = rms / _db(rng.uniform(*SNR_DB))
    x = x + rng.standard_normal(len(x)).astype(np.float32) * noise_rms
    return np.clip(x, -1.0, 1.0).astype(np.float32), [pool.labels[i] for i in chosen]


def make_utterance(pool: Pool, indices: np.ndarray, rng: np.random.Generator, rate: int,
                   max_words: int = MAX_WORDS) -> tuple[np.ndarray, list[str]]:
    """A random speaker among `indices`, 1..max_words of their recordings, joined."""
    groups = pool.by_speaker(indices)
    speaker = list(groups)[rng.integers(len(groups))]
    n = int(rng.integers(1, max_words + 1))
    chosen = rng.choice(groups[speaker], size=n, replace=len(groups[speaker]) < n).tolist()
    return join(pool, chosen, rng, rate)


def make_batch(pool: Pool, indices: np.ndarray, rng: np.random.Generator, rate: int,
               size: int, max_words: int = MAX_WORDS) -> list[tuple[np.ndarray, list[str]]]:
    """`size` fresh training utterances."""
    return [make_utterance(pool, indices, rng, rate, max_words) for _ in range(size)]


def cover_once(pool: Pool, indices: np.ndarray, seed: int, rate: int, passes: int = 1,
               max_words: int = MAX_WORDS) -> list[tuple[np.ndarray, list[str]]]:
    """Utterances that use each of `indices` exactly once a pass: per speaker, the
    recordings shuffled and cut into runs of 1..max_words.

    >>> pool = Pool([np.zeros(400, np.float32)] * 10, list("0123456789"), ["a"] * 10)
    >>> utts = cover_once(pool, np.arange(10), seed=0, rate=8000, passes=2)
    >>> sorted(sum((labels for _, labels in utts), []))[:4]
    ['0', '0', '1', '1']
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(passes):
        for speaker, group in pool.by_speaker(np.asarray(indices)).items():
            order = rng.permutation(group).tolist()
            while order:
                n = int(rng.integers(1, max_words + 1))
                out.append(join(pool, order[:n], rng, rate))
                order = order[n:]
    return out


def _db(db: float) -> float:
    return float(10.0 ** (db / 20.0))
