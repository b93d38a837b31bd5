"""rnnkit forecast: a genuine held-out forecast against seasonal naive, a run folder, predict."""
import json

import numpy as np
import pytest

from rnnkit import cli
from rnnkit.datasets import dataset_path, load_airline_passengers, load_co2
from rnnkit.preprocessing.timeseries import mape
from rnnkit.tasks import forecast as fc

AIRLINE = dataset_path("airline_passengers") / "airline_passengers.csv"
CO2 = dataset_path("co2_mauna_loa") / "co2_weekly.csv"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick forecast of the bundled airline data, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("forecast") / "run"
    return fc.forecast(quick=True, out=out), out


def write_csv(path, rows, header="month,value"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_quick_forecast_on_airline_writes_every_artifact(quick_run):
    result, out = quick_run
    assert result["run_dir"] == str(out)
    for name in ("model/config.json", "model/model.safetensors", "scaler.json", "task.json",
                 "metrics.json", "curves.png", "forecast.png", "report.html"):
        assert (out / name).is_file(), name
    assert not list(out.parent.glob(".run.partial*"))
    page = (out / "report.html").read_text()
    assert 'src="forecast.png"' in page and 'src="curves.png"' in page   # relative links
    assert json.loads((out / "metrics.json").read_text())["model"] == result["model"]


def test_quick_forecast_beats_nothing_at_all_sanity_bounds(quick_run):
    result, _ = quick_run
    truth = load_airline_passengers()[1][-24:]
    mean_rmse = float(np.sqrt(np.mean((truth - truth.mean()) ** 2)))  # forecasting the mean
    assert result["model"]["rmse"] < 0.5 * mean_rmse
    assert result["model"]["mape"] < result["baseline"]["mape"]
    assert result["baseline"]["mape"] == pytest.approx(10.52, abs=0.01)   # the number
    assert result["protocol"]["blocks"] == 2 and result["protocol"]["test_start"] == "1959-01"


def test_scaler_is_fitted_on_the_training_part_only(quick_run):
    result, out = quick_run
    scaler = json.loads((out / "scaler.json").read_text())
    y = load_airline_passengers()[1]
    n_train = result["split"]["train"]
    assert n_train + result["split"]["validation"] + 24 == len(y)
    d = np.log(y[12:]) - np.log(y[:-12])          # d[i] belongs to month i + 12
    assert scaler["mean"] == pytest.approx(d[:n_train - 12].mean())
    assert scaler["mean"] != pytest.approx(d[:len(y) - 24 - 12].mean())


def test_predict_from_a_saved_run_returns_h_values(quick_run):
    _, out = quick_run
    after_series = fc.predict(out)
    assert len(after_series["forecast"]) == 12 and np.isfinite(after_series["forecast"]).all()
    assert after_series["after"] == "1960-12" and after_series["index"][0] == "1961-01"
    from_file = fc.predict(out, input_path=AIRLINE)
    np.testing.assert_allclose(from_file["forecast"], after_series["forecast"], rtol=1e-6)
    assert len(fc.predict(out, horizon=30)["forecast"]) == 30


def test_predict_after_1958_forecasts_the_first_test_year_like_the_run(quick_run, tmp_path):
    result, out = quick_run
    lines = AIRLINE.read_text().splitlines()
    upto_1958 = write_csv(tmp_path / "upto1958.csv", lines[1:121], header=lines[0])
    first_year = fc.predict(out, input_path=upto_1958, column="Passengers")
    assert first_year["after"] == "1958-12"
    truth = load_airline_passengers()[1][120:132]
    assert mape(truth, np.array(first_year["forecast"])) < result["baseline"]["mape"]


def test_training_targets_end_before_validation_and_validation_before_the_test():
    s = {"n_train": 106, "n_pre": 120, "season": 12, "window": 12, "horizon": 12}
    positions = np.arange(120 - 12, dtype=np.float32)     # d[i] is the change into month i + 12
    (_, Y), (X_val, Y_val) = fc._windows(positions, s)
    assert Y.max() + 12 == 105 and Y_val.min() + 12 == 106 and Y_val.max() + 12 == 119
    assert X_val.min() + 12 >= 106 - 12                    # inputs may reach back into training


def test_blocks_protocol_feeds_each_block_only_the_values_before_it():
    raw = np.arange(1.0, 61.0)
    seen = []

    def spy(history):
        seen.append(history.copy())
        return np.full(12, -1.0)

    s = {"raw": raw, "n_pre": 36, "horizon": 12, "season": 12, "missing": "interpolate"}
    fc._test_forecasts({**s, "protocol": "blocks"}, spy)
    assert [len(h) for h in seen] == [36, 48]
    np.testing.assert_array_equal(seen[1], raw[:48])            # true values of block 1
    seen.clear()
    model, _ = fc._test_forecasts({**s, "protocol": "recursive"}, spy)
    np.testing.assert_array_equal(seen[1][36:], -1.0)           # its own forecasts instead
    assert model.shape == (24,)


def test_co2_with_missing_weeks_interpolated_forecasts_a_year(tmp_path):
    result = fc.forecast(CO2, "co2", season=52, horizon=52, test_size=52, missing="interpolate",
                         batch_size=64, quick=True, out=tmp_path / "co2")
    assert result["model"]["mape"] < 1.0 and result["split"]["test"] == 52
    assert result["model"]["rmse"] < 2 * result["baseline"]["rmse"]
    assert fc.predict(tmp_path / "co2")["index"] is None    # YYYYMMDD labels: no next dates


def test_season_auto_finds_a_year_in_monthly_and_weekly_data():
    assert fc.detect_season(load_airline_passengers()[1]) == 12
    assert fc.detect_season(load_co2()[1]) == 52                  # missing weeks interpolated
    assert fc.detect_season(np.random.default_rng(0).standard_normal(300).cumsum()) == 1


@pytest.mark.parametrize("case", ["missing file", "unknown column", "non-numeric value",
                                  "series too short", "missing value with --missing error"])
def test_bad_input_is_one_line_on_stderr_exit_2_and_no_run_folder(case, tmp_path, capsys):
    rows = [f"2000-{m:02d},{100 + m}" for m in range(1, 13)] * 3
    argv = {
        "missing file": [str(tmp_path / "nope.csv")],
        "unknown column": [str(AIRLINE), "--column", "Pasengers"],
        "non-numeric value": [str(write_csv(tmp_path / "text.csv", rows[:20] + ["2002-09,lots"]
                                            + rows[20:]))],
        "series too short": [str(write_csv(tmp_path / "short.csv", rows))],
        "missing value with --missing error": [str(write_csv(tmp_path / "gap.csv", rows[:5] + [
            "2000-06,"] + rows[6:] * 4)), "--missing", "error"],
    }[case]
    before = sorted(tmp_path.iterdir())
    assert cli.main(["forecast", *argv, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnkit forecast: error:") and "\n" not in err
    assert "Traceback" not in err
    assert sorted(tmp_path.iterdir()) == before                  # no run folder, no partial


def test_an_existing_folder_that_is_not_a_run_is_never_replaced(tmp_path, capsys):
    keep = tmp_path / "notes"
    keep.mkdir()
    (keep / "mine.txt").write_text("precious")
    assert cli.main(["forecast", "--quick", "--out", str(keep)]) == 2
    assert (keep / "mine.txt").read_text() == "precious"
    assert "not a run folder" in capsys.readouterr().err

