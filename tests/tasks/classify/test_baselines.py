"""The classify baselines on hand examples: the bag of words, summary statistics, the
nearest neighbour, and the blend's weight chosen on validation."""
import doctest

import numpy as np
import pytest

from rnnkit.tasks.classify import baselines, scores, text
from rnnkit.tasks.classify.baselines import (BagOfWords, sequence_baselines,
                                             summary_statistics, text_baselines)
from rnnkit.tasks.classify.text import blend, fit_blend


def test_the_bag_of_words_learns_which_words_mark_a_class_and_round_trips_through_json():
    texts = ["great fun", "great film", "dull plot", "dull and slow"] * 3
    y = np.array([1, 1, 0, 0] * 3)
    bow = BagOfWords.fit(texts, y, 2)
    proba = bow.proba(["a great day", "so dull"])
    assert proba.argmax(1).tolist() == [1, 0] and np.allclose(proba.sum(1), 1.0)
    again = BagOfWords.from_json(bow.to_json())
    assert np.allclose(again.proba(["a great day"]), proba[:1])


def test_text_baselines_score_the_majority_class_and_the_bag_of_words():
    train = ["good", "good good", "bad", "good fine"]
    result = text_baselines(train, np.array([1, 1, 0, 1]), ["bad", "good"], np.array([0, 1]),
                            ["neg", "pos"])
    assert result["majority_class"]["accuracy"] == 0.5
    assert result["bag_of_words_logistic_regression"]["accuracy"] == 1.0


def test_summary_statistics_ignore_missing_values_and_give_zero_for_an_empty_feature():
    x = np.array([[1.0, np.nan], [3.0, np.nan]])
    row = summary_statistics([x])[0]
    assert row[[0, 2, 4, 6, 8, 10]].tolist() == [2.0, 1.0, 1.0, 3.0, 1.0, 3.0]   # feature 1
    assert row[[1, 3, 5, 7]].tolist() == [0.0, 0.0, 0.0, 0.0]                     # all missing


def test_sequence_baselines_separate_series_by_their_level():
    rng = np.random.default_rng(0)
    make = lambda mean, n: [rng.normal(mean, 0.3, (int(rng.integers(4, 9)), 2))  # noqa: E731
                            for _ in range(n)]
    x_train, x_test = make(-1, 10) + make(1, 10), make(-1, 5) + make(1, 5)
    y_train, y_test = np.repeat([0, 1], 10), np.repeat([0, 1], 5)
    result = sequence_baselines(x_train, y_train, x_test, y_test, ["low", "high"])
    assert result["summary_statistics_logistic_regression"]["accuracy"] == 1.0
    assert result["nearest_neighbour"]["accuracy"] == 1.0
    assert result["majority_class"]["accuracy"] == 0.5


def test_the_blend_leans_on_the_model_that_predicts_the_validation_labels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    informed = np.where(y[:, None] == np.arange(2), 0.8, 0.2)          # right, fairly sure
    noise = rng.dirichlet([1, 1], 200)                                  # knows nothing
    a, b = fit_blend(noise, informed, y)
    assert b > 1.0 and a < b / 10
    a, b = fit_blend(informed, noise, y)
    assert a > 1.0 and b < a / 10


def test_a_cautious_model_gets_a_weight_above_one_to_sharpen_it():
    y = np.array([0, 1] * 50)
    cautious = np.where(y[:, None] == np.arange(2), 0.55, 0.45)
    cautious[:10] = cautious[:10, ::-1]                                 # 90% right
    [a, b] = fit_blend(cautious, np.full((100, 2), 0.5), y)
    assert a > 5
    assert (blend(cautious, np.full((100, 2), 0.5), [a, b]).argmax(1) == y).mean() == 0.9


@pytest.mark.parametrize("module", [baselines, scores, text])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
