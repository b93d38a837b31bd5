"""Connected utterances are seeded and use held-out recordings once a pass; scores follow
the edit distance over words."""
import doctest

import numpy as np

import rnnkit.tasks.speech.corpus as corpus_module
import rnnkit.tasks.speech.scoring as scoring_module
from rnnkit.tasks.speech.corpus import Pool, cover_once, make_batch
from rnnkit.tasks.speech.scoring import Symbols, confusion, error_rate, scores

POOL = Pool([np.full(400 + 10 * i, 0.1 * (1 + i % 3), np.float32) for i in range(20)],
            [str(i % 10) for i in range(20)], ["a"] * 10 + ["b"] * 10)


def test_the_same_seed_makes_the_same_utterances_and_another_seed_others():
    one = make_batch(POOL, np.arange(20), np.random.default_rng(3), 8000, 5)
    two = make_batch(POOL, np.arange(20), np.random.default_rng(3), 8000, 5)
    other = make_batch(POOL, np.arange(20), np.random.default_rng(4), 8000, 5)
    assert all(np.array_equal(x, y) and u == v for (x, u), (y, v) in zip(one, two))
    assert [u for _, u in one] != [u for _, u in other]


def test_an_utterance_is_one_speakers_recordings_with_gaps_and_one_to_seven_words():
    for audio, words in make_batch(POOL, np.arange(10, 20), np.random.default_rng(0), 8000, 20):
        assert 1 <= len(words) <= 7
        assert len(audio) > sum(400 for _ in words) + 0.1 * 8000     # edges and gaps
        assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0


def test_test_utterances_use_every_held_out_recording_once_a_pass():
    utts = cover_once(POOL, np.arange(5, 15), seed=0, rate=8000, passes=3)
    used = sorted(w for _, words in utts for w in words)
    assert used == sorted([POOL.labels[i] for i in range(5, 15)] * 3)


def test_digit_error_rate_counts_substitutions_deletions_and_insertions():
    s = scores(["1 2 3 4", "5 6"], ["1 9 3", "5 6 7"])
    assert (s["substitutions"], s["deletions"], s["insertions"]) == (1, 1, 1)
    assert s["error_rate"] == 3 / 6 and s["string_accuracy"] == 0.0
    assert error_rate(["1 2"], [""]) == 1.0


def test_the_confusion_counts_every_reference_word_once():
    refs, hyps = ["1 2 3", "4 4"], ["1 3 3", "4"]
    cm = confusion(refs, hyps, ["1", "2", "3", "4"])
    assert cm[:4].sum() == 5 and cm[1, 2] == 1 and cm[3, 4] == 1


def test_symbols_round_trip_digits_and_words():
    digits = Symbols.fit(list("0123456789"))
    assert digits.decode(digits.encode(["4", "0", "7"])) == "4 0 7" and len(digits) == 10
    words = Symbols.from_json(Symbols.fit(["yes", "no"]).to_json())
    assert words.decode(words.encode(["yes", "no", "no"])) == "yes no no"


def test_the_docstring_examples_run():
    for module in (corpus_module, scoring_module):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0
