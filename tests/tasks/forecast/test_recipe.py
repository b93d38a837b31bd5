"""rnnkit forecast end to end: a held-out score against every baseline, intervals, a run
folder that predict serves (new and version-1 runs)."""
import json
from dataclasses import replace

import numpy as np
import pytest

from rnnkit import cli
from rnnkit.datasets import dataset_path, load_airline_passengers
from rnnkit.tasks import forecast as fc
from rnnkit.tasks.forecast.data import Series
from rnnkit.tasks.forecast.recipe import Plan, hold_out_forecasts
from rnnkit.tasks.forecast.scores import Transform

AIRLINE = dataset_path("airline_passengers") / "airline_passengers.csv"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick forecast of the bundled airline data, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("forecast") / "run"
    return fc.forecast(quick=True, out=out, verbose=0), out


def test_quick_forecast_on_airline_writes_every_artifact(quick_run):
    result, out = quick_run
    assert result["run_dir"] == str(out)
    for name in ("model/config.json", "model/model.safetensors", "scaler.json", "task.json",
                 "metrics.json", "history.csv", "curves.png", "forecast.png", "forecasts.csv",
                 "report.html"):
        assert (out / name).is_file(), name
    history = (out / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,") and "val_loss" in history[0]
    assert len(history) == 1 + max(result["epochs_run"])
    page = (out / "report.html").read_text()
    assert 'src="forecast.png"' in page and "strongest baseline" in page
    assert "rnnkit forecast" in page                                     # the command
    assert json.loads((out / "metrics.json").read_text())["model"] == result["model"]


def test_every_baseline_is_scored_and_the_strongest_is_the_lowest_rmse(quick_run):
    result, _ = quick_run
    scored = result["baselines"]
    assert {"naive", "seasonal naive", "drift", "seasonal naive + drift"} <= set(scored)
    assert result["baseline"]["rmse"] == min(b["rmse"] for b in scored.values())
    assert scored["seasonal naive"]["mape"] == pytest.approx(10.52, abs=0.01)  # the issue's
    assert result["beats_baseline"] == (result["model"]["rmse"] < result["baseline"]["rmse"])
    assert result["transform"]["season"] == 12 and result["transform"]["season_from"] == \
        "detected"


def test_the_forecasts_file_holds_the_truth_inside_the_interval_as_counted(quick_run):
    result, out = quick_run
    lines = (out / "forecasts.csv").read_text().splitlines()
    rows = np.array([[float(c) for c in line.split(",")[1:5]] for line in lines[1:]])
    truth, model, low, high = rows.T
    np.testing.assert_allclose(truth, load_airline_passengers()[1][-24:])
    assert np.all(low <= model) and np.all(model <= high)
    inside = 100 * np.mean((truth >= low) & (truth <= high))
    assert inside == pytest.approx(result["intervals"]["coverage"])


def test_predict_from_a_saved_run_returns_h_values_with_intervals(quick_run):
    _, out = quick_run
    after = fc.predict(out)
    assert len(after["forecast"]) == 12 and np.isfinite(after["forecast"]).all()
    assert after["after"] == "1960-12" and after["index"][0] == "1961-01"
    assert np.all(np.array(after["lower"]) <= after["forecast"])
    from_file = fc.predict(out, input_path=AIRLINE)
    np.testing.assert_allclose(from_file["forecast"], after["forecast"], rtol=1e-6)
    assert len(fc.predict(out, horizon=30)["forecast"]) == 30


def test_predict_serves_a_version_1_run_folder(tmp_path):
    """Runs saved before this layout: seasonal differences, a bare scaler.json, a log flag,
    the tail of the series, no partner and no intervals."""
    out = tmp_path / "old"
    fc.forecast(quick=True, epochs=3, representation="differences", combine="none",
                out=out, verbose=0)
    new = fc.predict(out)
    scaler = json.loads((out / "scaler.json").read_text())["scaler"]
    (out / "scaler.json").write_text(json.dumps(scaler))
    task = json.loads((out / "task.json").read_text())
    for key in ("transform", "partner", "interval", "covariates"):
        task.pop(key)
    task.update(version=1, log=True)
    task["tail"] = {k: task["tail"][k][-24:] for k in ("index", "values")}
    (out / "task.json").write_text(json.dumps(task))
    old = fc.predict(out)
    assert "lower" not in old and "lower" in new
    np.testing.assert_allclose(old["forecast"], new["forecast"], rtol=1e-6)


def test_a_count_series_with_zeros_is_forecast_without_negative_values(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(96)
    counts = rng.poisson(np.maximum(0.2, 3 * np.sin(2 * np.pi * t / 12)))
    lines = [f"2000-{i},{c}" for i, c in enumerate(counts)]
    path = tmp_path / "counts.csv"
    path.write_text("month,count\n" + "\n".join(lines) + "\n")
    result = fc.forecast(path, season=12, quick=True, epochs=5, out=tmp_path / "run", verbose=0)
    assert result["transform"]["kind"] == "log1p" and result["model"]["mape"] is None
    rows = (tmp_path / "run" / "forecasts.csv").read_text().splitlines()[1:]
    values = np.array([[float(c) for c in r.split(",")[2:] if c] for r in rows])
    assert values.min() >= 0.0


def test_blocks_protocol_feeds_each_block_only_the_values_before_it():
    raw = np.arange(1.0, 61.0)
    seen = []

    def spy(history, h):
        seen.append(history.copy())
        return np.full(h, -1.0)
    settings = fc.Settings(horizon=12, test_size=24)
    series = Series("x", "v", [str(i) for i in range(60)], raw)
    plan = Plan(series, settings, 12, "given", 12, "differences", Transform("none", False),
                36, 30)
    hold_out_forecasts(plan, spy)
    assert [len(h) for h in seen] == [36, 48]
    np.testing.assert_array_equal(seen[1], raw[:48])            # true values of block 1
    seen.clear()
    plan.settings = replace(settings, protocol="recursive")
    model = hold_out_forecasts(plan, spy)
    np.testing.assert_array_equal(seen[1][36:], -1.0)           # its own forecasts instead
    assert model.shape == (24,)


def test_an_existing_folder_that_is_not_a_run_is_never_replaced(tmp_path, capsys):
    keep = tmp_path / "notes"
    keep.mkdir()
    (keep / "mine.txt").write_text("precious")
    assert cli.main(["forecast", "--quick", "--out", str(keep)]) == 2
    assert (keep / "mine.txt").read_text() == "precious"
    assert "not a run folder" in capsys.readouterr().err


def test_past_covariates_feed_the_network_and_predict_reads_them_again(tmp_path):
    """y follows x one step later: the network sees x's past as a third input channel."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(130).cumsum()
    y = np.concatenate([[0.0], x[:-1]]) + 0.1 * rng.standard_normal(130)
    path = tmp_path / "pair.csv"
    path.write_text("t,x,y\n" + "\n".join(f"{i},{a:.4f},{b:.4f}" for i, (a, b) in
                                          enumerate(zip(x, y))) + "\n")
    out = tmp_path / "run"
    result = fc.forecast(path, "y", covariates="x", season=None, horizon=1, test_size=10,
                         quick=True, epochs=30, out=out, verbose=0)
    assert result["transform"]["representation"] == "profile"
    assert json.loads((out / "task.json").read_text())["covariates"] == ["x"]
    assert json.loads((out / "scaler.json").read_text())["x_scaler"]["mean"].__len__() == 3
    again = fc.predict(out, input_path=path)
    assert np.isfinite(again["forecast"]).all()
    np.testing.assert_allclose(fc.predict(out)["forecast"], again["forecast"], rtol=1e-6)


def test_covariates_must_be_other_columns_of_the_file(tmp_path, capsys):
    code = cli.main(["forecast", "--dataset", "seattle_weather", "--column", "temp_max",
                     "--covariates", "temp_max", "--out", str(tmp_path / "run")])
    assert code == 2 and "--covariates names 'temp_max'" in capsys.readouterr().err



def test_the_intervals_are_also_checked_on_origins_before_the_test(quick_run):
    """The pre-test check says what coverage to expect when the test is like the past."""
    from rnnkit.tasks.forecast.report import console_summary
    result, out = quick_run
    before = result["intervals"]["before_test"]
    assert 0.0 <= before <= 100.0
    assert json.loads((out / "metrics.json").read_text())["intervals"]["before_test"] == before
    assert f"({before:.1f}% of the later pre-test origins' values" in console_summary(result, "x")
