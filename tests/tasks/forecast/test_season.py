"""Season detection: a season when the data repeat it, "no season" otherwise."""
import numpy as np
import pytest

from rnnkit.datasets import load_airline_passengers, load_co2
from rnnkit.tasks.forecast.season import detect_season

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("period", [7, 12, 24, 52])
def test_a_noisy_sine_with_a_trend_has_its_period_found(period):
    t = np.arange(8 * period + 50.0)
    y = 0.05 * t + np.sin(2 * np.pi * t / period) + 0.4 * RNG.standard_normal(len(t))
    assert detect_season(y) == period


def test_white_noise_and_random_walks_have_no_season():
    for _ in range(5):
        assert detect_season(RNG.standard_normal(300)) == 1
        assert detect_season(RNG.standard_normal(300).cumsum()) == 1


def test_a_damped_irregular_cycle_is_not_taken_for_a_season():
    """AR(2) with complex roots (period ~30, damping 0.95): one ACF peak, no repeat."""
    r, theta = 0.95, 2 * np.pi / 30
    x, e = np.zeros(600), RNG.standard_normal(600)
    for t in range(2, 600):
        x[t] = 2 * r * np.cos(theta) * x[t - 1] - r * r * x[t - 2] + e[t]
    assert detect_season(x) == 1


def test_the_bundled_series_have_their_calendar_seasons():
    assert detect_season(load_airline_passengers()[1][:120]) == 12
    assert detect_season(load_co2()[1][:-104]) == 52                 # missing weeks filled


def test_a_series_shorter_than_three_seasons_has_no_season():
    t = np.arange(30.0)
    assert detect_season(np.sin(2 * np.pi * t / 12)) == 1
