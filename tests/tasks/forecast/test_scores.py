"""Metrics near zero, the non-negative transform, and conformal interval coverage."""
import numpy as np
import pytest

from rnnkit.tasks.forecast.scores import (Transform, backtest_coverage, conformal_widths,
                                          coverage, mape_applies, mase_scale, point_scores)


def test_scores_match_hand_computed_values():
    s = point_scores(np.array([2.0, 4.0]), np.array([3.0, 2.0]), scale=2.0, with_mape=True)
    assert s["rmse"] == pytest.approx(np.sqrt(2.5)) and s["mae"] == 1.5
    assert s["mase"] == 0.75 and s["mape"] == pytest.approx(50.0)
    assert s["smape"] == pytest.approx(100 * (2 / 5 + 4 / 6) / 2)


def test_smape_stays_finite_where_mape_would_divide_by_zero():
    s = point_scores(np.array([0.0, 0.0]), np.array([0.0, 1.0]), 1.0, with_mape=False)
    assert s["smape"] == 100.0 and s["mape"] is None
    assert not mape_applies(np.array([0.0, 3.0, 9.0])) and mape_applies(np.array([90.0, 110]))


def test_mase_scale_is_the_in_sample_seasonal_naive_error():
    assert mase_scale(np.array([1.0, 5.0, 2.0, 7.0]), 2) == 1.5


def test_a_count_series_with_zeros_is_modelled_on_log1p_and_never_forecast_below_zero():
    t = Transform.for_series(np.array([0.0, 2.0, 7.0]))
    assert t.kind == "log1p" and t.non_negative
    assert t.inverse(np.array([-3.0, -0.1])).min() == 0.0
    np.testing.assert_allclose(t.inverse(t.forward(np.array([0.0, 2.0, 7.0]))), [0, 2, 7])


def test_a_series_with_negative_values_is_left_on_its_scale():
    t = Transform.for_series(np.array([-1.0, 2.0]))
    assert t.kind == "none" and t.inverse(np.array([-5.0]))[0] == -5.0


def test_conformal_intervals_cover_about_the_nominal_share_of_new_errors():
    """Calibrate on 200 AR(1) forecast errors, then count fresh errors inside: ~80%."""
    rng = np.random.default_rng(0)
    scale = np.sqrt(np.arange(1, 7))                       # errors grow with the step
    calibration = np.abs(rng.standard_normal((200, 6)) * scale)
    q = conformal_widths(calibration, 0.8)
    fresh = rng.standard_normal((5000, 6)) * scale
    inside = 100 * np.mean(np.abs(fresh) <= q)
    assert 77 <= inside <= 83
    assert np.all(np.diff(q) >= 0)
    assert coverage(fresh[:, 0], -q[0], q[0]) == pytest.approx(100 * np.mean(
        np.abs(fresh[:, 0]) <= q[0]))


def test_the_check_before_the_test_finds_nominal_coverage_only_where_the_errors_are_steady():
    """400 origins of 3 steps: steady errors give ~80% on the later half; errors that grow
    over time leave the earlier origins' widths too narrow for the later ones."""
    rng = np.random.default_rng(1)
    origins = np.arange(400)
    steady = rng.standard_normal((400, 3))
    assert 76 <= backtest_coverage(origins, steady, 0.8) <= 84
    growing = steady * np.exp(origins / 100)[:, None]
    assert backtest_coverage(origins, growing, 0.8) < 60
    shuffled = rng.permutation(400)                       # the order of the rows is not time
    assert backtest_coverage(origins[shuffled], growing[shuffled], 0.8) == \
        backtest_coverage(origins, growing, 0.8)


def test_the_check_before_the_test_uses_only_origins_whose_targets_were_seen():
    """H = 3, origins 0-7, the later half 4-7 checked. Huge errors at 5 and 6 fall outside
    their own intervals; the origin at 6 must not be calibrated on 5 (5 + 3 > 6), nor 7 on
    either, so 7 stays inside: 2 of 4. Calibrating on every earlier origin would give 3."""
    e = np.ones((8, 3))
    assert backtest_coverage(np.arange(8), e, 0.8) == 100.0
    e[5:7] = 100.0
    assert backtest_coverage(np.arange(8), e, 0.8) == 50.0
    assert backtest_coverage(np.arange(2), e[:2], 0.8) is None          # nothing calibrated
