"""The bar clock: eighths left in the bar and to the pickup's complement, tuplet notes left,
bars so far in the tune and the section; the same features for a tune read whole (training)
and token by token (sampling)."""
import numpy as np
import pytest
import torch

from rnnkit.tasks.compose.clock import BarClock, bucket, clock_features
from rnnkit.tasks.compose.model import TuneModel, Vocabulary, encode, sample

JIG = ["M:6/8", "K:G", "D", "|", "G", "2", "A", "B", "2", "c", "|", "d", "3", "e", "2", "|"]


def test_the_clock_counts_down_the_bar_and_starts_again_after_each_bar_line():
    clock = BarClock()
    left = [clock.push(t)[0] for t in JIG]
    # M:6/8 -> 6 eighths left; D (a 1-eighth pickup) -> 5; | -> 6; G 2 -> 6 - 1, then 6 - 2
    assert left[:8] == [bucket(x) for x in (6, 6, 5, 6, 5, 4, 3, 2)]
    assert left[9:11] == [bucket(0), bucket(6)]                 # c fills the bar; | resets


def test_after_a_pickup_the_clock_also_counts_to_the_pickups_complement():
    clock = BarClock()
    c = [clock.push(t)[1] for t in JIG]
    assert c[2] == bucket(5)                                  # pickup not known yet
    assert c[3] == bucket(5) and c[13] == bucket(6 - 1 - 4)    # L - p - b, p = 1


def test_a_triplet_counts_its_notes_at_two_thirds_and_says_how_many_are_left():
    clock = BarClock()
    rows = [clock.push(t) for t in ["M:2/4", "K:G", "(3", "G", "A", "B", "c", "|"]]
    assert [row[2] for row in rows] == [0, 0, 3, 2, 1, 0, 0, 0]
    assert rows[5][0] == bucket(2) and rows[6][0] == bucket(1)


def test_an_overfull_bar_and_an_unknown_meter_have_their_own_buckets():
    assert bucket(None) == 0 and bucket(-0.25) == 1 and bucket(0) == 2
    clock = BarClock()
    assert clock.push("K:G") == (0, 0, 0, 0, 0)
    assert [clock.push(t)[0] for t in ["M:2/4", "c", "4", "d"]][-1] == 1


def test_the_sampler_feeds_the_model_the_same_clock_that_training_computes():
    tokens = JIG + ["(3", "d", "e", "f", "g", "3", ":|"]
    vocab = Vocabulary(tokens)
    torch.manual_seed(0)
    model = TuneModel(len(vocab), embedding=4, units=8, layers=1, clock=3)
    fed = []
    forward = model.forward
    model.forward = lambda x, state=None: (fed.append(x.clone()), forward(x, state))[1]
    tune = sample(model, vocab, ["M:6/8", "K:G"], 1, temperature=1.5, max_tokens=40,
                  generator=torch.Generator().manual_seed(1))[0]
    fed = torch.cat(fed, dim=1)[0].numpy()                       # (time, 1 + 3)
    assert len(fed) > 10
    np.testing.assert_array_equal(fed, encode(vocab, tune)[:len(fed)])


def test_training_rows_hold_the_ids_and_the_features_of_the_whole_tune():
    vocab = Vocabulary(JIG)
    rows = encode(vocab, JIG)
    assert rows.shape == (len(JIG) + 2, 6)
    assert rows[1:-1, 0].tolist() == vocab.encode(JIG)
    np.testing.assert_array_equal(rows[:, 1:], clock_features(["<s>", *JIG, "</s>"]))


def test_a_model_that_reads_the_clock_refuses_bare_ids_and_says_what_it_expects():
    model = TuneModel(10, embedding=4, units=8, layers=1, clock=3)
    with pytest.raises(ValueError, match=r"\(batch, time, 6\)"):
        model(torch.zeros(1, 5, dtype=torch.long))


def test_a_later_section_counts_to_the_complement_of_its_own_pickup():
    clock = BarClock()
    rows = [clock.push(t) for t in JIG + [":|", "f", "g", "|", "a", "3", "b"]]
    assert rows[-1][1] == bucket(6 - 2 - 4)         # the section's pickup fg: p = 2, b = 4
    assert rows[-6][1] == bucket(6 - 1 - 1)         # f, before fg| closes: the tune's pickup


def test_the_clock_counts_bars_in_the_tune_and_in_the_section():
    clock = BarClock()
    rows = [clock.push(t) for t in JIG + [":|", "f", "g", "|"]]
    assert [r[3] for r in rows][-5:] == [3, 3, 3, 3, 4]          # | :| f g |
    assert [r[4] for r in rows][-5:] == [3, 0, 0, 0, 1]
