"""What the network sees: the seasonal profile, and windows that respect time order."""
import numpy as np

from rnnkit.tasks.forecast.baselines import seasonal_naive_drift
from rnnkit.tasks.forecast.representation import (DriftResidual, SeasonalDifferences,
                                                  SeasonalProfile, from_dict)


def test_the_profile_removes_a_clean_season_and_continues_it_ahead():
    t = np.arange(120.0)
    season = np.sin(2 * np.pi * t / 12) + 0.5 * np.cos(4 * np.pi * t / 12)
    x, future = SeasonalProfile(12, 12, 6).split(0.1 * t + season)
    np.testing.assert_allclose(x - x.mean(), 0.1 * (t - t.mean()), atol=1e-9)
    ahead = np.arange(120.0, 126.0)
    np.testing.assert_allclose(future(6), np.sin(2 * np.pi * ahead / 12) +
                               0.5 * np.cos(4 * np.pi * ahead / 12), atol=1e-9)


def test_profile_windows_put_training_targets_before_validation_and_validation_before_test():
    z = np.arange(100.0)                    # no season: x = z, so targets give positions
    rep = SeasonalProfile(1, 8, 4).fit(z[:70])
    (_, Y), (_, Y_val) = rep.windows(z, 70, 0, 70), rep.windows(z, 70, 70, 90)
    Y, Y_val = rep.y_scaler.inverse_transform(Y), rep.y_scaler.inverse_transform(Y_val)
    np.testing.assert_allclose(Y[0], [1, 2, 3, 4])        # c_h = x_{o+h} - x_o
    assert len(Y) == 70 - 8 - 4 + 1                        # origins 7 .. 65: last target 69
    assert len(Y_val) == 90 - 4 - 69                       # origins 69 .. 85: targets 70 .. 89


def test_difference_windows_match_the_version_1_split():
    t = np.arange(120.0)
    z = t ** 2 / 2                          # d_t = z_t - z_{t-12} = 12 t - 72: positions
    rep = SeasonalDifferences(12, 12, 12).fit(z[:106])
    (_, Y), (_, Y_val) = rep.windows(z, 106, 0, 106), rep.windows(z, 106, 106, 120)
    to_t = lambda d: (rep.scaler.inverse_transform(d) + 72) / 12      # noqa: E731
    assert to_t(Y).max() == 105 and to_t(Y_val).min() == 106 and to_t(Y_val).max() == 119


def test_a_hybrid_output_of_zero_is_seasonal_naive_with_drift_exactly():
    z = np.log(np.arange(1.0, 61.0) + 5 * (np.arange(60) % 12))
    rep = DriftResidual(12, 12, 18).fit(z[:48])
    np.testing.assert_allclose(rep.reconstruct(z, np.zeros(18)),
                               seasonal_naive_drift(z, 18, 12), atol=1e-12)


def test_hybrid_windows_use_the_drift_of_the_history_before_each_origin_only():
    rng = np.random.default_rng(0)
    z = np.cumsum(rng.standard_normal(80))
    rep = DriftResidual(4, 6, 3).fit(z[:60])
    X, Y = rep.windows(z, 60, 60, 80)                     # origins 60 .. 77
    d = z[4:] - z[:-4]
    g = d[:60 - 4].mean()                                 # the history z[:60] only
    np.testing.assert_allclose(Y[0] * rep.scale, d[56:59] - g, rtol=1e-5)
    np.testing.assert_allclose(X[0, :, 0] * rep.scale, d[50:56] - g, rtol=1e-5)
    np.testing.assert_allclose(rep.inputs(z[:60])[:, 0], X[0, :, 0], rtol=1e-6)
    assert len(Y) == 80 - 3 - 60 + 1


def test_a_saved_hybrid_comes_back_with_its_scale():
    rep = DriftResidual(12, 12, 6).fit(np.sin(np.arange(60.0)) + np.arange(60.0))
    again = from_dict(rep.to_dict(), 12, 12, 6)
    assert isinstance(again, DriftResidual) and again.scale == rep.scale
