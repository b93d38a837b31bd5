"""The classical baselines against values computed by hand."""
import numpy as np
import pytest

from rnnkit.tasks.forecast import baselines as B

Z = np.array([1.0, 3.0, 2.0, 4.0, 3.0, 5.0])          # season 2: odd steps 2 higher


def test_naive_repeats_the_last_value():
    np.testing.assert_array_equal(B.naive(Z, 3, 2), [5.0, 5.0, 5.0])


def test_seasonal_naive_repeats_the_last_season():
    np.testing.assert_array_equal(B.seasonal_naive(Z, 3, 2), [3.0, 5.0, 3.0])


def test_drift_extends_the_line_from_the_first_to_the_last_value():
    np.testing.assert_allclose(B.drift(Z, 2, 1), [5.8, 6.6])    # slope (5 - 1) / 5


def test_seasonal_naive_with_drift_adds_the_mean_seasonal_change_per_season_ahead():
    # z_t - z_{t-2}: 1, 1, 1, 1 -> one unit per season
    np.testing.assert_allclose(B.seasonal_naive_drift(Z, 4, 2), [4.0, 6.0, 5.0, 7.0])


def test_fourier_terms_are_sines_and_cosines_of_the_period():
    X = B.fourier_terms(13, 12.0, 2)
    assert X.shape == (13, 4)
    np.testing.assert_allclose(X[12], X[0], atol=1e-12)           # one period later
    np.testing.assert_allclose(X[3, :2], [1.0, 0.0], atol=1e-12)  # a quarter: sin 1, cos 0


statsmodels = pytest.importorskip("statsmodels")


def test_ets_and_arima_follow_a_clean_linear_trend():
    z = np.arange(60.0) * 0.5 + 10
    for name in ("ETS (damped)", "ARIMA"):
        forecast = B.forecast_block(name, z, 3, 1)
        np.testing.assert_allclose(forecast, [40.0, 40.5, 41.0], atol=0.3, err_msg=name)


def test_fourier_arima_recovers_a_long_season():
    t = np.arange(400)
    z = 10 + 3 * np.sin(2 * np.pi * t / 50) + 0.05 * np.random.default_rng(0).standard_normal(400)
    forecast = B.forecast_block("Fourier + ARIMA errors", z[:350], 50, 50)
    assert np.sqrt(np.mean((forecast - z[350:]) ** 2)) < 0.2


def test_only_the_baselines_that_fit_the_season_are_applicable():
    assert "seasonal naive" not in B.applicable(1)
    assert "Fourier + ARIMA errors" in B.applicable(52)
    assert "Fourier + ARIMA errors" not in B.applicable(12)
