"""Windows, splits, scalers, missing values, the seasonal naive baseline and its metrics."""

import json

import numpy as np
import pytest

from rnnkit.datasets import DataError, load_airline_passengers
from rnnkit.preprocessing.timeseries import (
    MinMaxScaler,
    StandardScaler,
    fill_missing,
    make_windows,
    mape,
    rmse,
    seasonal_naive,
    time_split,
)

# ---------------------------------------------------------------- make_windows


def test_windows_of_a_1d_series_have_a_feature_axis_in_x_and_none_in_y():
    X, Y = make_windows(np.arange(10.0), window=4, horizon=2)
    assert X.shape == (5, 4, 1) and Y.shape == (5, 2)
    np.testing.assert_array_equal(X[2, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(Y[2], [6, 7])


def test_windows_of_a_2d_series_keep_every_feature_in_x_and_y():
    series = np.arange(20.0).reshape(10, 2)                   # (T=10, F=2)
    X, Y = make_windows(series, window=3, horizon=1, stride=2)
    assert X.shape == (4, 3, 2) and Y.shape == (4, 1, 2)     # starts 0, 2, 4, 6
    np.testing.assert_array_equal(X[1], series[2:5])
    np.testing.assert_array_equal(Y[3], series[9:10])


def test_windows_count_follows_the_formula_for_every_stride():
    for T, window, horizon, stride in [(12, 12 - 1, 1, 1), (50, 7, 3, 4), (9, 2, 2, 10)]:
        X, _ = make_windows(np.zeros(T), window, horizon, stride)
        assert len(X) == (T - window - horizon) // stride + 1


def test_windows_keep_float32_for_torch_and_turn_integers_into_floats():
    assert make_windows(np.arange(5, dtype=np.float32), 2)[0].dtype == np.float32
    assert make_windows([1, 2, 3], 2)[0].dtype == np.float64


def test_windows_of_a_too_short_series_state_both_lengths_and_the_fix():
    with pytest.raises(DataError, match=r"window \+ horizon = 10 \+ 3 = 13 time steps, got 12"
                                        r"\. Use a smaller window"):
        make_windows(np.zeros(12), window=10, horizon=3)


def test_windows_refuse_nan_and_point_to_fill_missing():
    with pytest.raises(DataError, match="first at position\\(s\\) 3.*fill_missing"):
        make_windows(np.array([1.0, 2, 3, np.nan, 5, 6]), window=2)


@pytest.mark.parametrize("bad", [{"window": 0}, {"window": 2.5}, {"stride": -1}])
def test_windows_reject_non_positive_sizes(bad):
    with pytest.raises(ValueError, match="must be a positive integer"):
        make_windows(np.zeros(10), **{"window": 3, **bad})


# ------------------------------------------------------------------ time_split


def test_time_split_gives_contiguous_parts_in_time_order():
    train, val, test = time_split(144, val_fraction=0.1, test_size=24)
    assert (train, val, test) == (slice(0, 106), slice(106, 120), slice(120, 144))
    series = np.arange(144)
    assert np.concatenate([series[train], series[val], series[test]]).tolist() == list(range(144))


def test_time_split_takes_a_test_fraction_instead_of_a_size():
    assert time_split(100, val_fraction=0.0, test_fraction=0.25) == (
        slice(0, 75), slice(75, 75), slice(75, 100))


def test_time_split_refuses_both_test_size_and_test_fraction():
    with pytest.raises(ValueError, match="got both"):
        time_split(100, test_size=10, test_fraction=0.1)


def test_time_split_that_leaves_no_training_data_says_how_much_went_where():
    with pytest.raises(DataError, match="leaves -1 for training \\(validation 5, test 6\\)"):
        time_split(10, val_fraction=0.5, test_size=6)


# --------------------------------------------------------------------- scalers


@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler(feature_range=(-1.0, 1.0))])
def test_scalers_round_trip_through_transform_and_inverse(scaler):
    x = np.random.default_rng(0).normal(5.0, 3.0, size=(50, 3))
    scaler.fit(x)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(x)), x)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_scalers_survive_a_json_round_trip_of_their_dict(cls):
    x = np.random.default_rng(1).uniform(0, 10, size=(20, 2))
    scaler = cls().fit(x)
    restored = cls.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(restored.transform(x), scaler.transform(x))


def test_standard_scaler_ignores_nan_in_fit_and_keeps_nan_in_transform():
    x = np.array([1.0, np.nan, 3.0, 5.0])
    scaler = StandardScaler().fit(x)
    assert scaler.mean_ == pytest.approx(3.0) and scaler.scale_ == pytest.approx(np.std([1, 3, 5]))
    z = scaler.transform(x)
    assert np.isnan(z[1]) and z[0] == pytest.approx(-np.sqrt(1.5))


def test_a_scaler_fitted_on_training_data_only_uses_training_statistics():
    series = np.arange(100.0)
    train, _, test = time_split(100, test_size=20)
    scaler = MinMaxScaler().fit(series[train])
    assert scaler.transform(series[test]).min() > 1.0        # the future is outside [0, 1]


def test_scalers_fitted_on_a_1d_series_transform_windows_of_any_shape():
    series = np.arange(30.0)
    scaler = StandardScaler().fit(series)
    X, Y = make_windows(series, window=5)
    np.testing.assert_allclose(scaler.transform(X)[:, :, 0], scaler.transform(series)[
        np.arange(5)[None, :] + np.arange(len(X))[:, None]])
    assert scaler.transform(Y).shape == Y.shape


def test_minmax_scaler_maps_a_constant_feature_to_the_low_end():
    scaler = MinMaxScaler().fit(np.array([[1.0, 7.0], [2.0, 7.0]]))
    np.testing.assert_array_equal(scaler.transform(np.array([[1.5, 7.0]])), [[0.5, 0.0]])


def test_an_unfitted_scaler_says_to_fit_on_the_training_part_first():
    with pytest.raises(ValueError, match="not fitted yet.*training part only"):
        StandardScaler().transform(np.zeros(3))


def test_a_scaler_refuses_arrays_with_a_different_number_of_features():
    scaler = StandardScaler().fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="fitted on 3 features.*got an array of shape \\(5, 2\\)"):
        scaler.transform(np.zeros((5, 2)))


def test_a_scaler_refuses_to_fit_a_feature_that_is_all_nan():
    with pytest.raises(DataError, match="all NaN"):
        StandardScaler().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))


# ---------------------------------------------------------------- fill_missing


def test_fill_missing_interpolates_linearly_and_holds_the_ends():
    x = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(fill_missing(x, "interpolate"), [1, 1, 2, 3, 4, 4])
    assert np.isnan(x[0])                                     # the input is not modified


def test_fill_missing_forward_fills_and_backfills_only_the_leading_gap():
    x = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, 3.0]])
    np.testing.assert_array_equal(fill_missing(x, "ffill"), [[2, 1], [2, 1], [2, 3]])


def test_fill_missing_drop_removes_time_steps_with_any_missing_feature():
    x = np.array([[1.0, 2.0], [np.nan, 3.0], [4.0, 5.0]])
    np.testing.assert_array_equal(fill_missing(x, "drop"), [[1, 2], [4, 5]])


def test_fill_missing_error_policy_lists_the_first_missing_positions():
    x = np.arange(20.0)
    x[[2, 5, 7, 11, 13, 17, 19]] = np.nan
    with pytest.raises(DataError, match=r"7 time step\(s\) with NaN, first at position\(s\) "
                                        r"2, 5, 7, 11, 13 \(and 2 more\)"):
        fill_missing(x, "error")
    assert fill_missing(np.ones(3), "error").tolist() == [1, 1, 1]


def test_fill_missing_rejects_an_unknown_policy_and_an_all_missing_series():
    with pytest.raises(ValueError, match="'interpolate', 'ffill', 'drop', 'error'"):
        fill_missing(np.ones(3), "mean")
    with pytest.raises(DataError, match="every value is NaN"):
        fill_missing(np.full(3, np.nan))


# ---------------------------------------------------------- baseline and metrics


def test_seasonal_naive_repeats_the_last_season_over_a_longer_horizon():
    forecast = seasonal_naive(np.arange(1.0, 13.0).reshape(6, 2), horizon=3, season=2)
    np.testing.assert_array_equal(forecast, [[9, 10], [11, 12], [9, 10]])


def test_seasonal_naive_needs_one_full_season_of_history():
    with pytest.raises(DataError, match="at least one full season \\(12 steps\\).*got 5"):
        seasonal_naive(np.ones(5), horizon=3, season=12)


def test_seasonal_naive_on_the_last_24_airline_months_gives_the_known_mape():
    # The series is 144 integers, so each MAPE is exact up to float rounding (~1e-13);
    # abs=5e-3 pins the reference values to the two decimals they were computed and quoted
    # with (by hand, in plain Python floats), with room for nothing else.
    _, passengers = load_airline_passengers()
    history, truth = passengers[:-24], passengers[-24:]
    # Rolling origin, one season ahead: each test year is forecast from all data before it,
    # i.e. y_hat[t] = y[t - 12]. This is the figure usually quoted for this split (~10.5%).
    rolling = np.concatenate([seasonal_naive(history, 12, 12),
                              seasonal_naive(passengers[:-12], 12, 12)])
    np.testing.assert_array_equal(rolling, passengers[-36:-12])
    assert mape(truth, rolling) == pytest.approx(10.52, abs=5e-3)
    # One 24-month forecast from the 1958 season repeats it twice and misses the 1960 growth.
    direct = seasonal_naive(history, horizon=24, season=12)
    assert mape(truth, direct) == pytest.approx(15.52, abs=5e-3)
    assert rmse(truth, direct) == pytest.approx(76.99, abs=5e-3)


def test_mape_on_a_truth_with_zeros_says_it_is_undefined_and_suggests_rmse():
    with pytest.raises(DataError, match=r"got 2 zero\(s\), first at flat position\(s\) 1, 3\. "
                                        "Use rmse"):
        mape([1.0, 0.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0])


def test_metrics_refuse_shapes_that_would_broadcast_silently():
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(3, 1\)"):
        rmse(np.zeros(3), np.zeros((3, 1)))


def test_metrics_refuse_nan_and_name_where_it_is():
    with pytest.raises(DataError, match="NaN in y_pred at flat position\\(s\\) 1"):
        rmse([1.0, 2.0], [1.0, np.nan])
